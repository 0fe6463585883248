using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using DepthwiseSharp.Cli;
using DepthwiseSharp.IO;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Tests.Onnx;
using static DepthwiseSharp.Tests.RealKeras.RealKerasData;

namespace DepthwiseSharp.Tests.RealKeras;

/// <summary>
/// Functional and Sequential models run whole, following the graph's own connections, against the outputs real Keras
/// 3.15.1 computed for the same files (Input -> DepthwiseConv1D -> Activation -> Dropout -> DepthwiseConv1D, float32 and
/// float64, both data formats, .keras and legacy .h5): in the library (KerasFile.LoadModel), through `run --model`, as one
/// ONNX graph in ONNX Runtime, and in `inspect`. Models that cannot be run exactly are refused, naming what stops them.
/// </summary>
public sealed class WholeModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_whole").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (string tag in (string[])["functional_float32_cl", "functional_float32_cf", "functional_float64_cl", "functional_float64_cf"])
        {
            data.Add(tag, ".keras");
            data.Add(tag, ".h5");
        }

        return data;
    }

    private static double Error(double[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            den += expected[i] * expected[i];
        }

        Assert.True(den > 0);
        return Math.Sqrt(num / den);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_functional_model_runs_whole_as_keras_computed_it(string tag, string extension)
    {
        var model = KerasFile.LoadModel(File(tag + extension));
        Assert.Equal(["dw_first", "squash", "drop", "dw_second"], model.Steps.Select(s => s.Name));
        Assert.Equal([KerasStepKind.Layer, KerasStepKind.Activation, KerasStepKind.Identity, KerasStepKind.Layer], model.Steps.Select(s => s.Kind));
        var x = Npy.Read(File(tag + ".x.npy"));
        var expected = Npy.Read(File(tag + ".y.npy"));
        bool f32 = tag.Contains("float32");
        double[] actual = f32 ? TestData.Flat(model.Call(x.ToTensorSingle())).Select(v => (double)v).ToArray() : TestData.Flat(model.Call(x.ToTensorDouble()));
        Assert.True(Error(actual, expected.ToDoubleArray()) <= Tolerance(f32 ? DType.Float32 : DType.Float64), tag + extension);

        // The command a user runs gives the same.
        string output = Path.Combine(_dir, "y.npy");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, Program.Run(["run", "--model", File(tag + extension), "--input", File(tag + ".x.npy"), "--output", output], stdout, stderr));
        Assert.Contains("4 layers: dw_first, squash, drop, dw_second", stdout.ToString());
        var written = Npy.Read(output);
        Assert.Equal(expected.Shape, written.Shape);
        Assert.True(Error(written.ToDoubleArray(), expected.ToDoubleArray()) <= Tolerance(f32 ? DType.Float32 : DType.Float64));
    }

    [Theory]
    [InlineData("functional_float32_cl")]
    [InlineData("functional_float32_cf")]
    public void A_functional_model_exports_whole_to_onnx(string tag)
    {
        string onnx = Path.Combine(_dir, "m.onnx");
        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run(["export-onnx", "--model", File(tag + ".keras"), "--output", onnx], stdout, new StringWriter()));
        Assert.Contains("exported as one graph of 4 layers", stdout.ToString());
        var x = Npy.Read(File(tag + ".x.npy"));
        var expected = Npy.Read(File(tag + ".y.npy"));
        var (values, shape) = OnnxTestUtil.Run(System.IO.File.ReadAllBytes(onnx), x.ToSingleArray(), x.Shape.Select(v => (long)v).ToArray());
        Assert.Equal(expected.Shape.Select(v => (long)v), shape);
        Assert.True(TestData.NormwiseRelativeError(values, expected.ToDoubleArray()) <= 1e-5);
    }

    [Fact]
    public void The_shared_functional_archive_runs_whole_and_inspect_shows_the_order()
    {
        string path = KerasFiles.KerasTestFiles.File("real/functional.keras");
        var model = KerasFile.LoadModel(path);
        var y = model.Call(Npy.Read(KerasFiles.KerasTestFiles.File("real/functional.x.npy")).ToTensorSingle());
        Assert.True(TestData.NormwiseRelativeError(TestData.Flat(y), KerasFiles.KerasTestFiles.Expected("real/functional.y.npy")) <= 1e-5);

        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run(["inspect", path], stdout, new StringWriter()));
        Assert.Contains("runs whole: DepthwiseConv1D 'dw_first' -> Activation 'squash' (tanh) -> DepthwiseConv1D 'dw_second'", stdout.ToString());
    }

    [Theory]
    [InlineData("functional_float32_cl")]
    [InlineData("functional_float64_cf")]
    public void Inspect_summarizes_the_model_as_keras_does(string tag)
    {
        // Output shapes from the arrays Keras itself computed (dw_first's output and the model's), parameter counts from
        // the weights Keras saved.
        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run(["inspect", File(tag + ".keras")], stdout, new StringWriter()));
        string text = stdout.ToString();
        string None(int[] shape) => "(None, " + string.Join(", ", shape.Skip(1)) + ")";
        Assert.Matches(@"dw_first \(DepthwiseConv1D\)\s+" + System.Text.RegularExpressions.Regex.Escape(None(Npy.Read(File(tag + ".dw_first.y.npy")).Shape)), text);
        Assert.Matches(@"dw_second \(DepthwiseConv1D\)\s+" + System.Text.RegularExpressions.Regex.Escape(None(Npy.Read(File(tag + ".y.npy")).Shape)), text);
        long saved = KerasFile.Inspect(File(tag + ".keras")).Layers.SelectMany(l => l.Variables).Sum(v => v.Shape.Aggregate(1L, (a, d) => a * d));
        Assert.Contains($"Total params: {saved}", text);
        Assert.Contains("Non-trainable params: 0", text);
    }

    [Fact]
    public void A_nested_model_is_refused_naming_the_layer_and_its_class_and_one_layer_still_runs()
    {
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.LoadModel(File("nested.h5")));
        Assert.Matches("layer '[^']+' is a (Sequential|Functional)", e.Message);
        Assert.Contains("--layer NAME", e.Message);
        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run(["inspect", File("nested.h5")], stdout, new StringWriter()));
        Assert.Contains("does not run whole:", stdout.ToString());
        Assert.True(ErrorAgainstKeras(KerasFile.LoadLayer(File("nested.h5"), "outer_dw"), "nested.x.npy", "nested.outer_dw.y.npy") <= Tolerance(DType.Float32));
    }

    // ---- graphs that cannot be run exactly (model configs written here in Keras 3's and tf.keras's forms) ----

    private static JsonObject Layer(string cls, string name, params string[] inbound) => new()
    {
        ["class_name"] = cls,
        ["config"] = new JsonObject { ["name"] = name },
        ["name"] = name,
        ["inbound_nodes"] = inbound.Length == 0 ? new JsonArray() : new JsonArray(new JsonObject
        {
            ["args"] = new JsonArray([.. inbound.Select(i => (JsonNode)new JsonObject
            {
                ["class_name"] = "__keras_tensor__",
                ["config"] = new JsonObject { ["keras_history"] = new JsonArray(i, 0, 0) },
            })]),
            ["kwargs"] = new JsonObject(),
        }),
    };

    private static JsonObject Model(JsonNode inputs, JsonNode outputs, params JsonObject[] layers) => new()
    {
        ["class_name"] = "Functional",
        ["config"] = new JsonObject { ["name"] = "m", ["layers"] = new JsonArray([.. layers]), ["input_layers"] = inputs, ["output_layers"] = outputs },
    };

    [Fact]
    public void The_chain_follows_inbound_nodes_not_the_list_order()
    {
        // Listed out of order; Keras 3's keras_history and tf.keras's nested lists.
        var keras3 = Model(new JsonArray("in", 0, 0), new JsonArray("b", 0, 0),
            Layer("DepthwiseConv1D", "b", "a"), Layer("InputLayer", "in"), Layer("Activation", "a", "in"));
        Assert.Equal(["in", "a", "b"], KerasModel.Chain(keras3, "f").Select(l => l["name"]!.GetValue<string>()));

        var tfKeras = Model(new JsonArray(new JsonArray("in", 0, 0)), new JsonArray(new JsonArray("b", 0, 0)),
            Layer("InputLayer", "in"), Layer("Dropout", "a"), Layer("DepthwiseConv1D", "b"));
        tfKeras["config"]!["layers"]![1]!["inbound_nodes"] = JsonNode.Parse("[[[\"in\", 0, 0, {}]]]");
        tfKeras["config"]!["layers"]![2]!["inbound_nodes"] = JsonNode.Parse("[[[\"a\", 0, 0, {}]]]");
        Assert.Equal(["in", "a", "b"], KerasModel.Chain(tfKeras, "f").Select(l => l["name"]!.GetValue<string>()));
    }

    [Fact]
    public void Branches_merges_shared_layers_and_several_inputs_are_refused_with_the_reason()
    {
        var merge = Model(new JsonArray("in", 0, 0), new JsonArray("sum", 0, 0),
            Layer("InputLayer", "in"), Layer("DepthwiseConv1D", "a", "in"), Layer("DepthwiseConv1D", "b", "in"), Layer("Add", "sum", "a", "b"));
        Assert.Contains("layer 'sum' takes 2 inputs ('a', 'b'); models with merge layers cannot be run yet",
            Assert.Throws<NotSupportedException>(() => KerasModel.Chain(merge, "f")).Message);

        var branch = Model(new JsonArray("in", 0, 0), new JsonArray("a", 0, 0),
            Layer("InputLayer", "in"), Layer("DepthwiseConv1D", "a", "in"), Layer("DepthwiseConv1D", "side", "in"));
        Assert.Contains("layer 'side' (DepthwiseConv1D) is off the path from 'in' to 'a'",
            Assert.Throws<NotSupportedException>(() => KerasModel.Chain(branch, "f")).Message);

        var two = Model(new JsonArray(new JsonArray("x", 0, 0), new JsonArray("y", 0, 0)), new JsonArray("a", 0, 0), Layer("InputLayer", "x"));
        Assert.Contains("the model has 2 inputs", Assert.Throws<NotSupportedException>(() => KerasModel.Chain(two, "f")).Message);

        var dense = Model(new JsonArray("in", 0, 0), new JsonArray("d", 0, 0), Layer("InputLayer", "in"), Layer("Dense", "d", "in"));
        var chain = KerasModel.Chain(dense, "f");
        var e = Assert.Throws<NotSupportedException>(() => KerasModel.FromChain(dense, chain, "f", _ => throw new InvalidOperationException()));
        Assert.Contains("layer 'd' is a Dense, which DepthwiseSharp cannot run", e.Message);
    }
}
