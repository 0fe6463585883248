using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Streaming;
using static DepthwiseSharp.Tests.Streaming.StreamTestUtil;

namespace DepthwiseSharp.Tests.Streaming;

/// <summary>Runs alone: shared pools used by the kernels may allocate when other tests use them at the same moment.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamAllocationCollection
{
    public const string Name = "Streaming allocation (not parallel)";
}

/// <summary>The one-step path of a stream allocates nothing once warm.</summary>
[Collection(StreamAllocationCollection.Name)]
public class StreamAllocationTests
{
    [Theory]
    [InlineData(DataFormat.ChannelsLast, 1, 2, "tanh")]
    [InlineData(DataFormat.ChannelsLast, 2, 1, "softmax")]
    [InlineData(DataFormat.ChannelsLast, 1, 2, "glu")]
    [InlineData(DataFormat.ChannelsFirst, 3, 1, "gelu")]
    [InlineData(DataFormat.ChannelsFirst, 1, 3, "relu")]
    public void Single_steps_allocate_nothing_after_warm_up(DataFormat format, int stride, int multiplier, string act)
    {
        var layer = WithRandomWeights(new CausalDepthwiseConv1D(5, stride, multiplier, format, stride == 1 ? 2 : 1, Activation.Get(act)), 8, new Random(1));
        var stream = layer.CreateStream<float>(2);
        var chunk = Input<float>(new Random(4), 2 * 8);
        var output = new float[2 * stream.OutputChannels];
        for (int i = 0; i < 1100; i++)
        {
            stream.Push(chunk, 1, output);
        }

        // Windows of 1000 pushes until one allocates nothing (at most 5): a per-push allocation shows in every window,
        // while a one-off runtime event (a loop's on-stack replacement, a background recompile being installed) once
        // added 4544 bytes to one window in CI.
        var windows = new List<long>();
        int produced = 0;
        while (windows.Count < 5 && (windows.Count == 0 || windows[^1] != 0))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            produced = 0;
            for (int i = 0; i < 1000; i++)
            {
                produced += stream.Push(chunk, 1, output);
            }

            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(windows[^1] == 0, $"bytes allocated per window of 1000 pushes: {string.Join(", ", windows)}");
        Assert.InRange(produced, 1000 / stride - 1, 1000 / stride + 1);
    }
}
