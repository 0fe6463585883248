using System.Numerics.Tensors;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.KerasFiles;

/// <summary>The Keras files copied into TestData/keras-files (from shared/keras-files, plus fixtures/ made by make_fixtures.py).</summary>
internal static class KerasTestFiles
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "TestData", "keras-files");

    public static string File(string name) => Path.Combine(Root, name);

    public static string Fixture(string name) => Path.Combine(Root, "fixtures", name);

    /// <summary>Every Keras file of the shared set.</summary>
    public static readonly string[] SharedFiles =
    [
        "sequential.keras", "sequential.weights.h5", "legacy_model.h5", "legacy_weights.h5", "real/nested_dense_model.keras",
    ];

    public static string TempPath(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "depthwise-keras-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    public static Tensor<float> X => Npy.Read(File("x.npy")).ToTensorSingle();

    public static double[] Expected(string name) => Npy.Read(File(name)).ToDoubleArray();

    public static void AssertClose(Tensor<float> actual, double[] expected, double tolerance = 1e-5)
    {
        double err = TestData.NormwiseRelativeError(TestData.Flat(actual), expected);
        Assert.True(err <= tolerance, $"normwise relative error {err:E3} > {tolerance:E1}");
    }

    public static float[] Values(Variable v)
    {
        var a = new float[v.Count];
        v.CopyTo<float>(a);
        return a;
    }

    public static double[] ValuesDouble(Variable v)
    {
        var a = new double[v.Count];
        v.CopyTo<double>(a);
        return a;
    }
}
