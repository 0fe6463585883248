using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>Results do not depend on the thread count; a layer is safe to call from many threads; the hot path does not allocate.</summary>
public class ThreadingTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    public static TheoryData<string, int, int> Layouts() => new()
    {
        { "channels_last", 1, 1 },
        { "channels_last", 3, 1 },
        { "channels_first", 1, 2 },
        { "channels_first", 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Forward_and_backward_are_bit_identical_for_1_2_and_8_threads(string format, int m, int s)
    {
        // Big enough that the work is split into many chunks (several times the minimum chunk work).
        var layer = new DepthwiseConv1D(7, s, "same", m, format, activation: "gelu", biasInitializer: "random_normal");
        int[] shape = format == "channels_last" ? [6, 300, 48] : [6, 48, 300];
        var x = Tensor.Create(Random(6 * 300 * 48, 1), [shape[0], shape[1], shape[2]]);
        layer.Build([null, shape[1], shape[2]]);
        float[]? y1 = null, dx1 = null, dk1 = null, db1 = null;
        foreach (int threads in (int[])[1, 2, 8])
        {
            layer.MaxDegreeOfParallelism = threads;
            var y = TestData.Flat(layer.Call(x));
            var pass = layer.Forward(x);
            var g = layer.Backward(pass, Tensor.Create(Random((int)pass.Output.FlattenedLength, 2), pass.Output.Lengths));
            Assert.Equal(y, TestData.Flat(pass.Output));
            if (y1 is null)
            {
                (y1, dx1, dk1, db1) = (y, TestData.Flat(g.Input), TestData.Flat(g.Kernel), TestData.Flat(g.Bias!));
                continue;
            }

            Assert.Equal(y1, y);
            Assert.Equal(dx1, TestData.Flat(g.Input));
            Assert.Equal(dk1, TestData.Flat(g.Kernel));
            Assert.Equal(db1, TestData.Flat(g.Bias!));
        }
    }

    [Fact]
    public void One_layer_called_from_8_threads_gives_the_serial_results()
    {
        var layer = new DepthwiseConv1D(5, 1, "same", 2, "channels_last", activation: "relu", activityRegularizer: "l2");
        var inputs = Enumerable.Range(0, 16).Select(i => Tensor.Create(Random(3 * 64 * 12, 10 + i), [3, 64, 12])).ToArray();
        layer.Build([null, 64, 12]);
        var serial = inputs.Select(x => TestData.Flat(layer.Call(x))).ToArray();
        var parallel = new float[16][];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int rep = 0; rep < 5; rep++)
            {
                for (int i = t; i < 16; i += 8)
                {
                    parallel[i] = TestData.Flat(layer.Call(inputs[i]));
                }
            }
        })).ToArray();
        foreach (var th in threads)
        {
            th.Start();
        }

        foreach (var th in threads)
        {
            th.Join();
        }

        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(serial[i], parallel[i]);
        }
    }

    [Theory]
    [InlineData("channels_last", 1, 1, "relu")]
    [InlineData("channels_last", 4, 1, "silu")]
    [InlineData("channels_first", 1, 2, "tanh")]
    [InlineData("channels_first", 2, 1, "softmax")]
    public void Span_call_allocates_nothing_after_warm_up(string format, int m, int s, string activation)
    {
        var layer = new DepthwiseConv1D(5, s, "same", m, format, activation: activation);
        int[] shape = format == "channels_last" ? [4, 512, 64] : [4, 64, 512];
        var x = Random(4 * 512 * 64, 3);
        var outShape = layer.ComputeOutputShape([shape[0], shape[1], shape[2]]);
        var y = new float[outShape.Aggregate(1, (a, v) => a * v!.Value)];
        foreach (int threads in (int[])[1, 2])
        {
            layer.MaxDegreeOfParallelism = threads;
            for (int i = 0; i < 5; i++)
            {
                layer.Call<float>(x, shape, y);
            }

            // The least of three rounds: a per-call allocation shows in every round, while the thread pool growing its
            // queue once on a busy machine (workers late to take the queued helpers) shows in one at most.
            long allocated = long.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 20; i++)
                {
                    layer.Call<float>(x, shape, y);
                }

                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            if (TestBuild.LibraryIsOptimized)
            {
                // One thread: nothing at all. Two threads: the thread pool's own queue may grow a segment now and then
                // (a few bytes, not per call); 20 calls must stay far below one object per call.
                Assert.True(threads == 1 ? allocated == 0 : allocated < 20 * 8, $"{allocated} bytes in 20 calls with {threads} threads");
            }
        }
    }
}
