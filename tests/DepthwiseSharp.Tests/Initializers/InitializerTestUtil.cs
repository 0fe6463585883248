using DepthwiseSharp.Initializers;

namespace DepthwiseSharp.Tests.Initializers;

internal static class InitializerTestUtil
{
    public static double[] FillDouble(Initializer init, params int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        var values = new double[n];
        init.Fill<double>(values, shape);
        return values;
    }

    public static float[] FillFloat(Initializer init, params int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        var values = new float[n];
        init.Fill<float>(values, shape);
        return values;
    }

    public static (double Mean, double Variance, double Min, double Max) Stats(IReadOnlyList<double> x)
    {
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in x)
        {
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = sum / x.Count;
        double ss = 0;
        foreach (double v in x)
        {
            ss += (v - mean) * (v - mean);
        }

        return (mean, ss / (x.Count - 1), min, max);
    }
}
