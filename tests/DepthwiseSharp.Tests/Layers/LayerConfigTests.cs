using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Layers;

/// <summary>SPEC section 7: get_config writes exactly the Keras 3 JSON; from_config reads the Keras 3 and tf.keras forms.</summary>
public class LayerConfigTests
{
    public static TheoryData<string> Cases() => GoldenForwardTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void From_config_then_get_config_is_the_identity(string name)
    {
        var node = JsonNode.Parse(File.ReadAllText(TestData.Golden(name, "layer.json")))!;
        var layer = DepthwiseConv1D.FromConfig(node);
        var config = layer.GetConfig();
        Assert.Equal(config.ToJsonString(), DepthwiseConv1D.FromConfig(config).GetConfig().ToJsonString());

        // The golden k3 configs were written by the Keras 3 serializer's layout: ours must be identical, key order included.
        if (node["module"] is not null)
        {
            Assert.Equal(node["config"]!.ToJsonString(), config.ToJsonString());
        }
        else
        {
            // tf.keras form: dtype is a plain string, groups is present, nested objects may be 2-key.
            Assert.Equal("float32", node["config"]!["dtype"]!.GetValue<string>());
            Assert.Equal(node["config"]!["kernel_size"]![0]!.GetValue<int>(), layer.KernelSize);
            Assert.Equal(node["config"]!["depth_multiplier"]!.GetValue<int>(), layer.DepthMultiplier);
        }
    }

    [Fact]
    public void Default_layer_config_is_the_keras3_json()
    {
        var layer = new DepthwiseConv1D(3, name: "dw", dataFormat: DataFormat.ChannelsLast);
        const string expected = """{"name":"dw","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":1,"kernel_size":[3],"strides":[1],"padding":"valid","data_format":"channels_last","dilation_rate":[1],"activation":"linear","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":null,"bias_constraint":null}""";
        Assert.Equal(expected, layer.GetConfig().ToJsonString());
    }

    [Fact]
    public void Layer_object_with_build_config_builds_the_layer()
    {
        var layer = DepthwiseConv1D.FromJson(File.ReadAllText(TestData.Golden("case_000", "layer.json")));
        Assert.True(layer.Built);
        Assert.Equal([1, 17, 4], layer.Kernel.Shape);
        var again = DepthwiseConv1D.FromConfig(layer.Serialize());
        Assert.True(again.Built);
        Assert.Equal(layer.Serialize().ToJsonString(), again.Serialize().ToJsonString());
    }

    [Fact]
    public void Tf_keras_form_with_batch_input_shape_groups_and_shared_object_id()
    {
        const string json = """
        {"class_name": "DepthwiseConv1D", "config": {"name": "dwc", "trainable": false,
          "dtype": {"class_name": "Policy", "config": {"name": "float64"}, "shared_object_id": 12},
          "batch_input_shape": [null, 20, 6], "kernel_size": 3, "strides": [1], "padding": "SAME",
          "data_format": "channels_last", "dilation_rate": [2], "groups": 1, "activation": "relu", "use_bias": false,
          "bias_initializer": {"class_name": "Zeros", "config": {}}, "bias_regularizer": null,
          "activity_regularizer": {"class_name": "L2", "config": {"l2": 0.5}}, "bias_constraint": null,
          "depth_multiplier": 2, "depthwise_initializer": {"class_name": "HeNormal", "config": {"seed": 3}},
          "depthwise_regularizer": {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.01}},
          "depthwise_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}}}
        """;
        var layer = DepthwiseConv1D.FromJson(json);
        Assert.Equal("dwc", layer.Name);
        Assert.False(layer.Trainable);
        Assert.Equal(DType.Float64, layer.DType);
        Assert.True(layer.Built);
        Assert.Equal([3, 6, 2], layer.Kernel.Shape);
        Assert.Equal(Padding.Same, layer.Padding);
        Assert.Equal(2, layer.DilationRate);
        Assert.Equal("relu", layer.Activation.Name);
        Assert.Equal("L2", layer.ActivityRegularizer!.ClassName);
        Assert.Equal("L1L2", layer.DepthwiseRegularizer!.ClassName);
        Assert.Equal("MaxNorm", layer.DepthwiseConstraint!.ClassName);
        Assert.Equal("HeNormal", layer.DepthwiseInitializer.ClassName);
        var config = layer.GetConfig();
        Assert.Equal("float64", config["dtype"]!["config"]!["name"]!.GetValue<string>());
        Assert.Equal(config.ToJsonString(), DepthwiseConv1D.FromConfig(config).GetConfig().ToJsonString());
    }

    [Fact]
    public void Unknown_keys_are_refused_with_the_keras_message()
    {
        var config = new DepthwiseConv1D(3, name: "u").GetConfig();
        config["foo"] = 1;
        var e = Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromConfig(config));
        Assert.Contains("Unrecognized keyword arguments passed to DepthwiseConv1D: {'foo': 1}", e.Message);
    }

    [Theory]
    [InlineData("kernel_size", "\"three\"")]
    [InlineData("kernel_size", "[3, 3]")]
    [InlineData("strides", "[0]")]
    [InlineData("use_bias", "\"yes\"")]
    [InlineData("padding", "3")]
    [InlineData("depth_multiplier", "-2")]
    [InlineData("dtype", "\"int8\"")]
    public void Wrong_types_and_values_name_the_key(string key, string value)
    {
        var config = new DepthwiseConv1D(3, name: "w").GetConfig();
        config[key] = JsonNode.Parse(value);
        var e = Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromConfig(config));
        Assert.Contains(key, e.Message + e.ParamName);
    }

    [Fact]
    public void Not_a_depthwise_layer_is_refused()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromJson("""{"class_name": "Dense", "config": {"units": 3}}"""));
        Assert.Contains("Dense", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromJson("{not json"));
    }

    [Fact]
    public void Null_initializers_in_a_config_mean_glorot_uniform()
    {
        var config = new DepthwiseConv1D(3, name: "n").GetConfig();
        config["bias_initializer"] = null;
        config["depthwise_initializer"] = null;
        var layer = DepthwiseConv1D.FromConfig(config);
        Assert.Equal("GlorotUniform", layer.BiasInitializer.ClassName);
        Assert.Equal("GlorotUniform", layer.DepthwiseInitializer.ClassName);
        Assert.Equal("GlorotUniform", new DepthwiseConv1D(3, 1, "valid", biasInitializer: null).BiasInitializer.ClassName);
    }
}

/// <summary>keras.json's image_data_format (SPEC section 7). Changes KERAS_HOME, so it runs alone.</summary>
[Collection(KerasHomeCollection.Name)]
public class KerasConfigFileTests
{
    [Fact]
    public void Null_data_format_reads_keras_json_and_ignores_invalid_files()
    {
        string? saved = Environment.GetEnvironmentVariable("KERAS_HOME");
        string dir = Directory.CreateTempSubdirectory("keras_home").FullName;
        try
        {
            Environment.SetEnvironmentVariable("KERAS_HOME", dir);
            Assert.Equal(DataFormat.ChannelsLast, new DepthwiseConv1D(3).DataFormat);

            File.WriteAllText(Path.Combine(dir, "keras.json"), """{"floatx": "float32", "epsilon": 1e-07, "backend": "jax", "image_data_format": "channels_first"}""");
            var layer = new DepthwiseConv1D(3);
            Assert.Equal(DataFormat.ChannelsFirst, layer.DataFormat);
            Assert.Equal("channels_first", layer.GetConfig()["data_format"]!.GetValue<string>());
            Assert.Equal(DataFormat.ChannelsLast, new DepthwiseConv1D(3, dataFormat: DataFormat.ChannelsLast).DataFormat);

            File.WriteAllText(Path.Combine(dir, "keras.json"), "{ this is not json");
            Assert.Equal(DataFormat.ChannelsLast, new DepthwiseConv1D(3).DataFormat);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KERAS_HOME", saved);
            Directory.Delete(dir, true);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KerasHomeCollection
{
    public const string Name = "KERAS_HOME";
}
