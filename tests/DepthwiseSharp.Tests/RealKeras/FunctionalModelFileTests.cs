using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using static DepthwiseSharp.Tests.RealKeras.RealKerasData;

namespace DepthwiseSharp.Tests.RealKeras;

/// <summary>
/// Issue #18 item 1: the files Keras 3.15.1 writes for Functional and nested models, whose weight-less layers carry
/// <c>weight_names</c> as an empty float64 array in the legacy .h5. Each layer loaded from a file must give Keras's own
/// output of that layer.
/// </summary>
public class FunctionalModelFileTests
{
    private static readonly string[] FunctionalLayers = ["signal", "dw_first", "squash", "drop", "dw_second"];

    [Theory]
    [MemberData(nameof(FunctionalTags), MemberType = typeof(RealKerasData))]
    public void Legacy_h5_layers_give_keras_outputs(string tag) => AssertLayersGiveKerasOutputs(tag, File(tag + ".h5"));

    [Theory]
    [MemberData(nameof(FunctionalTags), MemberType = typeof(RealKerasData))]
    public void Keras_archive_layers_give_keras_outputs(string tag) => AssertLayersGiveKerasOutputs(tag, File(tag + ".keras"));

    [Theory]
    [MemberData(nameof(FunctionalTags), MemberType = typeof(RealKerasData))]
    public void Weights_h5_with_the_archive_configs_gives_keras_outputs(string tag)
    {
        var configs = KerasFile.Inspect(File(tag + ".keras")).DepthwiseLayers.Select(l => l.GetConfig()!).ToArray();
        Assert.Equal(2, configs.Length);
        var first = KerasFile.LoadLayerWeights(File(tag + ".weights.h5"), configs[0], 0);
        var second = KerasFile.LoadLayerWeights(File(tag + ".weights.h5"), configs[1], 1);
        Assert.True(ErrorAgainstKeras(first, tag + ".x.npy", tag + ".dw_first.y.npy") <= Tolerance(first.DType));
        Assert.True(ErrorAgainstKeras(second, tag + ".dw_second.x.npy", tag + ".y.npy") <= Tolerance(second.DType));
    }

    [Theory]
    [MemberData(nameof(FunctionalTags), MemberType = typeof(RealKerasData))]
    public void Legacy_h5_lists_every_layer_and_weightless_layers_have_no_variables(string tag)
    {
        var info = KerasFile.Inspect(File(tag + ".h5"));
        Assert.Equal(KerasFileFormat.LegacyModel, info.Format);
        Assert.Equal("Functional", info.ModelClassName);
        Assert.Equal("3.15.1", info.KerasVersion);
        Assert.Equal(FunctionalLayers, info.Layers.Select(l => l.Name));
        Assert.Equal(["InputLayer", "DepthwiseConv1D", "Activation", "Dropout", "DepthwiseConv1D"], info.Layers.Select(l => l.ClassName));
        foreach (int i in (int[])[0, 2, 3])
        {
            Assert.Empty(info.Layers[i].Variables);
        }

        string dtype = tag.Contains("float64", StringComparison.Ordinal) ? "float64" : "float32";
        Assert.Equal(["dw_first/kernel", "dw_first/bias"], info.Layers[1].Variables.Select(v => v.Name));
        Assert.Equal(["model_weights/dw_second/dw_second/kernel", "model_weights/dw_second/dw_second/bias"], info.Layers[4].Variables.Select(v => v.Path));
        Assert.All(info.Layers.SelectMany(l => l.Variables), v => Assert.Equal(dtype, v.DType));
        Assert.Equal([3, 3, 2], info.Layers[1].Variables[0].Shape);
        Assert.Equal([5, 6, 1], info.Layers[4].Variables[0].Shape);
    }

    [Fact]
    public void The_issue_fixture_from_shared_loads()
    {
        // shared/keras-files/real/functional_legacy.h5, the file the issue quotes, copied into TestData.
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "keras-files", "real", "functional_legacy.h5");
        var info = KerasFile.Inspect(path);
        Assert.Equal(["signal", "dw_first", "squash", "dw_second"], info.Layers.Select(l => l.Name));
        var layer = KerasFile.LoadLayer(path, "dw_first");
        var x = TestData.ReadSingle(Path.Combine(AppContext.BaseDirectory, "TestData", "keras-files", "real", "functional.x.npy"));
        double[] expected = TestData.Flat(TestData.ReadDouble(Path.Combine(AppContext.BaseDirectory, "TestData", "keras-files", "real", "functional.dw_first.y.npy")));
        double err = TestData.NormwiseRelativeError(TestData.Flat(layer.Call(x)), expected);
        Assert.True(err <= 1e-5, $"normwise relative error {err:E3}");
        Assert.Equal("dw_second", KerasFile.LoadLayer(path, 1).Name);
    }

    [Fact]
    public void Nested_legacy_h5_lists_the_nested_model_and_loads_the_outer_layer()
    {
        string path = File("nested.h5");
        var info = KerasFile.Inspect(path);
        Assert.Equal(["signal", "outer_dw", "inner"], info.Layers.Select(l => l.Name));
        Assert.Equal(["InputLayer", "DepthwiseConv1D", "Sequential"], info.Layers.Select(l => l.ClassName));
        Assert.Empty(info.Layers[0].Variables);

        // The nested Sequential's weights are stored flat under its own group, as Keras writes them.
        Assert.Equal(["inner/in_dw/kernel", "inner/in_dw/bias"], info.Layers[2].Variables.Select(v => v.Name));
        Assert.Equal([3, 3, 2], info.Layers[2].Variables[0].Shape);

        var outer = KerasFile.LoadLayer(path, "outer_dw");
        Assert.True(ErrorAgainstKeras(outer, "nested.x.npy", "nested.outer_dw.y.npy") <= Tolerance(DType.Float32));
    }

    [Fact]
    public void An_empty_weight_names_array_of_another_type_is_no_weights()
    {
        string path = File("functional_empty_int_weight_names.h5");
        var info = KerasFile.Inspect(path);
        Assert.Empty(info.Layers.Single(l => l.Name == "drop").Variables);
        var layer = KerasFile.LoadLayer(path, "dw_first");
        Assert.True(ErrorAgainstKeras(layer, "functional_float32_cl.x.npy", "functional_float32_cl.dw_first.y.npy") <= Tolerance(DType.Float32));
    }

    [Fact]
    public void A_non_empty_weight_names_that_is_not_strings_is_still_refused()
    {
        string path = File("functional_float_weight_names.h5");
        var e = Assert.Throws<InvalidDataException>(() => KerasFile.Inspect(path));
        Assert.Contains("attribute 'weight_names' of 'model_weights/squash' is not a string (HDF5 class FloatingPoint)", e.Message);
        Assert.Contains("functional_float_weight_names.h5", e.Message);
        Assert.Throws<InvalidDataException>(() => KerasFile.LoadLayer(path, "dw_first"));
    }

    private static void AssertLayersGiveKerasOutputs(string tag, string path)
    {
        var first = KerasFile.LoadLayer(path, "dw_first");
        var second = KerasFile.LoadLayer(path, "dw_second");
        DType dtype = tag.Contains("float64", StringComparison.Ordinal) ? DType.Float64 : DType.Float32;
        DataFormat format = tag.EndsWith("_cf", StringComparison.Ordinal) ? DataFormat.ChannelsFirst : DataFormat.ChannelsLast;
        Assert.Equal(dtype, first.DType);
        Assert.Equal(format, second.DataFormat);
        Assert.Equal((3, 2, 2, "relu"), (first.KernelSize, first.DepthMultiplier, first.DilationRate, first.Activation.Name));
        Assert.Equal((5, 2, Padding.Valid), (second.KernelSize, second.Strides, second.Padding));

        // dw_first on the model's input; dw_second on what it receives inside the model (Dropout is the identity at
        // inference), which gives the model's output.
        double e1 = ErrorAgainstKeras(first, tag + ".x.npy", tag + ".dw_first.y.npy");
        double e2 = ErrorAgainstKeras(second, tag + ".dw_second.x.npy", tag + ".y.npy");
        Assert.True(e1 <= Tolerance(dtype), $"dw_first: normwise relative error {e1:E3}");
        Assert.True(e2 <= Tolerance(dtype), $"dw_second: normwise relative error {e2:E3}");
    }
}
