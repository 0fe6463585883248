using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The fused 16-bit channels_first kernel (strides 1 and 2; bfloat16 or float16 by <typeparamref name="TL"/>): reads 16-bit
/// input rows and writes 16-bit output rows with every product and sum in float32, widening in registers and rounding each
/// output once, with no float32 copy of either.
/// <para>Lane layout: a group is 32 consecutive outputs of one row, held as two float32 vectors, E (outputs t, t + 2, ...,
/// t + 30) and O (t + 1, ..., t + 31). One 64-byte load of 32 input values, viewed as 16 32-bit lanes, widens as two
/// vectors: the lanes' lower values (<see cref="IHalfLanes.Low"/>) and their upper values (<see cref="IHalfLanes.High"/>).
/// With dilation 1 the load starting one value before E's first input gives E's inputs for a tap as its upper values,
/// and the next tap's load gives O's, which are E's for the tap after: k + 1 loads serve k taps. With larger dilations
/// one load starting at E's input serves both, E's values the lower ones and O's the upper. The results are rounded and
/// interleaved back into one 64-byte store (<see cref="IHalfLanes.Interleave"/>). Groups go four at a time (8
/// accumulators: a multiply-add's result waits 4 cycles for the next tap, so 4 chains left multiply-add slots idle), then
/// two, then one, a tap's broadcast weight shared by the block's vectors; the row's last whole group may overlap the one before it
/// (recomputing a few outputs with the same operations). Stride 2 needs no split: the upper values of a load's lanes are
/// every other input, one output's per lane (<see cref="StridedBlock{TN}"/>). Remainder: at stride 1 a row's groups lie on
/// a grid from step 0, and those holding outputs whose taps reach the padding, or the first interior output (the early
/// load must stay inside the row), are masked groups (<see cref="MaskedGroup"/>: masked loads straight from the row, each
/// tap kept only in the lanes whose input is inside it), the row's last one ending at its end; at stride 2 the ends go
/// one output at a time over their valid taps.</para>
/// <para>float16 rows at stride 1 and dilation 2 or more take <see cref="Staged"/> for the interior instead: each chunk's
/// inputs widened once into a float32 stage, each tap a multiply-add with its operand loaded from the stage, the outputs in
/// natural order (two vectors of 16 per group, packed into one store).</para>
/// <para>float16 rows of a call whose taps and bias are all finite are computed with <see cref="FiniteHalfLanes"/>, then the input row
/// (in cache by then) is checked, and a row holding an infinity or NaN is computed again with <see cref="HalfLanes"/>.</para>
/// <para>Per output: bias (or zero), then the valid taps ascending, each a fused multiply-add in float32, then one
/// rounding: the operations of <see cref="ReferenceKernel"/> on the widened values, so the bits equal the tiled path's
/// for every width and thread count.</para>
/// </summary>
/// <typeparam name="TL">The 16-bit type's conversions (<see cref="BFloat16Lanes"/>, <see cref="HalfLanes"/>, <see cref="FiniteHalfLanes"/>).</typeparam>
internal static class HalfChannelsFirstKernel<TL>
    where TL : struct, IHalfLanes
{
    /// <summary>Outputs per group: one 64-byte line of 16-bit values.</summary>
    private const int Group = 32;

    /// <summary>
    /// Output rows [o0, o1) of batch element b (row = one output channel, reading input channel o / M). x, y and the kernel
    /// (k, C, M) are 16-bit bits, the bias (C*M, or a null ref) float32. Strides 1 and 2 (see <see cref="ForwardPolicy.HalfFusedPays{TH}"/>).
    /// <paramref name="finiteTaps"/>: the call's taps and bias are all finite (float16 rows may then take the finite lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(in Conv1DGeometry g, ref ushort x, ref ushort kernel, ref float bias, bool hasBias, ref ushort y, int b, int o0, int o1,
        bool finiteTaps)
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int cm = g.OutputChannels, lout = g.OutputLength;

        // Outputs whose taps are all inside the row: [lo, hi). The vector groups also need the value before each load's
        // first one inside the row: they start where t * s > pl.
        int lo = Math.Min(lout, (pl + s - 1) / s);
        int last = l - 1 + pl - (k - 1) * d;
        int hi = last < 0 ? lo : Math.Clamp(last / s + 1, lo, lout);
        int a = Math.Min(hi, Math.Max(lo, pl / s + 1));
        // The row's taps widened once: on the stack, or for more than 64 taps a pooled array (no allocation per call).
        float[]? pooled = k > 64 ? ArrayPool<float>.Shared.Rent(2 * k) : null;
        Span<float> taps = pooled is null ? stackalloc float[2 * k] : pooled.AsSpan(0, 2 * k);
        // w: the true taps; scaled: times FiniteHalfLanes.TapScale, for the rows the finite lanes compute.
        Span<float> w = taps[..k], scaled = taps[k..];
        // float16 at stride 1 and dilation 2 or more, with a reach the stage holds: the interior goes through a float32
        // stage (Staged).
        long reach = (long)(k - 1) * d;
        bool staged = typeof(TL) == typeof(HalfLanes) && s == 1 && d >= StageMinDilation && reach <= StageReach;
        Span<float> stage = stackalloc float[staged ? StageOutputs + Group + (int)reach : 0];
        try
        {
            for (int o = o0; o < o1; o++)
            {
                ref ushort xr = ref Unsafe.Add(ref x, ((nint)b * c + o / m) * l);
                ref ushort yr = ref Unsafe.Add(ref y, ((nint)b * cm + o) * lout);
                bool finiteRow = typeof(TL) == typeof(HalfLanes) && finiteTaps;
                for (int j = 0; j < k; j++)
                {
                    w[j] = TL.Widen(Unsafe.Add(ref kernel, (nint)j * cm + o));
                    if (finiteRow)
                    {
                        scaled[j] = w[j] * FiniteHalfLanes.TapScale;
                    }
                }

                float b0 = hasBias ? Unsafe.Add(ref bias, o) : 0f;

                // float16 with finite taps and bias: the row is computed with the finite lanes, then its input, in cache
                // by now, is checked; a row with an infinity or NaN is computed again with the exact lanes.
                if (finiteRow)
                {
                    HalfChannelsFirstKernel<FiniteHalfLanes>.Row(ref xr, scaled, b0, ref yr, l, lout, s, d, pl, a, hi, stage);
                    if (FiniteHalfLanes.AllFinite(MemoryMarshal.CreateReadOnlySpan(ref xr, l)))
                    {
                        continue;
                    }
                }

                Row(ref xr, w, b0, ref yr, l, lout, s, d, pl, a, hi, stage);
            }
        }
        finally
        {
            if (pooled is not null)
            {
                ArrayPool<float>.Shared.Return(pooled);
            }
        }
    }

    /// <summary>
    /// One output row from its input row <paramref name="xr"/> and widened taps <paramref name="w"/>: [a, hi) every tap
    /// inside the row (and, at stride 1, the input before each group's first one). Stride 1: groups on a grid from step 0,
    /// masked where they reach outside [a, hi) (<see cref="MaskedEnds"/>); stride 2: the ends one output at a time.
    /// <paramref name="stage"/>: float16's float32 stage for the interior (<see cref="Staged"/>), or empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(ref ushort xr, ReadOnlySpan<float> w, float b0, ref ushort yr, int l, int lout, int s, int d, int pl, int a, int hi,
        Span<float> stage)
    {
        if (s == 1)
        {
            MaskedEnds(ref xr, l, w, b0, ref yr, lout, d, pl, a, hi, stage);
            return;
        }

        Scalars(ref xr, l, w, b0, ref yr, 0, a, s, d, pl);
        int t = hi - a < Group ? a : Groups<Strided>(ref xr, w, b0, ref yr, a, hi, d, pl);
        Scalars(ref xr, l, w, b0, ref yr, t, lout, s, d, pl);
    }

    /// <summary>
    /// Stride 1: one row. An end of the row (outputs before <paramref name="a"/>, from <paramref name="hi"/> on) holding at
    /// least <see cref="MaskedEndMinTaps"/> taps (outputs times k) goes in masked groups (<see cref="MaskedGroup"/>) on a
    /// grid from step 0 (the left end) or anchored at the row's end (the right end), which also take the interior outputs
    /// up to the grid's next line; a shorter end goes one output at a time. The plain groups between take
    /// <see cref="Groups{TB}"/> (or <see cref="Staged"/>). A row whose interior left between the ends is shorter than a
    /// group is masked groups only, its last group ending at the row's end (or, below one group, storing its outputs
    /// only). Outputs computed twice where groups overlap take the same operations, so the same bits. Not inlined into
    /// <see cref="Row"/>: inlined, bfloat16 rows doing the same operations took 2.4 us instead of 1.9-2.0 on 1x128x64 k3
    /// valid.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaskedEnds(ref ushort xr, int l, ReadOnlySpan<float> w, float b0, ref ushort yr, int lout, int d, int pl, int a, int hi,
        Span<float> stage)
    {
        // The row pointers (the fused kernels' buffers are pinned): a masked group's loads may start before the row.
        ushort* xp = (ushort*)Unsafe.AsPointer(ref xr), yp = (ushort*)Unsafe.AsPointer(ref yr);
        int minTaps = MaskedEndMinTaps;
        bool maskLeft = (long)a * w.Length >= minTaps, maskRight = (long)(lout - hi) * w.Length >= minTaps;
        int tl = maskLeft ? (a + Group - 1) / Group * Group : a;
        int tr = maskRight ? lout - (lout - hi + Group - 1) / Group * Group : hi;
        if (tr - tl < Group)
        {
            if (lout < Group && (long)lout * w.Length < minTaps)
            {
                Scalars(ref xr, l, w, b0, ref yr, 0, lout, 1, d, pl);
                return;
            }

            for (int t = 0; t < lout; t += Group)
            {
                MaskedGroup(xp, l, w, b0, yp, lout < Group ? 0 : Math.Min(t, lout - Group), lout, d, pl);
            }

            return;
        }

        if (maskLeft)
        {
            for (int t = 0; t < tl; t += Group)
            {
                MaskedGroup(xp, l, w, b0, yp, t, lout, d, pl);
            }
        }
        else
        {
            Scalars(ref xr, l, w, b0, ref yr, 0, a, 1, d, pl);
        }

        if (stage.IsEmpty)
        {
            Groups<Unstrided>(ref xr, w, b0, ref yr, tl, tr, d, pl);
        }
        else
        {
            Staged(ref xr, w, b0, ref yr, tl, tr, d, pl, stage);
        }

        if (maskRight)
        {
            for (int t = tr; t < lout; t += Group)
            {
                MaskedGroup(xp, l, w, b0, yp, t, lout, d, pl);
            }
        }
        else
        {
            Scalars(ref xr, l, w, b0, ref yr, hi, lout, 1, d, pl);
        }
    }

    /// <summary>
    /// The fewest taps (outputs times k) at one end of a stride-1 row that take masked groups (<see cref="MaskedEnds"/>)
    /// rather than one output at a time. bfloat16: 16, as a masked group costs about as much as 16 taps one at a time
    /// (its scalar conversions are a shift and a rounding): 1x128x64 k5 causal (4 outputs of 5 taps) 3.6-3.9 -> 3.0 us,
    /// k7 same 5.4 -> 4.5 us, while ends of 3 to 6 taps lost (k3 same 2.6 -> 2.8 us, valid 2.0 -> 2.3). float16: 1, every
    /// end, since its scalar conversions are software (a few ns each way): 1x128x64 k3 same 5.8 -> 4.5 us, 8x500x100 k5
    /// 0.24 -> 0.16-0.21 ms (bench/README.md).
    /// </summary>
    private static int MaskedEndMinTaps => typeof(TL) == typeof(BFloat16Lanes) ? 16 : 1;

    /// <summary>
    /// Stride 1: outputs [t, t + 32) of one row (those below <paramref name="lout"/>), whatever taps reach outside the
    /// row. Laid out as <see cref="Block{TN}"/>'s dilated branch: for each tap one 64-byte load starting at E's first
    /// input, E's inputs the lower values of its 32-bit lanes and O's the upper ones. The load is masked to the values
    /// inside the row (the others are not read: no fault before or after the row), and each multiply-add is kept only in
    /// the lanes whose input is inside: the taps the reference skips are skipped (no 0 * infinity, no +0 added to a -0
    /// sum), so the bits are the reference's. Remainder: a group reaching past the row's end stores its outputs only.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaskedGroup(ushort* xr, int l, ReadOnlySpan<float> w, float bias, ushort* yr, int t, int lout, int d, int pl)
    {
        var length = Vector512.Create((uint)l);
        var oddWords = Vector512.Create(0xFFFF_0000u);
        // E's lane i holds output t + 2i, whose tap j reads input t - pl + 2i + j * d; O's lane the next one.
        var pe = Vector512<int>.Indices * 2 + Vector512.Create(t - pl);
        var e = Vector512.Create(bias);
        var o = e;
        for (int j = 0; j < w.Length; j++)
        {
            var wj = Vector512.Create(w[j]);
            var pj = pe + Vector512.Create(j * d);
            var inE = Vector512.LessThan(pj.AsUInt32(), length);
            var inO = Vector512.LessThan((pj + Vector512<int>.One).AsUInt32(), length);
            var inside = Vector512.ConditionalSelect(oddWords, inO, inE).AsUInt16();
            var v = Avx512BW.MaskLoad(xr + ((nint)t - pl + (nint)j * d), inside, Vector512<ushort>.Zero).AsUInt32();
            e = Vector512.ConditionalSelect(inE.AsSingle(), Vector512.FusedMultiplyAdd(TL.Low(v), wj, e), e);
            o = Vector512.ConditionalSelect(inO.AsSingle(), Vector512.FusedMultiplyAdd(TL.High(v), wj, o), o);
        }

        var line = TL.Interleave(e, o);
        if (t + Group <= lout)
        {
            line.Store(yr + t);
        }
        else
        {
            Avx512BW.MaskStore(yr + t, Vector512.LessThan(Vector512<ushort>.Indices, Vector512.Create((ushort)(lout - t))), line);
        }
    }

    /// <summary>
    /// Outputs [a, hi) of one row (all taps inside the row, a * s &gt; pl, at least one group) in groups of
    /// <see cref="Group"/>, four at a time, then two, then one, then one more ending at hi; returns hi.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Groups<TB>(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int a, int hi, int d, int pl)
        where TB : struct, IGroupBlock
    {
        int t = a;
        for (; t + 4 * Group <= hi; t += 4 * Group)
        {
            TB.Run<Const4>(ref xr, w, bias, ref yr, t, d, pl);
        }

        for (; t + 2 * Group <= hi; t += 2 * Group)
        {
            TB.Run<Const2>(ref xr, w, bias, ref yr, t, d, pl);
        }

        if (t + Group <= hi)
        {
            TB.Run<Const1>(ref xr, w, bias, ref yr, t, d, pl);
            t += Group;
        }

        if (t < hi)
        {
            TB.Run<Const1>(ref xr, w, bias, ref yr, hi - Group, d, pl);
        }

        return hi;
    }

    /// <summary>A block of one, two or four groups for one stride, as a type so that the JIT specializes <see cref="Groups{TB}"/> per stride.</summary>
    private interface IGroupBlock
    {
        /// <summary>Outputs [t, t + 32 * TN) of one row, every tap inside it.</summary>
        static abstract void Run<TN>(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int t, int d, int pl)
            where TN : struct, IConstant;
    }

    /// <summary>Stride 1: <see cref="Block{TN}"/>.</summary>
    private readonly struct Unstrided : IGroupBlock
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run<TN>(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int t, int d, int pl)
            where TN : struct, IConstant => Block<TN>(ref xr, w, bias, ref yr, t, d, pl);
    }

    /// <summary>Stride 2: <see cref="StridedBlock{TN}"/>.</summary>
    private readonly struct Strided : IGroupBlock
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run<TN>(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int t, int d, int pl)
            where TN : struct, IConstant => StridedBlock<TN>(ref xr, w, bias, ref yr, t, d, pl);
    }

    /// <summary>
    /// Stride 2: outputs [t, t + 32 * TN) of one row, every tap inside it. Output t + i of a tap reads input 2t + 2i + jd
    /// - pl, the upper value of 32-bit lane i of a load starting one value earlier: one masked load widens 16 outputs'
    /// inputs, in output order, so vector q holds outputs t + 16q .. t + 16q + 15 and two vectors pack into one line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StridedBlock<TN>(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int t, int d, int pl)
        where TN : struct, IConstant
    {
        var a0 = Vector512.Create(bias);
        Vector512<float> a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        ref ushort x0 = ref Unsafe.Add(ref xr, 2 * t - pl - 1);
        for (int j = 0; j < w.Length; j++)
        {
            var wj = Vector512.Create(w[j]);
            ref ushort xj = ref Unsafe.Add(ref x0, (nint)j * d);
            a0 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 0)), wj, a0);
            a1 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, Group)), wj, a1);
            if (TN.Value > 1)
            {
                a2 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 2 * Group)), wj, a2);
                a3 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 3 * Group)), wj, a3);
            }

            if (TN.Value > 2)
            {
                a4 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 4 * Group)), wj, a4);
                a5 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 5 * Group)), wj, a5);
                a6 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 6 * Group)), wj, a6);
                a7 = Vector512.FusedMultiplyAdd(TL.High(Pairs(ref xj, 7 * Group)), wj, a7);
            }
        }

        TL.Pack(TL.Round(a0), TL.Round(a1)).StoreUnsafe(ref yr, (nuint)t);
        if (TN.Value > 1)
        {
            TL.Pack(TL.Round(a2), TL.Round(a3)).StoreUnsafe(ref yr, (nuint)(t + Group));
        }

        if (TN.Value > 2)
        {
            TL.Pack(TL.Round(a4), TL.Round(a5)).StoreUnsafe(ref yr, (nuint)(t + 2 * Group));
            TL.Pack(TL.Round(a6), TL.Round(a7)).StoreUnsafe(ref yr, (nuint)(t + 3 * Group));
        }
    }

    /// <summary>
    /// Outputs [t, t + 32 * TN) of one row (<typeparamref name="TN"/>: 1, 2 or 4 groups), every tap inside it. The
    /// groups share each tap's broadcast weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TN>(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int t, int d, int pl)
        where TN : struct, IConstant
    {
        var e0 = Vector512.Create(bias);
        Vector512<float> o0 = e0, e1 = e0, o1 = e0, e2 = e0, o2 = e0, e3 = e0, o3 = e0;
        ref ushort x0 = ref Unsafe.Add(ref xr, t - pl - 1);
        if (d == 1)
        {
            // O's inputs for tap j are E's for tap j + 1: k + 1 loads per group instead of 2k.
            Vector512<float> p0 = TL.High(Pairs(ref x0, 0)), p1 = TN.Value > 1 ? TL.High(Pairs(ref x0, Group)) : default;
            Vector512<float> p2 = TN.Value > 2 ? TL.High(Pairs(ref x0, 2 * Group)) : default, p3 = TN.Value > 2 ? TL.High(Pairs(ref x0, 3 * Group)) : default;
            for (int j = 0; j < w.Length; j++)
            {
                var wj = Vector512.Create(w[j]);
                ref ushort xj = ref Unsafe.Add(ref x0, j + 1);
                var n0 = TL.High(Pairs(ref xj, 0));
                e0 = Vector512.FusedMultiplyAdd(p0, wj, e0);
                o0 = Vector512.FusedMultiplyAdd(n0, wj, o0);
                p0 = n0;
                if (TN.Value > 1)
                {
                    var n1 = TL.High(Pairs(ref xj, Group));
                    e1 = Vector512.FusedMultiplyAdd(p1, wj, e1);
                    o1 = Vector512.FusedMultiplyAdd(n1, wj, o1);
                    p1 = n1;
                }

                if (TN.Value > 2)
                {
                    var n2 = TL.High(Pairs(ref xj, 2 * Group));
                    e2 = Vector512.FusedMultiplyAdd(p2, wj, e2);
                    o2 = Vector512.FusedMultiplyAdd(n2, wj, o2);
                    p2 = n2;
                    var n3 = TL.High(Pairs(ref xj, 3 * Group));
                    e3 = Vector512.FusedMultiplyAdd(p3, wj, e3);
                    o3 = Vector512.FusedMultiplyAdd(n3, wj, o3);
                    p3 = n3;
                }
            }
        }
        else
        {
            // One load per tap and group, starting at E's first input: each 32-bit lane holds E's input in its lower
            // value and O's in its upper one. Two loads per tap, each straddling two lines when unaligned, cost about a
            // third more (bench/README.md).
            for (int j = 0; j < w.Length; j++)
            {
                var wj = Vector512.Create(w[j]);
                ref uint xj = ref Unsafe.As<ushort, uint>(ref Unsafe.Add(ref x0, (nint)j * d + 1));
                var v0 = Vector512.LoadUnsafe(ref xj);
                e0 = Vector512.FusedMultiplyAdd(TL.Low(v0), wj, e0);
                o0 = Vector512.FusedMultiplyAdd(TL.High(v0), wj, o0);
                if (TN.Value > 1)
                {
                    var v1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref xj, Group / 2));
                    e1 = Vector512.FusedMultiplyAdd(TL.Low(v1), wj, e1);
                    o1 = Vector512.FusedMultiplyAdd(TL.High(v1), wj, o1);
                }

                if (TN.Value > 2)
                {
                    var v2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref xj, Group));
                    e2 = Vector512.FusedMultiplyAdd(TL.Low(v2), wj, e2);
                    o2 = Vector512.FusedMultiplyAdd(TL.High(v2), wj, o2);
                    var v3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref xj, 3 * Group / 2));
                    e3 = Vector512.FusedMultiplyAdd(TL.Low(v3), wj, e3);
                    o3 = Vector512.FusedMultiplyAdd(TL.High(v3), wj, o3);
                }
            }
        }

        TL.Interleave(e0, o0).StoreUnsafe(ref yr, (nuint)t);
        if (TN.Value > 1)
        {
            TL.Interleave(e1, o1).StoreUnsafe(ref yr, (nuint)(t + Group));
        }

        if (TN.Value > 2)
        {
            TL.Interleave(e2, o2).StoreUnsafe(ref yr, (nuint)(t + 2 * Group));
            TL.Interleave(e3, o3).StoreUnsafe(ref yr, (nuint)(t + 3 * Group));
        }
    }

    /// <summary>
    /// The smallest dilation whose float16 rows take <see cref="Staged"/>. There <see cref="Block{TN}"/> widens two vectors
    /// per tap and group (<see cref="IHalfLanes.Low"/> and <see cref="IHalfLanes.High"/>, 5 instructions for the finite
    /// lanes), which cost more than widening each input once and storing it; at dilation 1 it widens one vector per tap
    /// (k + 1 loads serve k taps) and the stage lost. bfloat16 widens in one instruction, and its rows from memory lost
    /// with the stage at every dilation (bench/README.md).
    /// </summary>
    private const int StageMinDilation = 2;

    /// <summary>Outputs per chunk of <see cref="Staged"/> (the last chunk of a row takes up to a group more).</summary>
    private const int StageOutputs = 512;

    /// <summary>The longest reach (k - 1) * d whose inputs <see cref="Staged"/> stages; longer ones take <see cref="Block{TN}"/>.</summary>
    private const int StageReach = 1024;

    /// <summary>
    /// Stride 1: outputs [a, hi) of one row (every tap inside it, at least one group) in chunks of about
    /// <see cref="StageOutputs"/>: each chunk's inputs are widened once into <paramref name="stage"/> (float32, in L1), and
    /// each tap of a group of 32 outputs is then a multiply-add with its operand loaded from the stage, where
    /// <see cref="Block{TN}"/> widens a load per tap. Lane layout: two vectors of 16 consecutive outputs per group, rounded
    /// and packed into one 64-byte store; groups two at a time (a tap's broadcast shared by 4 vectors), then one, then one
    /// more ending at the chunk's end (overlapping the one before it, with the same operations). Returns hi.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Staged(ref ushort xr, ReadOnlySpan<float> w, float bias, ref ushort yr, int a, int hi, int d, int pl, Span<float> stage)
    {
        int reach = (w.Length - 1) * d;
        ref float s0 = ref MemoryMarshal.GetReference(stage);
        for (int t = a; t < hi;)
        {
            // The last chunk takes the rest when that is at most a group more, so that every chunk holds a group.
            int n = hi - t <= StageOutputs + Group ? hi - t : StageOutputs;

            // Inputs [t - pl, t - pl + n + reach), all inside the row: 16 at a time, the last 16 ending at the window's end.
            ref ushort x0 = ref Unsafe.Add(ref xr, t - pl);
            int count = n + reach;
            for (int i = 0; i < count; i += 16)
            {
                int at = Math.Min(i, count - 16);
                TL.Widen(Vector256.LoadUnsafe(ref x0, (nuint)at)).StoreUnsafe(ref s0, (nuint)at);
            }

            ref ushort yt = ref Unsafe.Add(ref yr, t);
            int g = 0;
            for (; g + 2 * Group <= n; g += 2 * Group)
            {
                StagedBlock<Const2>(ref s0, w, bias, ref yt, g, d);
            }

            if (g + Group <= n)
            {
                StagedBlock<Const1>(ref s0, w, bias, ref yt, g, d);
                g += Group;
            }

            if (g < n)
            {
                StagedBlock<Const1>(ref s0, w, bias, ref yt, n - Group, d);
            }

            t += n;
        }

        return hi;
    }

    /// <summary>Outputs [g, g + 32 * TN) of a staged chunk (<see cref="Staged"/>): output g + i, tap j reads stage value g + i + j * d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StagedBlock<TN>(ref float stage, ReadOnlySpan<float> w, float bias, ref ushort y, int g, int d)
        where TN : struct, IConstant
    {
        var a0 = Vector512.Create(bias);
        Vector512<float> a1 = a0, a2 = a0, a3 = a0;
        ref float x0 = ref Unsafe.Add(ref stage, g);
        for (int j = 0; j < w.Length; j++)
        {
            var wj = Vector512.Create(w[j]);
            ref float xj = ref Unsafe.Add(ref x0, j * d);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xj), wj, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xj, 16), wj, a1);
            if (TN.Value > 1)
            {
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xj, 32), wj, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xj, 48), wj, a3);
            }
        }

        TL.Pack(TL.Round(a0), TL.Round(a1)).StoreUnsafe(ref y, (nuint)g);
        if (TN.Value > 1)
        {
            TL.Pack(TL.Round(a2), TL.Round(a3)).StoreUnsafe(ref y, (nuint)(g + Group));
        }
    }

    /// <summary>32 values loaded from <c>x + offset</c> as 16 32-bit lanes of two values each (<see cref="IHalfLanes.Low"/>, <see cref="IHalfLanes.High"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Pairs(ref ushort x, nint offset) => Vector512.LoadUnsafe(ref Unsafe.As<ushort, uint>(ref Unsafe.Add(ref x, offset)));

    /// <summary>Outputs [t0, t1) of one row one at a time over their valid taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scalars(ref ushort xr, int l, ReadOnlySpan<float> w, float bias, ref ushort yr, int t0, int t1, int s, int d, int pl)
    {
        for (int t = t0; t < t1; t++)
        {
            float acc = bias;
            for (int j = 0; j < w.Length; j++)
            {
                int src = t * s - pl + j * d;
                if ((uint)src < (uint)l)
                {
                    acc = MathF.FusedMultiplyAdd(TL.Widen(Unsafe.Add(ref xr, src)), w[j], acc);
                }
            }

            Unsafe.Add(ref yr, t) = TL.Narrow(acc);
        }
    }
}
