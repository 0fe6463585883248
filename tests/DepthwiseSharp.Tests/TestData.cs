using System.Numerics.Tensors;
using DepthwiseSharp.IO;

namespace DepthwiseSharp.Tests;

/// <summary>Paths and loaders for the reference data copied into TestData/ (from ../shared at the time it was copied).</summary>
internal static class TestData
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "TestData");

    public static string Golden(string caseName, string file) => Path.Combine(Root, "golden", caseName, file);

    public static IEnumerable<string> GoldenCases() =>
        Directory.GetDirectories(Path.Combine(Root, "golden")).Select(Path.GetFileName).Order().Cast<string>();

    public static Tensor<float> ReadSingle(string path) => Npy.Read(path).ToTensorSingle();

    public static Tensor<double> ReadDouble(string path) => Npy.Read(path).ToTensorDouble();

    /// <summary>||actual - expected||_2 / ||expected||_2, computed in double (the golden tolerance of SPEC section 10).</summary>
    public static double NormwiseRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = actual[i] - expected[i];
            num += diff * diff;
            den += expected[i] * expected[i];
        }

        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }

    public static float[] Flat(Tensor<float> t)
    {
        var a = new float[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }

    public static double[] Flat(Tensor<double> t)
    {
        var a = new double[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }

    public static int[] Shape<T>(Tensor<T> t) => t.Lengths.ToArray().Select(x => (int)x).ToArray();
}
