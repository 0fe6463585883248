using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Tests.Streaming;

namespace DepthwiseSharp.Tests.Layers;

/// <summary>
/// Every entry point runs one forward composition: <c>Call(Tensor)</c>, <c>Call(span)</c> and <c>Forward(x).Output</c> give the
/// same bits for every activation, dtype, data format and thread count (the docs promise "equals Call's result"), and a
/// forward pass carries its own call's activity loss.
/// </summary>
public class ForwardCompositionTests
{
    public static TheoryData<string> AllActivations() => new(StreamTestUtil.Elementwise.Concat(StreamTestUtil.RowWise));

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Call_span_call_and_forward_are_bit_identical(string activation)
    {
        foreach (bool last in new[] { true, false })
        {
            // C * M = 15 or 14 (glu, which halves the last axis) and L = 37: rows leave a remainder after every vector width.
            int c = activation == "glu" ? 7 : 5, m = activation == "glu" ? 2 : 3;
            Check<float>(activation, last, c, m, DType.Float32);
            Check<double>(activation, last, c, m, DType.Float64);
        }
    }

    private static void Check<T>(string activation, bool last, int c, int m, DType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (activation == "glu" && !last)
        {
            // glu halves the last axis, which is time for channels_first: use an even output length.
            return;
        }

        var format = last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
        var layer = StreamTestUtil.WithRandomWeights(
            new DepthwiseConv1D(3, 1, Padding.Same, m, format, 2, DepthwiseSharp.Activations.Activation.Get(activation), dtype: dtype),
            c, new Random(activation.Length * 31 + c));
        const int n = 3, length = 37;
        var x = StreamTestUtil.Input<T>(new Random(5), n * length * c);
        nint[] shape = last ? [n, length, c] : [n, c, length];
        var tensor = Tensor.Create(x, shape);

        T[] called = Flat(Call(layer, tensor));
        T[] forward = Flat(layer.Forward(tensor).Output);
        BitAssert.Same(called, forward, $"{activation} {format} {dtype}: Forward(x).Output vs Call(x)");

        layer.MaxDegreeOfParallelism = 1;
        BitAssert.Same(called, Flat(Call(layer, tensor)), $"{activation} {format} {dtype}: Call with 1 thread");
        layer.MaxDegreeOfParallelism = 2;
        BitAssert.Same(called, Flat(layer.Forward(tensor).Output), $"{activation} {format} {dtype}: Forward with 2 threads");

        if (activation != "glu")
        {
            var output = new T[called.Length];
            layer.Call<T>(x, [.. shape.Select(v => (int)v)], output);
            BitAssert.Same(called, output, $"{activation} {format} {dtype}: Call(span) vs Call(x)");
        }
    }

    [Fact]
    public void Forward_pass_carries_its_own_activity_loss_equal_to_the_float64_formula()
    {
        // activity_regularizer l2(0.01): loss = 0.01 * sum(y^2) / N, computed here in float64 from the returned output.
        var layer = StreamTestUtil.WithRandomWeights(
            new DepthwiseConv1D(3, activityRegularizer: new L2(0.01), dtype: DType.Float64), 4, new Random(3));
        var x1 = Tensor.Create(StreamTestUtil.Input<double>(new Random(1), 2 * 9 * 4), [2, 9, 4]);
        var x2 = Tensor.Create(StreamTestUtil.Input<double>(new Random(2), 5 * 9 * 4, 10), [5, 9, 4]);
        var p1 = layer.Forward(x1);
        var p2 = layer.Forward(x2);
        Assert.Equal(Expected(p1.Output, 2), p1.ActivityLoss!.Value, 12);
        Assert.Equal(Expected(p2.Output, 5), p2.ActivityLoss!.Value, 12);
        Assert.NotEqual(p1.ActivityLoss, p2.ActivityLoss);

        // Losses holds the most recent call's value.
        Assert.Equal(p2.ActivityLoss!.Value, layer.Losses[0], 15);

        static double Expected(Tensor<double> y, int batch)
        {
            double sum = 0;
            foreach (double v in y)
            {
                sum += v * v;
            }

            return 0.01 * sum / batch;
        }
    }

    [Fact]
    public void Forward_pass_without_activity_regularizer_has_no_activity_loss()
    {
        var layer = StreamTestUtil.WithRandomWeights(new DepthwiseConv1D(3), 2, new Random(3));
        var pass = layer.Forward(Tensor.Create(new float[2 * 5 * 2], [2, 5, 2]));
        Assert.Null(pass.ActivityLoss);
    }

    private static Tensor<T> Call<T>(DepthwiseConv1D layer, Tensor<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? (Tensor<T>)(object)layer.Call((Tensor<float>)(object)x)
            : (Tensor<T>)(object)layer.Call((Tensor<double>)(object)x);

    private static T[] Flat<T>(Tensor<T> t)
    {
        var a = new T[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }
}
