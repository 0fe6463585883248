using System.Numerics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// Scalar oracles of the three gradients of <c>z = conv(x, K) + b</c>, given <c>dz = dLoss/dz</c>, straight from the
/// forward formula: every (n, t, c, m, j) with an in-range source adds its product to the matching gradient.
/// </summary>
internal static class ReferenceBackward
{
    /// <summary><c>dx[n, l, c] = sum over (t, j, m) with t*s + j*d - padLeft = l of dz[n, t, c*M+m] * K[j, c, m]</c>.</summary>
    public static void Input<T>(in Conv1DGeometry g, ReadOnlySpan<T> dz, ReadOnlySpan<T> kernel, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dx.Clear();
        foreach (var (xi, zi, ki) in Terms(g))
        {
            dx[xi] += dz[zi] * kernel[ki];
        }
    }

    /// <summary><c>dK[j, c, m] = sum over (n, t) of dz[n, t, c*M+m] * xpad[n, t*s + j*d, c]</c>.</summary>
    public static void Kernel<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> dz, Span<T> dkernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dkernel.Clear();
        foreach (var (xi, zi, ki) in Terms(g))
        {
            dkernel[ki] += dz[zi] * x[xi];
        }
    }

    /// <summary><c>db[o] = sum over (n, t) of dz[n, t, o]</c>.</summary>
    public static void Bias<T>(in Conv1DGeometry g, ReadOnlySpan<T> dz, Span<T> dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dbias.Clear();
        int cm = g.OutputChannels, lout = g.OutputLength;
        for (int b = 0; b < g.Batch; b++)
        {
            for (int t = 0; t < lout; t++)
            {
                for (int o = 0; o < cm; o++)
                {
                    dbias[o] += g.DataFormat == DataFormat.ChannelsLast ? dz[(b * lout + t) * cm + o] : dz[(b * cm + o) * lout + t];
                }
            }
        }
    }

    /// <summary>Every product of the forward sum: indices into x, z (or dz) and K, in a fixed order.</summary>
    private static IEnumerable<(int X, int Z, int K)> Terms(Conv1DGeometry g)
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, cm = g.OutputChannels, lout = g.OutputLength;
        bool last = g.DataFormat == DataFormat.ChannelsLast;
        for (int b = 0; b < g.Batch; b++)
        {
            for (int t = 0; t < lout; t++)
            {
                for (int ci = 0; ci < c; ci++)
                {
                    for (int mi = 0; mi < m; mi++)
                    {
                        int o = ci * m + mi;
                        int zi = last ? (b * lout + t) * cm + o : (b * cm + o) * lout + t;
                        for (int j = 0; j < g.KernelSize; j++)
                        {
                            int src = t * g.Stride + j * g.Dilation - g.PadLeft;
                            if ((uint)src < (uint)l)
                            {
                                int xi = last ? (b * l + src) * c + ci : (b * c + ci) * l + src;
                                yield return (xi, zi, (j * c + ci) * m + mi);
                            }
                        }
                    }
                }
            }
        }
    }
}
