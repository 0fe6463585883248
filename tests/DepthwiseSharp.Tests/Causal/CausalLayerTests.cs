using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;
using static DepthwiseSharp.Tests.Streaming.StreamTestUtil;

namespace DepthwiseSharp.Tests.Causal;

/// <summary>
/// The causal layer is the Keras layer with valid padding applied to the input with (k - 1) * d zeros on its left: forward
/// (float64, exactly) and gradients; plus its config, names and refusals.
/// </summary>
public class CausalLayerTests
{
    public sealed record Shape(int N, int L, int C, int M, int K, int S, int D, bool Last, bool Bias, string Activation, int Seed);

    private static readonly Gen<Shape> Shapes =
        from n in Gen.Int[1, 3]
        from l in Gen.Int[0, 25]
        from c in Gen.Int[1, 7]
        from m in Gen.Int[1, 3]
        from k in Gen.Int[1, 6]
        from s in Gen.Int[1, 3]
        from d in Gen.Int[1, 3]
        from last in Gen.Bool
        from bias in Gen.Bool
        from act in Gen.OneOf("linear", "relu", "tanh", "gelu", "softmax", "sigmoid", "elu")
        from seed in Gen.Int
        select new Shape(n, l, c, m, k, s, s > 1 ? 1 : d, last, bias, act, seed);

    private static (CausalDepthwiseConv1D Causal, DepthwiseConv1D Valid) Pair(Shape s, DType dtype = DType.Float64)
    {
        var format = s.Last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
        var causal = WithRandomWeights(
            new CausalDepthwiseConv1D(s.K, s.S, s.M, format, s.D, Activation.Get(s.Activation), s.Bias, dtype: dtype), s.C, new Random(s.Seed));
        var valid = new DepthwiseConv1D(s.K, s.S, Padding.Valid, s.M, format, s.D, Activation.Get(s.Activation), s.Bias, dtype: dtype);
        valid.SetWeights(causal.GetWeights<double>());
        return (causal, valid);
    }

    /// <summary>x with H zeros before every sequence, in the same layout.</summary>
    private static double[] LeftPad(double[] x, Shape s, int h)
    {
        int lp = s.L + h;
        var padded = new double[s.N * lp * s.C];
        for (int b = 0; b < s.N; b++)
        {
            for (int t = 0; t < s.L; t++)
            {
                for (int c = 0; c < s.C; c++)
                {
                    int src = s.Last ? (b * s.L + t) * s.C + c : (b * s.C + c) * s.L + t;
                    int dst = s.Last ? (b * lp + t + h) * s.C + c : (b * s.C + c) * lp + t + h;
                    padded[dst] = x[src];
                }
            }
        }

        return padded;
    }

    private static Tensor<double> Tensor3(double[] data, Shape s, int length) =>
        Tensor.Create(data, s.Last ? [s.N, length, s.C] : [s.N, s.C, length]);

    [Fact]
    public void Equals_valid_padding_on_the_left_padded_input_exactly()
    {
        Shapes.Sample(s =>
        {
            var (causal, valid) = Pair(s);
            int h = (s.K - 1) * s.D;
            var x = Input<double>(new Random(s.Seed ^ 7), s.N * s.L * s.C);
            var y = causal.Call(Tensor3(x, s, s.L));
            Assert.Equal((s.L + s.S - 1) / s.S, TestData.Shape(y)[s.Last ? 1 : 2]);
            if (s.L == 0)
            {
                return;
            }

            var expected = valid.Call(Tensor3(LeftPad(x, s, h), s, s.L + h));
            Assert.Equal(TestData.Shape(expected), TestData.Shape(y));
            Assert.Equal(TestData.Flat(expected), TestData.Flat(y));
        }, iter: 300);
    }

    [Fact]
    public void Gradients_equal_those_of_valid_padding_on_the_left_padded_input()
    {
        Shapes.Where(s => s.L > 0).Sample(s =>
        {
            var (causal, valid) = Pair(s);
            int h = (s.K - 1) * s.D;
            var rng = new Random(s.Seed ^ 11);
            var x = Input<double>(rng, s.N * s.L * s.C);
            var pass = causal.Forward(Tensor3(x, s, s.L));
            var dy = Tensor.Create(Input<double>(rng, (int)pass.Output.FlattenedLength), pass.Output.Lengths);
            var grads = causal.Backward(pass, dy);
            var vpass = valid.Forward(Tensor3(LeftPad(x, s, h), s, s.L + h));
            var vgrads = valid.Backward(vpass, dy);
            AssertClose(TestData.Flat(vgrads.Kernel), TestData.Flat(grads.Kernel));
            if (s.Bias)
            {
                AssertClose(TestData.Flat(vgrads.Bias!), TestData.Flat(grads.Bias!));
            }

            // dx of the causal layer is the padded layer's dx without its first H steps.
            var dxPadded = TestData.Flat(vgrads.Input);
            var dx = TestData.Flat(grads.Input);
            int lp = s.L + h;
            for (int b = 0; b < s.N; b++)
            {
                for (int t = 0; t < s.L; t++)
                {
                    for (int c = 0; c < s.C; c++)
                    {
                        int i = s.Last ? (b * s.L + t) * s.C + c : (b * s.C + c) * s.L + t;
                        int j = s.Last ? (b * lp + t + h) * s.C + c : (b * s.C + c) * lp + t + h;
                        Assert.Equal(dxPadded[j], dx[i], 1e-12);
                    }
                }
            }
        }, iter: 150);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12);
        }
    }

    [Fact]
    public void Output_shape_is_ceil_of_length_over_stride()
    {
        var layer = new CausalDepthwiseConv1D(4, 3, 2, DataFormat.ChannelsLast);
        Assert.Equal([null, 4, 10], layer.ComputeOutputShape([null, 10, 5]));
        Assert.Equal([2, 0, 10], layer.ComputeOutputShape([2, 0, 5]));
        Assert.Equal([2, null, 10], layer.ComputeOutputShape([2, null, 5]));
        Assert.Equal(Padding.Causal, layer.Padding);
    }

    [Fact]
    public void Config_says_causal_and_round_trips()
    {
        var layer = new CausalDepthwiseConv1D(3, 1, "causal", 2, "channels_first", 2, "relu", name: "stream_me");
        layer.Build([null, 4, null]);
        var config = layer.GetConfig();
        Assert.Equal("causal", (string?)config["padding"]);
        Assert.Equal("stream_me", (string?)config["name"]);
        var obj = layer.Serialize();
        Assert.Equal("CausalDepthwiseConv1D", (string?)obj["class_name"]);
        Assert.Equal("depthwise_sharp.layers", (string?)obj["module"]);
        Assert.Equal("depthwise_sharp>CausalDepthwiseConv1D", (string?)obj["registered_name"]);
        Assert.Equal(["module", "class_name", "config", "registered_name", "build_config"], obj.Select(p => p.Key).ToArray());

        var back = CausalDepthwiseConv1D.FromConfig(obj);
        Assert.True(back.Built);
        Assert.Equal(4, back.InputChannels);
        Assert.Equal(config.ToJsonString(), back.GetConfig().ToJsonString());
        var fromBare = CausalDepthwiseConv1D.FromJson(config.ToJsonString());
        Assert.Equal(config.ToJsonString(), fromBare.GetConfig().ToJsonString());
        Assert.False(fromBare.Built);

        // A bare config without padding is causal (the layer has no other mode).
        var noPadding = (JsonObject)config.DeepClone();
        noPadding.Remove("padding");
        Assert.Equal(Padding.Causal, CausalDepthwiseConv1D.FromConfig(noPadding).Padding);
    }

    [Fact]
    public void Configs_of_the_other_layer_or_padding_are_refused()
    {
        var keras = new DepthwiseConv1D(3).GetConfig();
        var e = Assert.Throws<KerasArgumentException>(() => CausalDepthwiseConv1D.FromConfig(keras));
        Assert.Contains("'causal'", e.Message);
        Assert.Contains("Received: valid", e.Message);

        var wrapped = new JsonObject { ["class_name"] = "DepthwiseConv1D", ["config"] = new CausalDepthwiseConv1D(3).GetConfig() };
        Assert.Contains("class_name", Assert.Throws<KerasArgumentException>(() => CausalDepthwiseConv1D.FromConfig(wrapped)).Message);

        var causalObject = new CausalDepthwiseConv1D(3).Serialize();
        Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromConfig(causalObject));
        Assert.Contains("Causal padding is only supported for `Conv1D` and `SeparableConv1D`.",
            Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromConfig(new CausalDepthwiseConv1D(3).GetConfig())).Message);
    }

    [Fact]
    public void Keras_layer_still_refuses_causal_and_causal_layer_refuses_other_paddings()
    {
        Assert.Contains("Causal padding is only supported", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, "causal")).Message);
        Assert.Contains("Causal padding is only supported", Assert.ThrowsAny<ArgumentException>(() => new DepthwiseConv1D(3, 1, Padding.Causal)).Message);
        var e = Assert.Throws<KerasArgumentException>(() => new CausalDepthwiseConv1D(3, 1, "same"));
        Assert.Equal("padding", e.ParamName);
        Assert.Contains("Received: same", e.Message);
        Assert.Equal(Padding.Causal, new CausalDepthwiseConv1D(3, 1, "CAUSAL").Padding);
        Assert.Contains("`strides > 1` not supported in conjunction with `dilation_rate > 1`",
            Assert.ThrowsAny<ArgumentException>(() => new CausalDepthwiseConv1D(3, 2, dilationRate: 2)).Message);
        Assert.Contains("depth_multiplier", Assert.Throws<KerasArgumentException>(() => new CausalDepthwiseConv1D(3, 1, 0)).Message);
    }

    [Fact]
    public void Default_names_have_their_own_counter()
    {
        var a = new CausalDepthwiseConv1D(3);
        var b = new CausalDepthwiseConv1D(3);
        var pattern = new Regex("^causal_depthwise_conv1d(_[0-9]+)?$");
        Assert.Matches(pattern, a.Name);
        Assert.Matches(pattern, b.Name);
        Assert.NotEqual(a.Name, b.Name);
        Assert.Equal("CausalDepthwiseConv1D", a.ClassName);
        Assert.DoesNotMatch(pattern, new DepthwiseConv1D(3).Name);
    }

    [Fact]
    public void Trains_like_the_keras_layer()
    {
        // One SGD step by hand: the causal layer's gradients drive its loss down, and the weights are regular Variables.
        var layer = WithRandomWeights(new CausalDepthwiseConv1D(3, dilationRate: 2, dtype: DType.Float64), 2, new Random(2));
        var x = Tensor.Create(Input<double>(new Random(3), 1 * 16 * 2), [1, 16, 2]);
        var target = Tensor.Create(Input<double>(new Random(4), 1 * 16 * 2), [1, 16, 2]);
        double Loss()
        {
            var y = TestData.Flat(layer.Call(x));
            return y.Zip(TestData.Flat(target), (a, b) => (a - b) * (a - b)).Sum();
        }

        double before = Loss();
        var pass = layer.Forward(x);
        var dy = Tensor.Create(TestData.Flat(pass.Output).Zip(TestData.Flat(target), (a, b) => 2 * (a - b)).ToArray(), pass.Output.Lengths);
        var grads = layer.Backward(pass, dy);
        var k = layer.Kernel.AsSpan<double>();
        var dk = TestData.Flat(grads.Kernel);
        for (int i = 0; i < k.Length; i++)
        {
            k[i] -= 0.01 * dk[i];
        }

        Assert.True(Loss() < before);
        Assert.Equal(2, layer.TrainableWeights.Count);
    }
}
