using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>The vectorized rearrangements against their one-line definitions, over lengths that cross every vector width.</summary>
public class RearrangeTests
{
    [Fact]
    public void Repeat_matches_its_definition()
    {
        for (int m = 1; m <= 8; m++)
        {
            for (int n = 0; n <= 70; n++)
            {
                var src = Enumerable.Range(0, n).Select(i => i + 0.5f).ToArray();
                var dst = new float[n * m + 3];
                dst.AsSpan().Fill(float.NaN);
                Rearrange.Repeat<float>(src, dst.AsSpan(0, n * m), m);
                for (int i = 0; i < n * m; i++)
                {
                    Assert.Equal(src[i / m], dst[i]);
                }

                Assert.True(float.IsNaN(dst[n * m]), "wrote past the destination");
                var srcD = src.Select(v => (double)v).ToArray();
                var dstD = new double[n * m];
                Rearrange.Repeat<double>(srcD, dstD, m);
                Assert.Equal(Enumerable.Range(0, n * m).Select(i => srcD[i / m]), dstD);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariantTests.Variants), MemberType = typeof(KernelVariantTests))]
    public void Adjacent_pair_sums_match_their_definition_in_place_and_apart(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(8);
        for (int n = 0; n <= 70; n++)
        {
            var src = Enumerable.Range(0, 2 * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var expected = Enumerable.Range(0, n).Select(i => src[2 * i] + src[2 * i + 1]).ToArray();
            var dst = new float[n + 1];
            dst[n] = float.NaN;
            VectorOps.AddAdjacentPairs<float>(src, dst.AsSpan(0, n), variant);
            Assert.Equal(expected, dst[..n]);
            Assert.True(float.IsNaN(dst[n]), "wrote past the destination");
            var inPlace = (float[])src.Clone();
            VectorOps.AddAdjacentPairs<float>(inPlace, inPlace.AsSpan(0, n), variant);
            Assert.Equal(expected, inPlace[..n]);
            var srcD = src.Select(v => (double)v).ToArray();
            var dstD = new double[n];
            VectorOps.AddAdjacentPairs<double>(srcD, dstD, variant);
            Assert.Equal(Enumerable.Range(0, n).Select(i => srcD[2 * i] + srcD[2 * i + 1]), dstD);
        }
    }

    [Fact]
    public void Phases_match_their_definition()
    {
        for (int s = 1; s <= 4; s++)
        {
            for (int l = 0; l <= 100; l++)
            {
                int len = (l + s - 1) / s;
                var src = Enumerable.Range(0, l).Select(i => i * 1.25f).ToArray();
                var dst = new float[s * len];
                dst.AsSpan().Fill(float.NaN);
                Rearrange.Phases<float>(src, dst, s, len);
                for (int i = 0; i < l; i++)
                {
                    Assert.Equal(src[i], dst[i % s * len + i / s]);
                }
            }
        }
    }
}
