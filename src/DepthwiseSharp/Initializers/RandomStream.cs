namespace DepthwiseSharp.Initializers;

/// <summary>
/// The library's own deterministic generator: xoshiro256** seeded through SplitMix64, with uniform doubles from the top
/// 53 bits and normals from Marsaglia's polar method using <see cref="DeterministicMath.Log"/>. Every step uses only IEEE
/// basic operations (+, -, *, /, sqrt), so a seed gives bit-identical doubles on every machine and runtime.
/// </summary>
/// <remarks>A mutable value type: each Fill call makes its own copy from the seed, so initializers share no state.</remarks>
internal struct RandomStream
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Seeds the four state words with consecutive SplitMix64 outputs of <paramref name="seed"/>.</summary>
    public RandomStream(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        _spare = 0;
        _hasSpare = false;
    }

    /// <summary>One SplitMix64 step (Steele, Lea and Flood; Vigna's reference constants).</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        unchecked
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Builds a stream from explicit state words (for reference-vector tests).</summary>
    internal static RandomStream FromState(ulong s0, ulong s1, ulong s2, ulong s3) =>
        new() { _s0 = s0, _s1 = s1, _s2 = s2, _s3 = s3 };

    /// <summary>The next 64-bit xoshiro256** output.</summary>
    public ulong NextUInt64()
    {
        unchecked
        {
            ulong result = RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = RotateLeft(_s3, 45);
            return result;
        }
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits times 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>A standard normal draw (mean 0, variance 1) by Marsaglia's polar method; the second value of each pair is kept for the next call.</summary>
    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextDouble()) - 1.0;
            v = (2.0 * NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        double f = Math.Sqrt(-2.0 * DeterministicMath.Log(s) / s);
        _spare = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>A standard normal draw conditioned on |z| &lt;= 2 (values outside are discarded and redrawn).</summary>
    public double NextTruncatedNormal()
    {
        while (true)
        {
            double z = NextNormal();
            if (Math.Abs(z) <= 2.0)
            {
                return z;
            }
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
