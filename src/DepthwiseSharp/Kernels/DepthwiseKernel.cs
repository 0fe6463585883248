using System.Buffers;
using System.Numerics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The vectorized forward kernels. channels_last: lanes run across output channels of one time step, each tap adds
/// <c>x[t*s + j*d - padLeft, :] * K[j, :]</c> to the output row. channels_first: lanes run along time within one
/// (batch, channel) row, each tap adds a shifted input row times one weight. Padding never costs a branch per tap:
/// each output step (channels_last) or each tap (channels_first) computes the range of taps or steps that land inside
/// the sequence once. Summation order per output element is bias, then taps in ascending order, as in
/// <see cref="ReferenceKernel"/>.
/// </summary>
internal static class DepthwiseKernel
{
    public static void Forward<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y,
        KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (variant == KernelVariant.Scalar)
        {
            ReferenceKernel.Forward(g, x, kernel, bias, y);
        }
        else if (g.DataFormat == DataFormat.ChannelsLast)
        {
            ForwardChannelsLast(g, x, kernel, bias, y, variant);
        }
        else
        {
            ForwardChannelsFirst(g, x, kernel, bias, y, variant);
        }
    }

    private static void ForwardChannelsLast<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias,
        Span<T> y, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;

        // With M > 1 each input channel feeds M adjacent outputs; repeating every input value M times (one batch row at
        // a time) turns the kernel row K[j, :, :] and the input row into two contiguous vectors of length C*M.
        T[]? expanded = m > 1 ? ArrayPool<T>.Shared.Rent(l * cm) : null;
        try
        {
            for (int b = 0; b < g.Batch; b++)
            {
                ReadOnlySpan<T> xs = x.Slice(b * l * c, l * c);
                if (expanded is not null)
                {
                    Span<T> e = expanded.AsSpan(0, l * cm);
                    for (int i = 0; i < l * c; i++)
                    {
                        e.Slice(i * m, m).Fill(xs[i]);
                    }

                    xs = e;
                }

                for (int t = 0; t < lout; t++)
                {
                    Span<T> row = y.Slice((b * lout + t) * cm, cm);
                    if (bias.IsEmpty)
                    {
                        row.Clear();
                    }
                    else
                    {
                        bias.CopyTo(row);
                    }

                    int start = t * s - pl;
                    int jlo = start >= 0 ? 0 : (-start + d - 1) / d;
                    int jhi = start > l - 1 ? 0 : Math.Min(k, (l - 1 - start) / d + 1);
                    for (int j = jlo; j < jhi; j++)
                    {
                        VectorOps.MultiplyAdd(xs.Slice((start + j * d) * cm, cm), kernel.Slice(j * cm, cm), row, variant);
                    }
                }
            }
        }
        finally
        {
            if (expanded is not null)
            {
                ArrayPool<T>.Shared.Return(expanded);
            }
        }
    }

    private static void ForwardChannelsFirst<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias,
        Span<T> y, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        for (int b = 0; b < g.Batch; b++)
        {
            for (int ci = 0; ci < c; ci++)
            {
                ReadOnlySpan<T> xrow = x.Slice((b * c + ci) * l, l);
                for (int mi = 0; mi < m; mi++)
                {
                    int o = ci * m + mi;
                    Span<T> row = y.Slice((b * cm + o) * lout, lout);
                    row.Fill(bias.IsEmpty ? T.Zero : bias[o]);
                    for (int j = 0; j < k; j++)
                    {
                        T w = kernel[(j * c + ci) * m + mi];
                        int shift = j * d - pl;

                        // Output steps t whose source t*s + shift lies in [0, L).
                        int tlo = shift >= 0 ? 0 : (-shift + s - 1) / s;
                        int thi = l - 1 - shift < 0 ? 0 : Math.Min(lout, (l - 1 - shift) / s + 1);
                        if (thi <= tlo)
                        {
                            continue;
                        }

                        if (s == 1)
                        {
                            VectorOps.MultiplyAddScalar(xrow.Slice(tlo + shift, thi - tlo), w, row.Slice(tlo, thi - tlo), variant);
                        }
                        else
                        {
                            for (int t = tlo; t < thi; t++)
                            {
                                row[t] += xrow[t * s + shift] * w;
                            }
                        }
                    }
                }
            }
        }
    }
}
