using System.Numerics;
using System.Runtime.CompilerServices;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The scalar oracle: the formula of docs/CONTRACT.md section 1 written as loops, for any layout, stride, dilation and padding.
/// Every optimized kernel must agree with it; it sums the bias first and then the taps in ascending order, each a fused
/// multiply-add, the operations the vectorized kernels keep so that they match it bit for bit.
/// </summary>
internal static class ReferenceKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = g.Batch, l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize;
        int s = g.Stride, d = g.Dilation, pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        bool last = g.DataFormat == DataFormat.ChannelsLast;
        for (int b = 0; b < n; b++)
        {
            for (int ci = 0; ci < c; ci++)
            {
                for (int mi = 0; mi < m; mi++)
                {
                    int o = ci * m + mi;
                    for (int t = 0; t < lout; t++)
                    {
                        T acc = bias.IsEmpty ? T.Zero : bias[o];
                        for (int j = 0; j < k; j++)
                        {
                            int src = t * s + j * d - pl;
                            if ((uint)src < (uint)l)
                            {
                                T xv = last ? x[(b * l + src) * c + ci] : x[(b * c + ci) * l + src];
                                acc = T.FusedMultiplyAdd(xv, kernel[(j * c + ci) * m + mi], acc);
                            }
                        }

                        if (last)
                        {
                            y[(b * lout + t) * cm + o] = acc;
                        }
                        else
                        {
                            y[(b * cm + o) * lout + t] = acc;
                        }
                    }
                }
            }
        }
    }
}
