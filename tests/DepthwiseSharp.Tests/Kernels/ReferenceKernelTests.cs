using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>The scalar reference against SPEC section 1's formula evaluated in float64 on an explicitly padded copy.</summary>
public class ReferenceKernelTests
{
    [Theory]
    [InlineData(2, 13, 3, 2, 4, 1, 2, 1, 5)]
    [InlineData(1, 7, 5, 1, 3, 2, 1, 0, 0)]
    [InlineData(3, 20, 2, 3, 5, 3, 1, 2, 2)]
    [InlineData(1, 4, 1, 4, 7, 1, 1, 6, 0)]
    public void Reference_equals_formula_on_padded_input(int n, int l, int c, int m, int k, int s, int d, int pl, int pr)
    {
        var rng = new Random(7);
        foreach (var df in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
        {
            var g = new Conv1DGeometry(n, l, c, m, k, s, d, pl, pr, df);
            var x = Enumerable.Range(0, g.InputCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var w = Enumerable.Range(0, g.KernelCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var b = Enumerable.Range(0, g.OutputChannels).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var y = new double[g.OutputCount];
            ReferenceKernel.Forward<double>(g, x, w, b, y);

            // xpad[n][p][c] with explicit zeros, then the SPEC formula.
            int lp = l + pl + pr;
            var xpad = new double[n, lp, c];
            for (int bi = 0; bi < n; bi++)
            {
                for (int t = 0; t < l; t++)
                {
                    for (int ci = 0; ci < c; ci++)
                    {
                        xpad[bi, t + pl, ci] = df == DataFormat.ChannelsLast ? x[(bi * l + t) * c + ci] : x[(bi * c + ci) * l + t];
                    }
                }
            }

            int lout = (lp - ((k - 1) * d + 1)) / s + 1;
            Assert.Equal(lout, g.OutputLength);
            for (int bi = 0; bi < n; bi++)
            {
                for (int t = 0; t < lout; t++)
                {
                    for (int ci = 0; ci < c; ci++)
                    {
                        for (int mi = 0; mi < m; mi++)
                        {
                            double acc = b[ci * m + mi];
                            for (int j = 0; j < k; j++)
                            {
                                acc += xpad[bi, t * s + j * d, ci] * w[(j * c + ci) * m + mi];
                            }

                            int o = ci * m + mi;
                            double got = df == DataFormat.ChannelsLast ? y[(bi * lout + t) * c * m + o] : y[(bi * c * m + o) * lout + t];
                            Assert.Equal(acc, got, 1e-12);
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(10, 3, 1, 1, 10, 1, 1)]
    [InlineData(10, 3, 2, 1, 5, 0, 1)]
    [InlineData(7, 4, 2, 1, 4, 1, 2)]
    [InlineData(5, 15, 1, 5, 5, 35, 35)]
    [InlineData(1, 2, 4, 1, 1, 0, 1)]
    public void Same_padding_follows_tensorflow(int length, int k, int s, int d, int lout, int left, int right)
    {
        Assert.Equal((left, right), Conv1DGeometry.Pads(length, k, s, d, Padding.Same));
        Assert.Equal(lout, Conv1DGeometry.OutputLengthFor(length, k, s, d, Padding.Same));
    }
}
