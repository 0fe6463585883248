using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using Microsoft.ML.OnnxRuntime;
using static DepthwiseSharp.Tests.Onnx.OnnxTestUtil;
using static DepthwiseSharp.Tests.Streaming.StreamTestUtil;

namespace DepthwiseSharp.Tests.Onnx;

/// <summary>
/// Exported models run in ONNX Runtime and agree with the layer's Call (normwise relative error at most 1e-5) for every
/// activation, both data formats, every padding, strides, dilations, multipliers, with and without bias, at several opsets.
/// </summary>
public class OnnxExportTests
{
    public static TheoryData<string, bool> ActivationsAndFormats()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in Activation.Names)
        {
            data.Add(name, true);
            data.Add(name, false);
        }

        return data;
    }

    private static float[] Flat(Tensor<float> t) => TestData.Flat(t);

    /// <summary>Exports the layer, runs it in ONNX Runtime on x, and checks shape and values against Call.</summary>
    private static void AssertAgrees(DepthwiseConv1D layer, int n, int length, OnnxExportOptions? options = null, int seed = 1, double scale = 2.0)
    {
        bool last = layer.DataFormat == DataFormat.ChannelsLast;
        int c = layer.InputChannels;
        var x = Input<float>(new Random(seed), n * length * c, scale);
        long[] shape = last ? [n, length, c] : [n, c, length];
        var expected = layer.Call(Tensor.Create(x, shape.Select(v => (nint)v).ToArray()));
        var (values, outShape) = Run(OnnxExporter.ToBytes(layer, options), x, shape, options?.InputName ?? "input", options?.OutputName ?? "output");
        Assert.Equal(TestData.Shape(expected).Select(v => (long)v).ToArray(), outShape);
        double error = RelativeError(values, Flat(expected));
        Assert.True(error <= 1e-5, $"{layer.Activation.Name} {layer.DataFormat} {layer.Padding} k={layer.KernelSize} s={layer.Strides} d={layer.DilationRate} M={layer.DepthMultiplier} L={length}: relative error {error:G3}");
    }

    [Theory]
    [MemberData(nameof(ActivationsAndFormats))]
    public void Every_activation_agrees_with_call(string activation, bool channelsLast)
    {
        var format = channelsLast ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;

        // glu halves the last axis: C*M = 6 channels, and an even output length (12) for channels_first.
        var layer = WithRandomWeights(new DepthwiseConv1D(3, 1, Padding.Same, 2, format, 1, Activation.Get(activation)), 3, new Random(7));
        AssertAgrees(layer, 2, 12);
        var causal = WithRandomWeights(new CausalDepthwiseConv1D(3, 2, 2, format, 1, Activation.Get(activation)), 3, new Random(8));
        AssertAgrees(causal, 2, 24, seed: 3);
    }

    [Theory]
    [InlineData("softplus")]
    [InlineData("log_sigmoid")]
    [InlineData("mish")]
    [InlineData("squareplus")]
    [InlineData("gelu")]
    [InlineData("silu")]
    [InlineData("sparse_plus")]
    [InlineData("softmax")]
    [InlineData("log_softmax")]
    [InlineData("sparsemax")]
    [InlineData("tanh_shrink")]
    public void Large_pre_activations_stay_accurate(string activation)
    {
        // Inputs up to +-40 push the pre-activations far into the tails, where naive decompositions overflow or cancel.
        foreach (var format in new[] { DataFormat.ChannelsLast, DataFormat.ChannelsFirst })
        {
            var layer = WithRandomWeights(new CausalDepthwiseConv1D(3, 1, 2, format, 1, Activation.Get(activation)), 3, new Random(9));
            AssertAgrees(layer, 2, 16, seed: 5, scale: 40);
            AssertAgrees(layer, 2, 16, new OnnxExportOptions { Opset = 20 }, seed: 6, scale: 40);
        }
    }

    [Theory]
    [InlineData(14)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(20)]
    [InlineData(21)]
    [InlineData(22)]
    public void Opset_dependent_activations_agree_at_every_opset(int opset)
    {
        foreach (string name in new[] { "gelu", "mish", "glu", "hard_silu", "celu", "sparsemax", "softmax", "relu6" })
        {
            foreach (var format in new[] { DataFormat.ChannelsLast, DataFormat.ChannelsFirst })
            {
                var layer = WithRandomWeights(new CausalDepthwiseConv1D(2, 1, 2, format, 2, Activation.Get(name)), 2, new Random(opset));
                AssertAgrees(layer, 1, 10, new OnnxExportOptions { Opset = opset });
            }
        }
    }

    public sealed record Geometry(int K, int S, int D, int M, Padding Padding, bool Last, bool Bias);

    public static TheoryData<int, int, int, int, Padding, bool, bool> Geometries()
    {
        var data = new TheoryData<int, int, int, int, Padding, bool, bool>();
        foreach (var padding in new[] { Padding.Valid, Padding.Same, Padding.Causal })
        {
            foreach (bool last in new[] { true, false })
            {
                data.Add(3, 1, 1, 1, padding, last, true);
                data.Add(4, 1, 3, 2, padding, last, false);
                data.Add(2, 3, 1, 3, padding, last, true);
                data.Add(5, 2, 1, 1, padding, last, false);
                data.Add(1, 4, 1, 2, padding, last, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Geometry_agrees_for_many_lengths_with_one_session(int k, int s, int d, int m, Padding padding, bool last, bool bias)
    {
        var format = last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
        DepthwiseConv1D layer = padding == Padding.Causal
            ? new CausalDepthwiseConv1D(k, s, m, format, d, Activation.Get("tanh"), bias)
            : new DepthwiseConv1D(k, s, padding, m, format, d, Activation.Get("tanh"), bias);
        WithRandomWeights(layer, 3, new Random(k * 100 + s * 10 + d));

        // The batch and the length are symbolic: one model serves every size (same padding with s > 1 computes its pads per length).
        using var session = new InferenceSession(OnnxExporter.ToBytes(layer));
        int ek = (k - 1) * d + 1;
        for (int length = padding == Padding.Valid ? ek : 1; length <= ek + 9; length++)
        {
            foreach (int n in new[] { 1, 3 })
            {
                var x = Input<float>(new Random(length * 7 + n), n * length * 3);
                long[] shape = last ? [n, length, 3] : [n, 3, length];
                var expected = layer.Call(Tensor.Create(x, shape.Select(v => (nint)v).ToArray()));
                var (values, outShape) = Run(session, x, shape);
                Assert.Equal(TestData.Shape(expected).Select(v => (long)v).ToArray(), outShape);
                double error = RelativeError(values, Flat(expected));
                Assert.True(error <= 1e-5, $"L={length} N={n}: relative error {error:G3}");
            }
        }
    }

    [Fact]
    public void Fixed_sizes_and_custom_names()
    {
        var layer = WithRandomWeights(new DepthwiseConv1D(3, 2, Padding.Same, 2, DataFormat.ChannelsFirst, 1, Activation.Get("relu")), 4, new Random(2));
        var options = new OnnxExportOptions { BatchSize = 2, Length = 11, InputName = "signal", OutputName = "features", Opset = 20 };
        AssertAgrees(layer, 2, 11, options);
        using var session = new InferenceSession(OnnxExporter.ToBytes(layer, options));
        Assert.Equal([2L, 4, 11], session.InputMetadata["signal"].Dimensions.Select(v => (long)v).ToArray());
        Assert.Equal([2L, 8, 6], session.OutputMetadata["features"].Dimensions.Select(v => (long)v).ToArray());
    }

    [Fact]
    public void Dimensions_are_symbolic_by_default()
    {
        var layer = WithRandomWeights(new CausalDepthwiseConv1D(3), 5, new Random(1));
        using var session = new InferenceSession(OnnxExporter.ToBytes(layer));
        var input = session.InputMetadata["input"];
        Assert.Equal(["batch", "length", ""], input.SymbolicDimensions);
        Assert.Equal([-1, -1, 5], input.Dimensions);
        var output = session.OutputMetadata["output"];
        Assert.Equal(["batch", "length", ""], output.SymbolicDimensions);
        Assert.Equal("CausalDepthwiseConv1D", System.Text.Json.Nodes.JsonNode.Parse(session.ModelMetadata.CustomMetadataMap["keras_layer"])!["class_name"]!.GetValue<string>());
        Assert.Equal("DepthwiseSharp", session.ModelMetadata.ProducerName);
    }

    [Fact]
    public void Float64_layers_export_as_float32()
    {
        var layer = WithRandomWeights(new DepthwiseConv1D(3, 1, Padding.Same, 1, DataFormat.ChannelsLast, 1, Activation.Get("selu"), dtype: DType.Float64), 3, new Random(3));
        var x = Input<double>(new Random(4), 2 * 9 * 3);
        var expected = TestData.Flat(layer.Call(Tensor.Create(x, [2, 9, 3]))).Select(v => (float)v).ToArray();
        var (values, _) = Run(OnnxExporter.ToBytes(layer), x.Select(v => (float)v).ToArray(), [2, 9, 3]);
        Assert.True(RelativeError(values, expected) <= 1e-5);
    }

    [Fact]
    public void Stream_and_path_overloads_write_the_same_bytes()
    {
        var layer = WithRandomWeights(new CausalDepthwiseConv1D(2), 2, new Random(5));
        var bytes = OnnxExporter.ToBytes(layer);
        using var memory = new MemoryStream();
        OnnxExporter.Export(layer, memory);
        Assert.Equal(bytes, memory.ToArray());
        string path = Path.Combine(Path.GetTempPath(), $"dw_{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(layer, path);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Unsupported_activation_is_named_in_a_clear_error()
    {
        var layer = WithRandomWeights(new DepthwiseConv1D(3, activation: new Cube()), 2, new Random(1));
        Assert.False(OnnxExporter.IsSupported(layer.Activation));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToBytes(layer));
        Assert.Contains("'cube'", e.Message);
        Assert.Contains("no ONNX export", e.Message);
        Assert.All(Activation.Names, name => Assert.True(OnnxExporter.IsSupported(Activation.Get(name)), name));
    }

    [Fact]
    public void Invalid_requests_are_refused()
    {
        Assert.Contains("not built", Assert.Throws<InvalidOperationException>(() => OnnxExporter.ToBytes(new DepthwiseConv1D(3))).Message);
        var layer = WithRandomWeights(new DepthwiseConv1D(3), 2, new Random(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ToBytes(layer, new OnnxExportOptions { Opset = 11 }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(layer, new OnnxExportOptions { InputName = "x", OutputName = "x" }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(layer, new OnnxExportOptions { Length = 0 }));
        Assert.Contains("Computed output size would be zero or negative",
            Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(layer, new OnnxExportOptions { Length = 2 })).Message);
        // channels_first glu halves the time axis: a fixed length giving 3 output steps cannot be split.
        var glu = WithRandomWeights(new DepthwiseConv1D(3, 1, Padding.Valid, 1, DataFormat.ChannelsFirst, 1, Activation.Get("glu")), 3, new Random(1));
        Assert.Contains("divisible by 2", Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(glu, new OnnxExportOptions { Length = 5 })).Message);
    }

    private sealed class Cube : Activation
    {
        public override string Name => "cube";

        public override void Forward<T>(ReadOnlySpan<T> z, Span<T> y, int lastAxisLength)
        {
            for (int i = 0; i < z.Length; i++)
            {
                y[i] = z[i] * z[i] * z[i];
            }
        }

        public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz, int lastAxisLength)
        {
            for (int i = 0; i < z.Length; i++)
            {
                dz[i] = dy[i] * T.CreateTruncating(3) * z[i] * z[i];
            }
        }
    }
}
