using DepthwiseSharp.Cli;
using DepthwiseSharp.IO;

namespace DepthwiseSharp.Tests.Cli;

/// <summary>The <c>depthwise</c> command in-process: its output, and one line on stderr with exit code 2 for any bad input.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Demo_prints_the_pages_output_shape()
    {
        var (code, output, err) = Run("demo");
        Assert.Equal(0, code);
        Assert.Empty(err);
        Assert.Contains("print(y.shape)  ->  (4, 4, 36)", output);
        Assert.Contains("same output bit for bit: True", output);
    }

    [Theory]
    [InlineData("case_001")]
    [InlineData("case_013")]
    [InlineData("case_037")]
    public void Run_matches_the_golden_output(string name)
    {
        string dir = Directory.CreateTempSubdirectory("dw_run").FullName;
        try
        {
            string output = Path.Combine(dir, "y.npy");
            var args = new List<string> { "run", "--layer", TestData.Golden(name, "layer.json"), "--weights", TestData.Golden(name, "kernel.npy") };
            if (File.Exists(TestData.Golden(name, "bias.npy")))
            {
                args.Add(TestData.Golden(name, "bias.npy"));
            }

            args.AddRange(["--input", TestData.Golden(name, "x.npy"), "--output", output]);
            var (code, stdout, err) = Run([.. args]);
            Assert.True(code == 0, err);
            var expected = Npy.Read(TestData.Golden(name, "y.npy"));
            var actual = Npy.Read(output);
            Assert.Contains($"output shape {Shapes.Format(expected.Shape.ToArray())}", stdout);
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            Assert.True(TestData.NormwiseRelativeError(actual.ToSingleArray(), expected.ToDoubleArray()) <= 1e-5);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Bad_inputs_give_one_line_and_exit_code_2()
    {
        string dir = Directory.CreateTempSubdirectory("dw_bad").FullName;
        try
        {
            string badJson = Path.Combine(dir, "bad.json");
            File.WriteAllText(badJson, "{\"class_name\": \"DepthwiseConv1D\", \"config\": {\"kernel_size\": [0]}}");
            string notNpy = Path.Combine(dir, "x.npy");
            File.WriteAllText(notNpy, "hello");
            string layer = TestData.Golden("case_037", "layer.json");
            string kernel = TestData.Golden("case_037", "kernel.npy");
            string bias = TestData.Golden("case_037", "bias.npy");
            string x = TestData.Golden("case_037", "x.npy");
            string y = Path.Combine(dir, "y.npy");
            string otherX = TestData.Golden("case_000", "x.npy");

            string[][] cases =
            [
                ["frobnicate"],
                ["run", "--layer", layer],
                ["run", "--layer", Path.Combine(dir, "missing.json"), "--weights", kernel, bias, "--input", x, "--output", y],
                ["run", "--layer", badJson, "--weights", kernel, bias, "--input", x, "--output", y],
                ["run", "--layer", layer, "--weights", kernel, bias, "--input", notNpy, "--output", y],
                ["run", "--layer", layer, "--weights", kernel, "--input", x, "--output", y],
                ["run", "--layer", layer, "--weights", x, bias, "--input", x, "--output", y],
                ["run", "--layer", layer, "--weights", kernel, bias, "--input", otherX, "--output", y],
                ["run", "--layer", layer, "--weights", kernel, bias, "--input", x, "--output", y, "--fast"],
                ["demo", "extra"],
            ];
            foreach (var args in cases)
            {
                var (code, _, err) = Run(args);
                Assert.True(code == 2, $"{string.Join(' ', args)} exited {code}");
                var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(lines.Length == 1, $"{string.Join(' ', args)} printed {lines.Length} lines: {err}");
                Assert.StartsWith("depthwise: error: ", lines[0]);
                Assert.DoesNotContain("   at ", err);
            }

            Assert.Contains("missing.json", Run(cases[2]).Err);
            Assert.Contains("bad.json", Run(cases[3]).Err);
            Assert.Contains("x.npy", Run(cases[4]).Err);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
