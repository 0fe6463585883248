using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Regularizers;
using static DepthwiseSharp.Tests.RealKeras.RealKerasData;

namespace DepthwiseSharp.Tests.RealKeras;

/// <summary>
/// Issue #18 item 3: configs equal Keras 3.15.1's <c>get_config()</c> (configs.json, written by Keras): None initializers
/// stay null and fill as Keras's <c>add_weight</c> does without one (glorot_uniform); Identity has Keras's empty config.
/// </summary>
public class KerasConfigTests
{
    private static JsonObject Configs => (JsonObject)Json("configs.json")["configs"]!;

    private static JsonObject Keras(string name) => (JsonObject)Configs[name]!.DeepClone();

    private static readonly string[] Names =
    [
        "initializers_none", "depthwise_initializer_none", "bias_initializer_none", "identity", "identity_gain_2", "defaults",
        "channels_first_float64", "dilated_frozen",
    ];

    public static TheoryData<string> ConfigNames() => new(Names);

    [Fact]
    public void The_fixture_holds_every_case_written_by_keras_3_15_1()
    {
        Assert.Equal("3.15.1", Json("configs.json")["keras_version"]!.GetValue<string>());
        Assert.Equal(Names.Order(), Configs.Select(p => p.Key).Order());
    }

    [Theory]
    [MemberData(nameof(ConfigNames))]
    public void From_config_then_get_config_gives_keras_config_back(string name)
    {
        var keras = Keras(name);
        AssertSameConfig(keras, DepthwiseConv1D.FromConfig(keras.DeepClone()).GetConfig());
    }

    [Fact]
    public void None_initializers_stay_null_in_the_config()
    {
        var keras = Keras("initializers_none");
        Assert.Null(keras["depthwise_initializer"]);
        Assert.Null(keras["bias_initializer"]);
        Assert.True(keras.ContainsKey("depthwise_initializer") && keras.ContainsKey("bias_initializer"));

        var layer = new DepthwiseConv1D(3, 1, "valid", dataFormat: "channels_last", depthwiseInitializer: null, biasInitializer: null, name: "init_none");
        AssertSameConfig(keras, layer.GetConfig());
        AssertSameConfig(Keras("depthwise_initializer_none"),
            new DepthwiseConv1D(3, 1, "valid", dataFormat: "channels_last", depthwiseInitializer: null, name: "kernel_init_none").GetConfig());
        AssertSameConfig(Keras("bias_initializer_none"),
            new DepthwiseConv1D(3, 1, "valid", dataFormat: "channels_last", biasInitializer: null, name: "bias_init_none").GetConfig());

        // Through a config and back, and through a saved layer object, the null survives.
        var again = DepthwiseConv1D.FromConfig(layer.GetConfig());
        Assert.Equal(layer.GetConfig().ToJsonString(), again.GetConfig().ToJsonString());
        Assert.Null(DepthwiseConv1D.FromConfig(layer.Serialize()).GetConfig()["depthwise_initializer"]);
    }

    [Fact]
    public void An_absent_initializer_key_takes_keras_default_argument_not_none()
    {
        var keras = Keras("defaults");
        keras.Remove("depthwise_initializer");
        keras.Remove("bias_initializer");
        var config = DepthwiseConv1D.FromConfig(keras).GetConfig();
        Assert.Equal("GlorotUniform", config["depthwise_initializer"]!["class_name"]!.GetValue<string>());
        Assert.Equal("Zeros", config["bias_initializer"]!["class_name"]!.GetValue<string>());
    }

    [Fact]
    public void None_initializers_fill_as_keras_add_weight_glorot_uniform()
    {
        // What Keras's add_weight did for DepthwiseConv1D(3, depth_multiplier=2, *_initializer=None) built on (None, 8, 4).
        var build = (JsonObject)Json("configs.json")["none_initializers_build"]!;
        int[] kernelShape = build["kernel_shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        int[] biasShape = build["bias_shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        Assert.False(build["bias_all_zero"]!.GetValue<bool>());

        // glorot_uniform's limit sqrt(6 / (fan_in + fan_out)): kernel (k, C, M) has fans (k*C, k*M); a 1-D bias (n, n).
        double kernelLimit = Math.Sqrt(6.0 / ((3 * 4) + (3 * 2)));
        double biasLimit = Math.Sqrt(6.0 / (8 + 8));
        Assert.InRange(build["kernel_abs_max"]!.GetValue<double>(), kernelLimit / 2, kernelLimit);
        Assert.InRange(build["bias_abs_max"]!.GetValue<double>(), biasLimit / 2, biasLimit);

        var layer = new DepthwiseConv1D(3, 1, "valid", 2, "channels_last", depthwiseInitializer: null, biasInitializer: null);
        layer.Build([null, 8, 4]);
        Assert.Equal(kernelShape, layer.Kernel.Shape);
        Assert.Equal(biasShape, layer.Bias!.Shape);
        Assert.Equal("GlorotUniform", layer.DepthwiseInitializer.ClassName);
        Assert.Equal("GlorotUniform", layer.BiasInitializer.ClassName);
        Assert.All(Values(layer.Kernel), v => Assert.InRange(Math.Abs(v), 0, kernelLimit));
        Assert.All(Values(layer.Bias), v => Assert.InRange(Math.Abs(v), 0, biasLimit));

        // Spread over the whole range, not zeros: with 256 bias values the chance that all fall below half the limit is 2^-256.
        var wide = new DepthwiseConv1D(3, 1, "valid", 2, "channels_last", depthwiseInitializer: null, biasInitializer: null);
        wide.Build([null, 8, 128]);
        double wideLimit = Math.Sqrt(6.0 / 512);
        Assert.InRange(Values(wide.Bias!).Max(Math.Abs), wideLimit / 2, wideLimit);
    }

    [Fact]
    public void Identity_gain_1_has_keras_empty_config()
    {
        var keras = Keras("identity");
        Assert.Equal("{}", keras["depthwise_initializer"]!["config"]!.ToJsonString());
        AssertSameConfig(keras, new DepthwiseConv1D(3, 1, "valid", dataFormat: "channels_last", depthwiseInitializer: "identity", name: "identity").GetConfig());
        Assert.Equal("{}", new Identity().GetConfig().ToJsonString());
        Assert.Equal(1.0, ((Identity)Initializer.FromConfig(keras["depthwise_initializer"]!)).Gain);
    }

    [Fact]
    public void Identity_with_another_gain_keeps_it_in_a_config_that_keras_reads()
    {
        // Keras 3.15.1 drops the gain (its get_config is empty, so gain 2 reads back as 1). We write {"gain": 2.0} instead;
        // Keras's from_config takes it: the fixture holds what Keras's Identity.from_config({"gain": 2.0}) fills.
        var fixture = (JsonObject)Json("configs.json")["identity_gain_config"]!;
        Assert.Equal("{}", fixture["get_config"]!.ToJsonString());
        var ours = new Identity(2.0).GetConfig();
        AssertSameConfig((JsonObject)fixture["config"]!, ours);

        double[] kerasValues = fixture["values_2x3"]!.AsArray().SelectMany(row => row!.AsArray().Select(v => v!.GetValue<double>())).ToArray();
        var filled = new double[6];
        Initializer.FromConfig(new JsonObject { ["class_name"] = "Identity", ["config"] = ours.DeepClone() }).Fill<double>(filled, [2, 3]);
        Assert.Equal(kerasValues, filled);

        // The layer config differs from Keras's only there.
        var expected = Keras("identity_gain_2");
        expected["depthwise_initializer"]!["config"] = JsonNode.Parse("""{"gain": 2.0}""");
        var layer = new DepthwiseConv1D(3, dataFormat: DataFormat.ChannelsLast, depthwiseInitializer: new Identity(2.0), name: "identity_gain_2");
        AssertSameConfig(expected, layer.GetConfig());
    }

    [Fact]
    public void Ordinary_arguments_give_keras_config()
    {
        var cf64 = new DepthwiseConv1D(5, 2, Padding.Same, 3, DataFormat.ChannelsFirst, 1, Activation.Get("relu"), useBias: false,
            depthwiseInitializer: new HeNormal(seed: 7), depthwiseRegularizer: new L2(0.01), activityRegularizer: new L1(0.001),
            depthwiseConstraint: new MaxNorm(2.0), name: "cf64", dtype: DType.Float64);
        var keras = Keras("channels_first_float64");

        // The one known difference, L1's own documented choice: Keras 3.15.1 keeps l1 as a float32 tensor and writes
        // float(float32(0.001)); L1 writes the double it was given, which Keras reads back to the same float32 factor.
        Assert.Equal((double)0.001f, keras["activity_regularizer"]!["config"]!["l1"]!.GetValue<double>());
        keras["activity_regularizer"]!["config"]!["l1"] = 0.001;
        AssertSameConfig(keras, cf64.GetConfig());

        var dilated = new DepthwiseConv1D(4, 1, Padding.Valid, 1, DataFormat.ChannelsLast, 3, Activation.Get("gelu"),
            biasInitializer: new Constant(0.5), biasRegularizer: new L1L2(0.01, 0.02), biasConstraint: new NonNeg(), name: "dilated",
            trainable: false);
        AssertSameConfig(Keras("dilated_frozen"), dilated.GetConfig());

        AssertSameConfig(Keras("defaults"), new DepthwiseConv1D(3, dataFormat: DataFormat.ChannelsLast, name: "defaults").GetConfig());
    }

    private static double[] Values(Variable v)
    {
        var a = new float[v.Count];
        v.CopyTo<float>(a);
        return a.Select(x => (double)x).ToArray();
    }

    private static double Number(JsonValue v) => double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsIntText(string number) => number.IndexOfAny(['.', 'e', 'E']) < 0;

    /// <summary>The same keys (any order) with equal values: numbers by value and int/float kind, everything else exactly; names the first difference.</summary>
    private static void AssertSameConfig(JsonObject expected, JsonObject actual)
    {
        string? difference = Difference(expected, actual, "config");
        Assert.True(difference is null, $"{difference}\nKeras: {expected.ToJsonString()}\nours:  {actual.ToJsonString()}");
    }

    private static string? Difference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                return actual is null ? null : $"{path}: Keras has null, ours {actual.ToJsonString()}";
            case JsonObject e:
                if (actual is not JsonObject a)
                {
                    return $"{path}: Keras has an object, ours {actual?.ToJsonString() ?? "null"}";
                }

                var missing = e.Select(p => p.Key).Except(a.Select(p => p.Key)).ToList();
                var extra = a.Select(p => p.Key).Except(e.Select(p => p.Key)).ToList();
                if (missing.Count > 0 || extra.Count > 0)
                {
                    return $"{path}: keys missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]";
                }

                return e.Select(p => Difference(p.Value, a[p.Key], $"{path}.{p.Key}")).FirstOrDefault(d => d is not null);
            case JsonArray e:
                if (actual is not JsonArray arr || arr.Count != e.Count)
                {
                    return $"{path}: Keras has {e.ToJsonString()}, ours {actual?.ToJsonString() ?? "null"}";
                }

                return e.Select((n, i) => Difference(n, arr[i], $"{path}[{i}]")).FirstOrDefault(d => d is not null);
            case JsonValue e when e.GetValueKind() == JsonValueKind.Number:
                // Equal values, and both Python ints or both floats (json writes a float with a '.' or an exponent).
                return actual is JsonValue v && v.GetValueKind() == JsonValueKind.Number && Number(v) == Number(e)
                    && IsIntText(v.ToJsonString()) == IsIntText(e.ToJsonString())
                    ? null
                    : $"{path}: Keras has {e.ToJsonString()}, ours {actual?.ToJsonString() ?? "null"}";
            default:
                return JsonNode.DeepEquals(expected, actual) ? null : $"{path}: Keras has {expected.ToJsonString()}, ours {actual?.ToJsonString() ?? "null"}";
        }
    }
}
