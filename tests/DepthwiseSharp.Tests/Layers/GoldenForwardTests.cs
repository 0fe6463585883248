using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Layers;

/// <summary>Every case of shared/golden (PyTorch float64), through FromConfig + SetWeights + Call.</summary>
public class GoldenForwardTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in TestData.GoldenCases())
        {
            data.Add(c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_golden_within_1e5(string name)
    {
        var layer = DepthwiseConv1D.FromJson(File.ReadAllText(TestData.Golden(name, "layer.json")));
        var kernel = TestData.ReadSingle(TestData.Golden(name, "kernel.npy"));
        string biasPath = TestData.Golden(name, "bias.npy");
        if (File.Exists(biasPath))
        {
            layer.SetWeights(kernel, TestData.ReadSingle(biasPath));
        }
        else
        {
            layer.SetWeights(kernel);
        }

        var x = TestData.ReadSingle(TestData.Golden(name, "x.npy"));
        var expected = Npy.Read(TestData.Golden(name, "y.npy"));
        var y = layer.Call(x);

        Assert.Equal(expected.Shape.ToArray(), TestData.Shape(y));
        var meta = JsonNode.Parse(File.ReadAllText(TestData.Golden(name, "meta.json")))!;
        Assert.Equal(meta["output_shape"]!.AsArray().Select(n => (int)n!).ToArray(), TestData.Shape(y));
        double err = TestData.NormwiseRelativeError(TestData.Flat(y), expected.ToDoubleArray());
        Assert.True(err <= 1e-5, $"{name} ({meta["activation"]}): normwise relative error {err:E3} > 1e-5");
    }
}
