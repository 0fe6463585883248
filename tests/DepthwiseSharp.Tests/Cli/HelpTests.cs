using DepthwiseSharp.Cli;
using static DepthwiseSharp.Tests.Cli.CliRunner;

namespace DepthwiseSharp.Tests.Cli;

/// <summary>--version, each command's own --help, and suggestions for a misspelt option.</summary>
public class HelpTests
{
    [Fact]
    public void Version_prints_the_tool_and_library_versions()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^depthwise \d+\.\d+\.\d+ \(DepthwiseSharp \d+\.\d+\.\d+\)", output);
    }

    [Theory]
    [InlineData("fit", "--early-stopping <PATIENCE>")]
    [InlineData("export-onnx", "--opset <N>")]
    [InlineData("stream", "--check")]
    [InlineData("run", "--input <X.npy> (REQUIRED)")]
    [InlineData("inspect", "inspect <FILE>")]
    public void Each_command_has_its_own_help(string command, string expected)
    {
        foreach (string flag in new[] { "--help", "-h" })
        {
            var (code, output, err) = Run(command, flag);
            Assert.True(code == 0, err);
            Assert.Contains($"Usage:{Environment.NewLine}  depthwise {command}", output);
            Assert.Contains(expected, output);
            Assert.Contains("Exit codes: 0 done, 2 bad input", output);
        }

        Assert.Contains($"  depthwise {command}", Run("help", command).Out);
    }

    [Fact]
    public void A_misspelt_option_gets_a_suggestion()
    {
        string name = "case_000";
        var (code, _, err) = Run("run", "--layer", TestData.Golden(name, "layer.json"), "--weights", TestData.Golden(name, "kernel.npy"),
            TestData.Golden(name, "bias.npy"), "--input", TestData.Golden(name, "x.npy"), "--output", Path.GetTempFileName(), "--ouput", "y.npy");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --ouput; did you mean --output?", err);
    }
}
