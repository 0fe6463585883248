using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using static DepthwiseSharp.Tests.KerasFiles.KerasTestFiles;

namespace DepthwiseSharp.Tests.KerasFiles;

/// <summary>The shared Keras files and the outputs their README table promises.</summary>
public class SharedKerasFilesTests
{
    [Fact]
    public void Keras_archive_dw_a_on_x_gives_dw_a_y()
    {
        var layer = KerasFile.LoadLayer(File("sequential.keras"), "dw_a");
        Assert.Equal("dw_a", layer.Name);
        Assert.Equal(5, layer.KernelSize);
        Assert.Equal(2, layer.DepthMultiplier);
        Assert.Equal(Padding.Same, layer.Padding);
        Assert.Equal("relu", layer.Activation.Name);
        Assert.NotNull(layer.DepthwiseRegularizer);
        Assert.NotNull(layer.DepthwiseConstraint);
        AssertClose(layer.Call(X), Expected("dw_a.y.npy"));
    }

    [Fact]
    public void Keras_archive_dw_b_on_dw_a_y_gives_dw_b_y()
    {
        var layer = KerasFile.LoadLayer(File("sequential.keras"), "dw_b");
        Assert.False(layer.UseBias);
        Assert.Equal(2, layer.Strides);
        var input = Npy.Read(File("dw_a.y.npy")).ToTensorSingle();
        AssertClose(layer.Call(input), Expected("dw_b.y.npy"));
    }

    [Fact]
    public void Keras_archive_layers_by_depthwise_index_are_the_named_ones()
    {
        var first = KerasFile.LoadLayer(File("sequential.keras"), 0);
        var second = KerasFile.LoadLayer(File("sequential.keras"), 1);
        Assert.Equal("dw_a", first.Name);
        Assert.Equal("dw_b", second.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => KerasFile.LoadLayer(File("sequential.keras"), 2));
    }

    [Fact]
    public void Keras_archive_whole_model_gives_dw_b_y()
    {
        var layers = KerasFile.LoadSequential(File("sequential.keras"));
        Assert.Equal(["dw_a", "dw_b"], layers.Select(l => l.Name));
        AssertClose(KerasSequential.Run(layers, X), Expected("dw_b.y.npy"));
    }

    [Fact]
    public void Weights_h5_with_the_archive_configs_gives_the_same_outputs()
    {
        var info = KerasFile.Inspect(File("sequential.keras"));
        var configs = info.DepthwiseLayers.Select(l => l.GetConfig()!).ToArray();
        var a = KerasFile.LoadLayerWeights(File("sequential.weights.h5"), configs[0], 0);
        var b = KerasFile.LoadLayerWeights(File("sequential.weights.h5"), configs[1], 1);
        AssertClose(KerasSequential.Run([a, b], X), Expected("dw_b.y.npy"));
        var fromArchive = KerasFile.LoadSequential(File("sequential.keras"));
        Assert.Equal(Values(fromArchive[0].Kernel), Values(a.Kernel));
        Assert.Equal(Values(fromArchive[0].Bias!), Values(a.Bias!));
        Assert.Equal(Values(fromArchive[1].Kernel), Values(b.Kernel));
    }

    [Fact]
    public void Weights_h5_accepts_a_bare_config()
    {
        var info = KerasFile.Inspect(File("sequential.keras"));
        var bare = info.DepthwiseLayers[0].GetConfig()!["config"]!.DeepClone();
        var layer = KerasFile.LoadLayerWeights(File("sequential.weights.h5"), bare);
        AssertClose(layer.Call(X), Expected("dw_a.y.npy"));
    }

    [Fact]
    public void Legacy_model_dwconv_on_x_gives_legacy_y()
    {
        var layer = KerasFile.LoadLayer(File("legacy_model.h5"), "dwconv");
        Assert.Equal(7, layer.KernelSize);
        Assert.Equal(3, layer.DepthMultiplier);
        Assert.Equal(2, layer.DilationRate);
        Assert.Equal("tanh", layer.Activation.Name);
        AssertClose(layer.Call(X), Expected("legacy.y.npy"));
        AssertClose(KerasFile.LoadLayer(File("legacy_model.h5"), 0).Call(X), Expected("legacy.y.npy"));
    }

    [Fact]
    public void Legacy_model_runs_as_a_sequential()
    {
        var layers = KerasFile.LoadSequential(File("legacy_model.h5"));
        Assert.Single(layers);
        AssertClose(KerasSequential.Run(layers, X), Expected("legacy.y.npy"));
    }

    [Fact]
    public void Legacy_weights_with_the_model_config_gives_legacy_y()
    {
        var config = KerasFile.Inspect(File("legacy_model.h5")).DepthwiseLayers[0].GetConfig()!;
        var layer = KerasFile.LoadLayerWeights(File("legacy_weights.h5"), config);
        AssertClose(layer.Call(X), Expected("legacy.y.npy"));
    }

    [Fact]
    public void Inspect_keras_archive_lists_layers_paths_shapes_and_dtypes()
    {
        var info = KerasFile.Inspect(File("sequential.keras"));
        Assert.Equal(KerasFileFormat.KerasArchive, info.Format);
        Assert.Equal("Sequential", info.ModelClassName);
        Assert.Equal("sequential", info.ModelName);
        Assert.Equal("3.15.1", info.KerasVersion);
        Assert.Equal("2026-11-23@12:00:00", info.DateSaved);
        Assert.Equal(["input_layer", "dw_a", "dw_b"], info.Layers.Select(l => l.Name));
        Assert.Equal(["InputLayer", "DepthwiseConv1D", "DepthwiseConv1D"], info.Layers.Select(l => l.ClassName));
        Assert.Empty(info.Layers[0].Variables);
        Assert.Equal("layers/depthwise_conv1d/vars", info.Layers[1].WeightsPath);
        Assert.Equal("layers/depthwise_conv1d_1/vars", info.Layers[2].WeightsPath);
        Assert.Equal(["layers/depthwise_conv1d/vars/0", "layers/depthwise_conv1d/vars/1"], info.Layers[1].Variables.Select(v => v.Path));
        Assert.Equal([5, 8, 2], info.Layers[1].Variables[0].Shape);
        Assert.Equal([16], info.Layers[1].Variables[1].Shape);
        Assert.Equal([3, 16, 1], info.Layers[2].Variables[0].Shape);
        Assert.All(info.Layers.SelectMany(l => l.Variables), v => Assert.Equal("float32", v.DType));
        Assert.Equal([0, 1], info.DepthwiseLayers.Select(l => l.DepthwiseIndex!.Value));
        Assert.True(info.HasDepthwiseConv1D);
        Assert.Equal("DepthwiseConv1D", info.Layers[1].GetConfig()!["class_name"]!.GetValue<string>());
    }

    [Fact]
    public void Inspect_weights_h5_infers_depthwise_groups_from_their_paths()
    {
        var info = KerasFile.Inspect(File("sequential.weights.h5"));
        Assert.Equal(KerasFileFormat.KerasWeights, info.Format);
        Assert.Null(info.ModelClassName);
        Assert.Equal(["dw_a", "dw_b"], info.Layers.Select(l => l.Name));
        Assert.All(info.Layers, l => Assert.Null(l.ClassName));
        Assert.All(info.Layers, l => Assert.True(l.IsDepthwiseConv1D));
        Assert.Equal(["layers/depthwise_conv1d/vars", "layers/depthwise_conv1d_1/vars"], info.Layers.Select(l => l.WeightsPath));
    }

    [Fact]
    public void Inspect_legacy_files_list_layer_names_and_weight_names_in_order()
    {
        var model = KerasFile.Inspect(File("legacy_model.h5"));
        Assert.Equal(KerasFileFormat.LegacyModel, model.Format);
        Assert.Equal("2.15.0", model.KerasVersion);
        Assert.Equal(["input_1", "dwconv"], model.Layers.Select(l => l.Name));
        Assert.Equal(["InputLayer", "DepthwiseConv1D"], model.Layers.Select(l => l.ClassName));
        var dw = model.Layers[1];
        Assert.Equal("model_weights/dwconv", dw.WeightsPath);
        Assert.Equal(["depthwise_conv1d/depthwise_kernel:0", "depthwise_conv1d/bias:0"], dw.Variables.Select(v => v.Name));
        Assert.Equal([7, 8, 3], dw.Variables[0].Shape);
        Assert.Equal([24], dw.Variables[1].Shape);

        var weights = KerasFile.Inspect(File("legacy_weights.h5"));
        Assert.Equal(KerasFileFormat.LegacyWeights, weights.Format);
        Assert.Equal(["input_1", "dwconv"], weights.Layers.Select(l => l.Name));
        Assert.Equal("dwconv", weights.DepthwiseLayers.Single().Name);
    }

    [Fact]
    public void Real_nested_dense_model_lists_its_dense_variables_and_no_depthwise()
    {
        var info = KerasFile.Inspect(File("real/nested_dense_model.keras"));
        Assert.Equal("NestedDenseModel", info.ModelClassName);
        Assert.Equal("3.15.0", info.KerasVersion);
        Assert.False(info.HasDepthwiseConv1D);
        var variables = info.Layers.SelectMany(l => l.Variables).ToDictionary(v => v.Path, v => v.Shape.ToArray());
        Assert.Equal([4, 4], variables["layers/dense/vars/0"]);
        Assert.Equal([4, 4], variables["layers/dense_1/vars/0"]);
        Assert.Equal([4, 4], variables["layers/dense_2/vars/0"]);
        Assert.Equal([4, 2], variables["layers/dense_3/vars/0"]);
        Assert.Equal([2], variables["layers/dense_3/vars/1"]);
        Assert.Equal(5, variables.Count);
        Assert.Equal(["d_0", "d_1", "d_2", "dense"], info.Layers.Select(l => l.Name));
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.LoadSequential(File("real/nested_dense_model.keras")));
        Assert.Contains("NestedDenseModel", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => KerasFile.LoadLayer(File("real/nested_dense_model.keras"), 0));
    }

    [Fact]
    public void Missing_file_is_file_not_found_naming_it()
    {
        string path = File("no-such-model.keras");
        var e = Assert.Throws<FileNotFoundException>(() => KerasFile.Inspect(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains("no-such-model.keras", e.Message);
        Assert.Throws<FileNotFoundException>(() => KerasFile.LoadLayer(path, 0));
        Assert.Throws<FileNotFoundException>(() => KerasFile.LoadLayerWeights(path, new JsonObject { ["kernel_size"] = 3 }));
    }

    [Fact]
    public void Unknown_layer_name_is_an_argument_exception_listing_the_layers()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasFile.LoadLayer(File("sequential.keras"), "dw_z"));
        Assert.Contains("sequential.keras", e.Message);
        Assert.Contains("'dw_a'", e.Message);
    }

    [Fact]
    public void A_layer_of_another_class_is_not_supported_and_named()
    {
        var e = Assert.Throws<NotSupportedException>(() => KerasFile.LoadLayer(File("sequential.keras"), "input_layer"));
        Assert.Contains("input_layer", e.Message);
        Assert.Contains("InputLayer", e.Message);
        var dense = Assert.Throws<NotSupportedException>(() => KerasFile.LoadLayer(File("real/nested_dense_model.keras"), "d_0"));
        Assert.Contains("d_0", dense.Message);
    }

    [Fact]
    public void Weights_only_files_need_a_config()
    {
        Assert.Throws<NotSupportedException>(() => KerasFile.LoadLayer(File("sequential.weights.h5"), "dw_a"));
        Assert.Throws<NotSupportedException>(() => KerasFile.LoadSequential(File("legacy_weights.h5")));
    }
}
