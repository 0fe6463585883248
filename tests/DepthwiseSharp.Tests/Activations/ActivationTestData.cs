using System.Numerics;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Tests.Activations;

/// <summary>Inputs, lengths and tolerances shared by the activation tests.</summary>
internal static class ActivationTestData
{
    /// <summary>Values every forward test meets: zeros, tiny values, kinks, saturation and overflow regions.</summary>
    public static readonly double[] SpecialPoints =
    [
        0.0, -0.0, 1e-10, -1e-10, 1e-3, -1e-3, 0.25, -0.25, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.0, -3.0, 6.0, -6.0,
        8.0, -8.0, 20.0, -20.0, 30.0, -30.0, 100.0, -100.0,
    ];

    /// <summary>0..70 (every vector width and tail for float and double up to 512-bit) plus a few large ones.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, 71).Concat([127, 128, 129, 255, 256, 257, 1000, 1031, 4099]);

    public static TheoryData<string> AllNames => new(ActivationReference.AllNames);

    public static TheoryData<string> ElementwiseNames => new(ActivationReference.ElementwiseNames);

    public static TheoryData<string> RowNames => new(ActivationReference.RowNames);

    /// <summary>Uniform values in [-8, 8] with the special points sprinkled in.</summary>
    public static double[] Values(int n, int seed, bool specials = true)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = rng.NextDouble() * 16 - 8;
        }

        if (specials)
        {
            for (int i = 0, s = seed % SpecialPoints.Length; i < n; i += 3, s++)
            {
                v[i] = SpecialPoints[s % SpecialPoints.Length];
            }
        }

        return v;
    }

    /// <summary>Uniform values in [lo, hi] at least <paramref name="gap"/> away from every kink.</summary>
    public static double[] AwayFromKinks(int n, int seed, double lo, double hi, double gap = 1e-3)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x;
            do
            {
                x = lo + rng.NextDouble() * (hi - lo);
            }
            while (ActivationReference.Kinks.Any(k => Math.Abs(x - k) < gap));
            v[i] = x;
        }

        return v;
    }

    public static T[] Cast<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => values.Select(T.CreateTruncating).ToArray();

    public static double[] ToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            d[i] = double.CreateTruncating(values[i]);
        }

        return d;
    }

    /// <summary>The default forward tolerance: 1e-12 (double) or 1e-6 (float), relative above 1 and absolute below.</summary>
    public static double Tolerance<T>() => typeof(T) == typeof(double) ? 1e-12 : 1e-6;

    /// <summary>
    /// Asserts |actual - expected| &lt;= tol * max(1, |expected|) for every element; an expected value that overflows
    /// <typeparamref name="T"/> must come out as the same infinity.
    /// </summary>
    public static void AssertClose<T>(ReadOnlySpan<T> actual, double[] expected, double tol, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            double e = expected[i];
            double rounded = double.CreateTruncating(T.CreateTruncating(e));
            if (double.IsNaN(e))
            {
                Assert.True(double.IsNaN(a), $"{what}[{i}]: expected NaN, got {a:R}");
                continue;
            }

            if (double.IsInfinity(rounded))
            {
                Assert.True(a == rounded, $"{what}[{i}]: expected {rounded}, got {a:R}");
                continue;
            }

            double err = Math.Abs(a - e);
            Assert.True(err <= tol * Math.Max(1.0, Math.Abs(e)), $"{what}[{i}]: expected {e:R}, got {a:R} (error {err:E3}, tolerance {tol:E1})");
        }
    }

    /// <summary>Runs the forward pass out of place.</summary>
    public static T[] Forward<T>(Activation act, T[] z, int lastAxis)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new T[lastAxis == 0 ? 0 : z.Length / lastAxis * act.OutputLastAxisLength(lastAxis)];
        act.Forward<T>(z, y, lastAxis);
        return y;
    }

    /// <summary>A last-axis length suited to <paramref name="name"/> for a flat test of length n (glu needs even rows).</summary>
    public static int LastAxisFor(string name, int n) => name == "glu" ? (n % 2 == 0 ? n : n - 1) : n;
}
