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
/// <para>Every variant, the scalar one included, runs the same loops, and each sum has one order whatever the width (lanes
/// across channels sum each channel in time order; the channels_first reductions use <see cref="VectorOps.Dot{T}"/>'s
/// fixed lanes), so the gradients are the same bits on every machine, SIMD width and thread count.</para>
/// </summary>
internal static class BackwardKernel
{
    public static void Input<T>(in Conv1DGeometry g, ReadOnlySpan<T> dz, ReadOnlySpan<T> kernel, Span<T> dx, KernelVariant variant,
        int maxDegree = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Every dx element belongs to one (batch, position or channel) task: the split never changes a result.
        unsafe
        {
            fixed (T* pz = dz)
            fixed (T* pk = kernel)
            fixed (T* px = dx)
            {
                var job = new BackwardJob<T>(g, null, pz, pk, px, null, null, variant, forInput: true);
                long work = (long)g.OutputCount * g.KernelSize;
                ParallelChunks.Run(job, g.Batch, ForwardPolicy.MaxDegreeFor(work, maxDegree));
            }
        }
    }

    public static void KernelAndBias<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> dz, Span<T> dkernel, Span<T> dbias,
        KernelVariant variant, int maxDegree = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
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
                    ParallelChunks.Run(job, g.Batch, ForwardPolicy.MaxDegreeFor(work, maxDegree));
                }
            }

            for (int b = 0; b < g.Batch; b++)
            {
                VectorOps.Add<T>(partials.AsSpan(b * (kc + cm), kc), dkernel, variant);
                if (!dbias.IsEmpty)
                {
                    VectorOps.Add<T>(partials.AsSpan(b * (kc + cm) + kc, cm), dbias, variant);
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
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// channels_last dx for stride 1, as a gather: <c>dx[l] = sum_j dz[l + padLeft - j*d] * K[j]</c> over the taps whose
    /// step is in range. It is the forward kernel's channel loop walking dz backwards (tap step -d rows), 4 vectors of
    /// channels in registers per position; with M &gt; 1 the C*M sums are then added in groups of M.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputRowsLast<T, TV>(in Conv1DGeometry g, int b, ReadOnlySpan<T> dz, ReadOnlySpan<T> kernel, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        T[]? tmp = m > 1 ? ArrayPool<T>.Shared.Rent(cm) : null;
        try
        {
            ref T dzb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dz.Slice(b * lout * cm));
            ref T k0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(kernel);
            for (int pos = 0; pos < l; pos++)
            {
                Span<T> row = dx.Slice((b * l + pos) * c, c);
                Span<T> acc = tmp is null ? row : tmp.AsSpan(0, cm);
                int num = pos + pl;
                int jlo = num - (lout - 1) <= 0 ? 0 : (num - (lout - 1) + d - 1) / d;
                int jhi = Math.Min(k - 1, num / d);
                if (jhi < jlo)
                {
                    acc.Clear();
                }
                else
                {
                    ChannelsLastKernel.Channels<T, TV>(ref Unsafe.Add(ref dzb, (nint)(num - jlo * d) * cm), ref Unsafe.Add(ref k0, (nint)jlo * cm),
                        ref Unsafe.NullRef<T>(), false, ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc), 0, cm, jhi - jlo + 1,
                        -(nint)d * cm, cm);
                }

                if (tmp is not null)
                {
                    SumGroups<T>(acc, row, m, KernelVariants.Of<TV>());
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
    }

    /// <summary>
    /// <c>row[c] = sum of acc[c*m .. c*m + m)</c>; <paramref name="acc"/> is scratch and is overwritten. M a power of two:
    /// a pairwise tree (adjacent pairs, then pairs of those: vectorized by <see cref="VectorOps.AddAdjacentPairs{T}"/>);
    /// other M: left to right (a call per group costs more than the adds). Either way the order is fixed by M alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumGroups<T>(Span<T> acc, Span<T> row, int m, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = Math.Min(row.Length, acc.Length / m);
        if (BitOperations.IsPow2(m))
        {
            for (int width = m; width > 2; width /= 2)
            {
                VectorOps.AddAdjacentPairs<T>(acc, acc.Slice(0, c * width / 2), variant);
            }

            VectorOps.AddAdjacentPairs<T>(acc, row.Slice(0, c), variant);
            return;
        }

        ref T a = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
        ref T r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
        for (int ci = 0; ci < c; ci++)
        {
            ref T g = ref Unsafe.Add(ref a, ci * m);
            T sum = g;
            for (int j = 1; j < m; j++)
            {
                sum += Unsafe.Add(ref g, j);
            }

            Unsafe.Add(ref r, ci) = sum;
        }
    }

    /// <summary>dx of one batch element (all positions, all channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InputBatch<T>(in Conv1DGeometry g, int b, ReadOnlySpan<T> dz, ReadOnlySpan<T> kernel, Span<T> dx, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        if (g.DataFormat == DataFormat.ChannelsLast && s == 1)
        {
            // Every width, the scalar one included, runs this one loop, so each dx is the same chain of fused multiply-adds.
            switch (variant)
            {
                case KernelVariant.Vector512:
                    InputRowsLast<T, V512<T>>(g, b, dz, kernel, dx);
                    break;
                case KernelVariant.Vector256:
                    InputRowsLast<T, V256<T>>(g, b, dz, kernel, dx);
                    break;
                case KernelVariant.Vector128:
                    InputRowsLast<T, V128<T>>(g, b, dz, kernel, dx);
                    break;
                default:
                    InputRowsLast<T, S<T>>(g, b, dz, kernel, dx);
                    break;
            }

            return;
        }

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
                        SumGroups<T>(acc, row, m, variant);
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
                        var (tlo, thi) = TapOutputs(shift, s, l, lout);
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
                Rearrange.Repeat<T>(xs, expanded.AsSpan(0, l * cm), m);
                xs = expanded.AsSpan(0, l * cm);
            }

            switch (variant)
            {
                case KernelVariant.Vector512:
                    KernelRowsLast<T, V512<T>>(g, b, xs, dz, pk, pb);
                    break;
                case KernelVariant.Vector256:
                    KernelRowsLast<T, V256<T>>(g, b, xs, dz, pk, pb);
                    break;
                case KernelVariant.Vector128:
                    KernelRowsLast<T, V128<T>>(g, b, xs, dz, pk, pb);
                    break;
                default:
                    KernelRowsLast<T, S<T>>(g, b, xs, dz, pk, pb);
                    break;
            }

            return;
        }

        int phaseLen = (l + s - 1) / s;
        T[]? phases = s > 1 ? ArrayPool<T>.Shared.Rent(s * phaseLen) : null;
        try
        {
            KernelRowsFirst(g, b, x, dz, pk, pb, phases, phaseLen, variant);
        }
        finally
        {
            if (phases is not null)
            {
                ArrayPool<T>.Shared.Return(phases);
            }
        }
    }

    /// <summary>Output steps per block of the channels_last kernel-gradient reduction (fixed, so sums never depend on threads).</summary>
    private const int KernelBlockRows = 16;

    /// <summary>
    /// channels_last kernel and bias gradients of one batch element: for each block of <see cref="KernelBlockRows"/>
    /// steps and each tap j, <c>dK[j, :] += sum_t x[t*s + j*d - padLeft, :] * dz[t, :]</c> with 4 vectors of channels held
    /// in registers over the block (one read-modify-write of dK per block instead of one per step); <paramref name="xs"/>
    /// is the batch element's input, repeated M times when M &gt; 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowsLast<T, TV>(in Conv1DGeometry g, int b, ReadOnlySpan<T> xs, ReadOnlySpan<T> dz, Span<T> pk, Span<T> pb)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int l = g.Length, k = g.KernelSize, s = g.Stride, d = g.Dilation;
        int pl = g.PadLeft, lout = g.OutputLength, cm = g.OutputChannels;
        ref T x0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(xs);
        ref T z0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dz.Slice(b * lout * cm));
        ref T k0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pk);
        for (int t0 = 0; t0 < lout; t0 += KernelBlockRows)
        {
            int t1 = Math.Min(lout, t0 + KernelBlockRows);
            if (!pb.IsEmpty)
            {
                for (int t = t0; t < t1; t++)
                {
                    VectorOps.Add<T>(dz.Slice((b * lout + t) * cm, cm), pb, KernelVariants.Of<TV>());
                }
            }

            for (int j = 0; j < k; j++)
            {
                // Steps of this block whose source t*s + j*d - pl lies in [0, l).
                int q = j * d - pl;
                int tlo = Math.Max(t0, q >= 0 ? 0 : (-q + s - 1) / s);
                int thi = Math.Min(t1, l - 1 - q < 0 ? 0 : (l - 1 - q) / s + 1);
                if (thi > tlo)
                {
                    SumColumns<T, TV>(ref Unsafe.Add(ref x0, (nint)(tlo * s + q) * cm), (nint)s * cm, ref Unsafe.Add(ref z0, (nint)tlo * cm), cm,
                        thi - tlo, ref Unsafe.Add(ref k0, (nint)j * cm), cm);
                }
            }
        }
    }

    /// <summary><c>dst[c] += sum_{r&lt;rows} a[r*aStep + c] * z[r*zStep + c]</c> for c &lt; cm: 4 vectors at a time, then narrower widths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumColumns<T, TV>(ref T a, nint aStep, ref T z, nint zStep, int rows, ref T dst, int cm)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int c0 = SumColumnsAt<T, TV>(ref a, aStep, ref z, zStep, rows, ref dst, 0, cm);
        if (TV.Count > V256<T>.Count && c0 < cm)
        {
            c0 = SumColumnsAt<T, V256<T>>(ref a, aStep, ref z, zStep, rows, ref dst, c0, cm);
        }

        if (TV.Count > V128<T>.Count && c0 < cm)
        {
            c0 = SumColumnsAt<T, V128<T>>(ref a, aStep, ref z, zStep, rows, ref dst, c0, cm);
        }

        if (TV.Count > 1 && c0 < cm)
        {
            SumColumnsAt<T, S<T>>(ref a, aStep, ref z, zStep, rows, ref dst, c0, cm);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SumColumnsAt<T, TV>(ref T a, nint aStep, ref T z, nint zStep, int rows, ref T dst, int c0, int cm)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int w = TV.Count;
        TV zero = TV.Create(T.Zero);
        for (; c0 + 4 * w <= cm; c0 += 4 * w)
        {
            TV s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            // Offsets, not advancing refs: a ref stepped past the last row could point outside the array.
            nint ao = c0, zo = c0;
            for (int r = 0; r < rows; r++)
            {
                s0 = TV.Fma(TV.Load(ref a, ao), TV.Load(ref z, zo), s0);
                s1 = TV.Fma(TV.Load(ref a, ao + w), TV.Load(ref z, zo + w), s1);
                s2 = TV.Fma(TV.Load(ref a, ao + 2 * w), TV.Load(ref z, zo + 2 * w), s2);
                s3 = TV.Fma(TV.Load(ref a, ao + 3 * w), TV.Load(ref z, zo + 3 * w), s3);
                ao += aStep;
                zo += zStep;
            }

            TV.Store(TV.Fma(s0, TV.Create(T.One), TV.Load(ref dst, c0)), ref dst, c0);
            TV.Store(TV.Fma(s1, TV.Create(T.One), TV.Load(ref dst, c0 + w)), ref dst, c0 + w);
            TV.Store(TV.Fma(s2, TV.Create(T.One), TV.Load(ref dst, c0 + 2 * w)), ref dst, c0 + 2 * w);
            TV.Store(TV.Fma(s3, TV.Create(T.One), TV.Load(ref dst, c0 + 3 * w)), ref dst, c0 + 3 * w);
        }

        for (; c0 + w <= cm; c0 += w)
        {
            TV s0 = zero;
            nint ao = c0, zo = c0;
            for (int r = 0; r < rows; r++)
            {
                s0 = TV.Fma(TV.Load(ref a, ao), TV.Load(ref z, zo), s0);
                ao += aStep;
                zo += zStep;
            }

            TV.Store(TV.Fma(s0, TV.Create(T.One), TV.Load(ref dst, c0)), ref dst, c0);
        }

        return c0;
    }

    /// <summary>channels_first kernel and bias gradients of one batch element; stride s &gt; 1 reads x through its phases.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowsFirst<T>(in Conv1DGeometry g, int b, ReadOnlySpan<T> x, ReadOnlySpan<T> dz, Span<T> pk, Span<T> pb,
        T[]? phases, int phaseLen, KernelVariant variant)
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
                    pb[o] = VectorOps.Sum<T>(zrow, variant);
                }

                for (int j = 0; j < k; j++)
                {
                    int shift = j * d - pl;
                    var (tlo, thi) = TapOutputs(shift, s, l, lout);
                    if (thi <= tlo)
                    {
                        continue;
                    }

                    int p = ((shift % s) + s) % s;
                    int start = phases is null ? tlo + shift : p * phaseLen + tlo + (shift - p) / s;
                    pk[(j * c + ci) * m + mi] = VectorOps.Dot<T>(zrow.Slice(tlo, thi - tlo), src.Slice(start, thi - tlo), variant);
                }
            }
        }
    }

    /// <summary>
    /// The output steps [tlo, thi) at which a tap reading input <c>t * s + shift</c> lands inside the sequence of length
    /// <paramref name="l"/> (the others read padding); empty when thi &lt;= tlo.
    /// </summary>
    private static (int Tlo, int Thi) TapOutputs(int shift, int s, int l, int lout) =>
        (shift >= 0 ? 0 : (-shift + s - 1) / s, l - 1 - shift < 0 ? 0 : Math.Min(lout, (l - 1 - shift) / s + 1));
}
