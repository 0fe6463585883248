namespace DepthwiseSharp.Tests.Constraints;

/// <summary>Independent float64 reference for the norm constraints on rank-3 tensors, written with explicit loops.</summary>
internal static class ConstraintReference
{
    public const double Eps = 1e-7;

    /// <summary>Norms of the groups of a rank-3 tensor reduced over <paramref name="reduce"/>; key: the kept indices (reduced ones set to 0).</summary>
    public static double[] GroupNorms(double[] w, int[] s, bool[] reduce)
    {
        var sums = new Dictionary<(int, int, int), double>();
        for (int a = 0; a < s[0]; a++)
        {
            for (int b = 0; b < s[1]; b++)
            {
                for (int c = 0; c < s[2]; c++)
                {
                    var key = (reduce[0] ? 0 : a, reduce[1] ? 0 : b, reduce[2] ? 0 : c);
                    double x = w[(((a * s[1]) + b) * s[2]) + c];
                    sums[key] = sums.GetValueOrDefault(key) + (x * x);
                }
            }
        }

        var norms = new double[w.Length];
        for (int a = 0; a < s[0]; a++)
        {
            for (int b = 0; b < s[1]; b++)
            {
                for (int c = 0; c < s[2]; c++)
                {
                    norms[(((a * s[1]) + b) * s[2]) + c] = Math.Sqrt(sums[(reduce[0] ? 0 : a, reduce[1] ? 0 : b, reduce[2] ? 0 : c)]);
                }
            }
        }

        return norms;
    }

    public static double[] MaxNorm(double[] w, int[] s, bool[] reduce, double max)
    {
        double[] n = GroupNorms(w, s, reduce);
        return w.Select((x, i) => x * (Math.Min(Math.Max(n[i], 0), max) / (Eps + n[i]))).ToArray();
    }

    public static double[] MinMaxNorm(double[] w, int[] s, bool[] reduce, double min, double max, double rate)
    {
        double[] n = GroupNorms(w, s, reduce);
        return w.Select((x, i) => x * (((rate * Math.Min(Math.Max(n[i], min), max)) + ((1 - rate) * n[i])) / (Eps + n[i]))).ToArray();
    }

    public static double[] UnitNorm(double[] w, int[] s, bool[] reduce)
    {
        double[] n = GroupNorms(w, s, reduce);
        return w.Select((x, i) => x / (Eps + n[i])).ToArray();
    }

    public static double[] Random(int count, int seed, double scale)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => ((rng.NextDouble() * 2) - 1) * scale).ToArray();
    }

    public static void AssertAllClose(double[] expected, double[] actual, double rel, double abs)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = Math.Max(abs, rel * Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"index {i}: expected {expected[i]:R}, actual {actual[i]:R}");
        }
    }
}
