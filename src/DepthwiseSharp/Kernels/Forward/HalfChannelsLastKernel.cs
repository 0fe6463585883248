using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The 16-bit channels_last forward with the conversions in the kernel (bfloat16 or float16 by <typeparamref name="TL"/>,
/// AVX-512, M = 1 (HalfForward repeats rows M times for M &gt; 1), no fused activation; where it runs is <see cref="ForwardPolicy.HalfFusedPays{TH}"/>): each step reads
/// its input rows as 16-bit values, widens them in
/// registers, multiplies by the float32 kernel and rounds each output once into 16 bits. Memory then moves the 16-bit
/// bytes only, and no float32 copy of the data is written or read back (the tiled path, <see cref="HalfForward"/>, widens
/// tiles into float32 scratch first).
/// <para>Lane layout: lanes run across 16 channels (a 256-bit load of 16-bit values widens into one 512-bit float32
/// vector). The interior goes by the column kernel where the dilation is a multiple of the stride: 16 channels swept down
/// a block of 8 outputs with every tap widened into a register once and each row widened once per block (generated into
/// HalfColumnKernel.Generated.cs by tools/gen-forward-columns.py). Edge steps, a phase's last outputs and other strides go
/// step by step: 4 vectors per loop over the step's valid taps, then single vectors; the channels left over one by one
/// with the scalar conversions (the same bits).</para>
/// <typeparam name="TL">The 16-bit type's conversions (<see cref="BFloat16Lanes"/>, <see cref="HalfLanes"/>).</typeparam>
/// <para>The kernel is read as float32, widened from the type's values (exactly) once per call by the caller: the column
/// kernel loads its taps per block and half-line, and a float32 tap is one load where a 16-bit one is a load and a
/// conversion (float16 64x8192x256 k7, 1 thread: 47.5 -> 42.7 ms; bench/README.md).</para>
/// <para>Per output: bias, then the valid taps ascending, each a fused multiply-add in float32, then one rounding: the
/// operations of the float32 executor on the widened values, so the bits equal the tiled path's for every width and
/// thread count.</para>
/// </summary>
internal static partial class HalfChannelsLastKernel<TL>
    where TL : struct, IHalfLanes
{
    /// <summary>
    /// Output steps [t0, t1) of batch element b. x and y are 16-bit bits, the kernel (k, C, widened) and the bias (C, or a null ref) float32.
    /// The interior (every tap inside the sequence) takes the column kernel (<see cref="Columns"/>) where it walks the
    /// stride and dilation (<see cref="ColumnKernel.Walks"/>); the rest goes step by step. <paramref name="prefetch"/>: request input rows ahead (calls from
    /// memory). <paramref name="streamFrom"/>: -1, or the first channel the column kernel stores non-temporally in whole
    /// lines (<see cref="ForwardPolicy.StreamingStart{T}"/>; y pinned). With a <paramref name="wrapped"/> kernel
    /// (<see cref="ChannelsLastKernel.Wrap{T}"/>: k rows of C + streamFrom taps, taken modulo C; its bias row in
    /// <paramref name="wrappedBias"/>), every interior step but the last covers channels [streamFrom, C + streamFrom), its
    /// last line running on into the next step's first channels, whose inputs follow in memory at stride 1 and are read
    /// from s rows on at stride s (<see cref="StraddlingRows"/>): every line is then written whole by one step. The first
    /// step's head and the last step (unwrapped) take ordinary stores.
    /// <paramref name="scaled"/> and <paramref name="scaledWrapped"/>: float16 with finite taps and bias, the same taps
    /// times <see cref="FiniteHalfLanes.TapScale"/>, for the column tiles the finite lanes compute; otherwise null refs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(in Conv1DGeometry g, ref ushort x, ref float kernel, ref float bias, bool hasBias, ref ushort y, int b, int t0,
        int t1, bool prefetch, int streamFrom, ref float wrapped, ref float wrappedBias, ref float scaled, ref float scaledWrapped)
    {
        int l = g.Length, c = g.Channels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft, lout = g.OutputLength;
        ref ushort xb = ref Unsafe.Add(ref x, (nint)b * l * c);
        ref ushort yb = ref Unsafe.Add(ref y, (nint)b * lout * c);
        int inLo = pl <= 0 ? 0 : (pl + s - 1) / s;
        int lastStart = l - 1 - (k - 1) * d + pl;
        int inHi = lastStart < 0 ? -1 : lastStart / s;
        int a = Math.Clamp(inLo, t0, t1), z = Math.Clamp(inHi + 1, a, t1);
        if (z > a && ColumnKernel.Walks(s, d) && k <= ColumnKernel.MaxTaps && c >= Lanes)
        {
            Steps(g, ref xb, ref kernel, ref bias, hasBias, ref yb, t0, a, prefetch);
            nint tapStep = (nint)d * c;
            if (streamFrom > 0 && !Unsafe.IsNullRef(ref wrapped) && z - a >= 2)
            {
                // Interior step t reads from row t * s - pl.
                Step(ref Unsafe.Add(ref xb, (nint)(a * s - pl) * c), ref kernel, ref bias, hasBias, ref Unsafe.Add(ref yb, (nint)a * c), 0, streamFrom, c, k,
                    tapStep);
                Columns<StreamingStores>(g, ref xb, ref wrapped, ref scaledWrapped, c + streamFrom, ref wrappedBias, hasBias, ref yb, a, z - 1, prefetch,
                    streamFrom, true);
                StoreModes.Fence();
                Step(ref Unsafe.Add(ref xb, (nint)((z - 1) * s - pl) * c), ref kernel, ref bias, hasBias, ref Unsafe.Add(ref yb, (nint)(z - 1) * c), streamFrom,
                    c, c, k, tapStep);
            }
            else if (streamFrom >= 0)
            {
                Columns<StreamingStores>(g, ref xb, ref kernel, ref scaled, c, ref bias, hasBias, ref yb, a, z, prefetch, streamFrom, false);
                StoreModes.Fence();
            }
            else
            {
                Columns<CachedStores>(g, ref xb, ref kernel, ref scaled, c, ref bias, hasBias, ref yb, a, z, prefetch, 0, false);
            }

            Steps(g, ref xb, ref kernel, ref bias, hasBias, ref yb, z, t1, prefetch);
        }
        else
        {
            Steps(g, ref xb, ref kernel, ref bias, hasBias, ref yb, t0, t1, prefetch);
        }
    }

    /// <summary>16-bit values per 512-bit float32 vector.</summary>
    private const int Lanes = 16;

    /// <summary>Output steps per block of the column kernel (<see cref="Column1{TK}"/> and its siblings).</summary>
    private const int BlockSteps = 8;

    /// <summary>
    /// Interior steps [t0, t1) of one batch element (xb, yb at its start) by the column kernel, as the float32
    /// <see cref="ColumnKernel.Tiles{T, TV, TS}"/> walks them: tiles of <see cref="ForwardPolicy.ColumnTile{T}"/> steps (by
    /// the 16-bit rows' bytes), each split into p = d / s phases of outputs p apart (whose windows are one dilation apart;
    /// one phase with rows two units apart when s = 2 d, <see cref="ColumnKernel.RowSteps"/>), each phase swept a 64-byte
    /// line (32 channels, <see cref="ColumnLine1{TK, TS, TR}"/> and its row-step sibling) at a time from channel
    /// <paramref name="ca"/> in blocks of <see cref="BlockSteps"/> outputs, then 16 channels left over
    /// (<see cref="Column1{TK}"/>); a phase's last outputs and the channels before <paramref name="ca"/> and after the
    /// sweeps go step by step. The lines are stored the <typeparamref name="TS"/> way (streaming: <paramref name="ca"/> is
    /// the first line boundary of every output row); the rest takes ordinary stores. <paramref name="wrap"/> (a wrapped
    /// kernel of <paramref name="kernelStride"/> = C + ca taps a row, see <see cref="Rows"/>): each step covers [ca, C + ca)
    /// in whole lines, leftover steps included, and nothing else; at strides above 1 its last line straddling two steps. From memory the next tile's new rows
    /// are requested while a tile is computed, a slice per sweep, on the walks where the float32 column kernel requests
    /// them (<see cref="ColumnKernel.PrefetchesTiles"/>). <paramref name="scaled"/>: the taps for <see cref="FiniteHalfLanes"/>
    /// (<see cref="Rows"/>), laid out as <paramref name="kernel"/>, or a null ref.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns<TS>(in Conv1DGeometry g, ref ushort xb, ref float kernel, ref float scaled, nint kernelStride, ref float bias, bool hasBias,
        ref ushort yb, int t0, int t1, bool prefetch, int ca, bool wrap)
        where TS : struct, IStoreMode
    {
        int l = g.Length, c = g.Channels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        int p = Math.Max(1, d / s), rowSteps = ColumnKernel.RowSteps(s, d);
        int tile = ForwardPolicy.ColumnTile<BFloat16>(g, BlockSteps);
        int end = wrap ? c + ca : c;
        int lines = (end - ca) / (2 * Lanes), cl = ca + lines * 2 * Lanes;
        bool half = cl + Lanes <= end;
        int runs = tile == BlockSteps ? (lines + ColumnKernel.ChannelRun - 1) / ColumnKernel.ChannelRun : lines;
        int ce = half ? cl + Lanes : cl, sweeps = runs + (half ? 1 : 0);
        int first0 = wrap ? ca : 0;
        // A wrapped run with stride s > 1: each step's last line straddles into the next step's first ca channels, whose
        // inputs are s rows on, not the next row: that line's lanes from 32 - ca on are read (s - 1) * C values further
        // (StraddlingRows). The other lines read whole rows.
        bool straddle = wrap && s > 1;
        int plain = straddle ? lines - 1 : lines;
        nint other = (nint)(s - 1) * c;
        int split = 2 * Lanes - ca;
        nint tapStep = (nint)d * c, outputRows = (nint)p * s * c;
        bool prefetchTiles = prefetch && ColumnKernel.PrefetchesTiles(p, tapStep * sizeof(ushort));
        for (int ta = t0; ta < t1; ta += tile)
        {
            int tb = Math.Min(t1, ta + tile);

            // The next tile's new input rows, a slice per (phase, sweep).
            var inputs = prefetchTiles ? SweepSlices.NextInputRows(g, tb, tile, l, p * sweeps) : default;

            // float16 with finite taps and bias: the tile's sweeps run with the finite lanes, which check every input row
            // they load (IHalfLanes.Track); a tile with an infinity or NaN among them is computed again with the exact lanes, over
            // the same outputs. Checking the rows before the tile would wait on memory, and reading them again after it
            // cost about a tenth of the call (64x8192x256 k7, 1 thread).
            bool finite = typeof(TL) == typeof(HalfLanes) && !Unsafe.IsNullRef(ref scaled);
            while (true)
            {
                bool clean = true;
                ref float taps = ref finite ? ref scaled : ref kernel;
                // A whole tile of one block per phase (dilated walks with p = d / s of 3 or more): one call per line walks
                // the block through the p phases (each next phase one input row and one output row on), instead of one
                // call per line and phase, whose entry and taps cost about a sixth of a block (1x512x256 k7 d4, bfloat16:
                // 39-50 -> 32-33 us; bench/README.md), where ColumnKernel.WalksPhasesInOneCall says so. The same outputs with the
                // same operations: the same bits.
                bool phaseRun = ColumnKernel.WalksPhasesInOneCall(!prefetch, prefetchTiles, p, BlockSteps, tile, tb - ta);
                if (phaseRun)
                {
                    ref ushort x0 = ref Unsafe.Add(ref xb, (nint)(ta * s - pl) * c);
                    ref ushort y0 = ref Unsafe.Add(ref yb, (nint)ta * c);
                    for (int v = 0; v < plain; v++)
                    {
                        for (int phase = 0; phase < p; phase++)
                        {
                            inputs.Request(ref xb, 0, c, phase * sweeps + v);
                        }

                        clean &= Lines<TS, WholeRows>(finite, rowSteps, k, ref x0, tapStep, ref taps, kernelStride, ref bias, hasBias, ref y0, (nint)p * c,
                            ca + (nint)v * 2 * Lanes, p, (nint)s * c, c, 0, 0, 0);
                    }
                }

                for (int phase = 0; phase < p && ta + phase < tb; phase++)
                {
                    int first = ta + phase;
                    int n = (tb - first + p - 1) / p;
                    int blocks = n / BlockSteps;
                    int done = blocks * BlockSteps;
                    ref ushort xs = ref Unsafe.Add(ref xb, (nint)(first * s - pl) * c);
                    ref ushort ys = ref Unsafe.Add(ref yb, (nint)first * c);
                    if (done > 0)
                    {
                        // One block per tile (walks that alias in L1): a call walks the block across a run of lines.
                        for (int v = 0; tile == BlockSteps && v < plain; v += ColumnKernel.ChannelRun)
                        {
                            inputs.Request(ref xb, 0, c, phase * sweeps + v / ColumnKernel.ChannelRun);
                            clean &= Lines<TS, WholeRows>(finite, rowSteps, k, ref xs, tapStep, ref taps, kernelStride, ref bias, hasBias, ref ys, (nint)p * c,
                                ca + (nint)v * 2 * Lanes, Math.Min(ColumnKernel.ChannelRun, plain - v), 2 * Lanes, 2 * Lanes, 2 * Lanes, 0, 0);
                        }

                        for (int v = 0; tile != BlockSteps && !phaseRun && v < plain; v++)
                        {
                            inputs.Request(ref xb, 0, c, phase * sweeps + v);
                            clean &= Lines<TS, WholeRows>(finite, rowSteps, k, ref xs, tapStep, ref taps, kernelStride, ref bias, hasBias, ref ys, (nint)p * c,
                                ca + (nint)v * 2 * Lanes, blocks, BlockSteps * rowSteps * tapStep, BlockSteps * (nint)p * c, 0, 0, 0);
                        }

                        if (straddle)
                        {
                            inputs.Request(ref xb, 0, c, phase * sweeps + (tile == BlockSteps ? plain / ColumnKernel.ChannelRun : plain));
                            clean &= Lines<TS, StraddlingRows>(finite, rowSteps, k, ref xs, tapStep, ref taps, kernelStride, ref bias, hasBias, ref ys,
                                (nint)p * c, ca + (nint)plain * 2 * Lanes, blocks, BlockSteps * rowSteps * tapStep, BlockSteps * (nint)p * c, 0, other, split);
                        }

                        if (half)
                        {
                            inputs.Request(ref xb, 0, c, phase * sweeps + sweeps - 1);
                            if (finite)
                            {
                                clean &= HalfChannelsLastKernel<FiniteHalfLanes>.ColumnDispatch(rowSteps, k, ref xs, tapStep, ref scaled, kernelStride, ref bias, hasBias,
                                    ref ys, (nint)p * c, cl, blocks);
                            }
                            else
                            {
                                ColumnDispatch(rowSteps, k, ref xs, tapStep, ref kernel, kernelStride, ref bias, hasBias, ref ys, (nint)p * c, cl, blocks);
                            }
                        }

                        // Output i of the phase reads from row first * s - pl + i * p * s.
                        for (int i = 0; (first0 < ca || ce < end) && i < done; i++)
                        {
                            ref ushort xi = ref Unsafe.Add(ref xs, i * outputRows);
                            ref ushort yi = ref Unsafe.Add(ref ys, (nint)i * p * c);
                            Step(ref xi, ref kernel, ref bias, hasBias, ref yi, first0, ca, (int)kernelStride, k, tapStep);
                            Step(ref xi, ref kernel, ref bias, hasBias, ref yi, ce, end, (int)kernelStride, k, tapStep);
                        }
                    }

                    for (int i = done; i < n; i++)
                    {
                        ref ushort xi = ref Unsafe.Add(ref xs, i * outputRows);
                        ref ushort yi = ref Unsafe.Add(ref ys, (nint)i * p * c);
                        if (straddle)
                        {
                            // The step's own channels, then the next step's first ca from its own rows (s rows on).
                            Step(ref xi, ref kernel, ref bias, hasBias, ref yi, first0, c, (int)kernelStride, k, tapStep);
                            Step(ref Unsafe.Add(ref xi, (nint)s * c), ref kernel, ref bias, hasBias, ref Unsafe.Add(ref yi, c), 0, ca, (int)kernelStride, k, tapStep);
                        }
                        else
                        {
                            Step(ref xi, ref kernel, ref bias, hasBias, ref yi, first0, end, (int)kernelStride, k, tapStep);
                        }
                    }
                }

                if (!finite || clean)
                {
                    break;
                }

                // The streamed stores first, so that the exact ones land after them.
                StoreModes.Fence();
                finite = false;
            }
        }
    }

    /// <summary>
    /// The line sweeps, with <typeparamref name="TL"/>'s lanes or, where <paramref name="finite"/>, <see cref="FiniteHalfLanes"/>;
    /// returns whether every input row they loaded was finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Lines<TS, TR>(bool finite, int rowSteps, int taps, ref ushort x, nint rowStride, ref float kernel, nint kernelStride, ref float bias,
        bool hasBias, ref ushort y, nint outStride, nint c, int count, nint xStep, nint yStep, nint kStep, nint other, int split)
        where TS : struct, IStoreMode
        where TR : struct, ILineRows
    {
        if (finite)
        {
            return HalfChannelsLastKernel<FiniteHalfLanes>.ColumnLineDispatch<TS, TR>(rowSteps, taps, ref x, rowStride, ref kernel, kernelStride, ref bias,
                hasBias, ref y, outStride, c, count, xStep, yStep, kStep, other, split);
        }
        else
        {
            return ColumnLineDispatch<TS, TR>(rowSteps, taps, ref x, rowStride, ref kernel, kernelStride, ref bias, hasBias, ref y, outStride, c, count, xStep,
                yStep, kStep, other, split);
        }
    }

    /// <summary>Output steps [t0, t1) one at a time over each step's valid taps (edges, and interiors the columns do not take).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Steps(in Conv1DGeometry g, ref ushort xb, ref float kernel, ref float bias, bool hasBias, ref ushort yb, int t0, int t1,
        bool prefetch)
    {
        int l = g.Length, c = g.Channels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft;
        nint tapStep = (nint)d * c;
        int newRows = Math.Min(s, (k - 1) * d + 1);
        for (int t = t0; t < t1; t++)
        {
            int start = t * s - pl;

            var (jlo, jhi) = g.ValidTaps(start);

            if (prefetch)
            {
                // The rows step t + PrefetchRows reads that no earlier step read: its newest s.
                int newest = (t + ForwardPolicy.PrefetchRows) * s - pl + (k - 1) * d;
                int first = Math.Max(0, newest - newRows + 1), end = Math.Min(l, newest + 1);
                if (end > first)
                {
                    Prefetch.Range(ref Unsafe.Add(ref xb, (nint)first * c), (nint)(end - first) * c);
                }
            }

            // A step with no valid tap (wholly in the padding) reads nothing: its row refs stay at the batch start.
            ref ushort xr = ref jhi > jlo ? ref Unsafe.Add(ref xb, (nint)(start + jlo * d) * c) : ref xb;
            ref float kr = ref Unsafe.Add(ref kernel, (nint)jlo * c);
            Step(ref xr, ref kr, ref bias, hasBias, ref Unsafe.Add(ref yb, (nint)t * c), 0, c, c, jhi - jlo, tapStep);
        }
    }

    /// <summary>
    /// One step: channels [c0, c1) of c over <paramref name="taps"/> taps (x and kernel refs at the first), bias first; 4 and 1
    /// vectors of 16 lanes, then 8 lanes, then one channel at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref ushort x, ref float kernel, ref float bias, bool hasBias, ref ushort y, int c0, int c1, int c, int taps,
        nint tapStep)
    {
        const int W = Lanes;
        for (; c0 + 4 * W <= c1; c0 += 4 * W)
        {
            Vector512<float> a0 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)c0) : default;
            Vector512<float> a1 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)(c0 + W)) : default;
            Vector512<float> a2 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)(c0 + 2 * W)) : default;
            Vector512<float> a3 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)(c0 + 3 * W)) : default;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a0 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)xo)), Vector512.LoadUnsafe(ref kernel, (nuint)ko), a0);
                a1 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)(xo + W))), Vector512.LoadUnsafe(ref kernel, (nuint)(ko + W)), a1);
                a2 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)(xo + 2 * W))), Vector512.LoadUnsafe(ref kernel, (nuint)(ko + 2 * W)), a2);
                a3 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)(xo + 3 * W))), Vector512.LoadUnsafe(ref kernel, (nuint)(ko + 3 * W)), a3);
                xo += tapStep;
                ko += c;
            }

            TL.Narrow(a0).StoreUnsafe(ref y, (nuint)c0);
            TL.Narrow(a1).StoreUnsafe(ref y, (nuint)(c0 + W));
            TL.Narrow(a2).StoreUnsafe(ref y, (nuint)(c0 + 2 * W));
            TL.Narrow(a3).StoreUnsafe(ref y, (nuint)(c0 + 3 * W));
        }

        for (; c0 + W <= c1; c0 += W)
        {
            Vector512<float> a = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)c0) : default;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)xo)), Vector512.LoadUnsafe(ref kernel, (nuint)ko), a);
                xo += tapStep;
                ko += c;
            }

            TL.Narrow(a).StoreUnsafe(ref y, (nuint)c0);
        }

        for (; c0 + W / 2 <= c1; c0 += W / 2)
        {
            Vector256<float> a = hasBias ? Vector256.LoadUnsafe(ref bias, (nuint)c0) : default;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a = Vector256.FusedMultiplyAdd(TL.Widen(Vector128.LoadUnsafe(ref x, (nuint)xo)), Vector256.LoadUnsafe(ref kernel, (nuint)ko), a);
                xo += tapStep;
                ko += c;
            }

            TL.Narrow(a).StoreUnsafe(ref y, (nuint)c0);
        }

        for (; c0 < c1; c0++)
        {
            float a = hasBias ? Unsafe.Add(ref bias, c0) : 0f;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a = MathF.FusedMultiplyAdd(TL.Widen(Unsafe.Add(ref x, xo)), Unsafe.Add(ref kernel, ko), a);
                xo += tapStep;
                ko += c;
            }

            Unsafe.Add(ref y, c0) = TL.Narrow(a);
        }
    }
}

/// <summary>How the 16-bit line kernels load 16 values of a row (<c>ColumnLine1</c> and its siblings).</summary>
internal interface ILineRows
{
    /// <summary>The lanes of the half-line starting at lane <paramref name="first"/> (0 or 16) that read further on: lanes from <paramref name="split"/> on.</summary>
    static abstract Vector256<ushort> From(int split, int first);

    /// <summary>The 16 values at <c>x + i</c>, those in the lanes of <paramref name="from"/> taken <paramref name="other"/> values further on.</summary>
    static abstract Vector256<ushort> Load(ref ushort x, nint i, nint other, Vector256<ushort> from);
}

/// <summary>Whole rows: the 16 values at <c>x + i</c>.</summary>
internal readonly struct WholeRows : ILineRows
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> From(int split, int first) => default;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Load(ref ushort x, nint i, nint other, Vector256<ushort> from) => Vector256.LoadUnsafe(ref x, (nuint)i);
}

/// <summary>
/// A line straddling two output steps of a strided wrapped run: its lanes before the split hold the end of one step's
/// channels, read from that step's rows; the lanes from the split on hold the next step's first channels, which read
/// rows s further on, (s - 1) * C values past where a contiguous load would take them. Two loads and a blend: the load
/// further on reads only within the rows the next step reads anyway.
/// </summary>
internal readonly struct StraddlingRows : ILineRows
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> From(int split, int first) =>
        Vector256.GreaterThanOrEqual(Vector256.Create((ushort)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + Vector256.Create((ushort)first),
            Vector256.Create((ushort)split));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Load(ref ushort x, nint i, nint other, Vector256<ushort> from) =>
        Vector256.ConditionalSelect(from, Vector256.LoadUnsafe(ref x, (nuint)(i + other)), Vector256.LoadUnsafe(ref x, (nuint)i));
}
