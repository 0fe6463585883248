using DepthwiseSharp.Cli;
using DepthwiseSharp.IO;
using static DepthwiseSharp.Tests.Cli.CliRunner;

namespace DepthwiseSharp.Tests.Cli;

/// <summary>The <c>depthwise</c> command in-process: its output, and one line on stderr with exit code 2 for any bad input.</summary>
public class CliTests
{
    [Fact]
    public void Demo_prints_the_pages_output_shape()
    {
        var (code, output, err) = Run("demo");
        Assert.Equal(0, code);
        Assert.Empty(err);
        Assert.Contains("print(y.shape)  ->  (4, 4, 36)", output);
        Assert.Contains("same output bit for bit: True", output);
        Assert.Contains("padding='same': (4, 5, 36)", output);
        Assert.Contains("CountParams() = 144", output);
    }

    [Fact]
    public void Demo_prints_the_same_twice_except_the_time_lines()
    {
        static string[] Steady(string output) =>
            [.. output.Split('\n').Where(l => !l.TrimStart().StartsWith("time:", StringComparison.Ordinal) && !l.Contains("bench/", StringComparison.Ordinal))];

        var first = Run("demo");
        var second = Run("demo");
        Assert.Equal(Steady(first.Out), Steady(second.Out));
        Assert.Contains("regularizers: Losses = [", first.Out);
    }

    /// <summary>
    /// What the demo says of its system identification, against the true filters: float32's 1e-7 for three filters, the
    /// central difference (taps of +-1) further off after 150 epochs, and at the others' level with taps of +-0.5.
    /// </summary>
    [Fact]
    public void Demo_system_identification_recovers_the_true_filters_as_it_explains()
    {
        var unit = DepthwiseSharp.Cli.Commands.DemoCommand.Identify();
        double[] errors = unit.RelativeErrors;
        Assert.All(new[] { errors[0], errors[2], errors[3] }, e => Assert.InRange(e, 0, 5e-7));
        Assert.InRange(errors[1], 1e-5, 1e-3);

        var half = DepthwiseSharp.Cli.Commands.DemoCommand.Identify(centralTap: 0.5);
        Assert.Equal(-0.5, half.Filters[1][3]);
        Assert.All(half.RelativeErrors, e => Assert.InRange(e, 0, 5e-7));
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

    [Fact]
    public void Fit_trains_and_saves_npy_and_is_deterministic()
    {
        string dir = Directory.CreateTempSubdirectory("dw_fit").FullName;
        try
        {
            // Targets: y = 0.5 x[t-1] + 2 x[t] - x[t+1] on every channel (k=3, same), from the float64 formula.
            var rng = new Random(1);
            const int n = 16, l = 40, c = 2;
            var x = Enumerable.Range(0, n * l * c).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var y = new double[x.Length];
            double[] taps = [0.5, 2, -1];
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < l; t++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            int src = t + j - 1;
                            if (src >= 0 && src < l)
                            {
                                y[(b * l + t) * c + ch] += taps[j] * x[(b * l + src) * c + ch];
                            }
                        }
                    }
                }
            }

            Npy.Write(Path.Combine(dir, "x.npy"), x.Select(v => (float)v).ToArray(), [n, l, c]);
            Npy.Write(Path.Combine(dir, "y.npy"), y.Select(v => (float)v).ToArray(), [n, l, c]);
            File.WriteAllText(Path.Combine(dir, "layer.json"), new DepthwiseSharp.Layers.DepthwiseConv1D(3, 1, "same", useBias: false, name: "fir").Serialize().ToJsonString());
            string[] Args(string outDir) =>
            [
                "fit", "--layer", Path.Combine(dir, "layer.json"), "--input", Path.Combine(dir, "x.npy"), "--target", Path.Combine(dir, "y.npy"),
                "--epochs", "150", "--batch-size", "8", "--learning-rate", "0.03", "--seed", "3", "--save-npy", Path.Combine(dir, outDir),
            ];

            var (code, stdout, err) = Run(Args("a"));
            Assert.True(code == 0, err);
            // Keras's fit lines (verbose=2): "Epoch 150/150" then "steps/steps - Ns - Nms/step - loss: 0.0000".
            Assert.Contains("Epoch 150/150", stdout);
            Assert.Matches(@"(?m)^2/2 - \d+s - \d+ms/step - loss: \d\.\d{4}(e[-+]\d\d)?$", stdout);
            Assert.Equal(0, Run(Args("b")).Code);
            var kernel = Npy.Read(Path.Combine(dir, "a", "kernel.npy")).ToDoubleArray();
            Assert.Equal(kernel, Npy.Read(Path.Combine(dir, "b", "kernel.npy")).ToDoubleArray());
            for (int j = 0; j < 3; j++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    Assert.Equal(taps[j], kernel[j * c + ch], 2);
                }
            }

            Assert.True(File.Exists(Path.Combine(dir, "a", "layer.json")));

            // --save writes a Keras 3 archive that our loader (and inspect) read back with the same weights.
            string keras = Path.Combine(dir, "fit.keras");
            var saved = Run([.. Args("c").Where(a => a != "--save-npy" && !a.EndsWith("c", StringComparison.Ordinal)), "--save", keras]);
            Assert.True(saved.Code == 0, saved.Err);
            var loaded = DepthwiseSharp.Serialization.KerasFile.LoadLayer(keras, "fir");
            Assert.Equal(kernel, loaded.Kernel.AsSpan<float>().ToArray().Select(v => (double)v).ToArray());
            var inspect = Run("inspect", keras);
            Assert.Equal(0, inspect.Code);
            Assert.Contains("fir", inspect.Out);
            Assert.Contains("DepthwiseConv1D", inspect.Out);
            string onnx = Path.Combine(dir, "fit.onnx");
            Assert.Equal(0, Run("export-onnx", "--model", keras, "--layer", "fir", "--output", onnx).Code);
            Assert.True(new FileInfo(onnx).Length > 0);
            var runModel = Run("run", "--model", keras, "--input", Path.Combine(dir, "x.npy"), "--output", Path.Combine(dir, "ym.npy"));
            Assert.True(runModel.Code == 0, runModel.Err);
            var bad = Run("fit", "--layer", Path.Combine(dir, "layer.json"), "--input", Path.Combine(dir, "x.npy"), "--target", Path.Combine(dir, "x.npy"),
                "--optimizer", "rmsprop", "--save-npy", dir);
            Assert.Equal(2, bad.Code);
            Assert.Contains("rmsprop", bad.Err);
            Assert.Equal(2, Run("fit", "--layer", Path.Combine(dir, "layer.json"), "--input", Path.Combine(dir, "x.npy"), "--target", Path.Combine(dir, "y.npy")).Code);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
