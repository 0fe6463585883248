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
        for (int i = 0; i < 50; i++)
        {
            stream.Push(chunk, 1, output);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int produced = 0;
        for (int i = 0; i < 1000; i++)
        {
            produced += stream.Push(chunk, 1, output);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.InRange(produced, 1000 / stride - 1, 1000 / stride + 1);
    }
}
