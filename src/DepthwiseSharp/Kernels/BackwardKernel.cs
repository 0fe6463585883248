using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The vectorized gradients of <c>z = conv(x, K) + b</c> given <c>dz</c>.
/// <para>Input gradient: a transposed depthwise convolution written as a gather, so every dx element is written by one
/// (batch, position) task: <c>dx[l] = sum_j dz[(l + padLeft - j*d) / s] * K[j]</c> over the taps whose quotient is exact
/// and in range.</para>
/// <para>Kernel and bias gradients are reductions over (batch, time). Each batch element's partial sum is formed in a
/// fixed order, and the partials are added in batch order, so the result does not depend on how batch elements are
/// spread over threads.</para>
/// <para>Lanes: channels_last runs lanes across the C*M output channels of one step (M &gt; 1 repeats each input value M
/// times first); channels_first runs lanes along time. Remainders as in <see cref="VectorOps"/>.</para>
/// </summary>
internal static class BackwardKernel
{
    public static void Input<T>(in Conv1DGeometry g, ReadOnlySpan<T> dz, ReadOnlySpan<T> kernel, Span<T> dx, KernelVariant variant,
        int maxDegree = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (variant == KernelVariant.Scalar)
        {
            ReferenceBackward.Input(g, dz, kernel, dx);
            return;
        }

        // Every dx element belongs to one (batch, position or channel) task: the split never changes a result.
        unsafe
        {
            fixed (T* pz = dz)
            fixed (T* pk = kernel)
            fixed (T* px = dx)
            {
                var job = new BackwardJob<T>(g, null, pz, pk, px, null, null, variant, forInput: true);
                long work = (long)g.OutputCount * g.KernelSize;
                ParallelChunks.Run(job, g.Batch, work < 2 * DepthwiseKernel.MinChunkWork ? 1 : maxDegree);
            }
        }
    }

    public static void KernelAndBias<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> dz, Span<T> dkernel, Span<T> dbias,
        KernelVariant variant, int maxDegree = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (variant == KernelVariant.Scalar)
        {
            ReferenceBackward.Kernel(g, x, dz, dkernel);
            if (!dbias.IsEmpty)
            {
                ReferenceBackward.Bias(g, dz, dbias);
            }

            return;
        }

        dkernel.Clear();
        dbias.Clear();
        int kc = g.KernelCount, cm = g.OutputChannels;

        // One partial (kernel, bias) per batch element, added in batch order afterwards: the same sums for any thread count.
        T[] partials = ArrayPool<T>.Shared.Rent(Math.Max(1, g.Batch * (kc + cm)));
        try
        {
            unsafe
            {
                fixed (T* px = x)
                fixed (T* pz = dz)
                fixed (T* pp = partials)
                {
                    var job = new BackwardJob<T>(g, px, pz, null, null, pp, dbias.IsEmpty ? null : pp, variant, forInput: false);
                    long work = (long)g.OutputCount * g.KernelSize;
                    ParallelChunks.Run(job, g.Batch, work < 2 * DepthwiseKernel.MinChunkWork ? 1 : maxDegree);
                }
            }

            for (int b = 0; b < g.Batch; b++)
            {
                TensorPrimitives.Add(dkernel, partials.AsSpan(b * (kc + cm), kc), dkernel);
                if (!dbias.IsEmpty)
                {
                    TensorPrimitives.Add(dbias, partials.AsSpan(b * (kc + cm) + kc, cm), dbias);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partials);
        }
    }

    private sealed unsafe class BackwardJob<T>(Conv1DGeometry g, T* x, T* dz, T* kernel, T* dx, T* partials, T* withBias,
        KernelVariant variant, bool forInput) : IChunkBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int b)
        {
            if (forInput)
            {
                InputBatch<T>(g, b, new ReadOnlySpan<T>(dz, g.OutputCount), new ReadOnlySpan<T>(kernel, g.KernelCount),
                    new Span<T>(dx, g.InputCount), variant);
                return;
            }

            int kc = g.KernelCount, cm = g.OutputChannels;
            var pk = new Span<T>(partials + (nint)b * (kc + cm), kc);
            var pb = withBias is null ? default : new Span<T>(partials + (nint)b * (kc + cm) + kc, cm);
            T[]? expanded = g.DataFormat == DataFormat.ChannelsLast && g.DepthMultiplier > 1 ? ArrayPool<T>.Shared.Rent(g.Length * cm) : null;
            try
            {
                KernelBatch<T>(g, b, new ReadOnlySpan<T>(x, g.InputCount), new ReadOnlySpan<T>(dz, g.OutputCount), pk, pb, expanded, variant);
            }
            finally
            {
                if (expanded is not null)
                {
                    ArrayPool<T>.Shared.Return(expanded);
                }
            }
        }
    }

    /// <summary>dx of one batch element (all positions, all channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InputBatch<T>(in Conv1DGeometry g, int b, ReadOnlySpan<T> dz, ReadOnlySpan<T> kernel, Span<T> dx, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        if (g.DataFormat == DataFormat.ChannelsLast)
        {
            T[]? tmp = m > 1 ? ArrayPool<T>.Shared.Rent(cm) : null;
            try
            {
                for (int pos = 0; pos < l; pos++)
                {
                    Span<T> row = dx.Slice((b * l + pos) * c, c);
                    Span<T> acc = tmp is null ? row : tmp.AsSpan(0, cm);
                    acc.Clear();
                    for (int j = 0; j < k; j++)
                    {
                        int num = pos + pl - j * d;
                        if (num < 0)
                        {
                            break;
                        }

                        int t = num / s;
                        if (t * s != num || t >= lout)
                        {
                            continue;
                        }

                        VectorOps.MultiplyAdd(dz.Slice((b * lout + t) * cm, cm), kernel.Slice(j * cm, cm), acc, variant);
                    }

                    if (tmp is not null)
                    {
                        for (int ci = 0; ci < c; ci++)
                        {
                            row[ci] = TensorPrimitives.Sum<T>(acc.Slice(ci * m, m));
                        }
                    }
                }
            }
            finally
            {
                if (tmp is not null)
                {
                    ArrayPool<T>.Shared.Return(tmp);
                }
            }

            return;
        }

        // Stride s > 1: dx[t*s + shift] lands in phase (shift mod s) at t + floor(shift / s); accumulate contiguous
        // phases, then interleave them back into the row.
        int phaseLen = (l + s - 1) / s;
        T[]? phases = s > 1 ? ArrayPool<T>.Shared.Rent(s * phaseLen) : null;
        try
        {
            for (int ci = 0; ci < c; ci++)
            {
                Span<T> row = dx.Slice((b * c + ci) * l, l);
                Span<T> acc = phases is null ? row : phases.AsSpan(0, s * phaseLen);
                acc.Clear();
                for (int mi = 0; mi < m; mi++)
                {
                    ReadOnlySpan<T> zrow = dz.Slice((b * cm + ci * m + mi) * lout, lout);
                    for (int j = 0; j < k; j++)
                    {
                        T w = kernel[(j * c + ci) * m + mi];
                        int shift = j * d - pl;
                        int tlo = shift >= 0 ? 0 : (-shift + s - 1) / s;
                        int thi = l - 1 - shift < 0 ? 0 : Math.Min(lout, (l - 1 - shift) / s + 1);
                        if (thi <= tlo)
                        {
                            continue;
                        }

                        int p = ((shift % s) + s) % s;
                        int start = p * phaseLen + tlo + (shift - p) / s;
                        VectorOps.MultiplyAddScalar(zrow.Slice(tlo, thi - tlo), w, acc.Slice(start, thi - tlo), variant);
                    }
                }

                if (phases is not null)
                {
                    Rearrange.Interleave<T>(phases.AsSpan(0, s * phaseLen), row, s, phaseLen);
                }
            }
        }
        finally
        {
            if (phases is not null)
            {
                ArrayPool<T>.Shared.Return(phases);
            }
        }
    }

    /// <summary>One batch element's partial kernel (and bias) gradient, overwriting <paramref name="pk"/> and <paramref name="pb"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void KernelBatch<T>(in Conv1DGeometry g, int b, ReadOnlySpan<T> x, ReadOnlySpan<T> dz, Span<T> pk, Span<T> pb,
        T[]? expanded, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        pk.Clear();
        pb.Clear();
        if (g.DataFormat == DataFormat.ChannelsLast)
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
                ReadOnlySpan<T> zrow = dz.Slice((b * lout + t) * cm, cm);
                if (!pb.IsEmpty)
                {
                    TensorPrimitives.Add(pb, zrow, pb);
                }

                int start = t * s - pl;
                int jlo = start >= 0 ? 0 : (-start + d - 1) / d;
                int jhi = start > l - 1 ? 0 : Math.Min(k, (l - 1 - start) / d + 1);
                for (int j = jlo; j < jhi; j++)
                {
                    VectorOps.MultiplyAdd(xs.Slice((start + j * d) * cm, cm), zrow, pk.Slice(j * cm, cm), variant);
                }
            }

            return;
        }

        int phaseLen = (l + s - 1) / s;
        T[]? phases = s > 1 ? ArrayPool<T>.Shared.Rent(s * phaseLen) : null;
        try
        {
            KernelRowsFirst(g, b, x, dz, pk, pb, phases, phaseLen);
        }
        finally
        {
            if (phases is not null)
            {
                ArrayPool<T>.Shared.Return(phases);
            }
        }
    }

    /// <summary>channels_first kernel and bias gradients of one batch element; stride s &gt; 1 reads x through its phases.</summary>
    private static void KernelRowsFirst<T>(in Conv1DGeometry g, int b, ReadOnlySpan<T> x, ReadOnlySpan<T> dz, Span<T> pk, Span<T> pb,
        T[]? phases, int phaseLen)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        for (int ci = 0; ci < c; ci++)
        {
            ReadOnlySpan<T> xrow = x.Slice((b * c + ci) * l, l);
            if (phases is not null)
            {
                Rearrange.Phases<T>(xrow, phases, s, phaseLen);
            }

            ReadOnlySpan<T> src = phases is null ? xrow : phases.AsSpan(0, s * phaseLen);
            for (int mi = 0; mi < m; mi++)
            {
                int o = ci * m + mi;
                ReadOnlySpan<T> zrow = dz.Slice((b * cm + o) * lout, lout);
                if (!pb.IsEmpty)
                {
                    pb[o] = TensorPrimitives.Sum(zrow);
                }

                for (int j = 0; j < k; j++)
                {
                    int shift = j * d - pl;
                    int tlo = shift >= 0 ? 0 : (-shift + s - 1) / s;
                    int thi = l - 1 - shift < 0 ? 0 : Math.Min(lout, (l - 1 - shift) / s + 1);
                    if (thi <= tlo)
                    {
                        continue;
                    }

                    int p = ((shift % s) + s) % s;
                    int start = phases is null ? tlo + shift : p * phaseLen + tlo + (shift - p) / s;
                    pk[(j * c + ci) * m + mi] = TensorPrimitives.Dot(zrow.Slice(tlo, thi - tlo), src.Slice(start, thi - tlo));
                }
            }
        }
    }
}
