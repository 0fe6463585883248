using System.Numerics.Tensors;
using DepthwiseSharp.IO;
using DepthwiseSharp.Serialization;
using static DepthwiseSharp.Tests.KerasFiles.KerasTestFiles;

namespace DepthwiseSharp.Tests.KerasFiles;

/// <summary>
/// What real files also carry (fixtures/make_fixtures.py): split layer_names, groups stored in another order than listed,
/// float16/float64 and chunked deflate datasets, fixed- and variable-length strings, and files to refuse.
/// </summary>
public class KerasFixtureTests
{
    [Fact]
    public void Legacy_split_layer_names_are_joined_in_order_and_matched_by_position()
    {
        var info = KerasFile.Inspect(Fixture("legacy_split.h5"));
        Assert.Equal(["input_1", "zz_depthwise", "aa_dense", "mm_depthwise"], info.Layers.Select(l => l.Name));
        Assert.Equal(["InputLayer", "DepthwiseConv1D", "Dense", "DepthwiseConv1D"], info.Layers.Select(l => l.ClassName));
        Assert.Equal(["zz_depthwise", "mm_depthwise"], info.DepthwiseLayers.Select(l => l.Name));
        var zz = info.Layers[1];
        Assert.Equal(["depthwise_conv1d/depthwise_kernel:0", "depthwise_conv1d/bias:0"], zz.Variables.Select(v => v.Name));
        Assert.Equal(["float64", "float16"], zz.Variables.Select(v => v.DType));
        Assert.Equal(["dense/kernel:0", "dense/bias:0"], info.Layers[2].Variables.Select(v => v.Name));
    }

    [Fact]
    public void Legacy_float64_chunked_and_float16_weights_convert_to_the_layer_dtype()
    {
        var zz = KerasFile.LoadLayer(Fixture("legacy_split.h5"), "zz_depthwise");
        var kernel = Npy.Read(Fixture("legacy_split.zz_kernel.npy")).ToDoubleArray();
        var bias = Npy.Read(Fixture("legacy_split.zz_bias.npy")).ToHalfArray();
        Assert.Equal(kernel.Select(v => (float)v), Values(zz.Kernel));
        Assert.Equal(bias.Select(v => (float)v), Values(zz.Bias!));

        var mm = KerasFile.LoadLayer(Fixture("legacy_split.h5"), 1);
        Assert.Equal("mm_depthwise", mm.Name);
        Assert.Equal(Npy.Read(Fixture("legacy_split.mm_kernel.npy")).ToSingleArray(), Values(mm.Kernel));
    }

    [Fact]
    public void Legacy_model_with_a_dense_layer_cannot_run_and_says_which_layer()
    {
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.LoadSequential(Fixture("legacy_split.h5")));
        Assert.Contains("aa_dense", e.Message);
        Assert.Contains("Dense", e.Message);
        Assert.Contains("legacy_split.h5", e.Message);
    }

    [Fact]
    public void Legacy_weights_split_in_three_chunks_load_by_depthwise_position()
    {
        var config = KerasFile.Inspect(Fixture("legacy_split.h5"));
        var info = KerasFile.Inspect(Fixture("legacy_split_weights.h5"));
        Assert.Equal(["input_1", "zz_depthwise", "aa_dense", "mm_depthwise"], info.Layers.Select(l => l.Name));
        Assert.Equal(["zz_depthwise", "mm_depthwise"], info.DepthwiseLayers.Select(l => l.Name));
        var mm = KerasFile.LoadLayerWeights(Fixture("legacy_split_weights.h5"), config.DepthwiseLayers[1].GetConfig()!, 1);
        Assert.Equal(Npy.Read(Fixture("legacy_split.mm_kernel.npy")).ToSingleArray(), Values(mm.Kernel));
    }

    [Fact]
    public void Chain_of_twelve_layers_follows_the_numbered_paths_not_the_stored_order()
    {
        var info = KerasFile.Inspect(Fixture("chain12.keras"));
        Assert.Equal(12, info.DepthwiseLayers.Count);
        for (int i = 0; i < 12; i++)
        {
            var layer = info.DepthwiseLayers[i];
            Assert.Equal($"dw_{i:00}", layer.Name);
            Assert.Equal(i == 0 ? "layers/depthwise_conv1d/vars" : $"layers/depthwise_conv1d_{i}/vars", layer.WeightsPath);
        }

        var layers = KerasFile.LoadSequential(Fixture("chain12.keras"));
        var x = Tensor.Create(Enumerable.Range(0, 24).Select(v => v * 0.25f - 2f).ToArray(), [1, 6, 4]);
        var y = TestData.Flat(KerasSequential.Run(layers, x));
        var expected = TestData.Flat(x).Select(v => (double)v).ToArray();
        double[] scales = [0.5, 1.25, -0.75, 2.0, 1.5, -1.0, 0.25, 1.75, -0.5, 1.0, 0.75, -1.25];
        double[] biases = [0.125, -0.25, 0.5, 0.0, -0.125, 0.375, 0.25, -0.5, 0.625, -0.375, 0.0, 0.125];
        for (int i = 0; i < 12; i++)
        {
            expected = expected.Select(v => (v * scales[i]) + biases[i]).ToArray();
        }

        Assert.Equal(expected.Select(v => (float)v), y);
    }

    [Fact]
    public void Chain_weights_h5_loads_the_eleventh_layer_from_depthwise_conv1d_10()
    {
        var info = KerasFile.Inspect(Fixture("chain12.weights.h5"));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"dw_{i:00}"), info.Layers.Select(l => l.Name));
        var config = KerasFile.Inspect(Fixture("chain12.keras")).DepthwiseLayers[10].GetConfig()!;
        var layer = KerasFile.LoadLayerWeights(Fixture("chain12.weights.h5"), config, 10);
        Assert.All(Values(layer.Kernel), v => Assert.Equal(0.75f, v));
        Assert.All(Values(layer.Bias!), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Float64_layer_keeps_float64_weights_exactly()
    {
        var config = KerasFile.Inspect(Fixture("chain12.keras")).DepthwiseLayers[0].GetConfig()!;
        config["config"]!["dtype"]!["config"]!["name"] = "float64";
        var layer = KerasFile.LoadLayerWeights(Fixture("chain12.weights.h5"), config, 0);
        Assert.Equal(DType.Float64, layer.DType);
        Assert.All(ValuesDouble(layer.Kernel), v => Assert.Equal(0.5, v));
    }

    [Fact]
    public void Lzf_compressed_dataset_is_not_supported_naming_the_dataset()
    {
        var config = KerasFile.Inspect(File("sequential.keras")).DepthwiseLayers[1].GetConfig()!;
        var info = KerasFile.Inspect(Fixture("lzf.weights.h5"));
        Assert.Equal([3, 4, 1], info.Layers.Single().Variables.Single().Shape);
        var bare = config["config"]!.DeepClone();
        bare["kernel_size"] = new System.Text.Json.Nodes.JsonArray(3);
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.LoadLayerWeights(Fixture("lzf.weights.h5"), bare));
        Assert.Contains("lzf.weights.h5", e.Message);
        Assert.Contains("layers/depthwise_conv1d/vars/0", e.Message);
    }

    [Fact]
    public void Integer_weights_are_not_supported_naming_the_dataset_and_dtype()
    {
        var config = new System.Text.Json.Nodes.JsonObject { ["kernel_size"] = 3, ["use_bias"] = false };
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.LoadLayerWeights(Fixture("int.weights.h5"), config));
        Assert.Contains("int.weights.h5", e.Message);
        Assert.Contains("int32", e.Message);
    }

    [Fact]
    public void Big_endian_float_weights_are_read()
    {
        var config = new System.Text.Json.Nodes.JsonObject { ["kernel_size"] = 3, ["use_bias"] = false };
        var layer = KerasFile.LoadLayerWeights(Fixture("bigendian.weights.h5"), config);
        Assert.Equal(Npy.Read(Fixture("bigendian.kernel.npy")).ToSingleArray(), Values(layer.Kernel));
    }

    [Fact]
    public void An_hdf5_file_that_is_not_keras_is_invalid_data()
    {
        var e = Assert.Throws<InvalidDataException>(() => KerasFile.Inspect(Fixture("not_keras.h5")));
        Assert.Contains("not_keras.h5", e.Message);
    }

    [Fact]
    public void A_file_that_is_neither_zip_nor_hdf5_is_invalid_data()
    {
        string path = TempPath("model.keras");
        System.IO.File.WriteAllText(path, "this is not a model");
        var e = Assert.Throws<InvalidDataException>(() => KerasFile.Inspect(path));
        Assert.Contains(path, e.Message);
        System.IO.File.WriteAllBytes(path, []);
        Assert.Throws<InvalidDataException>(() => KerasFile.Inspect(path));
    }

    [Fact]
    public void Wrong_variable_count_uses_the_keras_message()
    {
        // dw_b's config (no bias) with the weights of dw_a (kernel and bias).
        var config = KerasFile.Inspect(File("sequential.keras")).DepthwiseLayers[1].GetConfig()!;
        var e = Assert.Throws<InvalidDataException>(() => KerasFile.LoadLayerWeights(File("sequential.weights.h5"), config, 0));
        Assert.Contains("Layer 'dw_b' expected 1 variables, but received 2 variables during loading", e.Message);
        Assert.Contains("sequential.weights.h5", e.Message);
    }

    [Fact]
    public void Missing_weights_group_reports_zero_variables()
    {
        string path = TempPath("m.weights.h5");
        var layer = new DepthwiseSharp.Layers.DepthwiseConv1D(3, name: "lonely");
        layer.Build([null, 10, 4]);
        KerasFile.SaveWeightsH5(path, [layer]);
        var config = KerasFile.Inspect(File("sequential.keras")).DepthwiseLayers[0].GetConfig()!;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => KerasFile.LoadLayerWeights(path, config, 1));
        Assert.Contains("1 DepthwiseConv1D", e.Message);
    }

    [Fact]
    public void Wrong_shape_uses_the_keras_assign_message()
    {
        // dw_a's config says 8 input channels; chain12's first kernel has 4.
        var config = KerasFile.Inspect(File("sequential.keras")).DepthwiseLayers[0].GetConfig()!;
        var e = Assert.Throws<InvalidDataException>(() => KerasFile.LoadLayerWeights(Fixture("chain12.weights.h5"), config, 0));
        Assert.Contains("The shape of the target variable and the shape of the target value in `variable.assign(value)` must match", e.Message);
        Assert.Contains("variable.shape=(5, 8, 2), Received: value.shape=(1, 4, 1)", e.Message);
        Assert.Contains("chain12.weights.h5", e.Message);
        Assert.Contains("layers/depthwise_conv1d/vars/0", e.Message);
    }

    [Fact]
    public void A_config_of_another_class_is_an_argument_exception()
    {
        var dense = new System.Text.Json.Nodes.JsonObject
        {
            ["class_name"] = "Dense",
            ["config"] = new System.Text.Json.Nodes.JsonObject { ["units"] = 3 },
        };
        var e = Assert.Throws<ArgumentException>(() => KerasFile.LoadLayerWeights(File("sequential.weights.h5"), dense));
        Assert.Contains("Dense", e.Message);
    }
}

/// <summary>Links Keras never writes: a soft link that names itself must not recurse until the stack overflows.</summary>
public class KerasLinkTests
{
    [Fact]
    public void Self_looping_soft_link_in_a_symbol_table_group_fails_cleanly()
    {
        AssertCleanFailureOrListing(Fixture("softlink_v0.weights.h5"));
    }

    [Fact]
    public void Soft_link_in_a_version_2_object_header_is_refused()
    {
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.Inspect(Fixture("softlink_v2.weights.h5")));
        Assert.Contains("soft", e.Message);
        Assert.Contains("softlink_v2.weights.h5", e.Message);
    }

    private static void AssertCleanFailureOrListing(string path)
    {
        try
        {
            var info = KerasFile.Inspect(path);
            Assert.Equal([3, 4, 1], info.DepthwiseLayers.Single().Variables.Single().Shape);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            Assert.Contains(Path.GetFileName(path), e.Message);
        }
    }
}
