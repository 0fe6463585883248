using System.Numerics;
using CsCheck;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Streaming;
using static DepthwiseSharp.Tests.Streaming.StreamTestUtil;

namespace DepthwiseSharp.Tests.Streaming;

/// <summary>
/// The stream's promise: for any chunking (chunks of 0, 1 or many steps), the concatenated outputs are the whole-sequence
/// layer call, bit for bit, for every activation a stream takes (the stream runs the layer's one forward composition, and an
/// activation computes an element the same way wherever it sits in a row). Random shapes, kernel sizes, strides, dilations,
/// both formats, causal and valid padding.
/// </summary>
public class ChunkInvarianceTests
{
    public sealed record Case(int N, int C, int M, int K, int S, int D, bool Causal, bool Last, string Activation, bool Bias, int L,
        int[] Chunks, int Seed)
    {
        public override string ToString() =>
            $"N={N} C={C} M={M} k={K} s={S} d={D} {(Causal ? "causal" : "valid")} {(Last ? "channels_last" : "channels_first")} {Activation} bias={Bias} L={L} chunks=[{string.Join(",", Chunks)}] seed={Seed}";
    }

    private static readonly Gen<Case> Cases =
        from n in Gen.Int[1, 3]
        from c in Gen.Int[1, 9]
        from m in Gen.Int[1, 3]
        from k in Gen.Int[1, 6]
        from s in Gen.Int[1, 4]
        from d in Gen.Int[1, 3]
        from causal in Gen.Bool
        from last in Gen.Bool
        from elementwise in Gen.OneOf(Elementwise)
        from row in Gen.OneOf(RowWise)
        from useRow in Gen.Int[0, 3]
        from bias in Gen.Bool
        from extra in Gen.Int[0, 40]
        from chunks in Gen.Frequency((3, Gen.Const(1)), (1, Gen.Const(0)), (4, Gen.Int[2, 13])).Array[1, 12]
        from seed in Gen.Int
        let dd = s > 1 ? 1 : d
        let act = last && useRow == 0 && (row != "glu" || c * m % 2 == 0) ? row : elementwise
        let length = (causal ? 0 : (k - 1) * dd + 1) + extra
        select new Case(n, c, m, k, s, dd, causal, last, act, bias, length, chunks, seed);

    private static DepthwiseConv1D MakeLayer(Case t, DType dtype)
    {
        var format = t.Last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
        DepthwiseConv1D layer = t.Causal
            ? new CausalDepthwiseConv1D(t.K, t.S, t.M, format, t.D, Act(t.Activation), t.Bias, dtype: dtype)
            : new DepthwiseConv1D(t.K, t.S, Padding.Valid, t.M, format, t.D, Act(t.Activation), t.Bias, dtype: dtype);
        return WithRandomWeights(layer, t.C, new Random(t.Seed));
    }

    /// <summary>Streams x through the layer with the case's chunk sizes (cycled), using the span API.</summary>
    private static T[] StreamAll<T>(DepthwiseConv1D layer, Case t, T[] x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var stream = layer.CreateStream<T>(t.N);
        var pieces = new List<(T[], int)>();
        int pos = 0;
        for (int i = 0; pos < t.L || i < t.Chunks.Length; i++)
        {
            // Zero-step chunks are pushed on the first pass through the sizes; after that they become 1 so the loop ends.
            int size = t.Chunks[i % t.Chunks.Length];
            int steps = Math.Min(size == 0 && i >= t.Chunks.Length ? 1 : size, t.L - pos);
            var chunk = Slice(x, t.N, t.C, t.L, pos, steps, t.Last);
            int expectedCount = stream.OutputStepsFor(steps);
            var output = new T[t.N * expectedCount * stream.OutputChannels];
            int count = stream.Push(chunk, steps, output);
            Assert.Equal(expectedCount, count);
            pieces.Add((output, count));
            pos += steps;
        }

        Assert.Equal(t.L, stream.InputSteps);
        return Concat(pieces, t.N, stream.OutputChannels, t.Last);
    }

    private static void Check<T>(Case t, DType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layer = MakeLayer(t, dtype);
        var x = Input<T>(new Random(t.Seed ^ 0x5eed), t.N * t.L * t.C);
        var whole = Whole(layer, x, t.N, t.C, t.L);
        var expected = new T[whole.FlattenedLength];
        whole.FlattenTo(expected);
        var actual = StreamAll(layer, t, x);
        Assert.Equal(expected.Length, actual.Length);

        // Bit for bit for every activation, transcendental ones included (same bits, NaN for NaN).
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                Assert.Fail($"{t}: element {i} differs: whole {expected[i]}, streamed {actual[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Every_activation_streams_bit_identically(string activation)
    {
        // Channel counts that leave a remainder after every vector width (C * M = 15, 21), one step at a time and in
        // uneven chunks; row activations only channels_last (glu needs an even row).
        bool rowWise = RowWise.Contains(activation);
        foreach (bool last in rowWise ? new[] { true } : new[] { true, false })
        {
            int c = activation == "glu" ? 7 : 5;
            var t = new Case(2, c, activation == "glu" ? 2 : 3, 3, 1, 2, true, last, activation, true, 41, [1, 4, 9], 17);
            Check<float>(t, DType.Float32);
            Check<double>(t, DType.Float64);
            Check<float>(t with { Causal = false, S = 2, D = 1, Chunks = [3, 1] }, DType.Float32);
        }
    }

    public static TheoryData<string> AllActivations() => new(Elementwise.Concat(RowWise));

    [Fact]
    public void Float32_chunked_equals_whole_sequence() => Cases.Sample(t => Check<float>(t, DType.Float32), iter: 400);

    [Fact]
    public void Float64_chunked_equals_whole_sequence() => Cases.Sample(t => Check<double>(t, DType.Float64), iter: 200);

    [Fact]
    public void Linear_streams_are_bit_identical_for_any_chunking() =>
        Cases.Select(t => t with { Activation = "linear" }).Sample(t => Check<float>(t, DType.Float32), iter: 200);

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void One_step_at_a_time_equals_whole_sequence(bool causal, bool last)
    {
        var t = new Case(2, 5, 2, 4, 3, 1, causal, last, "tanh", true, 37, [1], 11);
        Check<float>(t, DType.Float32);
        Check<float>(t with { S = 1, D = 3, Chunks = [1] }, DType.Float32);
    }

    [Fact]
    public void Stride_larger_than_the_window_skips_inputs_exactly()
    {
        // k = 1, s = 4: only every fourth input is used; the phase must carry across chunks of every size.
        foreach (bool causal in new[] { true, false })
        {
            Check<double>(new Case(1, 3, 1, 1, 4, 1, causal, true, "linear", true, 23, [1, 2, 3, 0, 5], 3), DType.Float64);
            Check<double>(new Case(2, 3, 2, 2, 4, 1, causal, false, "relu", false, 29, [3, 1, 7], 4), DType.Float64);
        }
    }
}
