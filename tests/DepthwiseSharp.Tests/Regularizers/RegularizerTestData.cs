namespace DepthwiseSharp.Tests.Regularizers;

internal static class RegularizerTestData
{
    public static double[] RandomDoubles(int count, int seed, double scale = 1.0)
    {
        var rng = new Random(seed);
        var a = new double[count];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = ((rng.NextDouble() * 2.0) - 1.0) * scale;
        }

        return a;
    }

    public static int Product(int[] shape)
    {
        int p = 1;
        foreach (int d in shape)
        {
            p *= d;
        }

        return p;
    }

    public static void AssertClose(double expected, double actual, double rel, double abs = 0.0)
    {
        double tol = Math.Max(abs, rel * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"expected {expected:R}, actual {actual:R}, tolerance {tol:R}");
    }
}
