using System.Text;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using Program = DepthwiseSharp.Cli.Program;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Bad files and paths given to the CLI: one line on stderr naming the file, exit code 2, for every documented exception type.</summary>
public class CliHardeningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_cli_hard").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Golden(string file) => TestData.Golden("case_001", file);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Runs the CLI; it must fail with one line naming <paramref name="named"/> and an exception of <paramref name="type"/>.</summary>
    private static string Fails(Type type, string named, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Exception? error = null;
        Program.ErrorObserver.Value = e => error = e;
        int code = Program.Run(args, stdout, stderr);
        Program.ErrorObserver.Value = null;
        string err = stderr.ToString();
        Assert.True(code == 2, $"exit code {code}; stdout: {stdout}");
        Assert.Single(err.TrimEnd('\n', '\r').Split('\n'));
        Assert.StartsWith("depthwise: error: ", err, StringComparison.Ordinal);
        Assert.True(err.Contains(named, StringComparison.Ordinal), $"\"{named}\" not in: {err}");
        Assert.NotNull(error);
        Assert.True(type.IsInstanceOfType(error), $"{error!.GetType().Name}: {error.Message}");
        Documented.AssertRaisedOnPurpose(error);
        return err;
    }

    private string[] RunArgs(string layer, string input, string output, params string[] weights) =>
        ["run", "--layer", layer, "--weights", .. weights.Length == 0 ? [Golden("kernel.npy"), Golden("bias.npy")] : weights, "--input", input, "--output", output];

    [Fact]
    public void Odd_layer_paths_name_the_path()
    {
        string output = Path.Combine(_dir, "y.npy");
        Fails(typeof(ArgumentException), _dir, RunArgs(_dir, Golden("x.npy"), output));
        Fails(typeof(ArgumentException), "empty", RunArgs("", Golden("x.npy"), output));
        string missingDir = Path.Combine(_dir, "no", "such", "layer.json");
        Fails(typeof(DirectoryNotFoundException), missingDir, RunArgs(missingDir, Golden("x.npy"), output));
        string missing = Path.Combine(_dir, "layer.json");
        Fails(typeof(FileNotFoundException), missing, RunArgs(missing, Golden("x.npy"), output));
    }

    [Fact]
    public void Layer_files_that_are_not_json_deep_huge_or_null_name_the_file()
    {
        string output = Path.Combine(_dir, "y.npy");
        string notJson = Write("not json ü.json", "{\"class_name\": \"DepthwiseConv1D\", ");
        Assert.Contains("not valid JSON", Fails(typeof(ArgumentException), notJson, RunArgs(notJson, Golden("x.npy"), output)), StringComparison.Ordinal);

        // System.Text.Json's default depth limit is 64: deeper text is a JsonException, reported as the file's error.
        string deep = Write("deep.json", "{\"kernel_size\": 3, \"activation\": " + new string('[', 100) + new string(']', 100) + "}");
        Assert.Contains("depth", Fails(typeof(ArgumentException), deep, RunArgs(deep, Golden("x.npy"), output)), StringComparison.OrdinalIgnoreCase);

        string nul = Write("null.json", "null");
        Fails(typeof(ArgumentException), nul, RunArgs(nul, Golden("x.npy"), output));

        string array = Write("array.json", "[1, 2]");
        Fails(typeof(ArgumentException), array, RunArgs(array, Golden("x.npy"), output));
        Fails(typeof(ArgumentException), array, "fit", "--layer", array, "--input", Golden("x.npy"), "--target", Golden("y.npy"), "--save-npy", _dir);
        Fails(typeof(ArgumentException), array, "export-onnx", "--layer", array, "--weights", Golden("kernel.npy"), "--output", Path.Combine(_dir, "m.onnx"));

        string surrogate = Write("surrogate.json", "{\"class_name\": \"\\ud800\", \"config\": {\"kernel_size\": 3, \"\\udc00\": 1}}");
        foreach (string[] args in new[]
        {
            RunArgs(surrogate, Golden("x.npy"), output),
            ["fit", "--layer", surrogate, "--input", Golden("x.npy"), "--target", Golden("y.npy"), "--save-npy", _dir],
            ["stream", "--layer", surrogate, "--weights", Golden("kernel.npy"), "--input", Golden("x.npy"), "--chunk", "1", "--output", output],
        })
        {
            Assert.Contains("UTF-16", Fails(typeof(ArgumentException), surrogate, args), StringComparison.Ordinal);
        }

        // 17 MiB of spaces is valid JSON whitespace, but far beyond any layer config: refused without reading it all.
        string huge = Path.Combine(_dir, "huge.json");
        using (var stream = File.Create(huge))
        {
            var block = Encoding.ASCII.GetBytes(new string(' ', 1 << 20));
            for (int i = 0; i < 17; i++)
            {
                stream.Write(block);
            }
        }

        Assert.Contains("larger than", Fails(typeof(ArgumentException), huge, RunArgs(huge, Golden("x.npy"), output)), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_npy_files_name_the_file()
    {
        string output = Path.Combine(_dir, "y.npy");
        byte[] real = File.ReadAllBytes(Golden("x.npy"));
        string truncated = WriteBytes("truncated.npy", real[..(real.Length - 3)]);
        Fails(typeof(InvalidDataException), truncated, RunArgs(Golden("layer.json"), truncated, output));
        string lying = WriteBytes("lying.npy", FileInputTests.NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 100, 100), }", 16));
        Fails(typeof(InvalidDataException), lying, RunArgs(Golden("layer.json"), lying, output));
        Fails(typeof(InvalidDataException), lying, RunArgs(Golden("layer.json"), Golden("x.npy"), output, lying));
        string ints = Path.Combine(TestData.Root, "npy", "i4.npy");
        Fails(typeof(NotSupportedException), ints, RunArgs(Golden("layer.json"), ints, output));
        Fails(typeof(ArgumentException), _dir, RunArgs(Golden("layer.json"), Golden("x.npy"), output, _dir));
        Fails(typeof(ArgumentException), "empty", RunArgs(Golden("layer.json"), "", output));
    }

    [Fact]
    public void Wrong_shapes_name_the_file()
    {
        string output = Path.Combine(_dir, "y.npy");
        string rank2 = Path.Combine(_dir, "rank2.npy");
        Npy.Write(rank2, new float[12], [3, 4]);
        Assert.Contains("expected min_ndim=3", Fails(typeof(ArgumentException), rank2, RunArgs(Golden("layer.json"), rank2, output)), StringComparison.Ordinal);
        string kernel = Path.Combine(_dir, "kernel.npy");
        Npy.Write(kernel, new float[7], [7]);
        Fails(typeof(ArgumentException), kernel, RunArgs(Golden("layer.json"), Golden("x.npy"), output, kernel, Golden("bias.npy")));
    }

    [Fact]
    public void Odd_output_paths()
    {
        // Checked before any work, naming the option and the user's path (not the input file).
        string err = Fails(typeof(DepthwiseSharp.Cli.CliException), _dir, RunArgs(Golden("layer.json"), Golden("x.npy"), _dir));
        Assert.Contains("--output", err, StringComparison.Ordinal);
        Assert.DoesNotContain("x.npy", err, StringComparison.Ordinal);
        string missingDir = Path.Combine(_dir, "no", "such", "y.npy");
        Assert.Contains("does not exist", Fails(typeof(DepthwiseSharp.Cli.CliException), missingDir, RunArgs(Golden("layer.json"), Golden("x.npy"), missingDir)),
            StringComparison.Ordinal);

        string unusual = Path.Combine(_dir, "out 'q' ü 中 🙂 $x.npy");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, Program.Run(RunArgs(Golden("layer.json"), Golden("x.npy"), unusual), stdout, stderr));
        Assert.Equal(Npy.Read(Golden("y.npy")).Shape, Npy.Read(unusual).Shape);
    }

    [Fact]
    public void A_same_layer_cannot_stream_and_says_so_in_one_line()
    {
        // A "same" layer cannot stream: its right padding needs inputs that have not arrived yet.
        string output = Path.Combine(_dir, "y.npy");
        string same = Path.Combine(_dir, "same.json");
        File.WriteAllText(same, new DepthwiseConv1D(3, 1, "same", 1, "channels_last", useBias: false, name: "s").Serialize().ToJsonString());
        string kernel = Path.Combine(_dir, "k.npy");
        Npy.Write(kernel, new float[9], [3, 3, 1]);
        string x = Path.Combine(_dir, "x.npy");
        Npy.Write(x, new float[2 * 5 * 3], [2, 5, 3]);
        Fails(typeof(ArgumentException), x, "stream", "--layer", same, "--weights", kernel, "--input", x, "--chunk", "2", "--output", output);
    }

    [Fact]
    public void A_stream_history_larger_than_the_data_is_refused_before_allocating()
    {
        // (k - 1) * d = 2 * 10^8 steps of history for an input of 10 steps: 800 MB that no data asked for.
        string layer = Path.Combine(_dir, "dilated.json");
        File.WriteAllText(layer, new CausalDepthwiseConv1D(3, dilationRate: 100_000_000, useBias: false, name: "d").Serialize().ToJsonString());
        string kernel = Path.Combine(_dir, "k.npy");
        Npy.Write(kernel, new float[6], [3, 2, 1]);
        string x = Path.Combine(_dir, "x.npy");
        Npy.Write(x, new float[20], [1, 10, 2]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("history", Fails(typeof(ArgumentException), x, "stream", "--layer", layer, "--weights", kernel, "--input", x, "--chunk", "3",
            "--output", Path.Combine(_dir, "y.npy")), StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (64 << 20));
    }
}
