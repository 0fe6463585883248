using DepthwiseSharp.Cli;
using DepthwiseSharp.Cli.Commands;
using DepthwiseSharp.IO;
using static DepthwiseSharp.Tests.KerasFiles.KerasTestFiles;

namespace DepthwiseSharp.Tests.KerasFiles;

/// <summary><c>depthwise inspect FILE</c> and <c>depthwise run --model FILE</c>, through their internal entry points.</summary>
public class KerasCliTests
{
    private static (int Code, string Out) Inspect(string path)
    {
        var stdout = new StringWriter();
        int code = InspectCommand.Run(path, stdout);
        return (code, stdout.ToString());
    }

    [Theory]
    [InlineData("sequential.keras")]
    [InlineData("sequential.weights.h5")]
    [InlineData("legacy_model.h5")]
    [InlineData("legacy_weights.h5")]
    [InlineData("real/nested_dense_model.keras")]
    public void Inspect_exits_0_for_every_keras_file(string name)
    {
        var (code, output) = Inspect(File(name));
        Assert.Equal(0, code);
        Assert.Contains("index", output);
        Assert.Contains("dtype", output);
    }

    [Fact]
    public void Inspect_prints_the_layer_table_of_an_archive()
    {
        var (_, output) = Inspect(File("sequential.keras"));
        Assert.Contains("Keras 3 archive", output);
        Assert.Contains("model: Sequential 'sequential'", output);
        Assert.Matches(@"1\s+dw_a\s+DepthwiseConv1D\s+layers/depthwise_conv1d/vars\s+0\s+\(5, 8, 2\)\s+float32", output);
        Assert.Matches(@"\s+1\s+\(16,\)\s+float32", output);
        Assert.Matches(@"2\s+dw_b\s+DepthwiseConv1D\s+layers/depthwise_conv1d_1/vars\s+0\s+\(3, 16, 1\)\s+float32", output);
        Assert.Contains("DepthwiseConv1D layers: 2 (dw_a, dw_b)", output);
    }

    [Fact]
    public void Inspect_says_plainly_when_there_is_no_depthwise_layer()
    {
        var (code, output) = Inspect(File("real/nested_dense_model.keras"));
        Assert.Equal(0, code);
        Assert.Contains("This file holds no DepthwiseConv1D layer.", output);
        Assert.Contains("layers/dense_3/vars", output);
        Assert.Contains("(4, 2)", output);
    }

    [Fact]
    public void Inspect_takes_the_file_as_its_argument()
    {
        var stdout = new StringWriter();
        int code = Program.RunUnhandled(["inspect", File("legacy_model.h5")], stdout);
        Assert.Equal(0, code);
        Assert.Contains("depthwise_conv1d/depthwise_kernel:0", stdout.ToString());
        Assert.Contains("FILE", Assert.Throws<CliException>(() => Program.RunUnhandled(["inspect"], new StringWriter())).Message);
    }

    [Fact]
    public void Inspect_of_a_missing_file_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => Inspect(File("missing.keras")));
    }

    private static int RunModel(string model, string? layer, string input, string output, TextWriter stdout) =>
        Program.RunUnhandled(layer is null
            ? ["run", "--model", model, "--input", input, "--output", output]
            : ["run", "--model", model, "--layer", layer, "--input", input, "--output", output], stdout);

    [Fact]
    public void Run_model_runs_the_whole_sequential()
    {
        string output = TempPath("y.npy");
        var stdout = new StringWriter();
        int code = RunModel(File("sequential.keras"), null, File("x.npy"), output, stdout);
        Assert.Equal(0, code);
        Assert.Contains("output shape (1, 24, 16) written to", stdout.ToString());
        Assert.Contains("time ", stdout.ToString());
        AssertClose(Npy.Read(output).ToTensorSingle(), Expected("dw_b.y.npy"));
    }

    [Fact]
    public void Run_model_runs_one_named_layer()
    {
        string output = TempPath("y.npy");
        var stdout = new StringWriter();
        Assert.Equal(0, RunModel(File("legacy_model.h5"), "dwconv", File("x.npy"), output, stdout));
        AssertClose(Npy.Read(output).ToTensorSingle(), Expected("legacy.y.npy"));

        string[] args = ["run", "--model", File("sequential.keras"), "--layer", "dw_a", "--input", File("x.npy"), "--output", output];
        Assert.Equal(0, Program.RunUnhandled(args, new StringWriter()));
        AssertClose(Npy.Read(output).ToTensorSingle(), Expected("dw_a.y.npy"));
    }

    [Fact]
    public void Run_model_refuses_a_model_with_other_layers_naming_the_layer()
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            RunModel(Fixture("legacy_split.h5"), null, File("x.npy"), TempPath("y.npy"), new StringWriter()));
        Assert.Contains("'aa_dense'", e.Message);
        Assert.Contains("Dense", e.Message);
    }

    [Fact]
    public void Run_model_reports_an_incompatible_input_naming_the_input_file()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            RunModel(File("legacy_model.h5"), "dwconv", File("dw_b.y.npy"), TempPath("y.npy"), new StringWriter()));
        Assert.Contains("dw_b.y.npy", e.Message);
    }

    [Fact]
    public void A_saved_archive_runs_whole_from_the_command()
    {
        var layers = DepthwiseSharp.Serialization.KerasFile.LoadSequential(File("sequential.keras"));
        string path = TempPath("fit.keras");
        DepthwiseSharp.Serialization.KerasFile.SaveKeras(path, layers, [null, 50, 8]);
        string output = TempPath("y.npy");
        Assert.Equal(0, RunModel(path, null, File("x.npy"), output, new StringWriter()));
        AssertClose(Npy.Read(output).ToTensorSingle(), Expected("dw_b.y.npy"));
    }
}
