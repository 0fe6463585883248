using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.RealKeras;

/// <summary>
/// The fixtures in TestData/real-keras, written by real Keras 3.15.1 with make_fixtures.py beside them (never run by the
/// tests): Keras's files, inputs and outputs, configs and exception texts.
/// </summary>
internal static class RealKerasData
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "TestData", "real-keras");

    public static string File(string name) => Path.Combine(Root, name);

    public static JsonObject Json(string name) => (JsonObject)JsonNode.Parse(System.IO.File.ReadAllText(File(name)))!;

    /// <summary>The four Functional models: dtype and data format in the file names' tags.</summary>
    public static TheoryData<string> FunctionalTags() => new()
    {
        "functional_float32_cl", "functional_float32_cf", "functional_float64_cl", "functional_float64_cf",
    };

    /// <summary>
    /// Runs <paramref name="layer"/> on the npy input in the layer's dtype and returns the normwise relative error against
    /// Keras's npy output (both files written by Keras).
    /// </summary>
    public static double ErrorAgainstKeras(DepthwiseConv1D layer, string inputFile, string expectedFile)
    {
        var input = Npy.Read(File(inputFile));
        double[] expected = Npy.Read(File(expectedFile)).ToDoubleArray();
        double[] actual;
        int[] shape;
        if (layer.DType == DType.Float32)
        {
            Assert.Equal(NpyDType.Float32, input.DType);
            var y = layer.Call(input.ToTensorSingle());
            actual = TestData.Flat(y).Select(v => (double)v).ToArray();
            shape = TestData.Shape(y);
        }
        else
        {
            Assert.Equal(NpyDType.Float64, input.DType);
            var y = layer.Call(input.ToTensorDouble());
            actual = TestData.Flat(y);
            shape = TestData.Shape(y);
        }

        Assert.Equal(Npy.Read(File(expectedFile)).Shape, shape);
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            den += expected[i] * expected[i];
        }

        Assert.True(den > 0, $"{expectedFile} is all zeros: the comparison would prove nothing");
        return Math.Sqrt(num / den);
    }

    /// <summary>
    /// The tolerance for a layer's output against Keras's (torch) output: float32 rounding over a few terms and the
    /// activations, as SPEC section 10 allows for float32; float64 sums of a few terms differ only in the last bits.
    /// </summary>
    public static double Tolerance(DType dtype) => dtype == DType.Float32 ? 1e-5 : 1e-12;
}
