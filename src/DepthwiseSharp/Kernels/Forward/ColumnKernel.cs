using System.Numerics;
using System.Runtime.CompilerServices;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The channels_last column kernel: instead of one output step at a time over all channels, one channel vector is swept
/// down a tile of output steps in blocks of <see cref="ForwardPolicy.ColumnSteps{TV}"/> outputs, every kernel tap held in a
/// register, so each input row is loaded once per block instead of once per tap. This file walks the tiles and phases;
/// the straight-line block code per (block, taps) is generated into ColumnKernel.Generated.cs by
/// tools/gen-forward-columns.py. Lane layout: lanes run across channels; channels left over (fewer than a vector) and a
/// phase's last outputs (fewer than a block) go through <see cref="ChannelsLastKernel.Channels{T, TV, TS}"/>. Where it
/// runs is <see cref="ForwardPolicy.ColumnsPay{T}"/>.
/// </summary>
internal static partial class ColumnKernel
{
    /// <summary>
    /// Interior steps [t0, t1) by the column kernel (<see cref="ColumnStep1{T, TV, TS, TB, TK}"/> and its siblings), tile by tile. Rows are
    /// counted in units of the dilation d (output t, tap j reads row t * s + j * d). When the stride divides the dilation,
    /// outputs p = d / s apart read window rows one unit apart ((t + p) * s = t * s + d), so each tile is split into p
    /// phases of outputs t, t + p, t + 2p, ...; when the dilation divides the stride (s = 2, d = 1), consecutive outputs
    /// start <see cref="RowSteps"/> units apart and there is one phase. A phase is swept one channel vector at a time in
    /// blocks of <paramref name="steps"/> outputs with the kernel in registers. The phase's last outputs (fewer than a
    /// block) and channels left over (fewer than a vector) go step by step through <see cref="ChannelsLastKernel.Channels{T, TV}"/>.
    /// A block of 8 outputs and 7 taps does 14 loads where the step loop does 112 (21 for 112 at stride 2); when it pays
    /// is <see cref="ForwardPolicy.ColumnsPay{T}"/>. The tile's sweeps read its rows column by column, which the hardware
    /// prefetcher does not stream on short walks, so while a tile is computed the next tile's rows are prefetched in
    /// sequence, a slice per channel vector (not on long walks with several phases: <see cref="ForwardPolicy.ColumnPrefetchMaxWalkBytes"/>).
    /// With ordinary stores the next tile's output rows are requested the same way, whatever the walk: each sweep stores one
    /// vector per row, every one to a different line, and stores to lines not in cache fill the store queue and stall the
    /// sweep while the lines are read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tiles<T, TV, TS>(in Conv1DGeometry g, ref T rows, int r0, ref T kernel, nint kernelStride, ref T bias, bool hasBias,
        ref T yb, int t0, int t1, int prefetchEnd, bool prefetchOutputs, int steps, int ca, int ce, bool wrappedKernel)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        int cm = g.OutputChannels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int w = TV.Count;
        int p = Math.Max(1, d / s), rowSteps = RowSteps(s, d);
        int tile = ForwardPolicy.ColumnTile<T>(g, steps);
        int vectors = (ce - ca) / w, c1 = ca + vectors * w;
        nint tapStep = (nint)d * cm, outputRows = (nint)p * s * cm;
        bool prefetchTiles = PrefetchesTiles(p, tapStep * Unsafe.SizeOf<T>());
        bool resident = ForwardPolicy.CacheResident<T>(g);

        // A wrapped kernel covers [ca, cm + ca) whole; the caller does the run's two ends.
        bool edges = !wrappedKernel && (ca > 0 || c1 < cm);

        // Sweeps per phase: one per channel vector, or with one block per tile one per run of ChannelRun vectors.
        int runs = (vectors + ChannelRun - 1) / ChannelRun, sweeps = tile == steps ? runs : vectors;
        for (int ta = t0; ta < t1; ta += tile)
        {
            int tb = Math.Min(t1, ta + tile);

            // The next tile's new input rows and output rows, a slice of each per (phase, sweep).
            var inputs = prefetchTiles ? SweepSlices.NextInputRows(g, tb, tile, prefetchEnd, p * sweeps) : default;
            var outputs = prefetchOutputs && !TS.Streaming ? new SweepSlices(tb, Math.Min(t1, tb + tile), p * sweeps) : default;

            // A whole tile of one block per phase (p = d / s of 3 or more): one call per channel vector walks the block
            // through the p phases (each next phase one input row and one output row on), instead of one call per vector
            // and phase, whose entry and taps cost a good part of one block (1x512x256 k7 d4 34 -> 30 us, 4x1000x128 k5
            // d4 103 -> 83 us). Not where the hardware prefetcher must follow the walk (from memory, walks too long to
            // request in software): it follows one phase's rows, not the jumps between phases (16x4096x256 k7 d4: 7-10
            // ms phase by phase, 12-14 through the phases). The same outputs with the same operations: the same bits.
            bool phaseRun = WalksPhasesInOneCall(resident, prefetchTiles, p, steps, tile, tb - ta);
            if (phaseRun)
            {
                ref T x0 = ref Unsafe.Add(ref rows, (nint)(ta * s - pl - r0) * cm);
                ref T y0 = ref Unsafe.Add(ref yb, (nint)ta * cm);
                for (int v = 0; v < vectors; v++)
                {
                    for (int phase = 0; phase < p; phase++)
                    {
                        inputs.Request(ref rows, r0, cm, phase * vectors + v);
                        outputs.Request(ref yb, 0, cm, phase * vectors + v);
                    }

                    Dispatch<T, TV, TS>(steps, k, rowSteps, ref x0, tapStep, ref kernel, kernelStride, ref bias, hasBias, ref y0, (nint)p * cm,
                        ca + (nint)v * w, p, (nint)s * cm, cm, 0);
                }
            }

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
                    // One block per tile (walks that alias in L1): each call walks the block across a run of channel
                    // vectors, so the calls and the requests ahead are per run, not per vector.
                    for (int v = 0; tile == steps && v < vectors; v += ChannelRun)
                    {
                        int run = Math.Min(ChannelRun, vectors - v), sweep = phase * runs + v / ChannelRun;
                        inputs.Request(ref rows, r0, cm, sweep);
                        outputs.Request(ref yb, 0, cm, sweep);
                        Dispatch<T, TV, TS>(steps, k, rowSteps, ref xs, tapStep, ref kernel, kernelStride, ref bias, hasBias, ref ys, (nint)p * cm,
                            ca + (nint)v * w, run, w, w, w);
                    }

                    for (int v = 0; tile != steps && !phaseRun && v < vectors; v++)
                    {
                        inputs.Request(ref rows, r0, cm, phase * vectors + v);
                        outputs.Request(ref yb, 0, cm, phase * vectors + v);

                        Dispatch<T, TV, TS>(steps, k, rowSteps, ref xs, tapStep, ref kernel, kernelStride, ref bias, hasBias, ref ys, (nint)p * cm,
                            ca + (nint)v * w, blocks, steps * rowSteps * tapStep, steps * (nint)p * cm, 0);
                    }

                    if (edges)
                    {
                        ChannelsLastKernel.LineEdges<T, TV>(ref xs, outputRows, ref kernel, ref bias, hasBias, ref ys, (nint)p * cm, done, ca, c1, cm, k, tapStep);
                    }
                }

                for (int i = done; i < n; i++)
                {
                    ChannelsLastKernel.Channels<T, TV, TS>(ref Unsafe.Add(ref xs, i * outputRows), ref kernel, ref bias, hasBias,
                        ref Unsafe.Add(ref ys, (nint)i * p * cm), ca, ce, k, tapStep, kernelStride);
                }

                if (done < n && edges)
                {
                    ChannelsLastKernel.LineEdges<T, TV>(ref Unsafe.Add(ref xs, done * outputRows), outputRows, ref kernel, ref bias, hasBias,
                        ref Unsafe.Add(ref ys, (nint)done * p * cm), (nint)p * cm, n - done, ca, ce, cm, k, tapStep);
                }
            }
        }
    }

    /// <summary>
    /// Channel vectors (or 16-bit lines) one call walks when a tile is one block (<see cref="ForwardPolicy.ColumnTile{T}"/>): enough that the
    /// call and its taps' loads are small against the run's work, few enough that the next tile's rows are requested in
    /// slices spread over the tile.
    /// </summary>
    internal const int ChannelRun = 8;

    /// <summary>
    /// Whether a tile of <paramref name="length"/> steps is walked through its phases in one call per channel vector (or
    /// line): a whole tile (<paramref name="tile"/> steps) of one block of <paramref name="steps"/> outputs in each of
    /// <paramref name="phases"/> (2 or more) phases, from the cache or where the next tile's rows are requested in
    /// software (<see cref="PrefetchesTiles"/>). From
    /// memory on longer walks the hardware prefetcher follows one phase's rows and loses the jumps between phases:
    /// 16x4096x256 k7 d4 float32 7-10 ms against 12-14, 16x2048x768 k7 d4 bfloat16 7.6-9.5 against 13.7-17.1
    /// (bench/README.md).
    /// </summary>
    internal static bool WalksPhasesInOneCall(bool resident, bool prefetchTiles, int phases, int steps, int tile, int length) =>
        (resident || prefetchTiles) && phases > 1 && length == tile && tile == steps * phases;

    /// <summary>
    /// Whether a tile's sweeps request the next tile's input rows: with one phase, or on column walks shorter than
    /// <see cref="ForwardPolicy.ColumnPrefetchMaxWalkBytes"/> (the hardware prefetcher follows the longer ones).
    /// </summary>
    internal static bool PrefetchesTiles(int phases, long walkBytes) => phases == 1 || walkBytes < ForwardPolicy.ColumnPrefetchMaxWalkBytes;

    /// <summary>
    /// Whether the column kernel can walk stride <paramref name="s"/> and dilation <paramref name="d"/>: the stride divides
    /// the dilation (phases), or the dilation divides the stride with at most 2 units between outputs (the generated code
    /// has row steps 1 and 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Walks(int s, int d) => d % s == 0 || (s % d == 0 && s / d <= 2);

    /// <summary>Units of d rows between consecutive outputs of a phase: s / d when d divides s, else 1.</summary>
    internal static int RowSteps(int s, int d) => s > d ? s / d : 1;
}

/// <summary>
/// Rows [First, End) that a column tile requests ahead, cut into equal slices, one per sweep (phase, channel vector), so
/// that the requests spread over the tile's work instead of arriving at once.
/// </summary>
internal readonly struct SweepSlices
{
    private readonly int _first, _end, _perSweep;

    /// <summary>Rows [<paramref name="first"/>, <paramref name="end"/>) in <paramref name="sweeps"/> slices; nothing when empty.</summary>
    public SweepSlices(int first, int end, int sweeps)
    {
        _first = first;
        _end = end;
        _perSweep = end > first && sweeps > 0 ? (end - first + sweeps - 1) / sweeps : 0;
    }

    /// <summary>
    /// The input rows a tile of output steps ending at <paramref name="tileEnd"/> leaves to the next tile of
    /// <paramref name="tile"/> steps (below row <paramref name="rowEnd"/>, absolute).
    /// </summary>
    public static SweepSlices NextInputRows(in Conv1DGeometry g, int tileEnd, int tile, int rowEnd, int sweeps)
    {
        int window = (g.KernelSize - 1) * g.Dilation + 1 - g.PadLeft;
        return new SweepSlices((tileEnd - 1) * g.Stride + window, Math.Min(rowEnd, (tileEnd + tile - 1) * g.Stride + window), sweeps);
    }

    /// <summary>Requests slice <paramref name="sweep"/>: row r is at <c>origin + (r - originRow) * rowLength</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Request<T>(ref T origin, int originRow, int rowLength, int sweep)
        where T : unmanaged
    {
        if (_perSweep == 0)
        {
            return;
        }

        int lo = _first + sweep * _perSweep, hi = Math.Min(_end, lo + _perSweep);
        if (hi > lo)
        {
            Prefetch.Range(ref Unsafe.Add(ref origin, (nint)(lo - originRow) * rowLength), (nint)(hi - lo) * rowLength);
        }
    }
}
