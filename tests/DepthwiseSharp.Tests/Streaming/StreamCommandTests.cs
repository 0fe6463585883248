using DepthwiseSharp.Cli;
using DepthwiseSharp.Cli.Commands;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Streaming;

/// <summary><c>depthwise stream</c>: chunked output equals the whole-sequence output, for golden valid layers and causal layers.</summary>
public sealed class StreamCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_stream_cli").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out) Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = Program.RunUnhandled(["stream", .. args], stdout);
        return (code, stdout.ToString());
    }

    [Theory]
    [InlineData("case_000", "1")]
    [InlineData("case_012", "3")]
    [InlineData("case_027", "1")]
    [InlineData("case_037", "1000")]
    public void Streamed_golden_valid_layers_match_the_golden_output(string name, string chunk)
    {
        string y = Path.Combine(_dir, "y.npy");
        var weights = File.Exists(TestData.Golden(name, "bias.npy"))
            ? new[] { TestData.Golden(name, "kernel.npy"), TestData.Golden(name, "bias.npy") }
            : new[] { TestData.Golden(name, "kernel.npy") };
        var (code, output) = Run(["--layer", TestData.Golden(name, "layer.json"), "--weights", .. weights, "--input", TestData.Golden(name, "x.npy"),
            "--chunk", chunk, "--output", y, "--check"]);
        Assert.Equal(Program.Ok, code);
        Assert.Contains("steps/s", output);

        // A stream is the whole-sequence call bit for bit, whatever the activation.
        Assert.Contains("check: identical to the whole-sequence call", output);
        var expected = Npy.Read(TestData.Golden(name, "y.npy"));
        var actual = Npy.Read(y);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.True(TestData.NormwiseRelativeError(actual.ToSingleArray(), expected.ToDoubleArray()) <= 1e-5);
    }

    [Theory]
    [InlineData(DataFormat.ChannelsLast, "1")]
    [InlineData(DataFormat.ChannelsFirst, "4")]
    public void Streamed_causal_layer_matches_its_call(DataFormat format, string chunk)
    {
        var layer = StreamTestUtil.WithRandomWeights(new CausalDepthwiseConv1D(4, 2, 2, format, 1,
            DepthwiseSharp.Activations.Activation.Get("relu")), 3, new Random(1));
        string layerPath = Path.Combine(_dir, "causal.json"), kernel = Path.Combine(_dir, "k.npy"), bias = Path.Combine(_dir, "b.npy");
        string xPath = Path.Combine(_dir, "x.npy"), y = Path.Combine(_dir, "y.npy");
        File.WriteAllText(layerPath, layer.Serialize().ToJsonString());
        Npy.Write(kernel, layer.Kernel.ToTensor<float>());
        Npy.Write(bias, layer.Bias!.ToTensor<float>());
        int[] shape = format == DataFormat.ChannelsLast ? [2, 25, 3] : [2, 3, 25];
        var x = StreamTestUtil.Input<float>(new Random(2), 2 * 25 * 3);
        Npy.Write(xPath, x, shape);
        var (code, output) = Run("--layer", layerPath, "--weights", kernel, bias, "--input", xPath, "--chunk", chunk, "--output", y, "--check");
        Assert.Equal(Program.Ok, code);
        Assert.Contains("check: identical", output);
        var expected = layer.Call(System.Numerics.Tensors.Tensor.Create(x, shape.Select(v => (nint)v).ToArray()));
        Assert.Equal(TestData.Flat(expected), Npy.Read(y).ToSingleArray());
    }

    [Fact]
    public void Same_padding_and_bad_options_fail_cleanly()
    {
        string name = "case_001";
        string y = Path.Combine(_dir, "y.npy");
        string[] common = ["--layer", TestData.Golden(name, "layer.json"), "--weights", TestData.Golden(name, "kernel.npy"), TestData.Golden(name, "bias.npy"),
            "--input", TestData.Golden(name, "x.npy"), "--output", y];
        Assert.Contains("padding='same'", Assert.Throws<ArgumentException>(() => Run([.. common, "--chunk", "2"])).Message);
        Assert.Contains("--chunk must be an integer >= 1", Assert.Throws<CliException>(() => Run([.. common, "--chunk", "0"])).Message);
        Assert.Contains("Option '--chunk' is required", Assert.Throws<CliException>(() => Run(common)).Message);
        Assert.False(File.Exists(y));
    }
}
