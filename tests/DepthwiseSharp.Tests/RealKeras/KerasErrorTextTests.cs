using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;
using static DepthwiseSharp.Tests.RealKeras.RealKerasData;

namespace DepthwiseSharp.Tests.RealKeras;

/// <summary>
/// Issue #18 item 4: each bad argument of DepthwiseConv1D (constructor, config, call) gives an exception whose message holds
/// the whole text real Keras 3.15.1 raised for the same argument (errors.json, written by Keras) and whose ParamName names it.
/// </summary>
public class KerasErrorTextTests
{
    private static readonly Dictionary<string, JsonObject> Cases = ((JsonArray)Json("errors.json")["cases"]!)
        .Select(n => (JsonObject)n!)
        .ToDictionary(c => c["name"]!.GetValue<string>());

    /// <summary>The cases where Keras refuses the arguments in its constructor or from_config, and the argument each names.</summary>
    public static TheoryData<string, string> RefusedArguments() => new()
    {
        { "kernel_size_list", "kernel_size" },
        { "kernel_size_zero", "kernel_size" },
        { "strides_zero", "strides" },
        { "dilation_rate_zero", "dilation_rate" },
        { "depth_multiplier_zero", "depth_multiplier" },
        { "padding_causal", "padding" },
        { "padding_foo", "padding" },
        { "padding_upper", "padding" },
        { "data_format_foo", "data_format" },
        { "data_format_mixed_case", "data_format" },
        { "config_kernel_size_list", "kernel_size" },
        { "config_kernel_size_zero_list", "kernel_size" },
        { "config_strides_zero_list", "strides" },
        { "config_kernel_size_float", "kernel_size" },
        { "config_depth_multiplier_zero", "depth_multiplier" },
        { "config_padding_foo", "padding" },
        { "config_data_format_foo", "data_format" },
    };

    [Fact]
    public void The_fixture_was_written_by_keras_3_15_1_and_every_case_is_tested()
    {
        Assert.Equal("3.15.1", Json("errors.json")["keras_version"]!.GetValue<string>());
        var tested = RefusedArguments().Select(r => (string)r[0])
            .Concat(["strides_2_dilation_2", "call_shorter_than_kernel", "call_shorter_channels_first", "call_shorter_than_dilated_kernel",
                "call_strided_no_output", "call_later_shorter", "compute_output_shape_shorter"]);
        Assert.Equal(tested.Order(), Cases.Keys.Order());
    }

    /// <summary>
    /// Keras's config reading calls the constructor with the config's values (<c>cls(**config)</c>): the same kwargs as a
    /// config give the text Keras gave for them.
    /// </summary>
    [Theory]
    [MemberData(nameof(RefusedArguments))]
    public void A_config_with_the_bad_argument_gives_keras_text(string name, string argument)
    {
        var kwargs = (JsonObject)Cases[name]["kwargs"]!.DeepClone();
        var e = Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromConfig(kwargs));
        AssertKerasText(name, e, argument);
    }

    [Fact]
    public void Constructors_give_keras_text()
    {
        AssertKerasText("kernel_size_zero", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(0, 1, "valid")), "kernel_size");
        AssertKerasText("kernel_size_zero", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(0)), "kernel_size");
        AssertKerasText("strides_zero", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 0, "valid")), "strides");
        AssertKerasText("dilation_rate_zero", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", dilationRate: 0)), "dilation_rate");
        AssertKerasText("depth_multiplier_zero", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", 0)), "depth_multiplier");
        AssertKerasText("depth_multiplier_zero", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, depthMultiplier: 0)), "depth_multiplier");
        AssertKerasText("padding_causal", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "causal")), "padding");
        AssertKerasText("padding_causal", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, padding: Padding.Causal)), "padding");
        AssertKerasText("padding_foo", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "foo")), "padding");
        AssertKerasText("padding_upper", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "FULL")), "padding");
        AssertKerasText("data_format_foo", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", dataFormat: "foo")), "data_format");
        AssertKerasText("data_format_mixed_case",
            Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", dataFormat: "Channels_Middle")), "data_format");
        AssertKerasText("padding_foo", Assert.ThrowsAny<ArgumentException>(() => KerasEnums.ParsePadding("Foo")), "padding");
    }

    [Fact]
    public void Causal_padding_also_says_why_as_the_pages_do()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "causal"));
        Assert.Contains("Causal padding is only supported for `Conv1D` and `SeparableConv1D`", e.Message);
        Assert.Contains("CausalDepthwiseConv1D", e.Message);
    }

    [Fact]
    public void Strides_with_dilation_is_refused_though_keras_3_15_1_accepts_it()
    {
        // Keras 3.15.1 raises nothing here (its ops support the pair); SPEC section 2 keeps tf.keras's refusal and text.
        Assert.Null(Cases["strides_2_dilation_2"]["error_type"]);
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 2, "valid", dilationRate: 2));
        Assert.Equal("`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=(2,) and dilation_rate=(2,)", e.Message);
        Assert.Equal("strides", e.ParamName);
    }

    [Theory]
    [InlineData("call_shorter_than_kernel")]
    [InlineData("call_shorter_channels_first")]
    [InlineData("call_shorter_than_dilated_kernel")]
    [InlineData("call_strided_no_output")]
    public void A_call_on_an_input_shorter_than_the_kernel_gives_keras_text(string name)
    {
        var layer = DepthwiseConv1D.FromConfig(Cases[name]["kwargs"]!.DeepClone());
        int[] shape = Shape(Cases[name]["input_shape"]!);
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Call(Zeros(shape)));
        AssertKerasText(name, e, "inputs");
        Assert.False(layer.Built);

        // The float64 path and the span overload check the same way.
        var layer64 = DepthwiseConv1D.FromConfig(WithDType(Cases[name]["kwargs"]!, "float64"));
        AssertKerasText(name, Assert.ThrowsAny<ArgumentException>(() => layer64.Call(Tensor.Create(new double[shape.Aggregate(1, (a, b) => a * b)], shape.Select(d => (nint)d).ToArray()))), "inputs");
        AssertKerasText(name, Assert.ThrowsAny<ArgumentException>(() => layer.Call<float>(new float[shape.Aggregate(1, (a, b) => a * b)], shape, new float[1])), "inputs");
    }

    [Fact]
    public void A_later_call_shorter_than_the_kernel_gives_the_same_keras_text()
    {
        // Keras checks at build; on a later call torch raises its own RuntimeError. SPEC section 1: raise Keras's text whenever
        // it happens, so the same shape gives what Keras's first call on it gave.
        var later = Cases["call_later_shorter"];
        Assert.Equal("RuntimeError", later["error_type"]!.GetValue<string>());
        Assert.Equal(Shape(later["input_shape"]!), Shape(Cases["call_shorter_than_kernel"]["input_shape"]!));
        var layer = DepthwiseConv1D.FromConfig(later["kwargs"]!.DeepClone());
        layer.Call(Zeros(Shape(later["build_shape"]!)));
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Call(Zeros(Shape(later["input_shape"]!))));
        AssertKerasText("call_shorter_than_kernel", e, "inputs");
    }

    [Fact]
    public void Compute_output_shape_with_an_unknown_batch_gives_keras_text()
    {
        var c = Cases["compute_output_shape_shorter"];
        var layer = DepthwiseConv1D.FromConfig(c["kwargs"]!.DeepClone());
        int?[] shape = c["input_shape"]!.AsArray().Select(n => n is null ? (int?)null : n.GetValue<int>()).ToArray();
        AssertKerasText("compute_output_shape_shorter", Assert.ThrowsAny<ArgumentException>(() => layer.ComputeOutputShape(shape)), "inputShape");
        AssertKerasText("compute_output_shape_shorter", Assert.ThrowsAny<ArgumentException>(() => layer.Build(shape)), "inputShape");
    }

    /// <summary>
    /// The message holds Keras's whole text, and is exactly it where nothing is added (no .NET "(Parameter ...)" tail);
    /// ParamName names the argument. Keras prints the padding choices as a Python set, whose order follows the string hash
    /// seed of the process: either order is Keras's text.
    /// </summary>
    private static void AssertKerasText(string name, ArgumentException e, string argument)
    {
        string keras = Cases[name]["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(keras));
        string ours = e.Message.Replace("{'valid', 'same'}", "{'same', 'valid'}", StringComparison.Ordinal);
        keras = keras.Replace("{'valid', 'same'}", "{'same', 'valid'}", StringComparison.Ordinal);
        Assert.Contains(keras, ours);
        if (name != "padding_causal")
        {
            Assert.Equal(keras, ours);
        }

        Assert.Equal(argument, e.ParamName);
    }

    private static int[] Shape(JsonNode node) => node.AsArray().Select(n => n!.GetValue<int>()).ToArray();

    private static Tensor<float> Zeros(int[] shape) =>
        Tensor.Create(new float[shape.Aggregate(1, (a, b) => a * b)], shape.Select(d => (nint)d).ToArray());

    private static JsonObject WithDType(JsonNode kwargs, string dtype)
    {
        var copy = (JsonObject)kwargs.DeepClone();
        copy["dtype"] = dtype;
        return copy;
    }
}
