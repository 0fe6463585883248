using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The forward kernels, written once over <see cref="IVec{TSelf, T}"/> and specialized per width.
/// <para>channels_last (<c>ClRows</c>): lanes run across the C*M channels of a time step; edge steps compute their valid
/// tap range once (no branch per tap). Interior steps take the column kernel where <c>ColumnsPay</c> says it measured
/// faster (one channel vector swept over blocks of 8 or 4 outputs, every tap in a register; code in
/// ForwardKernel.Columns.cs); otherwise each step keeps 4 vectors of channels in registers over all its taps, so each
/// output is stored once. Rows of at least 4 KiB go 4 steps at a time (kernel vectors reused across the steps); narrower rows one
/// whole row at a time, in memory order, because on Zen 4 a step block over rows that share a 4 KiB page measured up to
/// 1.4x slower from memory (see <c>BlockMinRowBytes</c>). Channels left over fall to the next narrower width,
/// then scalars. With M &gt; 1 the input rows a range needs are first repeated M times into a scratch row (lane o holds x[o / M]).
/// Outputs far larger than the cache are written with non-temporal stores in whole 64-byte lines (<c>StreamingStart</c>),
/// which saves reading each output line before writing it.</para>
/// <para>channels_first (<c>CfRows</c>): lanes run along time in one (batch, output channel) row, 4 vectors per step of the
/// loop; with M of 4 or more, 4 rows of one input channel go together, 2 vectors each, sharing every input load
/// (<c>CfGroupInterior</c>: 4x2048x64 k5 M4 from cache 1.45x faster). Stride s &gt; 1 is split into s phases (x[p], x[p+s], ...) copied once per row, so every tap reads a contiguous
/// phase: <c>y[t] += K[j] * phase[(j*d - padLeft) mod s][t + floor((j*d - padLeft) / s)]</c>.</para>
/// <para>Per output element the sum is bias, then taps in ascending order, each a fused multiply-add: the same
/// operations as <see cref="ReferenceKernel"/>, so every width and every split of the work gives identical bits.</para>
/// </summary>
internal static partial class ForwardKernel
{
    /// <summary>
    /// Output rows per channels_last work item at most when M &gt; 1: keeps the repeated-input scratch in L2. With M = 1
    /// an item is as long as the split over threads makes it: each item's ends take slower paths (a wrapped run's last
    /// row, a column tile's leftover outputs), and 64-row items measured 1.15x slower on 64x8192x256 k7 (64 ms against
    /// 51.5-57, 1 thread, .NET arrays) and 1.1x on 16x4096x256 k7 d4.
    /// </summary>
    public const int ClRowsPerItem = 64;

    /// <summary>
    /// Computes output steps [t0, t1) of batch element b, channels_last, then applies the epilogue. With
    /// <paramref name="columns"/> (see <see cref="ColumnsPay{T}"/>) the interior may take the column kernel. With
    /// <paramref name="streamFrom"/> at least 0 (see <see cref="StreamingStart{T}"/>) the interior's channels from
    /// there on are stored non-temporally, y pinned; <paramref name="wrapped"/> is then <see cref="Wrap{T}"/>'s copy of
    /// the kernel and bias, or a null ref.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ClRows<T, TV>(in Conv1DGeometry g, ref T x, ref T kernel, ref T bias, bool hasBias, ref T y,
        int b, int t0, int t1, Activation? epilogue, bool columns, int streamFrom, ref T wrapped)
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
                ClEdgeRow<T, TV>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t);
            }

            // With M = 1 rows is the caller's input, so prefetching may run on to the end of the batch element; the M > 1
            // scratch holds only this item's rows and is already in cache.
            if (streamFrom >= 0)
            {
                // Whole 64-byte lines only: a line written partly by non-temporal stores is merged in memory, slowly.
                int line = 64 / Unsafe.SizeOf<T>();
                ClInteriorRows<T, TV, StreamingStores>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, a, z, m == 1 ? l : r0, columns,
                    streamFrom, streamFrom + (cm - streamFrom) / line * line, ref wrapped);
                StoreModes.Fence();
            }
            else
            {
                ClInteriorRows<T, TV, CachedStores>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, a, z, m == 1 ? l : r0, columns, 0, cm,
                    ref Unsafe.NullRef<T>());
            }
            for (int t = z; t < t1; t++)
            {
                ClEdgeRow<T, TV>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t);
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

    /// <summary>How many steps ahead channels_last prefetches its newest input row (measured best between 8 and 16 on Zen 4).</summary>
    private const int PrefetchRows = 12;

    /// <summary>Requests scratch row <paramref name="row"/> (of <paramref name="rowCount"/>) into the cache, if it exists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchAhead<T>(ref T rows, int row, int rowCount, int count, bool enabled)
        where T : unmanaged
    {
        if (enabled && row < rowCount)
        {
            Prefetch.Range(ref Unsafe.Add(ref rows, (nint)row * count), count);
        }
    }

    /// <summary>
    /// Interior steps [t0, t1): all k taps valid. When the column kernel applies (<paramref name="columns"/>, see
    /// <see cref="ColumnsPay{T}"/>, and <see cref="ClColumnTiles{T, TV, TS}"/>: up to
    /// <see cref="ColumnMaxTaps"/> taps, the dilation a multiple of the stride, at least one vector of channels) it runs;
    /// otherwise rows of at least <see cref="BlockMinRowBytes"/> go 4 steps at a time (<see cref="ClBlock{T, TV, TS}"/>) and
    /// narrower rows one step at a time, 4 vectors of channels in registers over its taps (<see cref="ClChannelsAt{T, TV, TS}"/>),
    /// with the row <see cref="PrefetchRows"/> steps ahead requested explicitly (each step reads k rows but only its
    /// newest is new to the cache, a pattern the hardware prefetcher does not follow). Input rows below
    /// <paramref name="prefetchEnd"/> (absolute) may be prefetched. Channels [<paramref name="ca"/>, <paramref name="ce"/>)
    /// are stored the <typeparamref name="TS"/> way (when streaming: whole 64-byte lines, <c>y + ca</c> of every row
    /// aligned); the channels around them share their cache lines with the neighbouring rows and take ordinary stores,
    /// a few steps at a time at the same point of the walk (<see cref="ClLineEdges{T, TV}"/>, one call for the lot: per
    /// step, the narrow widths' calls cost more than the step's whole row). With stride 1 and <paramref name="wrapped"/>
    /// the step loop needs no edges but the first head and the last tail: step t covers channels [ca, cm + ca), its last
    /// vector running on into step t + 1's first ca channels, whose inputs follow in memory too (stride 1, rows
    /// contiguous), with kernel and bias taken modulo cm from the wrapped copy. Every vector then streams a whole line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClInteriorRows<T, TV, TS>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb,
        int t0, int t1, int prefetchEnd, bool columns, int ca, int ce, ref T wrapped)
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
        bool wrap = TS.Streaming && ca > 0 && s == 1 && !Unsafe.IsNullRef(ref wrapped);
        int wl = cm + ca;
        int steps = ColumnSteps<TV>();
        if (columns && cm >= TV.Count && d % s == 0 && k <= ColumnTapLimit(steps))
        {
            // A sweep writes one vector of a line for every row of the tile before the next vector of that line, so
            // only vectors of a whole line may stream there.
            if (wrap && Unsafe.SizeOf<TV>() >= 64)
            {
                ClWrapEnds<T, TV, TS>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t0, t1 - 1, ca, ce);
                ClColumnTiles<T, TV, TS>(g, ref rows, r0, ref wrapped, wl, ref Unsafe.Add(ref wrapped, (nint)k * wl), hasBias, ref yb, t0, t1 - 1,
                    prefetchEnd, steps, ca, wl, true);
            }
            else if (TS.Streaming && Unsafe.SizeOf<TV>() >= 64)
            {
                ClColumnTiles<T, TV, TS>(g, ref rows, r0, ref kernel, cm, ref bias, hasBias, ref yb, t0, t1, prefetchEnd, steps, ca, ce, false);
            }
            else
            {
                ClColumnTiles<T, TV, CachedStores>(g, ref rows, r0, ref kernel, cm, ref bias, hasBias, ref yb, t0, t1, prefetchEnd, steps, 0, cm,
                    false);
            }

            return;
        }

        nint tapStep = (nint)d * cm;
        int newest = (k - 1) * d - pl - r0;
        int rowCount = prefetchEnd - r0;
        bool prefetch = rowCount > 0;
        int t = t0;
        if (TV.Count > 1 && (long)cm * Unsafe.SizeOf<T>() >= BlockMinRowBytes)
        {
            for (; t + BlockSteps <= t1; t += BlockSteps)
            {
                for (int r = 0; r < BlockSteps; r++)
                {
                    PrefetchAhead(ref rows, (t + r + PrefetchRows) * s + newest, rowCount, cm, prefetch);
                }

                ClBlock<T, TV, TS>(ref Unsafe.Add(ref rows, (nint)(t * s - pl - r0) * cm), (nint)s * cm, ref kernel, ref bias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)t * cm), cm, k, tapStep, ca, ce);
            }
        }

        if (wrap && t < t1)
        {
            ref T wrappedBias = ref Unsafe.Add(ref wrapped, (nint)k * wl);
            ClWrapEnds<T, TV, TS>(g, ref rows, r0, ref kernel, ref bias, hasBias, ref yb, t, t1 - 1, ca, ce);
            for (; t < t1 - 1; t++)
            {
                PrefetchAhead(ref rows, t + PrefetchRows + newest, rowCount, cm, prefetch);
                ClChannels<T, TV, TS>(ref Unsafe.Add(ref rows, (nint)(t - pl - r0) * cm), ref wrapped, ref wrappedBias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)t * cm), ca, wl, k, tapStep, wl);
            }

            return;
        }

        bool edges = ca > 0 || ce < cm;
        while (t < t1)
        {
            int tb = Math.Min(t1, t + EdgeSteps);
            for (int u = t; u < tb; u++)
            {
                PrefetchAhead(ref rows, (u + PrefetchRows) * s + newest, rowCount, cm, prefetch);
                ClChannels<T, TV, TS>(ref Unsafe.Add(ref rows, (nint)(u * s - pl - r0) * cm), ref kernel, ref bias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)u * cm), ca, ce, k, tapStep, cm);
            }

            if (edges)
            {
                ClLineEdges<T, TV>(ref Unsafe.Add(ref rows, (nint)(t * s - pl - r0) * cm), (nint)s * cm, ref kernel, ref bias, hasBias,
                    ref Unsafe.Add(ref yb, (nint)t * cm), cm, tb - t, ca, ce, cm, k, tapStep);
            }

            t = tb;
        }
    }

    /// <summary>Steps of the step loop whose edge channels (<see cref="ClLineEdges{T, TV}"/>) are done in one call.</summary>
    private const int EdgeSteps = 16;

    /// <summary>
    /// The ends of a wrapped run of stride-1 steps [first, last]: step first's channels before ca (no step before it in
    /// the run wrote them) and step last whole, unwrapped (its last vector would run on into a step outside the run):
    /// [ca, ce) the <typeparamref name="TS"/> way, the tail with ordinary stores.
    /// </summary>
    private static void ClWrapEnds<T, TV, TS>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb, int first,
        int last, int ca, int ce)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int cm = g.OutputChannels, k = g.KernelSize, pl = g.PadLeft;
        nint tapStep = (nint)g.Dilation * cm;
        if (first < last)
        {
            ClLineEdges<T, TV>(ref Unsafe.Add(ref rows, (nint)(first - pl - r0) * cm), 0, ref kernel, ref bias, hasBias,
                ref Unsafe.Add(ref yb, (nint)first * cm), 0, 1, ca, cm, cm, k, tapStep);
        }

        ref T xl = ref Unsafe.Add(ref rows, (nint)(last - pl - r0) * cm);
        ref T yl = ref Unsafe.Add(ref yb, (nint)last * cm);
        ClChannels<T, TV, TS>(ref xl, ref kernel, ref bias, hasBias, ref yl, ca, ce, k, tapStep, cm);
        ClLineEdges<T, TV>(ref xl, 0, ref kernel, ref bias, hasBias, ref yl, 0, 1, first < last ? 0 : ca, ce, cm, k, tapStep);
    }

    /// <summary>Input plus output bytes up to which the column kernel is used on unaligned buffers (half this machine's L3).</summary>
    internal const long ColumnCacheBytes = 16L << 20;

    /// <summary>
    /// Whether the column kernel is worth it for a channels_last call, decided once per call. It sweeps a tile's rows one
    /// channel vector at a time, so its accesses stride through memory by d rows. Measured on Zen 4: on data in cache it
    /// was 1.3x to 2.5x faster than the step loop (1x2048x256 k7, 4x512x128 k9, 8x1000x128 k9; 4x1024x256 d4 and
    /// 2x1024x256 d8 1.3x), except where <c>d * C * M * sizeof(T)</c> is a multiple of 2 KiB with one phase (d = s):
    /// such a stride reaches at most 2 of L1's 64 sets, and the step loop was 1.1x faster in cache (2x1024x512) and
    /// 1.2x faster from memory on .NET arrays (8x4096x1536, rows of 4 KiB and more take its 4-step block). Streaming from
    /// memory it is faster only when input and output share their offset in a 64-byte line (each vector then one cache
    /// line: 16x4096x256 k7 d4 5.8-6.4 ms against 9.2-9.5 aligned, 7.2-7.4 against 9.9-10.2 on .NET arrays) and up to 1.3x
    /// slower otherwise (vectors straddling lines are written in two sweeps). Hence: aligned buffers, or input plus output
    /// within <see cref="ColumnCacheBytes"/> (a size that stays in the last-level cache between producer and consumer).
    /// </summary>
    internal static bool ColumnsPay<T>(in Conv1DGeometry g, nint x, nint y)
        where T : unmanaged
    {
        long rowBytes = (long)g.OutputChannels * Unsafe.SizeOf<T>();
        long bytes = ((long)g.InputCount + g.OutputCount) * Unsafe.SizeOf<T>();
        bool inCache = bytes <= ColumnCacheBytes;
        if (g.Dilation <= g.Stride && (g.Dilation * rowBytes) % 2048 == 0)
        {
            return false;
        }

        bool aligned = (x & 63) == 0 && (y & 63) == 0 && rowBytes % 64 == 0 && g.DepthMultiplier == 1;
        return aligned || inCache;
    }

    /// <summary>
    /// Output bytes from which a channels_last call stores non-temporally: twice this machine's 32 MiB L3, so the output
    /// could not have stayed in cache for its reader anyway.
    /// </summary>
    internal const long StreamingMinOutputBytes = 64L << 20;

    /// <summary>
    /// The first channel a channels_last call stores non-temporally (the interior rows from there to the row's end), or
    /// -1 for ordinary stores; decided once per call. A store that bypasses the cache writes a whole line without
    /// reading it first, so streaming the output costs one pass over it instead of two: measured on Zen 4, 64x8192x256
    /// k7 one thread went from 85 to 62 ms (step loop) and from 67 to 48 ms (column kernel, aligned buffers), where
    /// reading the input and filling the output once takes 51 ms. It needs an output far larger than the cache
    /// (<see cref="StreamingMinOutputBytes"/>, unless <paramref name="force"/>), no epilogue (the activation would read
    /// the output back from memory), rows a whole number of 64-byte lines (every row then starts at the same offset in
    /// its line) and a vector width. The streamed part starts at the first 64-byte boundary of the row, so any element
    /// alignment works; the channels before it take ordinary stores.
    /// </summary>
    internal static int StreamingStart<T>(in Conv1DGeometry g, nint y, bool hasEpilogue, KernelVariant variant, bool force)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        long rowBytes = (long)g.OutputChannels * size;
        if (g.DataFormat != DataFormat.ChannelsLast || hasEpilogue || variant == KernelVariant.Scalar || rowBytes % 64 != 0 || y % size != 0
            || (!force && (long)g.OutputCount * size < StreamingMinOutputBytes))
        {
            return -1;
        }

        return (int)((64 - (y & 63)) & 63) / size;
    }

    /// <summary>
    /// Writes the wrapped kernel and bias the stride-1 streaming step loop reads (see <see cref="ClInteriorRows{T, TV, TS}"/>):
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
    /// Outputs per column block: 8 where the ISA has 32 vector registers (AVX-512), else 4 (16 registers), so that the
    /// block's accumulators, the kernel taps and the row being read all stay in registers.
    /// </summary>
    private static int ColumnSteps<TV>()
        where TV : struct => Unsafe.SizeOf<TV>() >= 64 ? 8 : 4;

    /// <summary>Most taps the column kernel takes for a block of <paramref name="steps"/>: steps + taps + 1 registers.</summary>
    private static int ColumnTapLimit(int steps) => steps == 8 ? ColumnMaxTaps : 11;

    /// <summary>Output steps per column tile before its channel vectors are swept (the tile's rows stay in L1/L2).</summary>
    private const int ColumnTileSteps = 32;

    /// <summary>
    /// Interior steps [t0, t1) by the column kernel (<see cref="ClColumn{T, TV, TS, TB, TK}"/>), tile by tile. Outputs p = d / s
    /// apart read window rows d apart (output t, tap j reads row t * s + j * d, and (t + p) * s = t * s + d), so each
    /// tile is split into p phases of outputs t, t + p, t + 2p, ...; a phase is swept one channel vector at a time in
    /// blocks of <paramref name="steps"/> outputs with the kernel in registers. The phase's last outputs (fewer than a
    /// block) and channels left over (fewer than a vector) go step by step through <see cref="ClChannels{T, TV}"/>.
    /// A block of 8 outputs and 7 taps does 14 loads where the step loop does 112; when it pays is
    /// <see cref="ColumnsPay{T}"/>. The tile's sweeps read its rows column by column, which the hardware
    /// prefetcher does not stream on short walks, so while a tile is computed the next tile's rows are prefetched in
    /// sequence, a slice per channel vector (not on long walks with several phases: <see cref="ColumnPrefetchMaxWalkBytes"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClColumnTiles<T, TV, TS>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, nint kernelStride, ref T bias, bool hasBias,
        ref T yb, int t0, int t1, int prefetchEnd, int steps, int ca, int ce, bool wrappedKernel)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int cm = g.OutputChannels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int w = TV.Count;
        int p = d / s;
        int tile = steps * p * Math.Max(1, ColumnTileSteps / (steps * p));
        int vectors = (ce - ca) / w, c1 = ca + vectors * w;
        nint tapStep = (nint)d * cm;

        bool prefetchTiles = p == 1 || tapStep * Unsafe.SizeOf<T>() < ColumnPrefetchMaxWalkBytes;

        // A wrapped kernel covers [ca, cm + ca) whole; the caller does the run's two ends.
        bool edges = !wrappedKernel && (ca > 0 || c1 < cm);
        for (int ta = t0; ta < t1; ta += tile)
        {
            int tb = Math.Min(t1, ta + tile);

            // The next tile's new input rows [pa, pz), a slice of rows per (phase, channel vector) sweep.
            int pa = (tb - 1) * s - pl + (k - 1) * d + 1;
            int pz = Math.Min(prefetchEnd, (tb + tile - 1) * s - pl + (k - 1) * d + 1);
            int perSweep = pz > pa && prefetchTiles ? (pz - pa + p * vectors - 1) / (p * vectors) : 0;
            for (int phase = 0; phase < p && ta + phase < tb; phase++)
            {
                int first = ta + phase;
                int n = (tb - first + p - 1) / p;
                int blocks = n / steps;
                int done = blocks * steps;
                ref T xs = ref Unsafe.Add(ref rows, (nint)(first * s - pl - r0) * cm);
                ref T ys = ref Unsafe.Add(ref yb, (nint)first * cm);
                if (done > 0)
                {
                    for (int v = 0; v < vectors; v++)
                    {
                        if (perSweep > 0)
                        {
                            int q0 = pa + (phase * vectors + v) * perSweep, q1 = Math.Min(pz, q0 + perSweep);
                            if (q1 > q0)
                            {
                                Prefetch.Range(ref Unsafe.Add(ref rows, (nint)(q0 - r0) * cm), (nint)(q1 - q0) * cm);
                            }
                        }

                        ClColumnDispatch<T, TV, TS>(steps, k, ref xs, tapStep, ref kernel, kernelStride, ref bias, hasBias, ref ys, (nint)p * cm,
                            ca + (nint)v * w, blocks);
                    }

                    if (edges)
                    {
                        ClLineEdges<T, TV>(ref xs, tapStep, ref kernel, ref bias, hasBias, ref ys, (nint)p * cm, done, ca, c1, cm, k, tapStep);
                    }
                }

                for (int i = done; i < n; i++)
                {
                    ClChannels<T, TV, TS>(ref Unsafe.Add(ref xs, (nint)i * tapStep), ref kernel, ref bias, hasBias,
                        ref Unsafe.Add(ref ys, (nint)i * p * cm), ca, ce, k, tapStep, kernelStride);
                }

                if (done < n && edges)
                {
                    ClLineEdges<T, TV>(ref Unsafe.Add(ref xs, (nint)done * tapStep), tapStep, ref kernel, ref bias, hasBias,
                        ref Unsafe.Add(ref ys, (nint)done * p * cm), (nint)p * cm, n - done, ca, ce, cm, k, tapStep);
                }
            }
        }
    }

    /// <summary>
    /// Column walks (d rows between a sweep's loads) with one phase (d = s), or shorter than this many bytes, prefetch the
    /// next tile's rows in software. Measured on Zen 4, 64-byte-aligned buffers from memory, 1 thread: walks of 1 to
    /// 3 KiB with one phase (16x4096x256 k7 d1, 7x4096x640, 5x4096x768) and 2 KiB walks with several (16x4096x256 d2,
    /// 32x4096x128 d4) were up to 1.2x faster with it; walks of 3 KiB and more with several phases were 1.1x to 1.5x
    /// slower with it (16x4096x256 d4 8.2-9.2 ms against 5.8-6.4; d3, d8, 8x4096x512 d2 alike), the hardware prefetcher
    /// following those strides alone and the software requests only evicting lines a tile still needs.
    /// </summary>
    private const int ColumnPrefetchMaxWalkBytes = 3072;

    /// <summary>Output steps per register block of the channels_last interior.</summary>
    private const int BlockSteps = 4;

    /// <summary>
    /// Rows at least this long (one 4 KiB page) use <see cref="ClBlock{T, TV, TS}"/>. Measured on Zen 4: blocking is faster in
    /// cache and on page-sized rows (8x4096x1536: 1.5x faster), but on narrower rows streamed from memory it is up to 1.4x
    /// slower: the hardware stream prefetcher follows accesses within a 4 KiB page, and a block's rows interleaved in one
    /// page make those accesses jump back and forth.
    /// </summary>
    private const int BlockMinRowBytes = 4096;

    /// <summary>
    /// <see cref="BlockSteps"/> consecutive interior steps at once: 2 vectors of channels x 4 steps = 8 accumulators, each
    /// kernel vector loaded once per tap and used for all 4 steps (1.25 loads per multiply-add instead of 2; a Zen 4 core
    /// does one 512-bit load per cycle, so the one-load-per-operand loop is load-bound). Lane layout: lanes run across
    /// channels; step r of the block reads input at <c>x + r * stepStride</c>. Channels left over (fewer than 2 vectors)
    /// go through <see cref="ClChannels{T, TV, TS}"/> step by step; channels outside [<paramref name="ca"/>,
    /// <paramref name="ce"/>), the range stored the <typeparamref name="TS"/> way, through <see cref="ClLineEdges{T, TV}"/>.
    /// Per output: bias, then taps ascending, fused: same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClBlock<T, TV, TS>(ref T x, nint stepStride, ref T kernel, ref T bias, bool hasBias, ref T y, int cm, int taps, nint tapStep,
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
            ClChannels<T, TV, TS>(ref Unsafe.Add(ref x, r * stepStride), ref kernel, ref bias, hasBias, ref Unsafe.Add(ref y, (nint)r * cm), c0, ce,
                taps, tapStep, cm);
        }

        if (ca > 0 || ce < cm)
        {
            ClLineEdges<T, TV>(ref x, stepStride, ref kernel, ref bias, hasBias, ref y, cm, BlockSteps, ca, ce, cm, taps, tapStep);
        }
    }

    /// <summary>
    /// Channels [0, <paramref name="ca"/>) and [<paramref name="from"/>, <paramref name="cm"/>) of <paramref name="count"/>
    /// steps (step i reads <c>x + i * xStride</c>, writes <c>y + i * yStride</c>), ordinary stores: what a wider kernel
    /// left, fewer than a vector or a line at each end of a row. One call for all the steps, the widths inlined: called per
    /// step, the calls cost more than the work. Kernel rows are cm apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClLineEdges<T, TV>(ref T x, nint xStride, ref T kernel, ref T bias, bool hasBias, ref T y, nint yStride, int count,
        int ca, int from, int cm, int taps, nint tapStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        for (int i = 0; i < count; i++)
        {
            ref T xi = ref Unsafe.Add(ref x, i * xStride);
            ref T yi = ref Unsafe.Add(ref y, i * yStride);
            ClNarrow<T, TV>(ref xi, ref kernel, ref bias, hasBias, ref yi, 0, ca, taps, tapStep, cm);
            ClNarrow<T, TV>(ref xi, ref kernel, ref bias, hasBias, ref yi, from, cm, taps, tapStep, cm);
        }
    }

    /// <summary>Channels [c0, c1) with widths up to <typeparamref name="TV"/>'s, from 256 bits down, inlined.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClNarrow<T, TV>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int c1, int taps, nint tapStep,
        nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        if (TV.Count >= V256<T>.Count)
        {
            c0 = ClVectors<T, V256<T>, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, c1, taps, tapStep, kernelStep);
        }

        if (TV.Count >= V128<T>.Count)
        {
            c0 = ClVectors<T, V128<T>, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, c1, taps, tapStep, kernelStep);
        }

        ClVectors<T, S<T>, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, c1, taps, tapStep, kernelStep);
    }

    /// <summary>Channels from c0 one vector at a time while a whole vector fits below c1; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ClVectors<T, TV, TS>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int c1, int taps, nint tapStep,
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
    private static void ClEdgeRow<T, TV>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, ref T bias, bool hasBias, ref T yb, int t)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int cm = g.OutputChannels, d = g.Dilation;
        int start = t * g.Stride - g.PadLeft;
        int jlo = start >= 0 ? 0 : (-start + d - 1) / d;
        int jhi = start > g.Length - 1 ? 0 : Math.Min(g.KernelSize, (g.Length - 1 - start) / d + 1);
        if (jhi <= jlo)
        {
            // No valid tap (an output step wholly in the padding): the first-tap refs below would point outside.
            jlo = jhi = 0;
            start = r0;
        }

        ref T xr = ref Unsafe.Add(ref rows, (nint)(start + jlo * d - r0) * cm);
        ref T kr = ref Unsafe.Add(ref kernel, (nint)jlo * cm);
        ClChannels<T, TV>(ref xr, ref kr, ref bias, hasBias, ref Unsafe.Add(ref yb, (nint)t * cm), 0, cm, jhi - jlo, (nint)d * cm, cm);
    }

    /// <summary>
    /// Channels [c0, cm) of one step over taps [0, taps): x and kernel refs point at the first tap. Widest lanes first,
    /// then the next narrower width down to scalars; every lane does the same fused multiply-adds in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ClChannels<T, TV>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int cm, int taps,
        nint tapStep, nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T> =>
        ClChannels<T, TV, CachedStores>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);

    /// <summary>
    /// <see cref="ClChannels{T, TV}"/> with stores the <typeparamref name="TS"/> way. Streaming needs <c>y + c0</c>
    /// 64-byte aligned: each narrower width then starts where the wider one stopped, a multiple of its own size on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ClChannels<T, TV, TS>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int cm, int taps,
        nint tapStep, nint kernelStep)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        if (c0 >= cm)
        {
            return;
        }

        c0 = ClChannelsAt<T, TV, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        if (TV.Count > V256<T>.Count && c0 < cm)
        {
            c0 = ClChannelsAt<T, V256<T>, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        }

        if (TV.Count > V128<T>.Count && c0 < cm)
        {
            c0 = ClChannelsAt<T, V128<T>, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        }

        if (TV.Count > 1 && c0 < cm)
        {
            ClChannelsAt<T, S<T>, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ClChannelsAt<T, TV, TS>(ref T x, ref T kernel, ref T bias, bool hasBias, ref T y, int c0, int cm, int taps,
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

        return ClVectors<T, TV, TS>(ref x, ref kernel, ref bias, hasBias, ref y, c0, cm, taps, tapStep, kernelStep);
    }

    /// <summary>Computes output rows [o0, o1) of batch element b (row = one output channel), channels_first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CfRows<T, TV>(in Conv1DGeometry g, ref T x, ref T kernel, ref T bias, bool hasBias, ref T y,
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
            for (int o = o0; o < o1;)
            {
                int ci = o / m, mi = o % m;
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
                int rows = TV.Count > 1 && mi + CfGroup <= m && o + CfGroup <= o1 ? CfGroup : 1;
                int done = interiorStart;
                if (rows == CfGroup && inHi >= interiorStart)
                {
                    done = CfGroupInterior<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, ref bias, hasBias, o, ref yrow, lout,
                        interiorStart, inHi + 1, k);
                }

                for (int r = 0; r < rows; r++)
                {
                    T bv = hasBias ? Unsafe.Add(ref bias, o + r) : T.Zero;
                    CfRowRest<T, TV>(g, ref xrow, ref src, srcStride, phase, shift, ref Unsafe.Add(ref kcol, r), kStep, bv,
                        ref Unsafe.Add(ref yrow, (nint)r * lout), inLo, inHi, done, epilogue);
                }

                o += rows;
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

    /// <summary>Output rows <see cref="CfGroupInterior{T, TV}"/> computes together.</summary>
    private const int CfGroup = 4;

    /// <summary>
    /// One channels_first output row but its interior steps [interiorStart, done), already computed: the edge steps, the
    /// rest of the interior (widest width first, then 128-bit vectors, then scalars), the epilogue.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CfRowRest<T, TV>(in Conv1DGeometry g, ref T xrow, ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift,
        ref T kcol, nint kStep, T bv, ref T yrow, int inLo, int inHi, int done, Activation? epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        int lout = g.OutputLength, k = g.KernelSize;
        int interiorStart = Math.Max(inLo, 0);
        CfEdge(g, ref xrow, ref kcol, kStep, bv, ref yrow, 0, Math.Min(lout, interiorStart));
        int t = done;
        if (inHi >= t)
        {
            t = CfInterior<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, inHi + 1, k, interiorStart);
            if (TV.Count > V128<T>.Count && inHi + 1 - t >= V128<T>.Count)
            {
                t = CfInterior<T, V128<T>>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, inHi + 1, k, interiorStart);
            }

            if (t <= inHi)
            {
                t = CfInterior<T, S<T>>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, inHi + 1, k, interiorStart);
            }
        }

        CfEdge(g, ref xrow, ref kcol, kStep, bv, ref yrow, Math.Max(t, 0), lout);
        if (epilogue is not null)
        {
            var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref yrow, lout);
            epilogue.Forward<T>(span, span, lout);
        }
    }

    /// <summary>
    /// Interior steps from t, 2 vectors at a time, of <see cref="CfGroup"/> output rows that read the same input row (one
    /// input channel, multipliers mi .. mi + 3: kernel columns <c>kcol + r</c>, output rows <c>yrow + r * lout</c>, bias
    /// <c>bias[o + r]</c>). Each tap loads 2 input vectors and 4 broadcast kernel values for 8 multiply-adds, where one
    /// row at a time loads 5 for 4: 0.75 loads per multiply-add instead of 1.25. 8 accumulators + 4 kernel values + 2
    /// inputs fit the 16 registers of AVX2. Lane layout: lanes run along time. Per output: bias, then taps ascending,
    /// fused: same bits as <see cref="CfInterior{T, TV}"/>. Returns where it stopped (fewer than 2 vectors before end).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CfGroupInterior<T, TV>(ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift, ref T kcol, nint kStep,
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
    private static int CfInterior<T, TV>(ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift, ref T kcol, nint kStep,
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
            CfVector<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, t, k);
        }

        // Remainder: one vector ending at `end`, overlapping steps already done; they are recomputed with the same
        // operations, so the bits do not change. Only when the vector stays inside the interior.
        if (t < end && TV.Count > 1 && end - w >= interiorStart)
        {
            CfVector<T, TV>(ref src, srcStride, phase, shift, ref kcol, kStep, bv, ref yrow, end - w, k);
            t = end;
        }

        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CfVector<T, TV>(ref T src, int srcStride, ReadOnlySpan<int> phase, ReadOnlySpan<int> shift, ref T kcol, nint kStep,
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CfEdge<T>(in Conv1DGeometry g, ref T xrow, ref T kcol, nint kStep, T bias, ref T yrow, int t0, int t1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, s = g.Stride, d = g.Dilation, pl = g.PadLeft, k = g.KernelSize;
        for (int t = t0; t < t1; t++)
        {
            int start = t * s - pl;
            int jlo = start >= 0 ? 0 : (-start + d - 1) / d;
            int jhi = start > l - 1 ? 0 : Math.Min(k, (l - 1 - start) / d + 1);
            T acc = bias;
            for (int j = jlo; j < jhi; j++)
            {
                acc = T.FusedMultiplyAdd(Unsafe.Add(ref xrow, start + j * d), Unsafe.Add(ref kcol, j * kStep), acc);
            }

            Unsafe.Add(ref yrow, t) = acc;
        }
    }
}
