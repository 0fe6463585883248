using DepthwiseSharp.Cli;
using DepthwiseSharp.Cli.Commands;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using static DepthwiseSharp.Tests.Onnx.OnnxTestUtil;

namespace DepthwiseSharp.Tests.Onnx;

/// <summary><c>depthwise export-onnx</c>: the file it writes runs in ONNX Runtime and reproduces the golden outputs.</summary>
public sealed class ExportOnnxCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_onnx_cli").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out) Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = Program.RunUnhandled(["export-onnx", .. args], stdout);
        return (code, stdout.ToString());
    }

    private static string[] Weights(string name) =>
        File.Exists(TestData.Golden(name, "bias.npy"))
            ? [TestData.Golden(name, "kernel.npy"), TestData.Golden(name, "bias.npy")]
            : [TestData.Golden(name, "kernel.npy")];

    [Theory]
    [InlineData("case_003")]
    [InlineData("case_008")]
    [InlineData("case_019")]
    [InlineData("case_022")]
    [InlineData("case_027")]
    [InlineData("case_033")]
    public void Exported_model_reproduces_the_golden_output(string name)
    {
        string model = Path.Combine(_dir, name + ".onnx");
        var (code, output) = Run(["--layer", TestData.Golden(name, "layer.json"), "--weights", .. Weights(name), "--output", model]);
        Assert.Equal(Program.Ok, code);
        Assert.Contains($"exported to {model}: opset 17", output);
        var x = Npy.Read(TestData.Golden(name, "x.npy"));
        var expected = Npy.Read(TestData.Golden(name, "y.npy"));
        var (values, shape) = OnnxTestUtil.Run(File.ReadAllBytes(model), x.ToSingleArray(), x.Shape.Select(v => (long)v).ToArray());
        Assert.Equal(expected.Shape.Select(v => (long)v).ToArray(), shape);
        Assert.True(TestData.NormwiseRelativeError(values, expected.ToDoubleArray()) <= 1e-5);
    }

    [Fact]
    public void Causal_layer_files_and_options_are_accepted()
    {
        var layer = Streaming.StreamTestUtil.WithRandomWeights(new CausalDepthwiseConv1D(3, 1, 2, DataFormat.ChannelsLast, 2,
            DepthwiseSharp.Activations.Activation.Get("gelu")), 2, new Random(1));
        string layerPath = Path.Combine(_dir, "causal.json");
        File.WriteAllText(layerPath, layer.Serialize().ToJsonString());
        string kernel = Path.Combine(_dir, "k.npy"), bias = Path.Combine(_dir, "b.npy"), model = Path.Combine(_dir, "causal.onnx");
        Npy.Write(kernel, layer.Kernel.ToTensor<float>());
        Npy.Write(bias, layer.Bias!.ToTensor<float>());
        var (code, output) = Run("--layer", layerPath, "--weights", kernel, bias, "--output", model, "--opset", "20", "--input-name", "audio");
        Assert.Equal(Program.Ok, code);
        Assert.Contains("CausalDepthwiseConv1D", output);
        Assert.Contains("opset 20", output);
        var x = Streaming.StreamTestUtil.Input<float>(new Random(2), 1 * 9 * 2);
        var expected = TestData.Flat(layer.Call(System.Numerics.Tensors.Tensor.Create(x, [1, 9, 2])));
        var (values, _) = OnnxTestUtil.Run(File.ReadAllBytes(model), x, [1, 9, 2], "audio");
        Assert.True(RelativeError(values, expected) <= 1e-5);

        // A bare config whose padding is "causal" is a causal layer too.
        File.WriteAllText(layerPath, layer.GetConfig().ToJsonString());
        Assert.Equal(Program.Ok, Run("--layer", layerPath, "--weights", kernel, bias, "--output", model).Code);
    }

    [Fact]
    public void Errors_are_exceptions_for_the_one_line_rule()
    {
        string name = "case_037";
        string model = Path.Combine(_dir, "m.onnx");
        Assert.Contains("m.keras",
            Assert.Throws<FileNotFoundException>(() => Run("--model", "m.keras", "--layer", "depthwise_conv1d", "--output", model)).Message);
        Assert.Contains("missing option --weights", Assert.Throws<CliException>(() => Run("--layer", TestData.Golden(name, "layer.json"), "--output", model)).Message);
        Assert.Contains("unknown option --frobnicate",
            Assert.Throws<CliException>(() => Run(["--layer", TestData.Golden(name, "layer.json"), "--weights", .. Weights(name), "--output", model, "--frobnicate"])).Message);
        Assert.Contains("--opset must be an integer >= 14",
            Assert.Throws<CliException>(() => Run(["--layer", TestData.Golden(name, "layer.json"), "--weights", .. Weights(name), "--output", model, "--opset", "9"])).Message);
        string bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{\"class_name\": \"CausalDepthwiseConv1D\", \"config\": {\"kernel_size\": [3], \"padding\": \"same\"}}");
        var e = Assert.Throws<ArgumentException>(() => Run(["--layer", bad, "--weights", .. Weights(name), "--output", model]));
        Assert.StartsWith(bad + ":", e.Message);
        Assert.False(File.Exists(model));
    }
}
