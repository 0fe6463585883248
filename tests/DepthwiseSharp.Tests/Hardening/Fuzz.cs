using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using CsCheck;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using Program = DepthwiseSharp.Cli.Program;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>
/// Bounded fuzzing of everything that reads users' bytes: the NPY reader, the layer config parser and the CLI.
/// Each target runs for <c>FUZZ_SECONDS</c> (default 5) seconds; a long run is
/// <c>FUZZ_SECONDS=600 dotnet test tests/DepthwiseSharp.Tests -c Release --filter "FullyQualifiedName~Hardening.Fuzz"</c>.
/// A failure prints the exact input (hex bytes, JSON text or argument list); it becomes a regression test in
/// <see cref="FuzzRegressionTests"/>.
/// </summary>
public class Fuzz
{

    private static readonly Lazy<byte[][]> NpyCorpus = new(() =>
        Directory.GetFiles(Path.Combine(TestData.Root, "npy"), "*.npy")
            .Concat(TestData.GoldenCases().Take(6).SelectMany(c => new[] { TestData.Golden(c, "kernel.npy"), TestData.Golden(c, "x.npy") }))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray());

    private static readonly Lazy<string[]> ConfigCorpus = new(() =>
        TestData.GoldenCases().Select(c => File.ReadAllText(TestData.Golden(c, "layer.json")))
            .Append(new CausalDepthwiseConv1D(3, dilationRate: 2, name: "causal").Serialize().ToJsonString())
            .Append(new DepthwiseConv1D(3, 1, "same", 2, "channels_last", activation: "relu", depthwiseRegularizer: "l2",
                depthwiseConstraint: "max_norm", name: "tk").GetConfig().ToJsonString())
            .ToArray());

    [Fact]
    public void Npy_reader_survives_mutated_files()
    {
        var corpus = NpyCorpus.Value;
        Gen.Select(Gen.Int[0, corpus.Length - 1], Gen.Int).Sample(
            (file, seed) => CheckNpy(NpyMutator.Mutate(corpus[file], new Random(seed))),
            time: FuzzBudget.Seconds,
            threads: FuzzBudget.Threads,
            print: t => Documented.Hex(NpyMutator.Mutate(corpus[t.Item1], new Random(t.Item2))));
    }

    [Fact]
    public void Layer_config_parser_survives_mutated_configs()
    {
        var corpus = ConfigCorpus.Value;
        Gen.Select(Gen.Int[0, corpus.Length - 1], Gen.Int).Sample(
            (file, seed) => CheckConfig(JsonMutator.Mutate(corpus[file], new Random(seed))),
            time: FuzzBudget.Seconds,
            threads: FuzzBudget.Threads,
            print: t => JsonMutator.Mutate(corpus[t.Item1], new Random(t.Item2)));
    }

    [Fact]
    public void Cli_survives_random_argument_lists()
    {
        string dir = Directory.CreateTempSubdirectory("dw_fuzz_cli").FullName;
        try
        {
            var pools = new CliPools(dir);
            string before = TestDataDigest();
            Gen.Int.Sample(
                seed => CheckCli(dir, pools.Arguments(new Random(seed))),
                time: FuzzBudget.Seconds,
                threads: FuzzBudget.Threads,
                print: seed => string.Join(" ", pools.Arguments(new Random(seed)).Select(a => "'" + a + "'")));
            Assert.Equal(before, TestDataDigest());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static bool IsUnderTestData(string path)
    {
        try
        {
            return path.Length > 0 && Path.GetFullPath(path).StartsWith(TestData.Root, StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string TestDataDigest()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (string file in Directory.GetFiles(TestData.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(file));
            sha.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static readonly string[] KerasCorpusNames =
    [
        "sequential.keras", "sequential.weights.h5", "legacy_model.h5", "legacy_weights.h5", "real/nested_dense_model.keras",
        "fixtures/legacy_split.h5", "fixtures/lzf.weights.h5", "fixtures/bigendian.weights.h5",
    ];

    private static readonly Lazy<byte[][]> KerasCorpus = new(() =>
        KerasCorpusNames.Select(n => File.ReadAllBytes(Path.Combine(TestData.Root, "keras-files", n))).ToArray());

    [Fact]
    public void Keras_reader_survives_mutated_files()
    {
        string dir = Directory.CreateTempSubdirectory("dw_fuzz_keras").FullName;
        try
        {
            var corpus = KerasCorpus.Value;
            Gen.Select(Gen.Int[0, corpus.Length - 1], Gen.Int).Sample(
                (file, seed) => CheckKeras(dir, KerasCorpusNames[file], KerasMutator.Mutate(corpus[file], new Random(seed))),
                time: FuzzBudget.Seconds,
                threads: FuzzBudget.Threads,
                print: t => $"{KerasCorpusNames[t.Item1]} seed {t.Item2}: {Documented.Hex(KerasMutator.Mutate(corpus[t.Item1], new Random(t.Item2)))}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// The Keras-file contract: inspect and load, or a documented exception raised on purpose and naming the file, within
    /// bounded time and memory.
    /// </summary>
    internal static void CheckKeras(string dir, string name, byte[] bytes)
    {
        string path = Path.Combine(dir, "t" + Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_" + Path.GetFileName(name));
        File.WriteAllBytes(path, bytes);
        var config = new JsonObject { ["kernel_size"] = name.Contains("legacy", StringComparison.Ordinal) ? 7 : 5, ["depth_multiplier"] = 2 };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Documented.RunNaming(path, () =>
        {
            var info = KerasFile.Inspect(path);
            if (info.ModelClassName == "Sequential")
            {
                foreach (var layer in KerasFile.LoadSequential(path))
                {
                    RunSmall(layer);
                }
            }

            if (info.HasDepthwiseConv1D)
            {
                RunSmall(KerasFile.LoadLayer(path, 0));
                KerasFile.LoadLayerWeights(path, config, 0);
            }
        }, typeof(InvalidDataException), typeof(NotSupportedException), typeof(ArgumentException), typeof(FileNotFoundException));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{name}: {clock.Elapsed.TotalSeconds:F1} s");
        // The HDF5 guard stops a corrupt file after max(256 MiB, 64 x its size) bytes read through it (see Hdf5ReaderGuard);
        // while PureHDF loops on a corrupt structure it allocates a few times what it reads (1.3 GB was seen for a 12 KB
        // file, see SECURITY.md). Eight times the read budget is the line between "bounded" and "a header decides".
        long budget = Math.Max(256L << 20, 64L * bytes.Length);
        Assert.True(allocated < 8 * budget, $"{name}: {allocated} bytes allocated for a {bytes.Length}-byte file");
    }

    /// <summary>The NPY contract: success that round-trips, or InvalidDataException / NotSupportedException naming the file, with bounded memory.</summary>
    internal static void CheckNpy(byte[] bytes)
    {
        const string name = "fuzz.npy";
        foreach (bool seekable in (bool[])[true, false])
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            NpyArray? array = null;
            Documented.RunNaming(name, () =>
            {
                using Stream stream = seekable ? new MemoryStream(bytes, writable: false) : new NonSeekableStream(bytes, maxPerRead: 7);
                array = Npy.Read(stream, name);
            }, typeof(InvalidDataException), typeof(NotSupportedException));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // What a file may cost is bounded by what it holds, never by what its header claims: a few copies of the
            // bytes (data, conversion, Fortran transpose) plus one 1 MiB read chunk and the header's own limit.
            Assert.True(allocated <= (16L * bytes.Length) + (4L << 20), $"reading {bytes.Length} bytes allocated {allocated} bytes");
            if (array is not null)
            {
                var again = new MemoryStream();
                Npy.Write(again, array);
                again.Position = 0;
                var copy = Npy.Read(again, name);
                Assert.Equal(array.Shape, copy.Shape);
                Assert.Equal(array.DType, copy.DType);
                Assert.Equal(array.ToDoubleArray(), copy.ToDoubleArray());
            }
        }
    }

    /// <summary>
    /// The config contract: an ArgumentException naming the argument, or a layer whose config round-trips and which
    /// runs (or refuses with an ArgumentException) on a small input.
    /// </summary>
    internal static void CheckConfig(string json)
    {
        foreach (bool causal in (bool[])[false, true])
        {
            DepthwiseConv1D? layer = null;
            var e = Documented.Run(() => layer = causal ? CausalDepthwiseConv1D.FromJson(json) : DepthwiseConv1D.FromJson(json), typeof(ArgumentException));
            if (e is ArgumentException ae)
            {
                Documented.AssertNamesArgument(ae);
                continue;
            }

            var config = layer!.GetConfig();
            var again = causal ? CausalDepthwiseConv1D.FromConfig(layer.Serialize()) : DepthwiseConv1D.FromConfig(config);
            Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());
            RunSmall(layer);
        }
    }

    private static void RunSmall(DepthwiseConv1D layer)
    {
        int c = layer.Built ? layer.InputChannels : 3;
        if ((long)c * layer.DepthMultiplier * layer.KernelSize > 4096)
        {
            return;
        }

        int length = 5 + (int)(((long)(layer.KernelSize - 1) * layer.DilationRate) % 9);
        int[] shape = layer.DataFormat == DataFormat.ChannelsLast ? [2, length, c] : [2, c, length];
        if (layer.DType == DType.Float32)
        {
            var x = Tensor.Create(Enumerable.Range(0, 2 * length * c).Select(i => (float)Math.Sin(i)).ToArray(), [shape[0], shape[1], shape[2]]);
            Documented.Run(() => layer.Call(x), typeof(ArgumentException));
            Documented.Run(() =>
            {
                var pass = layer.Forward(x);
                var g = layer.Backward(pass, pass.Output, includeRegularization: true);
                Assert.Equal(x.Lengths.ToArray(), g.Input.Lengths.ToArray());
            }, typeof(ArgumentException));
        }
        else
        {
            var x = Tensor.Create(Enumerable.Range(0, 2 * length * c).Select(i => Math.Sin(i)).ToArray(), [shape[0], shape[1], shape[2]]);
            Documented.Run(() => layer.Call(x), typeof(ArgumentException));
        }
    }

    /// <summary>The CLI contract: exit code 0, or exit code 2 with exactly one line on stderr; never an exception.</summary>
    internal static void CheckCli(string dir, string[] args)
    {
        // Likewise two billion epochs is a long fit that was asked for, not a hang.
        int epochs = Array.IndexOf(args, "--epochs");
        if (epochs >= 0 && epochs + 1 < args.Length && int.TryParse(args[epochs + 1], System.Globalization.CultureInfo.InvariantCulture, out int e) && e > 3)
        {
            return;
        }

        // Each thread writes its own output files, and nothing is ever written over an input: an edit that moved a
        // file path behind --output would otherwise overwrite the test data the other tests read.
        string own = Path.Combine(dir, "t" + Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(own);
        args = (string[])args.Clone();
        bool writing = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                writing = args[i] is "--output" or "--save" or "--save-npy";
            }
            else if (writing && args[i] != "/dev/null" && (File.Exists(args[i]) || Directory.Exists(args[i])
                || IsUnderTestData(args[i])))
            {
                args[i] = "@out/clobber" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        args = args.Select(a => a.StartsWith("@out/", StringComparison.Ordinal) ? Path.Combine(own, a["@out/".Length..]) : a).ToArray();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Exception? error = null;
        Program.ErrorObserver.Value = e => error = e;
        int code = Program.Run(args, stdout, stderr);
        Program.ErrorObserver.Value = null;
        if (error is not null)
        {
            Documented.AssertRaisedOnPurpose(error);
        }

        string err = stderr.ToString();
        Assert.True(code is 0 or 2, $"exit code {code}");
        if (code == 2 && args.Length > 0)
        {
            Assert.Single(err.TrimEnd('\n', '\r').Split('\n'));
            Assert.StartsWith("depthwise: error: ", err, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("", err);
        }
    }

    /// <summary>Argument lists for the CLI fuzzer: mostly well-formed commands with odd values, sometimes pure noise.</summary>
    private sealed class CliPools
    {
        private static readonly string[] Commands = ["run", "fit", "export-onnx", "stream", "bench", "inspect", "help", "nonsense", "", "--layer"];

        private static readonly string[] Options =
        [
            "layer", "weights", "input", "output", "target", "chunk", "epochs", "batch-size", "optimizer", "learning-rate", "loss",
            "validation-split", "seed", "save", "save-npy", "opset", "batch", "length", "input-name", "output-name", "check", "quick",
            "model", "shape", "", "\u00e9", "model", "backward",
        ];

        private static readonly string[] Numbers =
            ["0", "1", "2", "3", "-1", "7", "17", "2147483647", "2147483648", "1e3", "0.5", "1.5", "0.99", "NaN", "-Infinity", "abc", "", " 3"];

        private static readonly string[] Words = ["adam", "sgd", "mse", "huber", "x", "rmsprop", "Y", "\u4e2d", "input", "--"];

        private readonly string[] _files;
        private readonly string[] _outputs;

        public CliPools(string dir)
        {
            string notJson = Path.Combine(dir, "not.json");
            File.WriteAllText(notJson, "{\"class_name\": ");
            string deep = Path.Combine(dir, "deep.json");
            File.WriteAllText(deep, new string('[', 100) + new string(']', 100));
            string nul = Path.Combine(dir, "null.json");
            File.WriteAllText(nul, "null");
            string causal = Path.Combine(dir, "causal.json");
            File.WriteAllText(causal, new CausalDepthwiseConv1D(3, dilationRate: 2, name: "c").Serialize().ToJsonString());
            string empty = Path.Combine(dir, "empty.npy");
            File.WriteAllBytes(empty, []);
            string big = Path.Combine(dir, "k_big.npy");
            Npy.Write(big, new float[31 * 2 * 4], [31, 2, 4]);
            string x3 = Path.Combine(dir, "x_len0.npy");
            Npy.Write(x3, new float[0], [2, 0, 3]);
            _files =
            [
                .. TestData.GoldenCases().Where((_, i) => i % 7 == 1).SelectMany(c => new[]
                {
                    TestData.Golden(c, "layer.json"), TestData.Golden(c, "kernel.npy"), TestData.Golden(c, "bias.npy"),
                    TestData.Golden(c, "x.npy"), TestData.Golden(c, "y.npy"), TestData.Golden(c, "dy.npy"),
                }).Where(File.Exists),
                Path.Combine(TestData.Root, "npy", "fortran_2x3x4_f4.npy"), Path.Combine(TestData.Root, "npy", "i4.npy"),
                Path.Combine(TestData.Root, "npy", "scalar_f8.npy"), Path.Combine(TestData.Root, "npy", "f2_2x3.npy"),
                .. ((string[])["sequential.keras", "sequential.weights.h5", "legacy_model.h5", "real/nested_dense_model.keras", "x.npy"])
                    .Select(n => Path.Combine(TestData.Root, "keras-files", n)),
                notJson, deep, nul, causal, empty, big, x3, dir, Path.Combine(dir, "missing", "x.npy"), Path.Combine(dir, "nope.npy"),
                "", "/dev/null", "\0", "con", "a\nb.npy",
            ];
            _outputs = ["out.npy", "out.onnx", "out dir \u00e9\u4e2d.npy", "save", "save.keras", "missing/sub/out.npy", ""];
        }

        public string[] Arguments(Random rng)
        {
            var args = new List<string>();
            if (rng.Next(10) == 0)
            {
                // Noise: any tokens in any order.
                int n = rng.Next(8);
                for (int i = 0; i < n; i++)
                {
                    args.Add(Any(rng));
                }

                return [.. args];
            }

            if (rng.Next(5) < 2)
            {
                return Coherent(rng);
            }

            args.Add(Commands[rng.Next(Commands.Length)]);
            int options = rng.Next(9);
            for (int i = 0; i < options; i++)
            {
                string name = Options[rng.Next(Options.Length)];
                args.Add("--" + name);
                int values = rng.Next(5) switch { 0 => 0, 1 => 2, 2 => 3, _ => 1 };
                for (int v = 0; v < values; v++)
                {
                    args.Add(ValueFor(name, rng));
                }
            }

            return [.. args];
        }

        /// <summary>A command that would succeed on one golden case, then zero to two edits that may break it.</summary>
        private string[] Coherent(Random rng)
        {
            var cases = TestData.GoldenCases().ToArray();
            string c = cases[rng.Next(cases.Length)];
            var weights = new List<string> { TestData.Golden(c, "kernel.npy") };
            if (File.Exists(TestData.Golden(c, "bias.npy")))
            {
                weights.Add(TestData.Golden(c, "bias.npy"));
            }

            string layer = TestData.Golden(c, "layer.json"), x = TestData.Golden(c, "x.npy");
            if (rng.Next(6) == 0)
            {
                string model = Path.Combine(TestData.Root, "keras-files", rng.Next(2) == 0 ? "sequential.keras" : "legacy_model.h5");
                x = Path.Combine(TestData.Root, "keras-files", "x.npy");
                weights = [];
                layer = model;
            }

            var args = layer.EndsWith(".json", StringComparison.Ordinal) ? rng.Next(4) switch
            {
                0 => (List<string>)["run", "--layer", layer, "--weights", .. weights, "--input", x, "--output", "@out/y.npy"],
                1 => ["stream", "--layer", layer, "--weights", .. weights, "--input", x, "--chunk", Numbers[rng.Next(6)], "--output", "@out/y.npy", "--check"],
                2 => ["export-onnx", "--layer", layer, "--weights", .. weights, "--output", "@out/m.onnx"],
                _ => ["fit", "--layer", layer, "--input", x, "--target", TestData.Golden(c, "y.npy"), "--epochs", "1", "--save-npy", "@out/save"],
            }
            : rng.Next(2) == 0 ? ["inspect", layer] : ["run", "--model", layer, "--input", x, "--output", "@out/y.npy"];
            int edits = rng.Next(3);
            for (int i = 0; i < edits && args.Count > 1; i++)
            {
                int at = rng.Next(1, args.Count);
                switch (rng.Next(3))
                {
                    case 0:
                        args[at] = args[at].StartsWith("--", StringComparison.Ordinal) ? "--" + Options[rng.Next(Options.Length)] : ValueFor(args[at - 1].TrimStart('-'), rng);
                        break;
                    case 1:
                        args.RemoveAt(at);
                        break;
                    default:
                        args.Insert(at, Any(rng));
                        break;
                }
            }

            return [.. args];
        }

        private string ValueFor(string name, Random rng) => name switch
        {
            "output" or "save" or "save-npy" when rng.Next(4) != 0 => "@out/" + _outputs[rng.Next(_outputs.Length)],
            "chunk" or "epochs" or "batch-size" or "learning-rate" or "validation-split" or "seed" or "opset" or "batch" or "length"
                when rng.Next(4) != 0 => Numbers[rng.Next(Numbers.Length)],
            "optimizer" or "loss" or "input-name" or "output-name" when rng.Next(3) != 0 => Words[rng.Next(Words.Length)],
            _ => rng.Next(5) == 0 ? Any(rng) : _files[rng.Next(_files.Length)],
        };

        private string Any(Random rng) => rng.Next(4) switch
        {
            0 => Numbers[rng.Next(Numbers.Length)],
            1 => Words[rng.Next(Words.Length)],
            2 => "--" + Options[rng.Next(Options.Length)],
            _ => _files[rng.Next(_files.Length)],
        };
    }
}
