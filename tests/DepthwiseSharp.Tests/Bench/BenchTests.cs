using BenchProgram = DepthwiseSharp.Bench.Program;
using CliProgram = DepthwiseSharp.Cli.Program;

namespace DepthwiseSharp.Tests.Bench;

/// <summary>bench/DepthwiseSharp.Bench in-process: the ONNX Runtime agreement check, and its command-line errors.</summary>
public class BenchTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = BenchProgram.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// <c>--compare</c> on the smallest grid shape, on .NET arrays and on 64-byte-aligned native buffers: it runs ONNX
    /// Runtime on the same buffers and fails unless both outputs agree, so exit code 0 means they did. Timings are printed,
    /// not asserted.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compare_agrees_with_onnx_runtime_on_both_buffer_kinds(bool aligned)
    {
        string[] args = aligned
            ? ["--compare", "--quick", "--aligned", "--shape", "1x128x64"]
            : ["--compare", "--quick", "--shape", "1x128x64"];
        var (code, output, err) = Run(args);
        Assert.True(code == 0, err);
        Assert.Contains(aligned ? "buffers: 64-byte-aligned native memory" : "buffers: pinned .NET arrays", output);
        Assert.Equal(4, Lines(output).Count(line => line.StartsWith("1x128x64 k3 same", StringComparison.Ordinal)));
        Assert.Matches(@"min speedup vs ONNX Runtime: \d+\.\d\dx\s*$", output);
    }

    [Fact]
    public void Backward_times_only_the_shapes_that_shape_selects()
    {
        var (code, output, err) = Run("--backward", "--quick", "--shape=1X128");
        Assert.True(code == 0, err);
        var rows = Lines(output).Skip(2).ToArray();
        Assert.Equal(4, rows.Length);
        Assert.All(rows, row => Assert.StartsWith("1x128x64 k3 same", row, StringComparison.Ordinal));
    }

    /// <summary>
    /// An unmatched <c>--shape</c> used to time nothing and print an empty table with "min speedup: Infinityx" and exit
    /// code 0; now it is an error that lists the shapes, before anything is timed.
    /// </summary>
    [Theory]
    [InlineData("--compare")]
    [InlineData("--backward")]
    public void A_shape_that_matches_no_grid_shape_is_an_error(string mode)
    {
        var (code, output, err) = Run(mode, "--quick", "--shape", "foo");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(
            "DepthwiseSharp.Bench: error: --shape 'foo' matches no grid shape; the shapes are '1x128x64 k3 same', '32x1000x128 k9 same', "
            + "'8x4096x1536 k4 valid', '16x2048x64 k5 M4 same', '16x4096x256 k7 s2 valid', '16x4096x256 k7 d4 same', '64x8192x256 k7 same'",
            err.TrimEnd());
    }

    [Theory]
    [InlineData("--compare --shape", "--shape takes 1 value (TEXT, part of a grid shape's name)")]
    [InlineData("--compare --shape=", "--shape '' matches no grid shape;")]
    [InlineData("--quick", "give one of --compare (forward against ONNX Runtime), --backward (the three gradients) or --half")]
    [InlineData("--half --backward", "give one of --compare")]
    [InlineData("--half --aligned", "--aligned applies to --compare only")]
    [InlineData("--compare --backward", "give one of --compare")]
    [InlineData("--backward --aligned", "--aligned applies to --compare only")]
    [InlineData("--compare --quick --quick", "option --quick is given twice")]
    [InlineData("--compare --threads 2", "unknown option --threads;")]
    [InlineData("--compare=yes", "--compare takes no value; received 'yes'")]
    [InlineData("compare", "unexpected argument 'compare'; options start with --")]
    public void Bad_command_lines_give_one_line_and_exit_code_2(string commandLine, string message)
    {
        var (code, output, err) = Run(commandLine.Split(' '));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(Lines(err));
        Assert.StartsWith("DepthwiseSharp.Bench: error: " + message, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_documents_shape_and_lists_the_grid()
    {
        var (code, output, err) = Run("--help");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("--shape TEXT   only the grid shapes whose name contains TEXT (case-insensitive", output);
        Assert.Contains("\n  16x4096x256 k7 d4 same\n", output.ReplaceLineEndings("\n"));
        Assert.Equal(2, Run().Code);
    }

    /// <summary>The shipped tool no longer has the ONNX Runtime comparison: <c>bench</c> is not one of its commands.</summary>
    [Fact]
    public void The_depthwise_tool_has_no_bench_command()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, CliProgram.Run(["bench", "--compare", "--quick"], stdout, stderr));
        Assert.Equal("depthwise: error: unknown command 'bench'; run 'depthwise --help' for the list", stderr.ToString().TrimEnd());
        CliProgram.Run(["help"], stdout, stderr);
        Assert.DoesNotContain("bench", stdout.ToString(), StringComparison.Ordinal);
    }
}
