using System.Runtime.Intrinsics;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Tests.HalfPrecision;

/// <summary>
/// The float16 lanes of the fused kernels (<see cref="HalfLanes"/>: integer and float32 arithmetic, .NET 10 exposing no
/// float16 conversion instruction) against the scalar conversions of <see cref="Half"/>, and both types' lanes through
/// the one <see cref="IHalfLanes"/> interface the kernels call: the same bits for every input tried.
/// </summary>
public class HalfLanesTests
{
    /// <summary>
    /// Every float16 pattern widened by 16 and by 8 lanes: normal, subnormal, zeros of both signs, infinities, quiet and
    /// signaling NaNs with every payload.
    /// </summary>
    [Fact]
    public void Float16_widening_matches_the_scalar_conversion_on_every_pattern()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            return;
        }

        CheckWidening<HalfLanes>(bits => (float)BitConverter.UInt16BitsToHalf(bits));
        CheckWidening<BFloat16Lanes>(bits => (float)BFloat16.FromBits(bits));
    }

    /// <summary>
    /// Rounding to float16: for every float16 value, the value itself, the float32 midpoint to the next value up (a tie:
    /// ties to even), the float32 values just below and just above that midpoint, and the same under the minus sign; so
    /// every subnormal step, every carry into the exponent and the overflow to infinity at 65520. Then float32 values
    /// beyond float16's range both ways, infinities, NaNs with payloads, and a million random bit patterns. Through
    /// 16 lanes, 8 lanes, and the line kernel's round-and-pack of two vectors.
    /// </summary>
    [Fact]
    public void Float16_rounding_matches_the_scalar_conversion_at_every_boundary()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            return;
        }

        var values = new List<float>();
        for (int h = 0; h < 0x7C00; h++)
        {
            float v = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float next = h + 1 < 0x7C00 ? (float)BitConverter.UInt16BitsToHalf((ushort)(h + 1)) : 65536f;
            float mid = (v + next) / 2;
            foreach (float f in (float[])[v, mid, MathF.BitDecrement(mid), MathF.BitIncrement(mid)])
            {
                values.Add(f);
                values.Add(-f);
            }
        }

        values.AddRange([65519.996f, 65520f, 65536f, 1e10f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f,
            float.Epsilon, 1e-8f, 2.9802322e-8f, 2.9802326e-8f, float.NaN, BitConverter.UInt32BitsToSingle(0x7F80_0001),
            BitConverter.UInt32BitsToSingle(0xFFA0_2000), BitConverter.UInt32BitsToSingle(0x7FFF_FFFF), BitConverter.UInt32BitsToSingle(0x7FC0_1FFF)]);
        var rng = new Random(5);
        for (int i = 0; i < 1_000_000; i++)
        {
            values.Add(BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)));
        }

        CheckRounding<HalfLanes>(values, v => BitConverter.HalfToUInt16Bits((Half)v));
        CheckRounding<BFloat16Lanes>(values, v => ((BFloat16)v).ToBits());
    }

    /// <summary>
    /// The finite lanes (<see cref="FiniteHalfLanes"/>, for tiles and rows whose values are all finite) give the scalar
    /// conversions' bits on every finite float16 pattern and every value that is not NaN: widening by 16 lanes, the lower and
    /// upper values of 32-bit lanes, rounding (overflow to infinity included), packing and interleaving; and
    /// <see cref="FiniteHalfLanes.AllFinite"/> finds an infinity or NaN at every position of spans of many lengths.
    /// </summary>
    [Fact]
    public void Finite_float16_lanes_match_the_scalar_conversions_on_finite_values()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            return;
        }

        static uint Wide(ushort h) => BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(h));
        static ushort Narrow(float v) => BitConverter.HalfToUInt16Bits((Half)v);
        var finite = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(h => (h & 0x7C00) != 0x7C00).ToArray();
        var bits = new ushort[32];
        for (int i = 0; i + 32 <= finite.Length; i += 32)
        {
            finite.AsSpan(i, 32).CopyTo(bits);
            var line = Vector512.Create(bits).AsUInt32();
            // The finite lanes widen to the value times 2^-112 (their taps carry the 2^112): scaled back, every value exactly.
            float scale = FiniteHalfLanes.TapScale;
            Assert.Equal(MathF.Pow(2, 112), scale);
            var low = (FiniteHalfLanes.Low(line) * scale).AsUInt32();
            var high = (FiniteHalfLanes.High(line) * scale).AsUInt32();
            var sixteen = (FiniteHalfLanes.Widen(Vector256.Create(bits.AsSpan(0, 16))) * scale).AsUInt32();
            var eight = (FiniteHalfLanes.Widen(Vector128.Create(bits.AsSpan(0, 8))) * scale).AsUInt32();
            for (int j = 0; j < 16; j++)
            {
                Assert.True(Wide(bits[2 * j]) == low[j], $"Low 0x{bits[2 * j]:X4}");
                Assert.True(Wide(bits[2 * j + 1]) == high[j], $"High 0x{bits[2 * j + 1]:X4}");
                Assert.True(Wide(bits[j]) == sixteen[j], $"Widen 0x{bits[j]:X4}");
                Assert.True(Wide(bits[j]) == BitConverter.SingleToUInt32Bits(FiniteHalfLanes.Widen(bits[j]) * scale), $"scalar 0x{bits[j]:X4}");
                if (j < 8)
                {
                    Assert.Equal(Wide(bits[j]), eight[j]);
                }
            }
        }

        var rng = new Random(7);
        var floats = new float[32];
        for (int i = 0; i < 200_000; i++)
        {
            for (int j = 0; j < 32; j++)
            {
                // Random patterns, NaN excluded; every eighth near float16's range (overflow, subnormals).
                float v = j % 8 == 0 ? (float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-30, 20)))
                    : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
                floats[j] = float.IsNaN(v) ? float.PositiveInfinity : v;
            }

            var low = Vector512.Create(floats.AsSpan(0, 16));
            var high = Vector512.Create(floats.AsSpan(16, 16));
            var narrow = FiniteHalfLanes.Narrow(low);
            var packed = FiniteHalfLanes.Pack(FiniteHalfLanes.Round(low), FiniteHalfLanes.Round(high));
            var interleaved = FiniteHalfLanes.Interleave(low, high);
            for (int j = 0; j < 16; j++)
            {
                Assert.True(Narrow(floats[j]) == narrow[j], $"Narrow 0x{BitConverter.SingleToUInt32Bits(floats[j]):X8}");
                Assert.Equal(Narrow(floats[j]), packed[j]);
                Assert.Equal(Narrow(floats[16 + j]), packed[16 + j]);
                Assert.Equal(Narrow(floats[j]), interleaved[2 * j]);
                Assert.Equal(Narrow(floats[16 + j]), interleaved[2 * j + 1]);
            }
        }

        // Interleave against the scalar conversions, both types: value 2i from the even vector, 2i + 1 from the odd.
        CheckInterleave<HalfLanes>(floats, v => BitConverter.HalfToUInt16Bits((Half)v));
        CheckInterleave<BFloat16Lanes>(floats, v => ((BFloat16)v).ToBits());

        foreach (int n in (int[])[0, 1, 31, 32, 33, 127, 128, 129, 300])
        {
            var values = new ushort[n];
            Array.Fill(values, (ushort)0x3C00);
            Assert.True(FiniteHalfLanes.AllFinite(values));
            for (int at = 0; at < n; at++)
            {
                foreach (ushort special in (ushort[])[0x7C00, 0xFC00, 0x7E00, 0xFD01])
                {
                    values[at] = special;
                    Assert.False(FiniteHalfLanes.AllFinite(values), $"length {n}, 0x{special:X4} at {at}");
                }

                values[at] = 0x7BFF;
            }

            Assert.True(FiniteHalfLanes.AllFinite(values));
        }
    }

    /// <summary>
    /// The finite lanes' in-kernel check (<see cref="IHalfLanes.Track"/>): after widening, every float16 pattern whose exponent
    /// bits are all ones (infinity or NaN) marks the vector unclean, and no other does.
    /// </summary>
    [Fact]
    public void Finite_float16_lanes_track_exactly_the_non_finite_patterns()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            return;
        }

        // The oracle: a float16 pattern is finite unless its exponent bits are all ones. Every pattern, alone in a vector
        // of finite values (1.0), then folded after a vector that was clean.
        for (int bits = 0; bits < 65536; bits++)
        {
            var values = new ushort[16];
            Array.Fill(values, (ushort)0x3C00);
            values[bits % 16] = (ushort)bits;
            var widened = FiniteHalfLanes.Widen(Vector256.Create(values));
            var largest = FiniteHalfLanes.Widen(Vector256.Create((ushort)0x7BFF)); // 65504, the largest finite value
            var seen = FiniteHalfLanes.Track(FiniteHalfLanes.Track(Vector512<float>.Zero, largest), widened);
            bool finite = (bits & 0x7C00) != 0x7C00;
            Assert.True(finite == FiniteHalfLanes.Clean(seen), $"0x{bits:X4}");
        }

        // The exact lanes need no check.
        Assert.True(HalfLanes.Clean(HalfLanes.Track(Vector512<float>.Zero, Vector512.Create(float.NaN))));
        Assert.True(BFloat16Lanes.Clean(BFloat16Lanes.Track(Vector512<float>.Zero, Vector512.Create(float.PositiveInfinity))));
    }

    private static void CheckInterleave<TL>(float[] floats, Func<float, ushort> scalar)
        where TL : struct, IHalfLanes
    {
        var even = Vector512.Create(floats.AsSpan(0, 16));
        var odd = Vector512.Create(floats.AsSpan(16, 16));
        var line = TL.Interleave(even, odd);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(scalar(floats[i]), line[2 * i]);
            Assert.Equal(scalar(floats[16 + i]), line[2 * i + 1]);
        }
    }

    private static void CheckWidening<TL>(Func<ushort, float> scalar)
        where TL : struct, IHalfLanes
    {
        var lanes = new ushort[16];
        var floats = new float[16];
        for (int i = 0; i < 65536; i += 16)
        {
            for (int j = 0; j < 16; j++)
            {
                lanes[j] = (ushort)(i + j);
            }

            TL.Widen(Vector256.Create(lanes)).CopyTo(floats);
            var eight = TL.Widen(Vector128.Create(lanes.AsSpan(8, 8)));
            for (int j = 0; j < 16; j++)
            {
                uint expected = BitConverter.SingleToUInt32Bits(scalar(lanes[j]));
                Assert.True(expected == BitConverter.SingleToUInt32Bits(floats[j]), $"{typeof(TL).Name} 0x{lanes[j]:X4}: 0x{BitConverter.SingleToUInt32Bits(floats[j]):X8}, expected 0x{expected:X8}");
                Assert.Equal(expected, BitConverter.SingleToUInt32Bits(TL.Widen(lanes[j])));
                if (j >= 8)
                {
                    Assert.Equal(expected, BitConverter.SingleToUInt32Bits(eight[j - 8]));
                }
            }
        }
    }

    private static void CheckRounding<TL>(List<float> values, Func<float, ushort> scalar)
        where TL : struct, IHalfLanes
    {
        var floats = new float[32];
        var lanes = new ushort[16];
        for (int i = 0; i + 32 <= values.Count; i += 32)
        {
            values.CopyTo(i, floats, 0, 32);
            var low = Vector512.Create(floats.AsSpan(0, 16));
            var high = Vector512.Create(floats.AsSpan(16, 16));
            TL.Narrow(low).CopyTo(lanes);
            var eight = TL.Narrow(Vector256.Create(floats.AsSpan(16, 8)));
            var line = TL.Pack(TL.Round(low), TL.Round(high));
            for (int j = 0; j < 32; j++)
            {
                ushort expected = scalar(floats[j]);
                Assert.True(expected == line[j], $"{typeof(TL).Name} 0x{BitConverter.SingleToUInt32Bits(floats[j]):X8}: line 0x{line[j]:X4}, expected 0x{expected:X4}");
                Assert.Equal(expected, TL.Narrow(floats[j]));
                if (j < 16)
                {
                    Assert.Equal(expected, lanes[j]);
                }
                else if (j < 24)
                {
                    Assert.Equal(expected, eight[j - 16]);
                }
            }
        }
    }
}
