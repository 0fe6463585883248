using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Layers;

/// <summary>The cases of Keras's own depthwise_conv_test.py (run_layer_test and test_bad_init_args), SPEC sections 2 and 3.</summary>
public class KerasContractTests
{
    public static TheoryData<int, int, int, string, DataFormat, int, int[], int[]> ShapeCases() => new()
    {
        // depth_multiplier, kernel_size, strides, padding, data_format, dilation_rate, input_shape, output_shape
        { 5, 2, 1, "valid", DataFormat.ChannelsLast, 1, [3, 5, 4], [3, 4, 20] },
        { 6, 2, 1, "same", DataFormat.ChannelsLast, 2, [3, 4, 4], [3, 4, 24] },
        { 6, 2, 2, "valid", DataFormat.ChannelsLast, 1, [3, 5, 4], [3, 2, 24] },
        { 6, 2, 1, "same", DataFormat.ChannelsFirst, 2, [3, 4, 10], [3, 24, 10] },
    };

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void Run_layer_test_shapes_weights_and_losses(int m, int k, int s, string padding, DataFormat df, int d, int[] input, int[] output)
    {
        var layer = new DepthwiseConv1D(k, s, padding, m, df == DataFormat.ChannelsLast ? "channels_last" : "channels_first", d);
        var x = Tensor.Create(new float[input[0] * input[1] * input[2]], input.Select(v => (nint)v).ToArray());
        var y = layer.Call(x);
        Assert.Equal(output, TestData.Shape(y));
        Assert.Equal(output.Select(v => (int?)v), layer.ComputeOutputShape(input.Select(v => (int?)v).ToArray()));
        Assert.Equal(2, layer.TrainableWeights.Count);
        Assert.Empty(layer.NonTrainableWeights);
        Assert.Empty(layer.Losses);
        int c = df == DataFormat.ChannelsLast ? input[2] : input[1];
        Assert.Equal([k, c, m], layer.Kernel.Shape);
        Assert.Equal([c * m], layer.Bias!.Shape);
        Assert.Equal(k * c * m + c * m, layer.CountParams());

        // run_layer_test also round-trips the config.
        var copy = DepthwiseConv1D.FromConfig(layer.GetConfig());
        Assert.Equal(layer.GetConfig().ToJsonString(), copy.GetConfig().ToJsonString());
    }

    [Fact]
    public void Depth_multiplier_zero_is_refused_with_keras_message()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(kernelSize: 1, depthMultiplier: 0));
        Assert.Equal("Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier=0.", e.Message);
        Assert.Equal("depth_multiplier", e.ParamName);
    }

    [Theory]
    [InlineData("kernel_size", 0, 1, 1)]
    [InlineData("strides", 2, 0, 1)]
    [InlineData("dilation_rate", 2, 1, -1)]
    public void Non_positive_tuple_arguments_are_refused(string arg, int k, int s, int d)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(k, s, Padding.Valid, dilationRate: d));
        int value = arg == "kernel_size" ? k : arg == "strides" ? s : d;
        Assert.Equal($"The `{arg}` argument must be a tuple of 1 integers. Received {arg}={value}, including values {{{value}}} that do not satisfy `value > 0`", e.Message);
        Assert.Equal(arg, e.ParamName);
    }

    [Fact]
    public void Strides_with_dilation_is_refused()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(2, 2, Padding.Valid, dilationRate: 2));
        Assert.Equal("`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=(2,) and dilation_rate=(2,)", e.Message);
    }

    [Theory]
    [InlineData("causal")]
    [InlineData("CAUSAL")]
    public void Causal_padding_is_refused_as_the_pages_say(string padding)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, padding));
        Assert.Contains("Causal padding is only supported for `Conv1D` and `SeparableConv1D`.", e.Message);
        Assert.StartsWith("The `padding` argument must be a list/tuple or one of {'same', 'valid'}. Received: causal", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, padding: Padding.Causal));
    }

    [Fact]
    public void Unknown_padding_is_refused()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "full"));
        Assert.Equal("The `padding` argument must be a list/tuple or one of {'same', 'valid'}. Received: full", e.Message);
        Assert.Equal("padding", e.ParamName);
    }

    [Theory]
    [InlineData("Same", Padding.Same)]
    [InlineData("VALID", Padding.Valid)]
    public void Padding_and_data_format_strings_are_case_insensitive(string padding, Padding expected)
    {
        var layer = new DepthwiseConv1D(3, 1, padding, dataFormat: "Channels_First");
        Assert.Equal(expected, layer.Padding);
        Assert.Equal(DataFormat.ChannelsFirst, layer.DataFormat);
    }

    [Fact]
    public void Unknown_data_format_is_refused()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", dataFormat: "channels_middle"));
        Assert.Equal("data_format", e.ParamName);
        Assert.Contains("channels_middle", e.Message);
    }

    [Fact]
    public void Unknown_identifiers_are_refused_with_keras_messages()
    {
        Assert.Contains("Could not interpret activation function identifier: relu7",
            Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", activation: "relu7")).Message);
        Assert.Contains("Could not interpret initializer identifier: glorot",
            Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", depthwiseInitializer: "glorot")).Message);
        Assert.Contains("Could not interpret regularizer identifier: l3",
            Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", depthwiseRegularizer: "l3")).Message);
        Assert.Contains("Could not interpret constraint identifier: max",
            Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "valid", depthwiseConstraint: "max")).Message);
    }

    [Fact]
    public void Output_size_zero_or_negative_is_an_error()
    {
        var layer = new DepthwiseConv1D(11, 5, Padding.Valid, 2, DataFormat.ChannelsLast);
        var x = Tensor.Create(new float[4 * 10 * 3], [4, 10, 3]);
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Call(x));

        // Keras's kernel shape in this text is (k, C, C*M): compute_conv_output_shape takes filters = C*M.
        Assert.Equal("Computed output size would be zero or negative. Received `inputs shape=(4, 10, 3)`, `kernel shape=(11, 3, 6)`, "
            + "`dilation_rate=[1]`, `strides=(5,)`, `padding=valid`.", e.Message);
        Assert.Equal("inputs", e.ParamName);
    }

    [Fact]
    public void Output_size_error_also_on_a_later_call()
    {
        var layer = new DepthwiseConv1D(5, 1, Padding.Valid);
        layer.Call(Tensor.Create(new float[2 * 8 * 3], [2, 8, 3]));
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Call(Tensor.Create(new float[2 * 4 * 3], [2, 4, 3])));
        Assert.Equal("Computed output size would be zero or negative. Received `inputs shape=(2, 4, 3)`, `kernel shape=(5, 3, 3)`, "
            + "`dilation_rate=[1]`, `strides=(1,)`, `padding=valid`.", e.Message);
    }

    [Fact]
    public void Rank_below_three_after_build_names_min_ndim()
    {
        var layer = new DepthwiseConv1D(3);
        layer.Build([null, 10, 4]);
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Call(Tensor.Create(new float[40], [4, 10])));
        Assert.Equal($"Input 0 of layer '{layer.Name}' is incompatible with the layer: expected min_ndim=3, found ndim=2. Full shape received: (4, 10)", e.Message.Split(" (Parameter")[0]);
    }

    [Fact]
    public void Rank_above_three_is_an_error()
    {
        var layer = new DepthwiseConv1D(3);
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Call(Tensor.Create(new float[2 * 3 * 8 * 4], [2, 3, 8, 4])));
        Assert.Contains("expected ndim=3, found ndim=4", e.Message);
    }

    [Fact]
    public void Wrong_channel_count_after_build_names_the_axis()
    {
        var last = new DepthwiseConv1D(3);
        last.Build([null, 8, 4]);
        var e = Assert.ThrowsAny<ArgumentException>(() => last.Call(Tensor.Create(new float[2 * 8 * 5], [2, 8, 5])));
        Assert.StartsWith($"Input 0 of layer '{last.Name}' is incompatible with the layer:", e.Message);
        Assert.Contains("expected axis -1 of input shape to have value 4, but received input with shape (2, 8, 5)", e.Message);

        var first = new DepthwiseConv1D(3, 1, "valid", dataFormat: "channels_first");
        first.Build([null, 4, 8]);
        e = Assert.ThrowsAny<ArgumentException>(() => first.Call(Tensor.Create(new float[2 * 5 * 8], [2, 5, 8])));
        Assert.Contains("expected axis 1 of input shape to have value 4, but received input with shape (2, 5, 8)", e.Message);
    }

    [Fact]
    public void Trainable_false_moves_weights_to_non_trainable()
    {
        var layer = new DepthwiseConv1D(3, trainable: false);
        layer.Build([null, 8, 4]);
        Assert.Empty(layer.TrainableWeights);
        Assert.Equal(["kernel", "bias"], layer.NonTrainableWeights.Select(w => w.Name));
        Assert.Equal(["kernel", "bias"], layer.Weights.Select(w => w.Name));
        layer.Trainable = true;
        Assert.Equal(2, layer.TrainableWeights.Count);
    }

    [Fact]
    public void No_bias_means_one_weight_and_k_c_m_params()
    {
        var layer = new DepthwiseConv1D(5, depthMultiplier: 3, useBias: false);
        layer.Build([null, null, 7]);
        Assert.Single(layer.Weights);
        Assert.Null(layer.Bias);
        Assert.Equal(5 * 7 * 3, layer.CountParams());
    }

    [Fact]
    public void Count_params_before_build_is_an_error()
    {
        var layer = new DepthwiseConv1D(3);
        Assert.Throws<InvalidOperationException>(() => layer.CountParams());
    }

    [Fact]
    public void Default_names_are_unique_and_follow_keras()
    {
        var a = new DepthwiseConv1D(3);
        var b = new DepthwiseConv1D(3);
        Assert.Matches("^depthwise_conv1d(_[0-9]+)?$", a.Name);
        Assert.Matches("^depthwise_conv1d_[0-9]+$", b.Name);
        Assert.NotEqual(a.Name, b.Name);
        Assert.Equal($"{a.Name}/kernel", Build(a).Kernel.Path);

        static DepthwiseConv1D Build(DepthwiseConv1D l)
        {
            l.Build([null, 4, 2]);
            return l;
        }
    }

    [Fact]
    public void Same_padding_with_zero_length_gives_empty_output()
    {
        var layer = new DepthwiseConv1D(3, 1, "same", depthMultiplier: 2);
        var y = layer.Call(Tensor.Create(new float[0], [2, 0, 3]));
        Assert.Equal([2, 0, 6], TestData.Shape(y));
    }

    [Fact]
    public void Set_weights_checks_count_and_shape_with_keras_messages()
    {
        var layer = new DepthwiseConv1D(3, depthMultiplier: 2);
        layer.Build([null, 8, 4]);
        var kernel = Tensor.Create(new float[3 * 4 * 2], [3, 4, 2]);
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.SetWeights(kernel));
        Assert.Contains($"You called `set_weights(weights)` on layer '{layer.Name}' with a weight list of length 1, but the layer was expecting 2 weights.", e.Message);
        var wrong = Tensor.Create(new float[3 * 4 * 1], [3, 4, 1]);
        e = Assert.ThrowsAny<ArgumentException>(() => layer.SetWeights(wrong, Tensor.Create(new float[8], [8])));
        Assert.Contains("weight shape (3, 4, 2) is not compatible with provided weight shape (3, 4, 1)", e.Message);
    }

    [Fact]
    public void Float64_layer_computes_in_double_and_refuses_float_tensors()
    {
        var layer = new DepthwiseConv1D(2, dtype: DType.Float64, useBias: false);
        layer.Build([null, 3, 1]);
        layer.SetWeights(Tensor.Create(new double[] { 0.1, 0.2 }, [2, 1, 1]));
        var y = layer.Call(Tensor.Create(new double[] { 1, 2, 3 }, [1, 3, 1]));
        Assert.Equal([0.1 * 1 + 0.2 * 2, 0.1 * 2 + 0.2 * 3], TestData.Flat(y));
        Assert.Throws<InvalidOperationException>(() => layer.Call(Tensor.Create(new float[3], [1, 3, 1])));
    }
}
