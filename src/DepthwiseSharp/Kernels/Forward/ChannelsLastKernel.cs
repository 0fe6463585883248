using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The channels_last forward kernel, written once over <see cref="IVec{TSelf, T}"/> and specialized per width.
/// <para>Lane layout: lanes run across the C*M channels of one time step (with M &gt; 1 the input rows an item needs are
/// first repeated M times into a scratch row, so lane o holds x[o / M]). Edge steps compute their valid tap range once (no
/// branch per tap). Interior steps take <see cref="ColumnKernel"/> where <see cref="ForwardPolicy.ColumnsPay{T}"/> says
/// so; otherwise each step keeps 4 vectors of channels in registers over all its taps, so each output is stored once,
/// and rows of at least <see cref="ForwardPolicy.BlockMinRowBytes"/> go <see cref="BlockSteps"/> steps at a time
/// (kernel vectors reused across the steps). Remainder: channels left over fall to the next narrower width, then
/// scalars. Outputs far larger than the cache are written with non-temporal stores in whole 64-byte lines
/// (<see cref="ForwardPolicy.StreamingStart{T}"/>).</para>
/// <para>Per output element the sum is bias, then taps in ascending order, each a fused multiply-add: the same
/// operations as <see cref="ReferenceKernel"/>, so every width and every split of the work gives identical bits.</para>
/// </summary>
internal static class ChannelsLastKernel
{
    /// <summary>
    /// Computes output steps [t0, t1) of batch element b, channels_last, then applies the epilogue. With
    /// <paramref name="columns"/> (see <see cref="ForwardPolicy.ColumnsPay{T}"/>) the interior may take the column kernel. With
    /// <paramref name="lineFrom"/> at least 0 the interior's channels from there on are stored in whole 64-byte lines,
    /// non-temporally when <paramref name="streams"/> (see <see cref="ForwardPolicy.StreamingStart{T}"/>; y pinned), with
    /// ordinary stores otherwise (<see cref="ForwardPolicy.AlignedLinesStart{T}"/>); <paramref name="wrapped"/> is then
    /// <see cref="Wrap{T}"/>'s copy of the kernel and bias, or a null ref. <paramref name="prefetch"/> (<see cref="ForwardPolicy.Prefetches{T}"/>) says
    /// whether rows are requested ahead in software.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<T, TV>(in Conv1DGeometry g, ref T x, ref T kernel, ref T bias, bool hasBias, ref T y,
        int b, int t0, int t1, Activation? epilogue, bool columns, int lineFrom, bool streams, ref T wrapped, bool prefetch)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        if (t1 <= t0)
        {
            return;
        }

        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int cm = g.OutputChannels, lout = g.OutputLength;

        // Input rows this range touches: [r0, r1).
        int r0 = Math.Max(0, t0 * s - pl);
        int r1 = Math.Min(l, (t1 - 1) * s - pl + (k - 1) * d + 1);
        ref T xb = ref Unsafe.Add(ref x, (nint)b * l * c);
        T[]? scratch = null;
        ref T rows = ref Unsafe.Add(ref xb, (nint)r0 * c);
        if (m > 1 && r1 > r0)
        {
            scratch = ArrayPool<T>.Shared.Rent((r1 - r0) * cm);
            Rearrange.Repeat<T>(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref rows, (r1 - r0) * c), scratch, m);

            rows = ref scratch[0];
        }

        try
        {
            // Input row r in [r0, r1) is at rows + (r - r0) * cm. No ref may point before `rows`: with M > 1 it is a
            // pooled, movable array, and the GC relocates a ref by the object it points into.
            ref T yb = ref Unsafe.Add(ref y, (nint)b * lout * cm);

            // Interior steps (every tap inside the sequence) run in one tight loop; the few edge steps compute their
            // valid tap range one by one.
            int inLo = pl <= 0 ? 0 : (pl + s - 1) / s;
            int lastStart = l - 1 - (k - 1) * d + pl;
            int inHi = lastStart < 0 ? -1 : lastStart / s;
            int a = Math.Clamp(inLo, t0, t1), z = Math.Clamp(inHi + 1, a, t1);
            for (int t = t0; t < a; t++)
            {
                EdgeRow<T, TV>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t);
            }

            // With M = 1 rows is the caller's input, so prefetching may run on to the end of the batch element; the M > 1
            // scratch holds only this item's rows and is already in cache. Without prefetch nothing is requested.
            int prefetchEnd = prefetch && m == 1 ? l : r0;
            int line = 64 / Unsafe.SizeOf<T>();
            if (lineFrom >= 0 && streams && Stitches<T, TV>(g, ref rows, columns, lineFrom))
            {
                StitchedRun<T, TV>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, a, z, prefetchEnd, ForwardPolicy.ColumnSteps<TV>(), lineFrom);
                StoreModes.Fence();
            }
            else if (lineFrom >= 0 && streams)
            {
                // Whole 64-byte lines only: a line written partly by non-temporal stores is merged in memory, slowly.
                InteriorRows<T, TV, StreamingStores>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, a, z, prefetchEnd, prefetch, columns,
                    lineFrom, lineFrom + (cm - lineFrom) / line * line, ref wrapped);
                StoreModes.Fence();
            }
            else if (lineFrom >= 0)
            {
                InteriorRows<T, TV, CachedStores>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, a, z, prefetchEnd, prefetch, columns,
                    lineFrom, lineFrom + (cm - lineFrom) / line * line, ref wrapped);
            }
            else
            {
                InteriorRows<T, TV, CachedStores>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, a, z, prefetchEnd, prefetch, columns, 0, cm,
                    ref Unsafe.NullRef<T>());
            }
            for (int t = z; t < t1; t++)
            {
                EdgeRow<T, TV>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t);
            }

            if (epilogue is not null)
            {
                var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref yb, (nint)t0 * cm), (t1 - t0) * cm);
                epilogue.Forward<T>(span, span, cm);
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>
    /// Requests rows (<paramref name="row"/> - <paramref name="newRows"/>, <paramref name="row"/>] (of
    /// <paramref name="rowCount"/>) into the cache, those that exist: with stride s each step reads s rows no earlier step
    /// read, and requesting only the newest would leave the others to demand misses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchAhead<T>(ref T rows, int row, int newRows, int rowCount, int count, bool enabled)
        where T : unmanaged
    {
        int first = Math.Max(0, row - newRows + 1), end = Math.Min(rowCount, row + 1);
        if (enabled && end > first)
        {
            Prefetch.Range(ref Unsafe.Add(ref rows, (nint)first * count), (nint)(end - first) * count);
        }
    }

    /// <summary>
    /// Requests output row <paramref name="row"/> (if below <paramref name="end"/>) into the cache ahead of its stores, when
    /// they go through the cache: a store to a line not in cache waits in the store queue for the line's read, and a few
    /// such stores stall the loop, while requests made ahead overlap. Streaming stores read nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchOutput<T, TS>(ref T yb, int row, int end, int count, bool enabled)
        where T : unmanaged
        where TS : struct, IStoreMode
    {
        if (!TS.Streaming && enabled && row < end)
        {
            Prefetch.Range(ref Unsafe.Add(ref yb, (nint)row * count), count);
        }
    }

    /// <summary>
    /// Interior steps [t0, t1): all k taps valid. When the column kernel applies (<paramref name="columns"/>, see
    /// <see cref="ForwardPolicy.ColumnsPay{T}"/>, and <see cref="ColumnKernel.Tiles{T, TV, TS}"/>: up to
    /// <see cref="ColumnKernel.MaxTaps"/> taps, a stride and dilation it walks (<see cref="ColumnKernel.Walks"/>), at least one vector of channels) it runs;
    /// otherwise rows of at least <see cref="ForwardPolicy.BlockMinRowBytes"/> go 4 steps at a time (<see cref="Block{T, TV, TS}"/>) and
    /// narrower rows one step at a time, 4 vectors of channels in registers over its taps (<see cref="ChannelsAt{T, TV, TS}"/>),
    /// with the input rows new to the step <see cref="ForwardPolicy.PrefetchRows"/> steps ahead requested explicitly (each step
    /// reads k rows but only its newest s are new to the cache, a pattern the hardware prefetcher does not follow), and with
    /// ordinary stores the output row too. Input rows below
    /// <paramref name="prefetchEnd"/> (absolute) may be prefetched, output rows when <paramref name="prefetchOutputs"/>. Channels [<paramref name="ca"/>, <paramref name="ce"/>)
    /// are stored the <typeparamref name="TS"/> way (when streaming: whole 64-byte lines, <c>y + ca</c> of every row
    /// aligned); the channels around them share their cache lines with the neighbouring rows and take ordinary stores,
    /// a few steps at a time at the same point of the walk (<see cref="LineEdges{T, TV}"/>, one call for the lot: per
    /// step, the narrow widths' calls cost more than the step's whole row). With stride 1 and <paramref name="wrapped"/>
    /// the step loop needs no edges but the first head and the last tail: step t covers channels [ca, cm + ca), its last
    /// vector running on into step t + 1's first ca channels, whose inputs follow in memory too (stride 1, rows
    /// contiguous), with kernel and bias taken modulo cm from the wrapped copy. Every vector then writes a whole line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InteriorRows<T, TV, TS>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb,
        int t0, int t1, int prefetchEnd, bool prefetchOutputs, bool columns, int ca, int ce, ref T wrapped)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int cm = g.OutputChannels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        if (t1 <= t0)
        {
            return;
        }

        // Stride 1 with a wrapped kernel: each step's last vector runs on into the next step's head (see above).
        bool wrap = ca > 0 && s == 1 && !Unsafe.IsNullRef(ref wrapped);
        int wl = cm + ca;
        int steps = ForwardPolicy.ColumnSteps<TV>();
        if (columns && cm >= TV.Count && ColumnKernel.Walks(s, d) && k <= ForwardPolicy.ColumnTapLimit(steps))
        {
            // A sweep writes one vector of a line for every row of the tile before the next vector of that line, so
            // only vectors of a whole line may stream there.
            if (wrap && Unsafe.SizeOf<TV>() >= 64)
            {
                WrapEnds<T, TV, TS>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t0, t1 - 1, ca, ce);
                ColumnKernel.Tiles<T, TV, TS>(g, ref rows, r0, ref wrapped, wl, ref Unsafe.Add(ref wrapped, (nint)k * wl), hasBias, ref yb, t0, t1 - 1,
                    prefetchEnd, prefetchOutputs, steps, ca, wl, true);
            }
            else if (TS.Streaming && Unsafe.SizeOf<TV>() >= 64)
            {
                ColumnKernel.Tiles<T, TV, TS>(g, ref rows, r0, ref kernel, cm, ref bias, hasBias, ref yb, t0, t1, prefetchEnd, prefetchOutputs, steps, ca, ce, false);
            }
            else
            {
                ColumnKernel.Tiles<T, TV, CachedStores>(g, ref rows, r0, ref kernel, cm, ref bias, hasBias, ref yb, t0, t1, prefetchEnd, prefetchOutputs, steps, 0, cm,
                    false);
            }

            return;
        }

        nint tapStep = (nint)d * cm;
        int newest = (k - 1) * d - pl - r0;
        int rowCount = prefetchEnd - r0;
        bool prefetch = rowCount > 0;

        // Rows a step reads that the step before it did not: s of them, or the whole window when the stride skips rows.
        int newRows = Math.Min(s, (k - 1) * d + 1);
        int t = t0;
        if (TV.Count > 1 && (long)cm * Unsafe.SizeOf<T>() >= ForwardPolicy.BlockMinRowBytes)
        {
            for (; t + BlockSteps <= t1; t += BlockSteps)
            {
                for (int r = 0; r < BlockSteps; r++)
                {
                    PrefetchAhead(ref rows, (t + r + ForwardPolicy.PrefetchRows) * s + newest, newRows, rowCount, cm, prefetch);
                    PrefetchOutput<T, TS>(ref yb, t + r + ForwardPolicy.PrefetchRows, t1, cm, prefetchOutputs);
                }

                Block<T, TV, TS>(ref Unsafe.Add(ref rows, (nint)(t * s - pl - r0) * cm), (nint)s * cm, ref kernel, ref bias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)t * cm), cm, k, tapStep, ca, ce);
            }
        }

        if (wrap && t < t1)
        {
            ref T wrappedBias = ref Unsafe.Add(ref wrapped, (nint)k * wl);
            WrapEnds<T, TV, TS>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t, t1 - 1, ca, ce);
            for (; t < t1 - 1; t++)
            {
                PrefetchAhead(ref rows, t + ForwardPolicy.PrefetchRows + newest, 1, rowCount, cm, prefetch);
                Channels<T, TV, TS>(ref Unsafe.Add(ref rows, (nint)(t - pl - r0) * cm), ref wrapped, ref wrappedBias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)t * cm), ca, wl, k, tapStep, wl);
            }

            return;
        }

        bool edges = ca > 0 || ce < cm;
        while (t < t1)
        {
            int tb = Math.Min(t1, t + ForwardPolicy.EdgeSteps);
            for (int u = t; u < tb; u++)
            {
                PrefetchAhead(ref rows, (u + ForwardPolicy.PrefetchRows) * s + newest, newRows, rowCount, cm, prefetch);
                PrefetchOutput<T, TS>(ref yb, u + ForwardPolicy.PrefetchRows, t1, cm, prefetchOutputs);
                Channels<T, TV, TS>(ref Unsafe.Add(ref rows, (nint)(u * s - pl - r0) * cm), ref kernel, ref bias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)u * cm), ca, ce, k, tapStep, cm);
            }

            if (edges)
            {
                LineEdges<T, TV>(ref Unsafe.Add(ref rows, (nint)(t * s - pl - r0) * cm), (nint)s * cm, ref kernel, ref bias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)t * cm), cm, tb - t, ca, ce, cm, k, tapStep);
            }

            t = tb;
        }
    }

    /// <summary>
    /// Whether a streaming call's interior takes <see cref="StitchedRun{T, TV}"/>: the column kernel at the 512-bit float
    /// width where it applies (<see cref="ForwardPolicy.ColumnsPay{T}"/>, a vector of channels, a walk and tap count it
    /// takes) and <see cref="ForwardPolicy.StitchesLines{T}"/>'s rule on the interior's first streamed input value.
    /// </summary>
    private static unsafe bool Stitches<T, TV>(in Conv1DGeometry g, ref T rows, bool columns, int lineFrom)
        where T : unmanaged
        where TV : struct =>
        typeof(TV) == typeof(V512<float>) && columns && g.OutputChannels >= 16 && g.DepthMultiplier == 1 && ColumnKernel.Walks(g.Stride, g.Dilation)
        && g.KernelSize <= ForwardPolicy.ColumnTapLimit(ForwardPolicy.ColumnSteps<TV>())
        && ForwardPolicy.StitchesLines<T>(g, (nint)Unsafe.AsPointer(ref Unsafe.Add(ref rows, lineFrom)));

    /// <summary>
    /// A streaming wrapped run of stride-1 steps [t0, t1) whose input rows lie at another offset in their 64-byte lines
    /// than the output rows (<c>x + ca</c> not line-aligned): the column kernel walks each block of outputs across the row's
    /// vectors from the input's first line boundary, so every load is aligned, and stitches each vector with the one
    /// before it into the output line between them (<see cref="StoreModes.PutStitched{T, TV}"/>), so every streamed store is a whole
    /// aligned line. Walking straddling loads instead made 16x4096x256 k7 d4 up to 1.8x slower (bench/README.md).
    /// Lane layout: vectors at channels b + 16v, v = 0 .. C*M/16 (b the input's first line boundary; the last vector
    /// runs on into the next step's first channels, with the kernel wrapped there); output lines at cy + 16u, cy = b +
    /// delta the output's first line boundary at or after b. Per output: the same operations, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StitchedRun<T, TV>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb,
        int t0, int t1, int prefetchEnd, int steps, int ca)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        const int W = 16;
        if (t1 <= t0)
        {
            return;
        }

        int cm = g.OutputChannels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int xOffset = (int)(((nint)Unsafe.AsPointer(ref rows) & 63) / sizeof(float));
        int b0 = (W - xOffset) % W;
        int cy = ca >= b0 ? ca : ca + W;
        int delta = cy - b0;
        int wl = cm + b0 + W, vectors = cm / W + 1;
        T[] wrapped = ArrayPool<T>.Shared.Rent((k + 1) * wl);
        try
        {
            Wrap<T>(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref kernel, k * cm),
                hasBias ? System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref bias, cm) : ReadOnlySpan<T>.Empty, wrapped, cm, k, b0 + W);
            ref T wk = ref wrapped[0];
            ref T wb = ref wrapped[k * wl];

            // The run's ends: the first step's channels before cy, the last step whole (unwrapped).
            WrapEnds<T, TV, StreamingStores>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t0, t1 - 1, cy, cy + (cm - cy) / W * W);
            int p = Math.Max(1, d / s), rowSteps = ColumnKernel.RowSteps(s, d);
            int tile = ForwardPolicy.ColumnTile<T>(g, steps);
            nint tapStep = (nint)d * cm, outputRows = (nint)p * s * cm;
            for (int ta = t0; ta < t1 - 1; ta += tile)
            {
                int tb = Math.Min(t1 - 1, ta + tile);
                var inputs = SweepSlices.NextInputRows(g, tb, tile, prefetchEnd, p);
                for (int phase = 0; phase < p && ta + phase < tb; phase++)
                {
                    int first = ta + phase;
                    int n = (tb - first + p - 1) / p;
                    int blocks = n / steps;
                    ref T xs = ref Unsafe.Add(ref rows, (nint)(first * s - pl - r0) * cm);
                    ref T ys = ref Unsafe.Add(ref yb, (nint)first * cm);
                    inputs.Request(ref rows, r0, cm, phase);
                    for (int blk = 0; blk < blocks; blk++)
                    {
                        ColumnKernel.DispatchStitched<T, TV, StreamingStores>(steps, k, rowSteps, ref Unsafe.Add(ref xs, blk * steps * outputRows), tapStep, ref wk, wl,
                            ref wb, hasBias, ref Unsafe.Add(ref ys, (nint)blk * steps * p * cm), (nint)p * cm, b0, vectors, W, W, W, delta);
                    }

                    for (int i = blocks * steps; i < n; i++)
                    {
                        Channels<T, TV, CachedStores>(ref Unsafe.Add(ref xs, i * outputRows), ref wk, ref wb, hasBias, ref Unsafe.Add(ref ys, (nint)i * p * cm),
                            cy, cy + cm, k, tapStep, wl);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(wrapped);
        }
    }

    /// <summary>
    /// The ends of a wrapped run of stride-1 steps [first, last]: step first's channels before ca (no step before it in
    /// the run wrote them) and step last whole, unwrapped (its last vector would run on into a step outside the run):
    /// [ca, ce) the <typeparamref name="TS"/> way, the tail with ordinary stores.
    /// </summary>
    private static void WrapEnds<T, TV, TS>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb, int first,
        int last, int ca, int ce)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int cm = g.OutputChannels, k = g.KernelSize, pl = g.PadLeft;
        nint tapStep = (nint)g.Dilation * cm;
        if (first < last)
        {
            LineEdges<T, TV>(ref Unsafe.Add(ref rows, (nint)(first - pl - r0) * cm), 0, ref kernel, ref bias, hasBias,
                ref Unsafe.Add(ref yb, (nint)first * cm), 0, 1, ca, cm, cm, k, tapStep);
        }

        ref T xl = ref Unsafe.Add(ref rows, (nint)(last - pl - r0) * cm);
        ref T yl = ref Unsafe.Add(ref yb, (nint)last * cm);
        Channels<T, TV, TS>(ref xl, ref kernel, ref bias, hasBias, ref yl, ca, ce, k, tapStep, cm);
        LineEdges<T, TV>(ref xl, 0, ref kernel, ref bias, hasBias, ref yl, 0, 1, first < last ? 0 : ca, ce, cm, k, tapStep);
    }

    /// <summary>
    /// Writes the wrapped kernel and bias the stride-1 streaming step loop reads (see <see cref="InteriorRows{T, TV, TS}"/>):
    /// <c>k</c> rows of <c>cm + ca</c> then the bias row, element c of a row being the original's c mod cm.
    /// </summary>
    internal static void Wrap<T>(ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> wrapped, int cm, int taps, int ca)
    {
        int wl = cm + ca;
        for (int j = 0; j <= taps; j++)
        {
            ReadOnlySpan<T> src = j < taps ? kernel.Slice(j * cm, cm) : bias;
            Span<T> dst = wrapped.Slice(j * wl, wl);
            if (src.IsEmpty)
            {
                dst.Clear();
                continue;
            }

            src.CopyTo(dst);
            src[..ca].CopyTo(dst[cm..]);
        }
    }

    /// <summary>
    /// Output steps per register block of the channels_last interior: fixed by <see cref="Block{T, TV, TS}"/>'s unrolled
    /// code (when it runs is <see cref="ForwardPolicy.BlockMinRowBytes"/>).
    /// </summary>
    internal const int BlockSteps = 4;

    /// <summary>
    /// <see cref="BlockSteps"/> consecutive interior steps at once: 2 vectors of channels x 4 steps = 8 accumulators, each
    /// kernel vector loaded once per tap and used for all 4 steps (1.25 loads per multiply-add instead of 2; a Zen 4 core
    /// does one 512-bit load per cycle, so the one-load-per-operand loop is load-bound). Lane layout: lanes run across
    /// channels; step r of the block reads input at <c>x + r * stepStride</c>. Channels left over (fewer than 2 vectors)
    /// go through <see cref="Channels{T, TV, TS}"/> step by step; channels outside [<paramref name="ca"/>,
    /// <paramref name="ce"/>), the range stored the <typeparamref name="TS"/> way, through <see cref="LineEdges{T, TV}"/>.
    /// Per output: bias, then taps ascending, fused: same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TV, TS>(ref T x, nint stepStride, ref T kernel, ref T bias, bool hasBias, ref T y, int cm, int taps, nint tapStep,
        int ca, int ce)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int w = TV.Count;
        int c0 = ca;
        nint s1 = stepStride, s2 = 2 * stepStride, s3 = 3 * stepStride;
        for (; c0 + 2 * w <= ce; c0 += 2 * w)
        {
            TV b0 = hasBias ? TV.Load(ref bias, c0) : TV.Create(T.Zero);
            TV b1 = hasBias ? TV.Load(ref bias, c0 + w) : TV.Create(T.Zero);
            TV p0 = b0, p1 = b1, q0 = b0, q1 = b1, u0 = b0, u1 = b1, v0 = b0, v1 = b1;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                TV k0 = TV.Load(ref kernel, ko);
                TV k1 = TV.Load(ref kernel, ko + w);
                p0 = TV.Fma(TV.Load(ref x, xo), k0, p0);
                p1 = TV.Fma(TV.Load(ref x, xo + w), k1, p1);
                q0 = TV.Fma(TV.Load(ref x, xo + s1), k0, q0);
                q1 = TV.Fma(TV.Load(ref x, xo + s1 + w), k1, q1);
                u0 = TV.Fma(TV.Load(ref x, xo + s2), k0, u0);
                u1 = TV.Fma(TV.Load(ref x, xo + s2 + w), k1, u1);
                v0 = TV.Fma(TV.Load(ref x, xo + s3), k0, v0);
                v1 = TV.Fma(TV.Load(ref x, xo + s3 + w), k1, v1);
                xo += tapStep;
                ko += cm;
            }

            StoreModes.Put<T, TV, TS>(p0, ref y, c0);
            StoreModes.Put<T, TV, TS>(p1, ref y, c0 + w);
            StoreModes.Put<T, TV, TS>(q0, ref y, cm + c0);
            StoreModes.Put<T, TV, TS>(q1, ref y, cm + c0 + w);
            StoreModes.Put<T, TV, TS>(u0, ref y, 2 * cm + c0);
            StoreModes.Put<T, TV, TS>(u1, ref y, 2 * cm + c0 + w);
            StoreModes.Put<T, TV, TS>(v0, ref y, 3 * cm + c0);
            StoreModes.Put<T, TV, TS>(v1, ref y, 3 * cm + c0 + w);
        }

        for (int r = 0; c0 < ce && r < BlockSteps; r++)
        {
            Channels<T, TV, TS>(ref Unsafe.Add(ref x, r * stepStride), ref kernel, ref bias, hasBias, ref Unsafe.Add(ref y, (nint)r * cm), c0, ce,
                taps, tapStep, cm);
        }

        if (ca > 0 || ce < cm)
        {
            LineEdges<T, TV>(ref x, stepStride, ref kernel, ref bias, hasBias, ref y, cm, BlockSteps, ca, ce, cm, taps, tapStep);
        }
    }

    /// <summary>
    /// Channels [0, <paramref name="ca"/>) and [<paramref name="from"/>, <paramref name="cm"/>) of <paramref name="count"/>
    /// steps (step i reads <c>x + i * xStride</c>, writes <c>y + i * yStride</c>), ordinary stores: what a wider kernel
    /// left, fewer than a vector or a line at each end of a row. One call for all the steps, the widths inlined: called per
    /// step, the calls cost more than the work. Kernel rows are cm apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LineEdges<T, TV>(ref T x, nint xStride, ref T kernel, ref T bias, bool hasBias, ref T y, nint yStride, int count,
        int ca, int from, int cm, int taps, nint tapStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        for (int i = 0; i < count; i++)
        {
            ref T xi = ref Unsafe.Add(ref x, i * xStride);
            ref T yi = ref Unsafe.Add(ref y, i * yStride);
            Narrow<T, TV>(ref xi, ref kernel, ref bias, hasBias, ref yi, 0, ca, taps, tapStep, cm);
            Narrow<T, TV>(ref xi, ref kernel, ref bias, hasBias, ref yi, from, cm, taps, tapStep, cm);
        }
    }

    /// <summary>Channels [c0, c1) with widths up to <typeparamref name="TV"/>'s, from 256 bits down, inlined.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Narrow<T, TV>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int c1, int taps, nint tapStep,
        nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        if (TV.Count >= V256<T>.Count)
        {
            c0 = ByVector<T, V256<T>, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, c1, taps, tapStep, kernelStep);
        }

        if (TV.Count >= V128<T>.Count)
        {
            c0 = ByVector<T, V128<T>, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, c1, taps, tapStep, kernelStep);
        }

        ByVector<T, S<T>, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, c1, taps, tapStep, kernelStep);
    }

    /// <summary>Channels from c0 one vector at a time while a whole vector fits below c1; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ByVector<T, TV, TS>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int c1, int taps, nint tapStep,
        nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int w = TV.Count;
        for (; c0 + w <= c1; c0 += w)
        {
            TV acc = hasBias ? TV.Load(ref bias, c0) : TV.Create(T.Zero);
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                acc = TV.Fma(TV.Load(ref x, xo), TV.Load(ref kernel, ko), acc);
                xo += tapStep;
                ko += kernelStep;
            }

            StoreModes.Put<T, TV, TS>(acc, ref y, c0);
        }

        return c0;
    }

    /// <summary>One output step over its valid tap range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeRow<T, TV>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb, int t)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int cm = g.OutputChannels, d = g.Dilation;
        int start = t * g.Stride - g.PadLeft;
        var (jlo, jhi) = g.ValidTaps(start);
        if (jhi == jlo)
        {
            // No valid tap (an output step wholly in the padding): the first-tap refs below would point outside.
            jlo = jhi = 0;
            start = r0;
        }

        ref T xr = ref Unsafe.Add(ref rows, (nint)(start + jlo * d - r0) * cm);
        ref T kr = ref Unsafe.Add(ref kernel, (nint)jlo * cm);
        Channels<T, TV>(ref xr, ref kr, ref bias, hasBias, ref Unsafe.Add(ref yb, (nint)t * cm), 0, cm, jhi - jlo, (nint)d * cm, cm);
    }

    /// <summary>
    /// Channels [c0, cm) of one step over taps [0, taps): x and kernel refs point at the first tap. Widest lanes first,
    /// then the next narrower width down to scalars; every lane does the same fused multiply-adds in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Channels<T, TV>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int cm, int taps,
        nint tapStep, nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T> =>
        Channels<T, TV, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);

    /// <summary>
    /// <see cref="Channels{T, TV}"/> with stores the <typeparamref name="TS"/> way. Streaming needs <c>y + c0</c>
    /// 64-byte aligned: each narrower width then starts where the wider one stopped, a multiple of its own size on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Channels<T, TV, TS>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int cm, int taps,
        nint tapStep, nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        if (c0 >= cm)
        {
            return;
        }

        c0 = ChannelsAt<T, TV, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        if (TV.Count > V256<T>.Count && c0 < cm)
        {
            c0 = ChannelsAt<T, V256<T>, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        }

        if (TV.Count > V128<T>.Count && c0 < cm)
        {
            c0 = ChannelsAt<T, V128<T>, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        }

        if (TV.Count > 1 && c0 < cm)
        {
            ChannelsAt<T, S<T>, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ChannelsAt<T, TV, TS>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int cm, int taps,
        nint tapStep, nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int w = TV.Count;
        for (; c0 + 4 * w <= cm; c0 += 4 * w)
        {
            TV zero = TV.Create(T.Zero);
            TV a0 = hasBias ? TV.Load(ref bias, c0) : zero;
            TV a1 = hasBias ? TV.Load(ref bias, c0 + w) : zero;
            TV a2 = hasBias ? TV.Load(ref bias, c0 + 2 * w) : zero;
            TV a3 = hasBias ? TV.Load(ref bias, c0 + 3 * w) : zero;
            // Offsets, not advancing refs: a ref stepped past the last tap could point outside the array.
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a0 = TV.Fma(TV.Load(ref x, xo), TV.Load(ref kernel, ko), a0);
                a1 = TV.Fma(TV.Load(ref x, xo + w), TV.Load(ref kernel, ko + w), a1);
                a2 = TV.Fma(TV.Load(ref x, xo + 2 * w), TV.Load(ref kernel, ko + 2 * w), a2);
                a3 = TV.Fma(TV.Load(ref x, xo + 3 * w), TV.Load(ref kernel, ko + 3 * w), a3);
                xo += tapStep;
                ko += kernelStep;
            }

            StoreModes.Put<T, TV, TS>(a0, ref y, c0);
            StoreModes.Put<T, TV, TS>(a1, ref y, c0 + w);
            StoreModes.Put<T, TV, TS>(a2, ref y, c0 + 2 * w);
            StoreModes.Put<T, TV, TS>(a3, ref y, c0 + 3 * w);
        }

        return ByVector<T, TV, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
    }
}
