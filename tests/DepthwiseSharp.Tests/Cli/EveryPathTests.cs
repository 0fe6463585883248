using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using DepthwiseSharp.Cli;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Tests.Onnx;
using DepthwiseSharp.Tests.Streaming;
using static DepthwiseSharp.Tests.KerasFiles.KerasTestFiles;
using static DepthwiseSharp.Tests.Cli.CliRunner;

namespace DepthwiseSharp.Tests.Cli;

/// <summary>
/// Every layer class through every path a user takes (issue "every path"): the layer registry behind configs, Keras files,
/// ONNX and each command; whole-model ONNX export; --seed; Keras weight files with a layer JSON; the CLI defects a new user hit.
/// Each command runs as a user runs it, through Program.Run.
/// </summary>
public sealed class EveryPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_paths").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private static string Ok(params string[] args)
    {
        var (code, output, err) = Run(args);
        Assert.True(code == 0, $"exit {code}: {err}");
        return output;
    }

    private static string Error(params string[] args)
    {
        var (code, output, err) = Run(args);
        Assert.True(code == 2, $"exit {code}; stdout: {output}");
        Assert.StartsWith("depthwise: error: ", err, StringComparison.Ordinal);
        return err;
    }

    // ---- silent wrong answer 1: export-onnx of a model exports every layer ----

    [Fact]
    public void Export_onnx_of_a_model_exports_every_layer_as_one_graph()
    {
        // Keras's own output of the whole Sequential (dw_a then dw_b) is dw_b.y.npy, shape (1, 24, 16); the first layer alone
        // would give (1, 50, 16).
        string model = P("seq.onnx");
        string output = Ok("export-onnx", "--model", File("sequential.keras"), "--output", model);
        Assert.Contains("exported as one graph of 2 layers", output);
        Assert.Contains("'dw_a'", output);
        Assert.Contains("'dw_b'", output);
        var x = Npy.Read(File("x.npy"));
        var (values, shape) = OnnxTestUtil.Run(System.IO.File.ReadAllBytes(model), x.ToSingleArray(), [1, 50, 8]);
        Assert.Equal([1L, 24, 16], shape);
        Assert.True(TestData.NormwiseRelativeError(values, Expected("dw_b.y.npy")) <= 1e-5);

        // --layer still exports one layer (by name, or by index among the layers we can build).
        Ok("export-onnx", "--model", File("sequential.keras"), "--layer", "1", "--output", model);
        var dwA = Npy.Read(File("dw_a.y.npy"));
        (values, shape) = OnnxTestUtil.Run(System.IO.File.ReadAllBytes(model), dwA.ToSingleArray(), [1, 50, 16]);
        Assert.Equal([1L, 24, 16], shape);
        Assert.True(TestData.NormwiseRelativeError(values, Expected("dw_b.y.npy")) <= 1e-5);
    }

    [Fact]
    public void Exporting_layers_that_do_not_connect_is_refused()
    {
        var a = SavedLayer(new DepthwiseConv1D(3, name: "a"), 4);
        var b = SavedLayer(new DepthwiseConv1D(3, name: "b"), 5);
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes([a, b]));
        Assert.Contains("'a' gives 4 channels but layer 'b' is built for 5", e.Message);
    }

    // ---- silent wrong answer 2: --seed makes fit reproducible whatever the JSON holds ----

    [Theory]
    [InlineData("{\"kernel_size\": 3, \"bias_initializer\": \"random_normal\"}")]
    [InlineData("{\"kernel_size\": 3, \"depthwise_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {}}, \"bias_initializer\": \"random_uniform\"}")]
    [InlineData("{\"kernel_size\": 3, \"depthwise_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}}}")]
    [InlineData("{\"module\": \"keras.layers\", \"class_name\": \"DepthwiseConv1D\", \"config\": {\"kernel_size\": 3}, \"build_config\": {\"input_shape\": [null, null, 3]}}")]
    [InlineData("{\"kernel_size\": 3, \"padding\": \"causal\", \"depthwise_initializer\": \"he_normal\"}")]
    public void Fit_with_a_seed_gives_the_same_weights_on_every_run(string json)
    {
        System.IO.File.WriteAllText(P("layer.json"), json);
        var rng = new Random(4);
        Npy.Write(P("x.npy"), StreamTestUtil.Input<float>(rng, 2 * 20 * 3), [2, 20, 3]);
        int outLength = json.Contains("causal") ? 20 : 18;
        Npy.Write(P("y.npy"), StreamTestUtil.Input<float>(rng, 2 * outLength * 3), [2, outLength, 3]);

        float[] Fit(string dir, string seed)
        {
            Ok("fit", "--layer", P("layer.json"), "--input", P("x.npy"), "--target", P("y.npy"), "--epochs", "1", "--seed", seed, "--save-npy", P(dir));
            return [.. Npy.Read(Path.Combine(P(dir), "kernel.npy")).ToSingleArray(), .. Npy.Read(Path.Combine(P(dir), "bias.npy")).ToSingleArray()];
        }

        float[] first = Fit("a", "5"), second = Fit("b", "5"), other = Fit("c", "6");
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    // ---- one registry: each class through config, .keras, .weights.h5 + JSON, ONNX and stream ----

    public static TheoryData<string> Classes() => new(LayerRegistry.ClassNames.ToArray());

    private static DepthwiseConv1D NewLayer(string className, string name) =>
        className == CausalDepthwiseConv1D.KerasClassName
            ? new CausalDepthwiseConv1D(3, dilationRate: 2, depthMultiplier: 2, activation: "tanh", name: name)
            : new DepthwiseConv1D(3, padding: "valid", depthMultiplier: 2, activation: "tanh", name: name);

    private static T SavedLayer<T>(T layer, int channels)
        where T : DepthwiseConv1D => StreamTestUtil.WithRandomWeights(layer, channels, new Random(channels));

    [Theory]
    [MemberData(nameof(Classes))]
    public void Every_class_round_trips_through_every_path(string className)
    {
        var layer = SavedLayer(NewLayer(className, "dw"), 3);
        Assert.Equal(className, LayerRegistry.ClassNameOf(layer.GetType()));
        Assert.Equal(layer.GetType(), LayerRegistry.TypeOf(className));
        var x = StreamTestUtil.Input<float>(new Random(9), 2 * 16 * 3);
        var expected = TestData.Flat(layer.Call(Tensor.Create(x, [2, 16, 3])));
        Npy.Write(P("x.npy"), x, [2, 16, 3]);

        // config: the registry gives back the class, the config and (with the same weights) the same outputs
        var copy = LayerRegistry.FromConfig(layer.Serialize());
        Assert.IsType(layer.GetType(), copy);
        Assert.Equal(layer.GetConfig().ToJsonString(), copy.GetConfig().ToJsonString());
        var bare = LayerRegistry.FromConfig(layer.GetConfig());
        Assert.IsType(layer.GetType(), bare);

        // .keras: saved and loaded back by the library and by `run --model`, bit for bit
        KerasFile.SaveKeras(P("m.keras"), [layer]);
        var loaded = KerasFile.LoadSequential(P("m.keras"));
        Assert.IsType(layer.GetType(), Assert.Single(loaded));
        Ok("run", "--model", P("m.keras"), "--input", P("x.npy"), "--output", P("y1.npy"));
        Assert.Equal(expected, Npy.Read(P("y1.npy")).ToSingleArray());
        Assert.Contains(className, Ok("inspect", P("m.keras")));

        // .weights.h5 with the layer JSON
        KerasFile.SaveWeightsH5(P("m.weights.h5"), [layer]);
        System.IO.File.WriteAllText(P("layer.json"), layer.Serialize().ToJsonString());
        Ok("run", "--layer", P("layer.json"), "--weights", P("m.weights.h5"), "--input", P("x.npy"), "--output", P("y2.npy"));
        Assert.Equal(expected, Npy.Read(P("y2.npy")).ToSingleArray());

        // ONNX from the same files
        Ok("export-onnx", "--layer", P("layer.json"), "--weights", P("m.weights.h5"), "--output", P("m.onnx"));
        var (values, _) = OnnxTestUtil.Run(System.IO.File.ReadAllBytes(P("m.onnx")), x, [2, 16, 3]);
        Assert.True(OnnxTestUtil.RelativeError(values, expected) <= 1e-5);

        // stream, from the model file: identical to the whole-sequence call
        string streamed = Ok("stream", "--model", P("m.keras"), "--layer", "dw", "--input", P("x.npy"), "--chunk", "3", "--output", P("y3.npy"), "--check");
        Assert.Contains("check: identical to the whole-sequence call", streamed);
        Assert.Equal(expected, Npy.Read(P("y3.npy")).ToSingleArray());
    }

    [Fact]
    public void A_causal_layer_is_trained_saved_loaded_and_streamed()
    {
        // Target: a known causal filter's output. fit trains from the JSON's initializers, saves a .keras, which run and stream read.
        var teacher = SavedLayer(new CausalDepthwiseConv1D(4, name: "teacher"), 2);
        var x = StreamTestUtil.Input<float>(new Random(3), 8 * 30 * 2);
        Npy.Write(P("x.npy"), x, [8, 30, 2]);
        Npy.Write(P("y.npy"), teacher.Call(Tensor.Create(x, [8, 30, 2])));
        System.IO.File.WriteAllText(P("causal.json"), new CausalDepthwiseConv1D(4, name: "student").Serialize().ToJsonString());
        string fit = Ok("fit", "--layer", P("causal.json"), "--input", P("x.npy"), "--target", P("y.npy"), "--epochs", "40",
            "--learning-rate", "0.05", "--seed", "1", "--save", P("causal.keras"));
        Assert.Contains("saved", fit);
        double finalLoss = double.Parse(fit[(fit.IndexOf("final loss ", StringComparison.Ordinal) + 11)..].Split(',', '\n')[0].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(finalLoss < 0.05, fit);

        var student = Assert.IsType<CausalDepthwiseConv1D>(Assert.Single(KerasFile.LoadSequential(P("causal.keras"))));
        var expected = TestData.Flat(student.Call(Tensor.Create(x, [8, 30, 2])));
        Ok("run", "--model", P("causal.keras"), "--input", P("x.npy"), "--output", P("run.npy"));
        Assert.Equal(expected, Npy.Read(P("run.npy")).ToSingleArray());
        Assert.Contains("identical to the whole-sequence call",
            Ok("stream", "--model", P("causal.keras"), "--layer", "0", "--input", P("x.npy"), "--chunk", "1", "--output", P("s.npy"), "--check"));
    }

    [Fact]
    public void Stream_of_a_model_with_several_layers_asks_for_one()
    {
        string err = Error("stream", "--model", File("sequential.keras"), "--input", File("x.npy"), "--chunk", "4", "--output", P("y.npy"));
        Assert.Contains("--layer NAME", err);
        Assert.Contains("'dw_a'", err);
    }

    // ---- CLI defects ----

    [Fact]
    public void Run_takes_a_layer_json_with_a_keras_weights_file_and_a_layer_index()
    {
        var dwA = KerasFile.LoadLayer(File("sequential.keras"), "dw_a");
        System.IO.File.WriteAllText(P("dw_a.json"), dwA.Serialize().ToJsonString());
        Ok("run", "--layer", P("dw_a.json"), "--weights", File("sequential.weights.h5"), "--input", File("x.npy"), "--output", P("a.npy"));
        AssertClose(Npy.Read(P("a.npy")).ToTensorSingle(), Expected("dw_a.y.npy"));

        // --layer 1: the second layer of the model (Keras's LoadLayer(path, 1)).
        Ok("run", "--model", File("sequential.keras"), "--layer", "1", "--input", File("dw_a.y.npy"), "--output", P("b.npy"));
        var b = Npy.Read(P("b.npy"));
        Assert.Equal(Expected("dw_b.y.npy").Length, b.ToDoubleArray().Length);
        Assert.True(TestData.NormwiseRelativeError(b.ToSingleArray(), Expected("dw_b.y.npy")) <= 1e-5);
    }

    [Fact]
    public void Fit_checks_where_it_saves_before_training_and_refuses_zero_epochs()
    {
        var (code, output, err) = Run("fit", "--layer", TestData.Golden("case_000", "layer.json"), "--input", TestData.Golden("case_000", "x.npy"),
            "--target", TestData.Golden("case_000", "y.npy"), "--save", "/nonexistent/dir/a.keras");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/dir/a.keras", err);
        Assert.DoesNotContain("epoch", output);
        Assert.DoesNotContain(".tmp", err);

        err = Error("fit", "--layer", TestData.Golden("case_000", "layer.json"), "--input", TestData.Golden("case_000", "x.npy"),
            "--target", TestData.Golden("case_000", "y.npy"), "--epochs", "0", "--save-npy", P("out"));
        Assert.Contains("--epochs must be an integer >= 1; received '0'", err);
    }

    [Fact]
    public void A_kernel_with_the_wrong_channel_count_is_blamed_on_the_kernel()
    {
        var layer = new DepthwiseConv1D(3, depthMultiplier: 2, name: "k");
        var e = Assert.Throws<KerasArgumentException>(() => layer.SetWeights(Tensor.Create(new float[3 * 7 * 2], [3, 7, 2]), Tensor.Create(new float[16], [16])));
        Assert.Contains("the kernel (3, 7, 2) has 7 input channels, so the bias must have shape (14,)", e.Message);
        Assert.Contains("received bias shape (16,)", e.Message);
        Assert.False(layer.Built);
    }

    [Fact]
    public void Error_lines_carry_no_dotnet_tails()
    {
        string err = Error("fit", "--layer", TestData.Golden("case_000", "layer.json"), "--input", TestData.Golden("case_000", "x.npy"),
            "--target", TestData.Golden("case_000", "y.npy"), "--learning-rate", "-1.5", "--save-npy", P("out"));
        Assert.Contains("learning_rate=-1.5", err);
        Assert.DoesNotContain("(Parameter", err);
        Assert.DoesNotContain("Actual value was", err);
    }

    [Fact]
    public void Options_take_the_name_equals_value_and_name_colon_value_forms()
    {
        string name = "case_000";
        string[] weights = System.IO.File.Exists(TestData.Golden(name, "bias.npy"))
            ? ["--weights", TestData.Golden(name, "kernel.npy"), TestData.Golden(name, "bias.npy")]
            : ["--weights", TestData.Golden(name, "kernel.npy")];
        Ok(["run", $"--layer={TestData.Golden(name, "layer.json")}", .. weights, $"--input={TestData.Golden(name, "x.npy")}", $"--output={P("y.npy")}"]);
        Assert.True(TestData.NormwiseRelativeError(Npy.Read(P("y.npy")).ToSingleArray(), Npy.Read(TestData.Golden(name, "y.npy")).ToDoubleArray()) <= 1e-5);
        Ok(["run", $"--layer:{TestData.Golden(name, "layer.json")}", .. weights, $"--input:{TestData.Golden(name, "x.npy")}", $"--output:{P("y2.npy")}"]);
        Assert.True(TestData.NormwiseRelativeError(Npy.Read(P("y2.npy")).ToSingleArray(), Npy.Read(TestData.Golden(name, "y.npy")).ToDoubleArray()) <= 1e-5);
    }

    [Fact]
    public void Inspect_with_an_extra_argument_names_the_argument_not_the_file()
    {
        string err = Error("inspect", File("sequential.keras"), "extra");
        Assert.Contains("unexpected argument 'extra'", err);
        Assert.DoesNotContain("sequential.keras", err);
    }

    [Fact]
    public void Unknown_layer_classes_are_refused_naming_the_class()
    {
        System.IO.File.WriteAllText(P("dense.json"), "{\"class_name\": \"Dense\", \"config\": {\"units\": 3}}");
        string err = Error("run", "--layer", P("dense.json"), "--weights", TestData.Golden("case_000", "kernel.npy"), "--input", File("x.npy"), "--output", P("y.npy"));
        Assert.Contains("Unknown layer: 'Dense'", err);
        Assert.Contains("CausalDepthwiseConv1D", err);
    }

    // ---- the Keras-style string constructor ----

    [Fact]
    public void Keras_call_shapes_compile_and_mean_what_keras_means()
    {
        // keras.layers.DepthwiseConv1D(kernel_size=3, activation="relu"): strides 1, padding "valid", M 1.
        var layer = new DepthwiseConv1D(3, activation: "relu");
        Assert.Equal((1, Padding.Valid, 1, "relu"), (layer.Strides, layer.Padding, layer.DepthMultiplier, layer.Activation.Name));
        var same = new DepthwiseConv1D(5, padding: "same", dataFormat: "channels_first");
        Assert.Equal((Padding.Same, DataFormat.ChannelsFirst), (same.Padding, same.DataFormat));
        var causal = new CausalDepthwiseConv1D(4, activation: "gelu");
        Assert.Equal((Padding.Causal, "gelu"), (causal.Padding, causal.Activation.Name));
        var plain = new DepthwiseConv1D(3);
        Assert.Equal("zeros", plain.BiasInitializer.ClassName.ToLowerInvariant());
    }
}
