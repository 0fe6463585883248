using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>The public API refuses bad tensors, shapes, weights and configs with a clear ArgumentException, before allocating.</summary>
public class BadInputTests
{
    private static Tensor<float> Zeros(params int[] shape) =>
        Tensor.Create(new float[shape.Aggregate(1, (a, b) => a * b)], shape.Select(v => (nint)v).ToArray());

    private static T Throws<T>(Action action, string fragment)
        where T : Exception
    {
        var e = Assert.ThrowsAny<T>(action);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Theory]
    [InlineData(new[] { 4, 10 }, "expected min_ndim=3, found ndim=2. Full shape received: (4, 10)")]
    [InlineData(new[] { 2, 8, 4, 1 }, "expected ndim=3, found ndim=4")]
    [InlineData(new[] { 7 }, "expected min_ndim=3, found ndim=1")]
    public void Wrong_rank_is_refused_by_every_entry_point(int[] shape, string message)
    {
        var layer = new DepthwiseConv1D(3, name: "rank");
        Throws<ArgumentException>(() => layer.Call(Zeros(shape)), message);
        Throws<ArgumentException>(() => layer.Forward(Zeros(shape)), message);
        var flat = new float[shape.Aggregate(1, (a, b) => a * b)];
        Throws<ArgumentException>(() => layer.Call<float>(flat, shape, new float[16]), message);
        Assert.False(layer.Built);
    }

    [Fact]
    public void Wrong_channel_count_after_build_is_refused_with_the_keras_message()
    {
        var last = new DepthwiseConv1D(3, name: "cl");
        last.Build([null, null, 4]);
        Throws<ArgumentException>(() => last.Call(Zeros(2, 8, 5)),
            "Input 0 of layer 'cl' is incompatible with the layer: expected axis -1 of input shape to have value 4, but received input with shape (2, 8, 5)");
        Throws<ArgumentException>(() => last.Forward(Zeros(2, 8, 5)), "expected axis -1");
        Throws<ArgumentException>(() => last.Call<float>(new float[80], [2, 8, 5], new float[2 * 6 * 4]), "expected axis -1");

        var first = new DepthwiseConv1D(3, 1, "valid", 1, "channels_first", name: "cf");
        first.Build([null, 4, null]);
        Throws<ArgumentException>(() => first.Call(Zeros(2, 5, 8)), "expected axis 1 of input shape to have value 4");
    }

    [Theory]
    [InlineData("same", "channels_last", new[] { 2, 0, 3 }, new[] { 2, 0, 6 })]
    [InlineData("same", "channels_first", new[] { 2, 3, 0 }, new[] { 2, 6, 0 })]
    [InlineData("valid", "channels_last", new[] { 0, 5, 3 }, new[] { 0, 3, 6 })]
    [InlineData("same", "channels_last", new[] { 0, 0, 3 }, new[] { 0, 0, 6 })]
    public void Zero_length_axes_give_empty_outputs(string padding, string format, int[] shape, int[] expected)
    {
        var layer = new DepthwiseConv1D(3, 1, padding, 2, format, activation: "softmax");
        var y = layer.Call(Zeros(shape));
        Assert.Equal(expected, TestData.Shape(y));
        var pass = layer.Forward(Zeros(shape));
        var g = layer.Backward(pass, Zeros(expected), includeRegularization: true);
        Assert.Equal(shape, TestData.Shape(g.Input));
        Assert.All(TestData.Flat(g.Kernel), v => Assert.Equal(0f, v));
        layer.Call<float>([], shape, []);
    }

    [Fact]
    public void Zero_length_with_valid_padding_is_the_keras_error()
    {
        var layer = new DepthwiseConv1D(3, name: "v0");
        Throws<ArgumentException>(() => layer.Call(Zeros(2, 0, 3)), "Computed output size would be zero or negative.");
        Throws<ArgumentException>(() => layer.ComputeOutputShape([2, 0, 3]), "Computed output size would be zero or negative.");
        var causal = new CausalDepthwiseConv1D(3);
        Assert.Equal([2, 0, 3], TestData.Shape(causal.Call(Zeros(2, 0, 3))));
    }

    [Fact]
    public void Zero_channels_are_refused()
    {
        var layer = new DepthwiseConv1D(3, name: "c0");
        Throws<ArgumentException>(() => layer.Call(Zeros(2, 5, 0)), "The channel dimension of the inputs should be defined and positive");
        Throws<ArgumentException>(() => layer.Build([null, 5, 0]), "should be defined and positive");
    }

    [Fact]
    public void Sizes_whose_products_overflow_are_refused_before_allocating()
    {
        var layer = new DepthwiseConv1D(3, 1, "same", 4, "channels_last", name: "big");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws<ArgumentException>(() => layer.Call<float>([], [65536, 65536, 4], []), "more than the 2147483647");
        Throws<ArgumentException>(() => _ = new Conv1DGeometry(1 << 20, 1 << 20, 1 << 20, 1, 1, 1, 1, 0, 0, DataFormat.ChannelsLast), "more than the 2147483647");
        Throws<ArgumentException>(() => new DepthwiseConv1D(3, 1, "same", 4, "channels_last").Build([null, null, 1 << 30]), "more than");
        Throws<ArgumentException>(() => new DepthwiseConv1D(1 << 20, 1, "same", 1 << 10, "channels_last").Build([null, null, 2]), "more than the 2147483591");

        // A broadcast tensor claims 2^34 elements over one stored value; nothing that size may be allocated for it.
        var huge = Tensor.Create(new float[1], [65536, 65536, 4], [0, 0, 0]);
        Throws<ArgumentException>(() => layer.Call(huge), "more than the 2147483647");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (1 << 20));
    }

    [Fact]
    public void Output_shape_of_huge_inputs_is_an_error_not_a_wrapped_integer()
    {
        // C * M = 2^30 * 4 wrapped to 0 before; a shape computation must never return a silently wrong answer.
        var layer = new DepthwiseConv1D(3, 1, "same", 4, "channels_last", name: "wrap");
        Throws<ArgumentException>(() => layer.ComputeOutputShape([null, 10, 1 << 30]), "1073741824");
        var first = new DepthwiseConv1D(3, 1, "same", 4, "channels_first", name: "wrap_cf");
        Throws<ArgumentException>(() => first.ComputeOutputShape([null, 1 << 30, 10]), "1073741824");
    }

    [Fact]
    public void Huge_dilation_and_stride_are_errors_or_exact_results_never_overflows()
    {
        // Padding (k - 1) * d zeros around a short input would overflow int; refused with the reason.
        var same = new DepthwiseConv1D(15, 1, "same", 1, "channels_last", int.MaxValue, name: "dil");
        Throws<ArgumentException>(() => same.Call(Zeros(2, 31, 3)), "dilation_rate=2147483647");
        var causal = new CausalDepthwiseConv1D(3, dilationRate: int.MaxValue);
        Throws<ArgumentException>(() => causal.Call(Zeros(1, 4, 2)), "dilation_rate=2147483647");

        // A stride beyond the input gives one output step: the same result as any stride past the window.
        foreach (string format in (string[])["channels_first", "channels_last"])
        {
            var x = Tensor.Create(Enumerable.Range(0, 2 * 13 * 5).Select(i => (float)Math.Cos(i)).ToArray(), format == "channels_last" ? [2, 5, 13] : [2, 13, 5]);
            var huge = new DepthwiseConv1D(3, int.MaxValue, "valid", 2, format, depthwiseInitializer: "ones", biasInitializer: "ones");
            var small = new DepthwiseConv1D(3, 5, "valid", 2, format, depthwiseInitializer: "ones", biasInitializer: "ones");
            Assert.Equal(TestData.Flat(small.Call(x)), TestData.Flat(huge.Call(x)));
            var pass = huge.Forward(x);
            var g = huge.Backward(pass, pass.Output);
            var gs = small.Backward(small.Forward(x), pass.Output);
            Assert.Equal(TestData.Flat(gs.Input), TestData.Flat(g.Input));
            Assert.Equal(TestData.Flat(gs.Kernel), TestData.Flat(g.Kernel));
        }
    }

    [Fact]
    public void SetWeights_refuses_wrong_shapes_and_leaves_the_layer_unchanged()
    {
        var layer = new DepthwiseConv1D(3, 1, "valid", 2, "channels_last", name: "sw");
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(3, 4, 2)), "with a weight list of length 1, but the layer was expecting 2 weights");
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(3, 4), Zeros(8)), "is not compatible with provided weight shape (3, 4)");
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(2, 4, 2), Zeros(8)), "(2, 4, 2)");
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(3, 0, 2), Zeros(0)), "(3, 0, 2)");
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(3, 4, 2), Zeros(7)), "the kernel (3, 4, 2) has 4 input channels, so the bias must have shape (8,) (C * depth_multiplier); received bias shape (7,)");
        Assert.False(layer.Built);

        layer.SetWeights(Zeros(3, 4, 2), Zeros(8));
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(3, 5, 2), Zeros(10)), "weight shape (3, 4, 2) is not compatible with provided weight shape (3, 5, 2)");
        Throws<ArgumentException>(() => layer.SetWeights(Zeros(3, 4, 2), Zeros(1, 8)), "(1, 8)");
        Assert.Equal(4, layer.InputChannels);
    }

    [Theory]
    [InlineData("{\"kernel_size\": 3, \"colour\": \"red\"}", "Unrecognized keyword arguments passed to DepthwiseConv1D: {'colour': red}")]
    [InlineData("{\"kernel_size\": \"3\"}", "must be an integer")]
    [InlineData("{\"kernel_size\": 1e12}", "The `kernel_size` argument must be a tuple of 1 integers. Received kernel_size=1000000000000.0")]
    [InlineData("{\"kernel_size\": [3, 3]}", "The `kernel_size` argument must be a tuple of 1 integers. Received kernel_size=[3, 3]")]
    [InlineData("{\"kernel_size\": 3.5}", "The `kernel_size` argument must be a tuple of 1 integers. Received kernel_size=3.5")]
    [InlineData("{\"kernel_size\": 1e400}", "The `kernel_size` argument must be a tuple of 1 integers. Received kernel_size=inf")]
    [InlineData("{\"kernel_size\": 0}", "do not satisfy `value > 0`")]
    [InlineData("{\"kernel_size\": 3, \"depth_multiplier\": -2}", "depth_multiplier=-2")]
    [InlineData("{\"kernel_size\": 3, \"use_bias\": 1}", "must be a boolean")]
    [InlineData("{\"kernel_size\": 3, \"padding\": [\"same\"]}", "must be a string")]
    [InlineData("{\"kernel_size\": 3, \"dtype\": 32}", "dtype")]
    [InlineData("{\"kernel_size\": 3, \"activation\": 7}", "Could not interpret activation function identifier: 7")]
    [InlineData("{\"kernel_size\": 3, \"batch_input_shape\": [null, -4, 3]}", "negative dimension")]
    [InlineData("{\"class_name\": \"DepthwiseConv1D\", \"config\": {\"kernel_size\": 3}, \"build_config\": {\"input_shape\": [null, -1, 3]}}", "negative dimension")]
    [InlineData("{\"class_name\": \"DepthwiseConv1D\", \"config\": {\"kernel_size\": 3}, \"build_config\": {\"input_shape\": [null, 5, 0]}}", "defined and positive")]
    [InlineData("{\"class_name\": \"DepthwiseConv1D\", \"config\": {\"kernel_size\": 3}, \"build_config\": {\"input_shape\": [null, 5]}}", "expected ndim=3")]
    [InlineData("{\"kernel_size\": 3, \"batch_input_shape\": [null, 10, 2000000000]}", "more than the limit")]
    [InlineData("{\"kernel_size\": 3, \"batch_input_shape\": [null, 10, 2147483647]}", "more than the limit")]
    [InlineData("{\"kernel_size\": 3, \"batch_input_shape\": [null, 10, 3e9]}", "must be an integer")]
    [InlineData("{\"kernel_size\": 3, \"depthwise_regularizer\": {\"class_name\": \"L2\", \"config\": {\"l2\": \"NaN\"}}}", "l2")]
    [InlineData("{\"kernel_size\": 3, \"bias_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"max_value\": \"Infinity\"}}}", "max_value")]
    [InlineData("{\"kernel_size\": 3, \"name\": \"\\ud800\"}", "not valid UTF-16")]
    [InlineData("{\"kernel_size\": 3, \"\\udc00\": 1}", "not valid UTF-16")]
    [InlineData("[3]", "must be a JSON object")]
    [InlineData("null", "JSON is null")]
    [InlineData("{\"kernel_size\": 3,", "not valid JSON")]
    [InlineData("NaN", "not valid JSON")]
    public void Bad_configs_are_refused_with_an_argument_exception(string json, string fragment)
    {
        var e = Throws<ArgumentException>(() => DepthwiseConv1D.FromJson(json), fragment);
        Documented.AssertNamesArgument(e);
        Throws<ArgumentException>(() => CausalDepthwiseConv1D.FromJson(json.Replace("\"kernel_size\"", "\"padding\": \"causal\", \"kernel_size\"")), "");
    }

    [Fact]
    public void A_build_config_beyond_the_limit_is_refused_before_allocating()
    {
        string json = """{"class_name": "DepthwiseConv1D", "config": {"kernel_size": 64, "depth_multiplier": 64}, "build_config": {"input_shape": [null, null, 100000]}}""";
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws<ArgumentException>(() => DepthwiseConv1D.FromJson(json), "more than the limit of 67108864");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (1 << 20));
    }

    [Fact]
    public void Deeply_nested_configs_are_argument_exceptions()
    {
        string deep = "{\"kernel_size\": 3, \"activation\": " + new string('[', 200) + new string(']', 200) + "}";
        Throws<ArgumentException>(() => DepthwiseConv1D.FromJson(deep), "not valid JSON");

        // A tree built in memory has no parser to limit it; the reader does.
        JsonNode node = JsonValue.Create(1);
        for (int i = 0; i < 5000; i++)
        {
            node = new JsonArray(node);
        }

        Throws<ArgumentException>(() => DepthwiseConv1D.FromConfig(new JsonObject { ["kernel_size"] = 3, ["activation"] = node }), "nested more than 64");
        Throws<ArgumentException>(() => Regularizer.FromConfig(new JsonObject { ["class_name"] = "L2", ["config"] = new JsonObject { ["l2"] = node.DeepClone() } }), "nested more than 64");
    }

    [Fact]
    public void Nan_and_infinity_where_a_number_is_required_are_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => new L2(double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => new L1(double.PositiveInfinity));
        Assert.ThrowsAny<ArgumentException>(() => new MaxNorm(double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => new Adam(double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => new Sgd(0.1, double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => new Huber(double.PositiveInfinity));
        Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromConfig(new JsonObject
        {
            ["kernel_size"] = 3,
            ["depthwise_regularizer"] = new JsonObject { ["class_name"] = "L2", ["config"] = new JsonObject { ["l2"] = double.NaN } },
        }));

        var layer = new DepthwiseConv1D(3, name: "fit_nan");
        var x = Zeros(4, 8, 2);
        var y = Zeros(4, 6, 2);
        foreach (var options in new[]
        {
            new FitOptions { ValidationSplit = double.NaN },
            new FitOptions { ValidationSplit = double.PositiveInfinity },
            new FitOptions { EarlyStoppingPatience = 1, EarlyStoppingMinDelta = double.NaN },
            new FitOptions { EarlyStoppingPatience = -1 },
            new FitOptions { BatchSize = 0 },
            new FitOptions { Epochs = -1 },
        })
        {
            Assert.ThrowsAny<ArgumentException>(() => Trainer.Fit(layer, x, y, options));
        }

        Assert.False(layer.Built);
    }

    [Fact]
    public void Nan_and_infinity_in_inputs_and_weights_propagate_as_ieee_arithmetic()
    {
        // k = 3, same padding: output step 0 reads [pad, x0, x1]. The padded tap is skipped, not multiplied, so an
        // infinite weight on it does not turn the edge into NaN (0 * inf); inside the sequence inf * 1 is inf.
        var layer = new DepthwiseConv1D(3, 1, "same", 1, "channels_last", useBias: false, name: "ieee");
        layer.SetWeights(Tensor.Create([float.PositiveInfinity, 2f, 3f], [3, 1, 1]));
        var y = TestData.Flat(layer.Call(Tensor.Create([1f, 1f, 1f, 1f], [1, 4, 1])));
        Assert.Equal(5f, y[0]);
        Assert.All(y[1..], v => Assert.Equal(float.PositiveInfinity, v));

        // A zero input under the infinite weight is 0 * inf = NaN, exactly where IEEE puts it.
        y = TestData.Flat(layer.Call(Tensor.Create([1f, 0f, 1f, 1f], [1, 4, 1])));
        Assert.True(float.IsNaN(y[2]));
        Assert.Equal(float.PositiveInfinity, y[3]);

        // NaN in an input reaches exactly the outputs whose windows hold it, forward and backward, without an exception.
        var plain = new DepthwiseConv1D(3, 1, "valid", 1, "channels_last", activation: "relu", depthwiseInitializer: "ones", name: "nan");
        var x = Tensor.Create([0f, 1f, 2f, float.NaN, 4f, 5f, 6f, 7f], [1, 8, 1]);
        var pass = plain.Forward(x);
        var outputs = TestData.Flat(pass.Output);
        Assert.Equal([false, true, true, true, false, false], outputs.Select(float.IsNaN).ToArray());
        var g = plain.Backward(pass, Tensor.Create(new float[6] { 1, 1, 1, 1, 1, float.PositiveInfinity }, [1, 6, 1]));
        Assert.True(float.IsNaN(TestData.Flat(g.Kernel)[0]));
    }

    [Fact]
    public void A_stream_whose_history_cannot_fit_is_an_argument_exception()
    {
        var layer = new CausalDepthwiseConv1D(5, dilationRate: 1 << 30, name: "deep_history");
        layer.Build([null, null, 4]);
        var e = Assert.ThrowsAny<ArgumentException>(() => new DepthwiseSharp.Streaming.DepthwiseStream<float>(layer, 2));
        Assert.Contains("past steps", e.Message, StringComparison.Ordinal);
    }
}
