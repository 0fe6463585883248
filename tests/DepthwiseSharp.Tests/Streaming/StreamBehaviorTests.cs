using System.Numerics.Tensors;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Streaming;
using static DepthwiseSharp.Tests.Streaming.StreamTestUtil;

namespace DepthwiseSharp.Tests.Streaming;

/// <summary>State (reset, snapshot, bytes), the tensor API, allocation-free single steps and the refusals of the stream.</summary>
public class StreamBehaviorTests
{
    private static CausalDepthwiseConv1D Causal(int c = 3, int k = 4, int s = 1, int d = 2, int m = 2, string act = "tanh",
        DataFormat format = DataFormat.ChannelsLast, DType dtype = DType.Float32, int seed = 1) =>
        WithRandomWeights(new CausalDepthwiseConv1D(k, s, m, format, d, Activation.Get(act), dtype: dtype), c, new Random(seed));

    private static float[] PushSteps(DepthwiseStream<float> stream, float[] x, int length, int from, int to)
    {
        var pieces = new List<(float[], int)>();
        bool last = stream.DataFormat == DataFormat.ChannelsLast;
        for (int t = from; t < to; t++)
        {
            var chunk = Slice(x, stream.BatchSize, stream.Channels, length, t, 1, last);
            var output = new float[stream.BatchSize * stream.OutputStepsFor(1) * stream.OutputChannels];
            pieces.Add((output, stream.Push(chunk, 1, output)));
        }

        return Concat(pieces, stream.BatchSize, stream.OutputChannels, last);
    }

    [Theory]
    [InlineData(DataFormat.ChannelsLast, 1)]
    [InlineData(DataFormat.ChannelsFirst, 1)]
    [InlineData(DataFormat.ChannelsLast, 3)]
    [InlineData(DataFormat.ChannelsFirst, 2)]
    public void Snapshot_restore_continues_exactly(DataFormat format, int stride)
    {
        var layer = Causal(format: format, s: stride, d: stride == 1 ? 2 : 1);
        const int n = 2, length = 30, cut = 13;
        var x = Input<float>(new Random(5), n * length * layer.InputChannels);
        var stream = layer.CreateStream<float>(n);
        PushSteps(stream, x, length, 0, cut);
        var snapshot = stream.GetState();
        var rest = PushSteps(stream, x, length, cut, length);

        // Restore on the same stream, on a fresh stream, and through bytes: the continuation is identical.
        stream.SetState(snapshot);
        Assert.Equal(rest, PushSteps(stream, x, length, cut, length));
        var fresh = layer.CreateStream<float>(n);
        fresh.SetState(StreamState<float>.FromBytes(snapshot.ToBytes()));
        Assert.Equal(cut, fresh.InputSteps);
        Assert.Equal(rest, PushSteps(fresh, x, length, cut, length));
    }

    [Fact]
    public void Snapshot_bytes_round_trip()
    {
        var layer = Causal(dtype: DType.Float64);
        var stream = layer.CreateStream<double>(2);
        stream.Push(Input<double>(new Random(2), 2 * 5 * 3), 5, new double[2 * 5 * stream.OutputChannels]);
        var state = stream.GetState();
        var back = StreamState<double>.FromBytes(state.ToBytes());
        Assert.Equal(state.History.ToArray(), back.History.ToArray());
        Assert.Equal((state.BatchSize, state.Channels, state.HistoryLength, state.Stride, state.DataFormat, state.Phase, state.Filled, state.InputSteps, state.OutputSteps),
            (back.BatchSize, back.Channels, back.HistoryLength, back.Stride, back.DataFormat, back.Phase, back.Filled, back.InputSteps, back.OutputSteps));
        Assert.Equal(2 * 3 * 6, state.History.Length);
        Assert.Equal(5, state.InputSteps);
    }

    [Fact]
    public void Reset_starts_a_new_sequence()
    {
        var layer = Causal();
        const int length = 12;
        var x = Input<float>(new Random(9), length * 3);
        var stream = layer.CreateStream<float>();
        var first = PushSteps(stream, x, length, 0, length);
        stream.Reset();
        Assert.Equal(0, stream.InputSteps);
        Assert.Equal(0, stream.OutputSteps);
        Assert.Equal(first, PushSteps(stream, x, length, 0, length));
    }

    [Fact]
    public void Incompatible_or_corrupt_states_are_refused()
    {
        var a = Causal().CreateStream<float>(2);
        var b = Causal(c: 4).CreateStream<float>(2);
        var e = Assert.Throws<ArgumentException>(() => b.SetState(a.GetState()));
        Assert.Contains("3 channels", e.Message);
        Assert.Throws<ArgumentException>(() => StreamState<float>.FromBytes("hello"u8));
        var bytes = a.GetState().ToBytes();
        Assert.Contains("declares 2 x 3 x 6 values", Assert.Throws<ArgumentException>(() => StreamState<float>.FromBytes(bytes.AsSpan(0, bytes.Length - 4))).Message);
        Assert.Contains("StreamState<Double> needs float64 values", Assert.Throws<ArgumentException>(() => StreamState<double>.FromBytes(bytes)).Message);

        // Sizes that multiply past a long are caught before anything is allocated.
        var huge = (byte[])bytes.Clone();
        foreach (int offset in new[] { 12, 16, 20 })
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(huge.AsSpan(offset), int.MaxValue);
        }

        Assert.Contains("declares", Assert.Throws<ArgumentException>(() => StreamState<float>.FromBytes(huge)).Message);
    }

    [Fact]
    public void Tensor_push_returns_the_new_steps_in_the_layers_layout()
    {
        var layer = Causal(format: DataFormat.ChannelsFirst, s: 2, d: 1);
        var stream = layer.CreateStream<float>(2);
        var x = Input<float>(new Random(1), 2 * 3 * 7);
        var whole = TestData.Flat(Whole(layer, x, 2, 3, 7));
        var y1 = stream.Push(Tensor.Create(Slice(x, 2, 3, 7, 0, 4, false), [2, 3, 4]));
        var y0 = stream.Push(Tensor.Create(Array.Empty<float>(), [2, 3, 0]));
        var y2 = stream.Push(Tensor.Create(Slice(x, 2, 3, 7, 4, 3, false), [2, 3, 3]));
        Assert.Equal([2, 6, 2], TestData.Shape(y1));
        Assert.Equal([2, 6, 0], TestData.Shape(y0));
        Assert.Equal([2, 6, 2], TestData.Shape(y2));
        var streamed = Concat([(TestData.Flat(y1), 2), (TestData.Flat(y2), 2)], 2, 6, false);
        Assert.Equal(whole.Length, streamed.Length);
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.Equal(whole[i], streamed[i], 1e-6f);
        }

        var e = Assert.Throws<ArgumentException>(() => stream.Push(Tensor.Create(new float[12], [2, 2, 3])));
        Assert.Contains("(2, 3, steps)", e.Message);
    }

    [Fact]
    public void Valid_stream_waits_for_the_first_full_window()
    {
        var layer = WithRandomWeights(new DepthwiseConv1D(3, 1, Padding.Valid, 1, DataFormat.ChannelsLast, 2), 2, new Random(3));
        var stream = layer.CreateStream<float>();
        Assert.Equal(4, stream.HistoryLength);
        var output = new float[2];
        var step = new float[2];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, stream.Push(step, 1, output));
        }

        Assert.Equal(1, stream.Push(step, 1, output));
        Assert.Equal(5, stream.InputSteps);
        Assert.Equal(1, stream.OutputSteps);
    }

    [Fact]
    public void Weight_updates_reach_the_stream()
    {
        var layer = Causal(k: 1, d: 1, m: 1, act: "linear");
        var stream = layer.CreateStream<float>();
        var output = new float[3];
        stream.Push([1f, 1f, 1f], 1, output);
        layer.SetWeights(Tensor.Create(new float[] { 2, 3, 4 }, [1, 3, 1]), Tensor.Create(new float[3], [3]));
        stream.Push([1f, 1f, 1f], 1, output);
        Assert.Equal([2f, 3f, 4f], output);
    }

    [Fact]
    public void Same_padding_is_refused()
    {
        var layer = WithRandomWeights(new DepthwiseConv1D(3, 1, Padding.Same), 2, new Random(1));
        var e = Assert.Throws<ArgumentException>(() => layer.CreateStream<float>());
        Assert.Contains("padding='same'", e.Message);
        Assert.Contains("future", e.Message);
    }

    [Theory]
    [InlineData("softmax")]
    [InlineData("log_softmax")]
    [InlineData("sparsemax")]
    [InlineData("glu")]
    public void Channels_first_row_activations_are_refused(string act)
    {
        var layer = Causal(format: DataFormat.ChannelsFirst, act: act);
        var e = Assert.Throws<ArgumentException>(() => layer.CreateStream<float>());
        Assert.Contains($"'{act}'", e.Message);
        Assert.Contains("channels_first", e.Message);
    }

    [Fact]
    public void Misuse_is_refused_with_clear_messages()
    {
        var unbuilt = new CausalDepthwiseConv1D(3);
        Assert.Contains("not built", Assert.Throws<InvalidOperationException>(() => unbuilt.CreateStream<float>()).Message);
        var layer = Causal();
        Assert.Contains("DepthwiseStream<float>", Assert.Throws<InvalidOperationException>(() => layer.CreateStream<double>()).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.CreateStream<float>(0));
        var stream = layer.CreateStream<float>(2);
        Assert.Contains("chunk holds 5", Assert.Throws<ArgumentException>(() => stream.Push(new float[5], 1, new float[100])).Message);
        Assert.Contains("output holds 3", Assert.Throws<ArgumentException>(() => stream.Push(new float[6], 1, new float[3])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Push(ReadOnlySpan<float>.Empty, -1, Span<float>.Empty));
        Assert.Equal(0, stream.Push(ReadOnlySpan<float>.Empty, 0, Span<float>.Empty));
        Assert.Equal(0, stream.InputSteps);
    }

    [Fact]
    public void Overridden_convolution_is_refused()
    {
        var layer = WithRandomWeights(new Scaled(), 2, new Random(1));
        Assert.Throws<NotSupportedException>(() => layer.CreateStream<float>());
    }

    private sealed class Scaled() : DepthwiseConv1D(3)
    {
        public override Tensor<T> ConvolutionOp<T>(Tensor<T> inputs, Tensor<T> kernel) => base.ConvolutionOp(inputs, kernel);
    }
}
