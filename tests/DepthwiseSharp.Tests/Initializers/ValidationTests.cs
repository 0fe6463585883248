using System.Text.Json.Nodes;
using DepthwiseSharp.Initializers;
using static DepthwiseSharp.Tests.Initializers.InitializerTestUtil;

namespace DepthwiseSharp.Tests.Initializers;

public class ValidationTests
{
    [Theory]
    [InlineData(0.0, "scale=0.0")]
    [InlineData(-1.0, "scale=-1.0")]
    [InlineData(double.NaN, "scale=nan")]
    [InlineData(double.PositiveInfinity, "scale=inf")]
    public void VarianceScaling_scale_must_be_positive(double scale, string received)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new VarianceScaling(scale));
        Assert.Equal($"Argument `scale` must be positive float. Received: {received}", e.Message);
        Assert.Equal("scale", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => new VarianceScaling(scale, "fan_in"));
        Assert.Equal("scale", e.ParamName);
    }

    [Fact]
    public void VarianceScaling_mode_and_distribution_are_checked()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new VarianceScaling(1.0, "fan_sum"));
        Assert.Equal("Invalid `mode` argument: fan_sum. Please use one of {'fan_in', 'fan_out', 'fan_avg'}", e.Message);
        Assert.Equal("mode", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => new VarianceScaling(1.0, "fan_in", "Gamma"));
        Assert.Equal("Invalid `distribution` argument: gamma. Please use one of {'uniform', 'truncated_normal', 'untruncated_normal'}", e.Message);
        Assert.Equal("distribution", e.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new VarianceScaling(1.0, (VarianceScalingMode)7));
        Assert.ThrowsAny<ArgumentException>(() => new VarianceScaling(1.0, VarianceScalingMode.FanIn, (VarianceScalingDistribution)7));
        Assert.Throws<ArgumentNullException>(() => new VarianceScaling(1.0, null!));
    }

    [Fact]
    public void Random_argument_checks()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new RandomNormal(stddev: -0.1));
        Assert.Equal("Argument `stddev` must be a non-negative float. Received: stddev=-0.1", e.Message);
        Assert.Equal("stddev", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => new TruncatedNormal(stddev: -1));
        Assert.Equal("stddev", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => new RandomNormal(mean: double.NaN));
        Assert.Equal("Argument `mean` must be a finite float. Received: mean=nan", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => new RandomUniform(1, 0));
        Assert.Equal("Argument `minval` must be less than or equal to `maxval`. Received: minval=1.0, maxval=0.0", e.Message);
        Assert.Equal("minval", e.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new RandomUniform(-double.MaxValue, double.MaxValue));
        Assert.ThrowsAny<ArgumentException>(() => new RandomUniform(0, double.PositiveInfinity));
        e = Assert.ThrowsAny<ArgumentException>(() => new Constant(double.NaN));
        Assert.Equal("Argument `value` must be a finite float. Received: value=nan", e.Message);
        Assert.Equal("gain", Assert.ThrowsAny<ArgumentException>(() => new Identity(double.PositiveInfinity)).ParamName);
        Assert.Equal("gain", Assert.ThrowsAny<ArgumentException>(() => new Orthogonal(double.NegativeInfinity)).ParamName);
    }

    [Fact]
    public void Axes_out_of_range_fail_at_fill()
    {
        var init = new VarianceScaling(1.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.Uniform, 1, [3], [0]);
        var e = Assert.ThrowsAny<ArgumentException>(() => FillDouble(init, 2, 3, 4));
        Assert.Equal("input_axes", e.ParamName);
        Assert.Contains("axis 3", e.Message);
    }

    private static ArgumentException ReadFails(string json) =>
        Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(JsonNode.Parse(json)!));

    [Theory]
    [InlineData("""{"class_name": "RandomNormal", "config": {"stddev": -1}}""", "stddev", "Argument `stddev` must be a non-negative float. Received: stddev=-1")]
    [InlineData("""{"class_name": "TruncatedNormal", "config": {"stddev": -0.5}}""", "stddev", "Argument `stddev` must be a non-negative float. Received: stddev=-0.5")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"scale": 0}}""", "scale", "Argument `scale` must be positive float. Received: scale=0")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"scale": -2.0}}""", "scale", "Argument `scale` must be positive float. Received: scale=-2.0")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"mode": "fan_sum"}}""", "mode", "Invalid `mode` argument: fan_sum. Please use one of {'fan_in', 'fan_out', 'fan_avg'}")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"distribution": "beta"}}""", "distribution", "Invalid `distribution` argument: beta. Please use one of {'uniform', 'truncated_normal', 'untruncated_normal'}")]
    [InlineData("""{"class_name": "RandomUniform", "config": {"minval": 2, "maxval": 1.0}}""", "minval", "Argument `minval` must be less than or equal to `maxval`. Received: minval=2, maxval=1.0")]
    [InlineData("""{"class_name": "RandomNormal", "config": {"stddev": "0.1"}}""", "stddev", "Invalid value for `stddev` in the RandomNormal config: expected a finite number. Received: stddev=0.1")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"scale": true}}""", "scale", "Invalid value for `scale` in the VarianceScaling config: expected a finite number. Received: scale=True")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"mode": 3}}""", "mode", "Invalid value for `mode` in the VarianceScaling config: expected a string. Received: mode=3")]
    [InlineData("""{"class_name": "Identity", "config": {"gain": null}}""", "gain", "Invalid value for `gain` in the Identity config: expected a finite number. Received: gain=None")]
    [InlineData("""{"class_name": "Constant", "config": {"value": [1, 2]}}""", "value", "Invalid value for `value` in the Constant config: expected a finite number. Received: value=[1, 2]")]
    [InlineData("""{"class_name": "GlorotUniform", "config": {"input_axes": [0.5], "output_axes": null}}""", "input_axes", "Invalid value for `input_axes` in the GlorotUniform config: expected null or a list of integers. Received: input_axes=[0.5]")]
    [InlineData("""{"class_name": "Orthogonal", "config": {"gain": 1e400}}""", "gain", "Invalid value for `gain` in the Orthogonal config: expected a finite number. Received: gain=inf")]
    [InlineData("""{"class_name": "HeNormal", "config": {"output_axes": 1}}""", "output_axes", "Invalid value for `output_axes` in the HeNormal config: expected null or a list of integers. Received: output_axes=1")]
    public void Bad_config_values_name_the_key_and_the_value(string json, string key, string message)
    {
        var e = ReadFails(json);
        Assert.Equal(message, e.Message);
        Assert.Equal(key, e.ParamName);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("\"abc\"")]
    [InlineData("true")]
    [InlineData("""{"module": "keras.random", "class_name": "SeedGenerator", "config": {"seed": 1}, "registered_name": null}""")]
    [InlineData("1e30")]
    public void Seed_must_be_an_integer_or_null(string seed)
    {
        var e = ReadFails($$$"""{"class_name": "GlorotUniform", "config": {"seed": {{{seed}}}}}""");
        Assert.StartsWith("`seed` argument should be an instance of `keras.random.SeedGenerator()` or an integer. Received: seed=", e.Message);
        Assert.Equal("seed", e.ParamName);
    }

    [Fact]
    public void Keras3_form_rejects_keys_the_class_does_not_take()
    {
        var e = ReadFails("""{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "scale": 2.0}, "registered_name": null}""");
        Assert.Equal("GlorotUniform.__init__() got an unexpected keyword argument 'scale'", e.Message);
        Assert.Equal("config", e.ParamName);
        e = ReadFails("""{"module": "keras.initializers", "class_name": "Zeros", "config": {"value": 1}, "registered_name": null}""");
        Assert.Equal("Zeros.__init__() got an unexpected keyword argument 'value'", e.Message);
    }

    [Fact]
    public void Explicit_axes_read_from_config_change_the_fans()
    {
        var init = Initializer.FromConfig(JsonNode.Parse(
            """{"module": "keras.initializers", "class_name": "LecunUniform", "config": {"seed": 3, "input_axes": [0], "output_axes": [-1]}, "registered_name": null}""")!);
        var lecun = Assert.IsType<LecunUniform>(init);
        Assert.Equal([0], lecun.InputAxes!);
        Assert.Equal([-1], lecun.OutputAxes!);

        // fan_in = shape[0] = 2, so limit = sqrt(3/2); the default fans (fan_in = 2*300) would give a far smaller limit.
        var x = FillDouble(init, 2, 300, 5);
        double max = x.Max(Math.Abs);
        Assert.InRange(max, 0.99 * Math.Sqrt(1.5), Math.Sqrt(1.5));
    }
}
