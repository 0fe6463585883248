using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>
/// Kernels read pooled scratch arrays through refs; a compacting GC may move those arrays mid-call. Regression for the
/// channels_last M &gt; 1 bug where a ref computed before the start of the scratch array was not moved with it and the
/// kernel read stale memory (seen only under GC pressure, about 1 run in 3 of the parallel suites).
/// Runs alone (its own non-parallel collection): its forced gen-2 collections make ArrayPool trim its buckets, and a
/// test running beside it that counts allocations after warm-up would see the pool refill.
/// </summary>
[Collection(nameof(GcRelocationTests))]
public class GcRelocationTests
{
    public static TheoryData<string, int, int, int> Cases() => new()
    {
        { "channels_last", 3, 1, 1 },
        { "channels_last", 2, 2, 3 },
        { "channels_last", 4, 1, 1 },
        { "channels_first", 1, 2, 1 },
        { "channels_first", 3, 3, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_variant_matches_the_reference_while_compacting_gcs_run(string format, int m, int s, int d)
    {
        var df = format == "channels_last" ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
        var g = Conv1DGeometry.ForPadding(4, 300, 24, m, 7, s, d, Padding.Same, df);
        var rng = new Random(5);
        float[] x = Enumerable.Range(0, g.Batch * g.Length * g.Channels).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] k = Enumerable.Range(0, g.KernelSize * g.OutputChannels).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, g.OutputChannels).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var expected = new float[g.Batch * g.OutputLength * g.OutputChannels];
        ReferenceKernel.Forward<float>(g, x, k, b, expected);
        float[] dz = Enumerable.Range(0, expected.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var dxRef = new float[x.Length];
        var dkRef = new float[k.Length];
        ReferenceBackward.Input<float>(g, dz, k, dxRef);
        ReferenceBackward.Kernel<float>(g, x, dz, dkRef);

        using var stop = new CancellationTokenSource();
        var churn = new Thread(() =>
        {
            // Small short-lived arrays between the pool's, then a compacting collection about every millisecond:
            // objects move while the kernels run, at a bounded cost.
            var keep = new object[64];
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                for (int a = 0; a < 16; a++)
                {
                    keep[(i * 16 + a) % keep.Length] = new byte[(a % 7 + 1) * 512];
                }

                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                Thread.Sleep(1);
            }
        });
        churn.Start();
        try
        {
            for (int rep = 0; rep < 20; rep++)
            {
                foreach (var variant in KernelVariants.Supported)
                {
                    var actual = new float[expected.Length];
                    ForwardExecutor.Forward<float>(g, x, k, b, actual, variant, maxDegree: 2);
                    Assert.Equal(expected, actual);
                    var dx = new float[x.Length];
                    var dk = new float[k.Length];
                    var db = new float[b.Length];
                    BackwardKernel.Input<float>(g, dz, k, dx, variant, maxDegree: 2);
                    BackwardKernel.KernelAndBias<float>(g, x, dz, dk, db, variant, maxDegree: 2);
                    AssertClose(dxRef, dx);
                    AssertClose(dkRef, dk);
                }
            }
        }
        finally
        {
            stop.Cancel();
            churn.Join();
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        // Backward sums may group differently from the reference: rounding only, far below a stale read's error.
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"[{i}] {expected[i]} vs {actual[i]}");
        }
    }
}

/// <summary>The collection that keeps <see cref="GcRelocationTests"/> from running beside other tests.</summary>
[CollectionDefinition(nameof(GcRelocationTests), DisableParallelization = true)]
public class GcRelocationCollection
{
}
