using System.Numerics.Tensors;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Tests.Onnx;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>ONNX export of odd layers: every activation and layout either exports a model ONNX Runtime agrees with, or refuses clearly.</summary>
public class OnnxHardeningTests
{
    private static DepthwiseConv1D Built(DepthwiseConv1D layer, int channels)
    {
        layer.Build(layer.DataFormat == DataFormat.ChannelsLast ? [null, null, channels] : [null, channels, null]);
        var rng = new Random(channels);
        foreach (var w in layer.Weights)
        {
            var span = w.AsSpan<float>();
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (float)(rng.NextDouble() - 0.5);
            }
        }

        return layer;
    }

    [Fact]
    public void Every_activation_and_layout_exports_or_refuses_with_a_documented_exception()
    {
        foreach (string activation in Activation.Names)
        {
            foreach (var format in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
            {
                foreach (bool causal in (bool[])[false, true])
                {
                    var layer = causal
                        ? new CausalDepthwiseConv1D(3, 1, 2, format, 1, Activation.Get(activation))
                        : new DepthwiseConv1D(3, 1, Padding.Same, 2, format, 2, Activation.Get(activation));
                    Built(layer, 4);
                    byte[]? model = null;
                    Documented.Run(() => model = OnnxExporter.ToBytes(layer), typeof(NotSupportedException), typeof(ArgumentException));
                    Assert.True(model is null || model.Length > 100);
                }
            }
        }
    }

    public static TheoryData<string, int, int, int, int, string, string> OddLayers() => new()
    {
        // k, s, d, M, padding, format, activation
        { "one tap", 1, 1, 1, 3, "valid", "channels_last" },
        { "stride beyond the input", 3, 1000, 1, 2, "valid", "channels_first" },
        { "dilation beyond the input", 3, 1, 50, 1, "same", "channels_last" },
        { "kernel longer than the input", 31, 1, 1, 2, "same", "channels_first" },
        { "causal strided", 4, 3, 1, 3, "causal", "channels_first" },
    };

    [Theory]
    [MemberData(nameof(OddLayers))]
    public void Odd_geometries_export_models_that_agree_with_call(string what, int k, int s, int d, int m, string padding, string format)
    {
        var layer = padding == "causal"
            ? new CausalDepthwiseConv1D(k, s, m, format == "channels_last" ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst, d, Activation.Get("tanh"))
            : new DepthwiseConv1D(k, s, padding, m, format, d, activation: "tanh");
        Built(layer, 3);
        long[] shape = format == "channels_last" ? [2, 8, 3] : [2, 3, 8];
        var x = ConcurrencyTests.Noise(48, 9);
        var expected = TestData.Flat(layer.Call(Tensor.Create(x, shape.Select(v => (nint)v).ToArray())));
        var (actual, _) = OnnxTestUtil.Run(OnnxExporter.ToBytes(layer), x, shape);
        Assert.True(OnnxTestUtil.RelativeError(actual, expected) < 1e-5, what);
    }

    [Fact]
    public void Unusual_names_survive_export()
    {
        var layer = Built(new DepthwiseConv1D(3, 1, "same", 1, "channels_last", name: "naïve 'layer' 中 \"q\""), 2);
        var options = new OnnxExportOptions { InputName = "x ü 1", OutputName = "y/out:0" };
        var x = ConcurrencyTests.Noise(2 * 5 * 2, 3);
        var (actual, _) = OnnxTestUtil.Run(OnnxExporter.ToBytes(layer, options), x, [2, 5, 2], options.InputName, options.OutputName);
        Assert.Equal(20, actual.Length);
    }
}
