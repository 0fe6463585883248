using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The channels_first forward kernel, written once over <see cref="IVec{TSelf, T}"/> and specialized per width.
/// <para>Lane layout: lanes run along time in one (batch, output channel) row, 4 vectors per step of the loop. With M of 4
/// or more, <see cref="GroupRows"/> rows of one input channel go together, 2 vectors each, sharing every input load.
/// Stride s &gt; 1 is split into s phases (x[p], x[p+s], ...) copied once per row, so every tap reads a contiguous
/// phase: <c>y[t] += K[j] * phase[(j*d - padLeft) mod s][t + floor((j*d - padLeft) / s)]</c>. Remainder: the widest
/// width, then each narrower width down to 128 bits, then one vector ending at the interior's end (recomputing a few outputs with the same
/// operations), then scalars; the sequence edges are scalar. float32 at stride 1 with M below <see cref="GroupRows"/> takes
/// <see cref="MaskedRows"/> at the 512-bit width instead: masked edge vectors, one loop per row.</para>
/// <para>Per output element the sum is bias, then taps in ascending order, each a fused multiply-add: the same
/// operations as <see cref="ReferenceKernel"/>, so every width and every split of the work gives identical bits.</para>
/// </summary>
internal static partial class ChannelsFirstKernel
{
    /// <summary>Computes output rows [o0, o1) of batch element b (row = one output channel), channels_first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<T, TV>(in Conv1DGeometry g, ref T x, ref T kernel, ref T bias, bool hasBias, ref T y,
        int b, int o0, int o1, Activation? epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int cm = g.OutputChannels, lout = g.OutputLength;
        if (lout == 0 || o1 <= o0)
        {
            return;
        }

        if (typeof(TV) == typeof(V512<float>) && s == 1 && m < GroupRows)
        {
            unsafe
            {
                MaskedRows(g, (float*)Unsafe.AsPointer(ref Unsafe.As<T, float>(ref x)), (float*)Unsafe.AsPointer(ref Unsafe.As<T, float>(ref kernel)),
                    hasBias ? (float*)Unsafe.AsPointer(ref Unsafe.As<T, float>(ref bias)) : null, (float*)Unsafe.AsPointer(ref Unsafe.As<T, float>(ref y)),
                    b, o0, o1, epilogue);
            }

            return;
        }

        // Per tap: which phase it reads and its shift within the phase (s = 1: one phase, the row itself).
        Span<int> phase = k <= 64 ? stackalloc int[k] : new int[k];
        Span<int> shift = k <= 64 ? stackalloc int[k] : new int[k];
        int phaseLen = (l + s - 1) / s;
        int inLo = 0, inHi = lout - 1;
        for (int j = 0; j < k; j++)
        {
            int q = j * d - pl;
            int p = ((q % s) + s) % s;
            phase[j] = p;
            shift[j] = (q - p) / s;
            int len = (l - p + s - 1) / s;
            inLo = Math.Max(inLo, -shift[j]);
            inHi = Math.Min(inHi, len - 1 - shift[j]);
        }

        T[]? phases = s > 1 ? ArrayPool<T>.Shared.Rent(s * phaseLen) : null;
        try
        {
            int lastChannel = -1;
            int interiorStart = Math.Max(inLo, 0);
            nint kStep = (nint)c * m;
            // (ci, mi) = (o / m, o % m), kept up to date as o advances: a division per row costs more than a short row's taps.
            int ci = o0 / m, mi = o0 % m;
            for (int o = o0; o < o1;)
            {
                ref T xrow = ref Unsafe.Add(ref x, ((nint)b * c + ci) * l);
                if (phases is not null && ci != lastChannel)
                {
                    Rearrange.Phases<T>(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref xrow, l), phases, s, phaseLen);
                }

                lastChannel = ci;
                ref T src = ref phases is null ? ref xrow : ref phases[0];
                int srcStride = phases is null ? 0 : phaseLen;
                ref T yrow = ref Unsafe.Add(ref y, ((nint)b * cm + o) * lout);
                ref T kcol = ref Unsafe.Add(ref kernel, (nint)ci * m + mi);

                // Four outputs of one input channel (kernel columns and output rows adjacent) share each input load.
                int rows = TV.Count > 1 && mi + GroupRows <= m && o + GroupRows <= o1 ? GroupRows : 1;
                int done = interiorStart;
                if (rows == GroupRows && inHi >= interiorStart)
                {
                    done = GroupInterior<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, ref bias, hasBias, o, ref yrow, lout,
                        interiorStart, inHi + 1, k);
                }

                for (int r = 0; r < rows; r++)
                {
                    T bv = hasBias ? Unsafe.Add(ref bias, o + r) : T.Zero;
                    RowRest<T, TV>(g, ref xrow, ref src, srcStride, phase, shift, ref Unsafe.Add(ref kcol, r), kStep, bv,
                        ref Unsafe.Add(ref yrow, (nint)r * lout), inLo, inHi, done, epilogue);
                }

                o += rows;
                mi += rows;
                if (mi >= m)
                {
                    mi -= m;
                    ci++;
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

    /// <summary>Output rows <see cref="GroupInterior{T, TV}"/> computes together.</summary>
    private const int GroupRows = 4;

    /// <summary>
    /// One channels_first output row but its interior steps [interiorStart, done), already computed: the edge steps, the
    /// rest of the interior (widest width first, then 128-bit vectors, then scalars), the epilogue.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowRest<T, TV>(in Conv1DGeometry g, ref T xrow, ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift,
        ref T kcol, nint kStep, T bv, ref T yrow, int inLo, int inHi, int done, Activation? epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int lout = g.OutputLength, k = g.KernelSize;
        int interiorStart = Math.Max(inLo, 0);
        Edge(g, ref xrow, ref kcol, kStep, bv, ref yrow, 0, Math.Min(lout, interiorStart));
        int t = done, end = inHi + 1, interiorLength = end - interiorStart;

        // Each width only where it has work: a vector fits the interior (a width runs a last vector back from the end,
        // overlapping). On short rows the calls cost more than the taps.
        if (t < end && interiorLength >= TV.Count)
        {
            t = Interior<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, end, k, interiorStart);
        }

        if (TV.Count > V256<T>.Count && t < end && interiorLength >= V256<T>.Count)
        {
            t = Interior<T, V256<T>>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, end, k, interiorStart);
        }

        if (TV.Count > V128<T>.Count && t < end && interiorLength >= V128<T>.Count)
        {
            t = Interior<T, V128<T>>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, end, k, interiorStart);
        }

        if (t < end)
        {
            t = Interior<T, S<T>>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, end, k, interiorStart);
        }

        Edge(g, ref xrow, ref kcol, kStep, bv, ref yrow, Math.Max(t, 0), lout);
        if (epilogue is not null)
        {
            var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref yrow, lout);
            epilogue.Forward<T>(span, span, lout);
        }
    }

    /// <summary>
    /// Interior steps from t, 2 vectors at a time, of <see cref="GroupRows"/> output rows that read the same input row (one
    /// input channel, multipliers mi .. mi + 3: kernel columns <c>kcol + r</c>, output rows <c>yrow + r * lout</c>, bias
    /// <c>bias[o + r]</c>). Each tap loads 2 input vectors and 4 broadcast kernel values for 8 multiply-adds, where one
    /// row at a time loads 5 for 4: 0.75 loads per multiply-add instead of 1.25. 8 accumulators + 4 kernel values + 2
    /// inputs fit the 16 registers of AVX2. Lane layout: lanes run along time. Per output: bias, then taps ascending,
    /// fused: same bits as <see cref="Interior{T, TV}"/>. Returns where it stopped (fewer than 2 vectors before end).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int GroupInterior<T, TV>(ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift, ref T kcol, nint kStep,
        ref T bias, bool hasBias, int o, ref T yrow, int lout, int t, int end, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int w = TV.Count;
        TV b0 = TV.Create(hasBias ? Unsafe.Add(ref bias, o) : T.Zero);
        TV b1 = TV.Create(hasBias ? Unsafe.Add(ref bias, o + 1) : T.Zero);
        TV b2 = TV.Create(hasBias ? Unsafe.Add(ref bias, o + 2) : T.Zero);
        TV b3 = TV.Create(hasBias ? Unsafe.Add(ref bias, o + 3) : T.Zero);
        nint r1 = lout, r2 = 2 * (nint)lout, r3 = 3 * (nint)lout;
        for (; t + 2 * w <= end; t += 2 * w)
        {
            TV a0 = b0, c0 = b0, a1 = b1, c1 = b1, a2 = b2, c2 = b2, a3 = b3, c3 = b3;
            nint ko = 0;
            for (int j = 0; j < k; j++)
            {
                nint xo = (nint)phase[j] * srcStride + shift[j] + t;
                TV x0 = TV.Load(ref src, xo);
                TV x1 = TV.Load(ref src, xo + w);
                TV w0 = TV.Create(Unsafe.Add(ref kcol, ko));
                a0 = TV.Fma(x0, w0, a0);
                c0 = TV.Fma(x1, w0, c0);
                TV w1 = TV.Create(Unsafe.Add(ref kcol, ko + 1));
                a1 = TV.Fma(x0, w1, a1);
                c1 = TV.Fma(x1, w1, c1);
                TV w2 = TV.Create(Unsafe.Add(ref kcol, ko + 2));
                a2 = TV.Fma(x0, w2, a2);
                c2 = TV.Fma(x1, w2, c2);
                TV w3 = TV.Create(Unsafe.Add(ref kcol, ko + 3));
                a3 = TV.Fma(x0, w3, a3);
                c3 = TV.Fma(x1, w3, c3);
                ko += kStep;
            }

            TV.Store(a0, ref yrow, t);
            TV.Store(c0, ref yrow, t + w);
            TV.Store(a1, ref yrow, r1 + t);
            TV.Store(c1, ref yrow, r1 + t + w);
            TV.Store(a2, ref yrow, r2 + t);
            TV.Store(c2, ref yrow, r2 + t + w);
            TV.Store(a3, ref yrow, r3 + t);
            TV.Store(c3, ref yrow, r3 + t + w);
        }

        return t;
    }

    /// <summary>Interior steps [t, end) of one row: 4 vectors of steps per loop, then single vectors. Returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Interior<T, TV>(ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift, ref T kcol, nint kStep,
        T bias, ref T yrow, int t, int end, int k, int interiorStart)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int w = TV.Count;
        TV bv = TV.Create(bias);
        for (; t + 4 * w <= end; t += 4 * w)
        {
            TV a0 = bv, a1 = bv, a2 = bv, a3 = bv;
            nint ko = 0;
            for (int j = 0; j < k; j++)
            {
                TV wv = TV.Create(Unsafe.Add(ref kcol, ko));
                nint xo = (nint)phase[j] * srcStride + shift[j] + t;
                a0 = TV.Fma(TV.Load(ref src, xo), wv, a0);
                a1 = TV.Fma(TV.Load(ref src, xo + w), wv, a1);
                a2 = TV.Fma(TV.Load(ref src, xo + 2 * w), wv, a2);
                a3 = TV.Fma(TV.Load(ref src, xo + 3 * w), wv, a3);
                ko += kStep;
            }

            TV.Store(a0, ref yrow, t);
            TV.Store(a1, ref yrow, t + w);
            TV.Store(a2, ref yrow, t + 2 * w);
            TV.Store(a3, ref yrow, t + 3 * w);
        }

        for (; t + w <= end; t += w)
        {
            OneVector<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, k);
        }

        // Remainder: one vector ending at `end`, overlapping steps already done; they are recomputed with the same
        // operations, so the bits do not change. Only when the vector stays inside the interior.
        if (t < end && TV.Count > 1 && end - w >= interiorStart)
        {
            OneVector<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, end - w, k);
            t = end;
        }

        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneVector<T, TV>(ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift, ref T kcol, nint kStep,
        TV bv, ref T yrow, int t, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        TV a0 = bv;
        nint ko = 0;
        for (int j = 0; j < k; j++)
        {
            a0 = TV.Fma(TV.Load(ref src, (nint)phase[j] * srcStride + shift[j] + t), TV.Create(Unsafe.Add(ref kcol, ko)), a0);
            ko += kStep;
        }

        TV.Store(a0, ref yrow, t);
    }

    /// <summary>Steps [t0, t1) of one row with per-step valid tap ranges (sequence edges), scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Edge<T>(in Conv1DGeometry g, ref T xrow, ref T kcol, nint kStep, T bias, ref T yrow, int t0, int t1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        for (int t = t0; t < t1; t++)
        {
            int start = t * s - pl;
            var (jlo, jhi) = g.ValidTaps(start);
            T acc = bias;
            for (int j = jlo; j < jhi; j++)
            {
                acc = T.FusedMultiplyAdd(Unsafe.Add(ref xrow, start + j * d), Unsafe.Add(ref kcol, j * kStep), acc);
            }

            Unsafe.Add(ref yrow, t) = acc;
        }
    }
}
