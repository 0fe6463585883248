using System.Runtime.CompilerServices;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// Every choice the forward kernels make for speed alone, in one place: how a call is split over threads, which
/// channels_last interior path runs, when stores bypass the cache, how far ahead to prefetch and how large blocks and
/// tiles are. None of it changes a result: every path computes each output as bias, then taps in ascending order, each a
/// fused multiply-add, so any of them may run anywhere (tests force each one). Each entry states the rule it encodes;
/// the cache sizes are those of the machine the rules were set on (32 KiB L1 data of 64 sets, 32 MiB L3), and the
/// measurements behind them are in bench/README.md.
/// </summary>
internal static class ForwardPolicy
{
    /// <summary>
    /// Multiply-adds below which a chunk is not worth handing to another thread: queueing the work item, waking a thread
    /// and taking chunks from the shared counter cost more than this much arithmetic. The gradients split by the same
    /// threshold.
    /// </summary>
    public const long MinChunkWork = 1 << 16;

    /// <summary>
    /// Work items per thread at most: a few per thread, so that a thread that finishes early takes another and uneven
    /// items even out, and not more, since each item's ends take slower paths.
    /// </summary>
    public const int ItemsPerThread = 4;

    /// <summary>
    /// The degree a call of <paramref name="work"/> multiply-adds runs at: on the calling thread alone below two chunks'
    /// worth (<see cref="MinChunkWork"/>), else <paramref name="maxDegree"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MaxDegreeFor(long work, int maxDegree) => work < 2 * MinChunkWork ? 1 : maxDegree;

    /// <summary>
    /// Output rows per channels_last work item at most when M &gt; 1, so that the scratch copy of the item's input rows
    /// repeated M times stays in L2. With M = 1 there is no scratch and an item is as long as the split over threads
    /// makes it (<see cref="ItemsPerThread"/>): each item's ends take slower paths (a wrapped run's last row, a column
    /// tile's leftover outputs), so shorter items only add ends.
    /// </summary>
    public const int ClRowsPerItem = 64;

    /// <summary>
    /// How many steps ahead the channels_last step loop requests the input rows new to a step (s of them) and, with
    /// ordinary stores, the output row. Each step reads k rows but only the newest are new to the cache, a pattern the
    /// hardware prefetcher does not follow; the request must be early enough to cover memory latency at the loop's pace,
    /// and late enough that the rows are still in L2 (where <see cref="Prefetch"/> puts them) when they are read.
    /// </summary>
    public const int PrefetchRows = 12;

    /// <summary>
    /// Steps of the channels_last step loop whose line-edge channels (the few outside the streamed lines) are computed in
    /// one call: for one step the narrow widths' calls cost more than the step's whole row.
    /// </summary>
    public const int EdgeSteps = 16;

    /// <summary>
    /// Rows (C*M*sizeof(T) bytes) from which the channels_last step loop computes <see cref="ChannelsLastKernel.BlockSteps"/>
    /// steps at a time, sharing each kernel vector across them: one 4 KiB page. The hardware stream prefetcher follows
    /// accesses within a page; on narrower rows a block's rows share a page and its loads jump back and forth inside it,
    /// which defeats the prefetcher from memory, while rows of a page or more each make their own stream.
    /// </summary>
    public const int BlockMinRowBytes = 4096;

    /// <summary>
    /// Input plus output bytes up to which a call counts as cache-resident: 14 MiB, under half the L3 (32 MiB), a size
    /// that stays in the last-level cache between producer and consumer. Below it <see cref="ColumnsPay{T}"/> takes the
    /// column kernel whatever the row's length (from the cache a vector that straddles two lines costs no extra memory
    /// traffic); above it <see cref="StreamingStart{T}"/> streams the output. It was half the L3 (16 MiB): calls of 15 to
    /// 16 MB then ran as calls from the cache and took 1.5x to 2.5x longer with 1 thread than on the path of calls from
    /// memory (2x1000x1000 k7, 1x1000x2000 k7; with 2 threads about even), where libtorch took half our time; at 12 MB
    /// the cache path is still the faster (bench/README.md).
    /// </summary>
    public const long CacheResidentBytes = 14L << 20;

    /// <summary>
    /// A column walk (a sweep's loads, d rows apart) whose stride is a multiple of this many bytes lands in at most 2 of
    /// L1's 64 sets (64-byte lines, 4 KiB per way), so a sweep evicts the rows the next sweep needs.
    /// </summary>
    public const int L1AliasStrideBytes = 2048;

    /// <summary>
    /// Whether a channels_last call requests input and output rows ahead in software (<see cref="PrefetchRows"/>, the
    /// column kernel's next tile): only when it is not cache-resident (input plus output above
    /// <see cref="CacheResidentBytes"/>). From memory the requests hide the latency the hardware prefetcher leaves; from the
    /// cache they only take load slots (1x128x64 k3: 2.2 us with them, 1.4 us without; bench/README.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Prefetches<T>(in Conv1DGeometry g)
        where T : unmanaged => !CacheResident<T>(g);

    /// <summary>
    /// <see cref="CacheResidentBytes"/> for 16-bit calls (the fused kernels, <see cref="HalfFusedPays{TH}"/>): a quarter
    /// of the L3. Between this and half the L3 (then the float32 threshold) the fused bfloat16 channels_last kernel ran 1.3x to 2.8x faster with the
    /// requests ahead and the streamed lines of a call from memory than as a call from the cache (32x1000x128 k9, 16.4 MB:
    /// 3.2 -> 1.1 ms; 24x1000x128, 12.3 MB: 1.04 -> 0.79 ms; from 8 MB down the two were even), where float32 calls of
    /// 12 MB ran faster as calls from the cache (0.30 against 0.40 ms; bench/README.md).
    /// </summary>
    public const long HalfCacheResidentBytes = 8L << 20;

    /// <summary>
    /// Whether input plus output, in elements of <typeparamref name="T"/>, fit <see cref="CacheResidentBytes"/>
    /// (<see cref="HalfCacheResidentBytes"/> for 16-bit types), and the call is not one of <see cref="PageRows{T}"/>'s,
    /// which take the path of calls from memory whatever their size.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CacheResident<T>(in Conv1DGeometry g)
        where T : unmanaged => CallBytes<T>(g) <= (Unsafe.SizeOf<T>() == 2 ? HalfCacheResidentBytes : CacheResidentBytes) && !PageRows<T>(g);

    /// <summary>
    /// float32 or float64 channels_last calls at stride 1, dilation 1 and M = 1 whose rows are a whole number of 4 KiB
    /// pages, or half a page. Every input row and every output row (every other one at half a page) then starts at the
    /// same offset in its page: from the cache, the step
    /// loop's k input rows and the output rows it has just stored all land in the same few L1 sets, and loads alias the
    /// pending stores. The path of calls from memory keeps the output out of L1 (streamed stores) and walks each block
    /// across all channels (one-block column tiles), 1.25x to 2.9x faster from the cache too (1x32x1024 k3 to 2x500x2048
    /// k5; 2 KiB rows with the column kernel of <see cref="HalfPageRowMinTaps"/>: 4x1000x512 k7 1.5 -> 0.9 ms); rows of
    /// 6 KiB lose (bench/README.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageRows<T>(in Conv1DGeometry g)
        where T : unmanaged =>
        Unsafe.SizeOf<T>() >= 4 && g.DataFormat == DataFormat.ChannelsLast && g.Stride == 1 && g.Dilation == 1 && g.DepthMultiplier == 1
        && ((long)g.OutputChannels * Unsafe.SizeOf<T>() % 4096 == 0 || (long)g.OutputChannels * Unsafe.SizeOf<T>() == 2048);

    /// <summary>
    /// Taps from which walks that alias in L1 over rows of half a page (2 KiB) take one-block column tiles from memory.
    /// The step loop loads every row once per tap and the column kernel about once per block, so the saving grows with
    /// k, while a block's loads jumping between the two rows of each page cost the prefetcher a fixed amount: 64x2048x512
    /// k7 33 -> 21 ms, 16x4096x512 k4 11.4 -> 9.9, but 32x4096x512 k3 15.3 -> 18.9 (bench/README.md).
    /// </summary>
    public const int HalfPageRowMinTaps = 4;

    /// <summary>The bytes a call reads and writes at least: its input and its output, in elements of <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long CallBytes<T>(in Conv1DGeometry g)
        where T : unmanaged => ((long)g.InputCount + g.OutputCount) * Unsafe.SizeOf<T>();

    /// <summary>
    /// Whether the channels_last interior takes the column kernel, decided once per call from the geometry. The column
    /// kernel loads each input row once per block of outputs instead of once per tap, which pays wherever its strided
    /// sweeps are served well:
    /// <list type="bullet">
    /// <item>on walks that alias in L1 (<see cref="ColumnWalkAliases{T}"/>), only on the path of calls from memory (not
    /// <see cref="CacheResident{T}"/>; from the cache the step loop's block is faster, but for <see cref="PageRows{T}"/>)
    /// with rows a whole number of 64-byte lines, M = 1 and rows of at least <see cref="BlockMinRowBytes"/>: the tiles are
    /// then one block long (<see cref="ColumnTile{T}"/>), so the kernel walks every channel of a block's rows before the
    /// next block, as the step loop's <see cref="ChannelsLastKernel.BlockSteps"/>-step block does, but loading each row
    /// once instead of once per tap. On shorter rows a block's loads jump back and forth inside a page, which costs the
    /// hardware prefetcher (as for the step loop's block): there the step loop, reading rows in order, is faster below
    /// <see cref="HalfPageRowMinTaps"/> taps;</item>
    /// <item>otherwise with M = 1, whatever the rows' length and the buffers' alignment: a tile's rows (about
    /// <see cref="ColumnTileTarget"/> steps) stay in L1/L2 across its sweeps, so a line that two rows share is read from
    /// memory once, and the tile's rows and output rows are requested ahead (<see cref="ColumnKernel.Tiles{T, TV, TS}"/>).
    /// The step loop loads every row once per tap, so from memory rows that are not whole lines take the column kernel
    /// too (1.5x to 2.5x faster on rows under a page, as fast on longer ones; bench/README.md);</item>
    /// <item>otherwise (M &gt; 1) when input plus output fit <see cref="CacheResidentBytes"/>: from memory the step loop
    /// over the repeated rows was faster.</item>
    /// </list>
    /// The kernel must also apply at all (a stride and dilation it walks, <see cref="ColumnKernel.Walks"/>, at most <see cref="ColumnTapLimit"/> taps,
    /// a vector of channels); <see cref="ChannelsLastKernel"/> checks that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ColumnsPay<T>(in Conv1DGeometry g)
        where T : unmanaged
    {
        long rowBytes = (long)g.OutputChannels * Unsafe.SizeOf<T>();
        if (ColumnWalkAliases<T>(g))
        {
            return rowBytes % 64 == 0 && g.DepthMultiplier == 1 && (rowBytes >= BlockMinRowBytes || g.KernelSize >= HalfPageRowMinTaps)
                && !CacheResident<T>(g);
        }

        return g.DepthMultiplier == 1 || CacheResident<T>(g);
    }

    /// <summary>
    /// Whether a column sweep's loads all land in at most 2 of L1's 64 sets: one phase (d &lt;= s) and a walk
    /// <c>d * C * M * sizeof(T)</c> that is a multiple of <see cref="L1AliasStrideBytes"/>. A sweep down a long tile then
    /// evicts its own rows and the lines the next sweep needs (a tile of 32 steps reads 35 rows at k = 4 into 16 lines).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ColumnWalkAliases<T>(in Conv1DGeometry g)
        where T : unmanaged => g.Dilation <= g.Stride && (long)g.Dilation * g.OutputChannels * Unsafe.SizeOf<T>() % L1AliasStrideBytes == 0;

    /// <summary>
    /// Output steps per column tile for blocks of <paramref name="steps"/> outputs: every channel vector of a tile is swept
    /// before the next tile, so the tile's rows must stay in cache across its sweeps. Walks that alias in L1
    /// (<see cref="ColumnWalkAliases{T}"/>) take one block per tile, whose rows ((steps - 1) * s + (k - 1) * d + 1: 11 at
    /// k = 4) about fit the 16 lines of the 2 sets they land in; other walks take about <see cref="ColumnTileTarget"/> steps,
    /// a whole number of blocks in each of the d / s phases.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ColumnTile<T>(in Conv1DGeometry g, int steps)
        where T : unmanaged
    {
        int phases = Math.Max(1, g.Dilation / g.Stride);
        return ColumnWalkAliases<T>(g) ? steps * phases : steps * phases * Math.Max(1, ColumnTileTarget / (steps * phases));
    }

    /// <summary>
    /// Outputs per column block: 8 where the ISA has 32 vector registers (AVX-512, the only one with 64-byte vectors),
    /// else 4 (16 registers), so that the block's accumulators, the kernel taps and the row being read all stay in
    /// registers.
    /// </summary>
    public static int ColumnSteps<TV>()
        where TV : struct => Unsafe.SizeOf<TV>() >= 64 ? 8 : 4;

    /// <summary>
    /// Most taps the column kernel takes for a block of <paramref name="steps"/> outputs: a block holds steps + taps + 1
    /// registers (accumulators, taps, the row being read), so 4 steps leave room for 11 taps in 16 registers, and 8 steps
    /// in 32 registers for all <see cref="ColumnKernel.MaxTaps"/> the generated code has. More taps take the step loop.
    /// </summary>
    public static int ColumnTapLimit(int steps) => steps == 8 ? ColumnKernel.MaxTaps : 11;

    /// <summary>
    /// Output steps per column tile on walks that do not alias in L1 (<see cref="ColumnTile{T}"/>): the tile's input rows
    /// (about this many times the stride, plus the window) stay in L1/L2 across its sweeps.
    /// </summary>
    public const int ColumnTileTarget = 32;

    /// <summary>
    /// Column walks (d rows between a sweep's loads) shorter than this many bytes, or with one phase (d = s), prefetch
    /// the next tile's rows in software while a tile is computed: the hardware prefetcher does not stream such short
    /// column walks. On longer walks with several phases it follows the stride itself, and software requests would only
    /// evict lines the tile still needs.
    /// </summary>
    public const int ColumnPrefetchMaxWalkBytes = 3072;

    /// <summary>
    /// The first channel a channels_last call stores non-temporally (the interior rows from there to the row's end), or
    /// -1 for ordinary stores; decided once per call. A store that bypasses the cache writes a whole line without
    /// reading it first, so streaming the output costs one pass over it instead of two, and leaves the cache to the input.
    /// It needs a call that is not cache-resident (input plus output above <see cref="CacheResidentBytes"/>, unless
    /// <paramref name="force"/>: above it the input's passage through the cache evicts the output's first lines before the
    /// call ends, so reading each line for ownership before writing it buys the output's reader little), no epilogue (the
    /// activation would read the output back from memory), rows a whole number of 64-byte lines (every row then starts
    /// at the same offset in its line) and a vector width. The streamed part starts at the first 64-byte boundary of the
    /// row, so any element alignment works; the channels before it take ordinary stores. channels_first never streams:
    /// its rows are already written in order at close to the memory floor.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int StreamingStart<T>(in Conv1DGeometry g, nint y, bool hasEpilogue, KernelVariant variant, bool force)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        long rowBytes = (long)g.OutputChannels * size;
        if (g.DataFormat != DataFormat.ChannelsLast || hasEpilogue || variant == KernelVariant.Scalar || rowBytes % 64 != 0 || y % size != 0
            || (!force && CacheResident<T>(g)))
        {
            return -1;
        }

        return (int)((64 - (y & 63)) & 63) / size;
    }

    /// <summary>
    /// Whether a streaming channels_last call's column kernel walks each block across the row's vectors from the input's
    /// line boundaries and stitches the output lines in registers (ChannelsLastKernel.StitchedRun) instead of sweeping
    /// vectors from the output's line boundaries: stride 1, the input's first streamed value (<paramref name="xLine"/>,
    /// its address) not on a line boundary (x and y at different offsets in their lines), and a walk whose tap step
    /// (d * C * M values) is a whole number of 4 KiB pages. With such a step every tap row of a block has the page offset
    /// of the output rows whose stores are pending, and loads that straddle lines beside them wait: 16x4096x256 k7 d4, 1
    /// thread, x one float before y's offset, 11.4-12.0 ms swept, 7.4 stitched; y one float before x's, 8.0 and 7.3
    /// (6.3-6.6 with x and y at the same offset). On other walks the sweeps' tiles serve the cache better than walking
    /// blocks across rows: 64x8192x256 k7 41.8 swept, 63 stitched (bench/README.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool StitchesLines<T>(in Conv1DGeometry g, nint xLine)
        where T : unmanaged =>
        g.Stride == 1 && (xLine & 63) != 0 && (long)g.Dilation * g.OutputChannels * Unsafe.SizeOf<T>() % 4096 == 0;

    /// <summary>
    /// Input plus output bytes from which a cache-resident call stores whole aligned lines (<see cref="AlignedLinesStart{T}"/>):
    /// half a Zen 4/5 core's L2.
    /// </summary>
    public const long AlignedLinesMinBytes = 512 * 1024;

    /// <summary>
    /// The first channel from which a cache-resident channels_last call stores whole 64-byte lines with ordinary stores,
    /// or -1: the calls <see cref="StreamingStart{T}"/> leaves out for being cache-resident, when they have stride 1,
    /// M = 1, rows a whole number of lines, no epilogue, the 512-bit width, and input plus output of at least
    /// <see cref="AlignedLinesMinBytes"/>. The interior then runs from the row's first line boundary with the kernel
    /// wrapped (as streaming calls do), so no store straddles two lines: 2x1000x256 k5 0.160 -> 0.125 ms, 1x512x256 k5
    /// 0.040 -> 0.031, 1x4096x256 k7 0.33 -> 0.27; smaller calls do not repay the wrap's fixed costs (copying the
    /// kernel, a run's two ends: 1x128x64 k3 1.46 -> 1.53 us, 1x256x128 k3 even; bench/README.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AlignedLinesStart<T>(in Conv1DGeometry g, nint y, bool hasEpilogue, KernelVariant variant)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        long rowBytes = (long)g.OutputChannels * size;
        if (g.DataFormat != DataFormat.ChannelsLast || hasEpilogue || variant != KernelVariant.Vector512 || rowBytes % 64 != 0 || y % size != 0
            || g.Stride != 1 || g.DepthMultiplier != 1 || !CacheResident<T>(g) || CallBytes<T>(g) < AlignedLinesMinBytes)
        {
            return -1;
        }

        return (int)((64 - (y & 63)) & 63) / size;
    }

    /// <summary>
    /// Whether a 16-bit call takes a fused kernel (<see cref="HalfChannelsLastKernel{TL}"/>, <see cref="HalfChannelsFirstKernel{TL}"/>) instead of the
    /// tiled path: bfloat16 or float16, channels_last (with M &gt; 1 each work item's rows repeated M times first, as the float32
    /// executor does: 16x2048x64 k5 M4, bfloat16, 1 thread: 6.4 ms tiled, 2.7 fused, float32 5.3) and no fused activation, at the 512-bit width with AVX-512 BW (the
    /// kernel widens 16 values of 2 bytes into one 512-bit vector and packs rounded lines with a word permute), on calls
    /// that are not cache-resident (input plus output above <see cref="HalfCacheResidentBytes"/>: the bytes the fusion saves
    /// are what such calls wait for), that fit one tile (<see cref="HalfTileBytes"/>: the tiled path's fixed costs
    /// dominate), or whose rows are whole 64-byte lines (C * M a multiple of 32): from the cache its line sweeps then beat
    /// widening tiles for the float32 column kernel (32x1000x128 k9, 1 thread: 1.15 ms fused, 1.77 ms tiled, float32
    /// 1.11 ms; 4x1024x512 k5: 0.37, 1.2 and 0.95 ms), while rows that straddle lines do not (8x2000x100 k5: 0.93 fused,
    /// 0.76 tiled; bench/README.md). The fused kernel widens an input value once per block that reads it: two
    /// instructions per vector for bfloat16, three for float16 in column tiles whose inputs are all finite
    /// (<see cref="FiniteHalfLanes"/>; about ten otherwise, no conversion instruction being exposed to .NET 10), and
    /// float16's tiled path pays its widening and rounding as whole passes, so float16 fuses by the same rule (it beat the
    /// tiled path on every channels_last shape measured, 1x128x64 k3 to 64x8192x256 k7; bench/README.md). Both give the
    /// same bits.
    /// <para>channels_first 16-bit calls take <see cref="HalfChannelsFirstKernel{TL}"/> at strides 1 and 2 (any multiplier, from
    /// memory or the cache: each 64-byte load widens as two vectors of 16 values, and it beat the tiled path on every shape
    /// measured, 1x128x64 k3 to 64x8192x256 k7, float16 matching it on 1x128x64; bench/README.md); larger strides take
    /// the tiled path, whose float32 kernel splits the row into phases.</para>
    /// </summary>
    public static bool HalfFusedPays<TH>(in Conv1DGeometry g, KernelVariant variant, Activation? epilogue)
        where TH : unmanaged =>
        (typeof(TH) == typeof(BFloat16) || typeof(TH) == typeof(Half))
        && epilogue is null && variant == KernelVariant.Vector512
        && (g.DataFormat == DataFormat.ChannelsFirst ? g.Stride <= 2
            : !CacheResident<TH>(g) || CallBytes<TH>(g) <= HalfTileBytes || (long)g.OutputChannels * 2 % 64 == 0)
        && System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported;

    /// <summary>
    /// The first channel the fused 16-bit channels_last kernel stores non-temporally, or -1: <see cref="StreamingStart{T}"/>'s
    /// rule, except that with strides above 1 that the column kernel does not walk (<see cref="ColumnKernel.Walks"/>;
    /// unless <paramref name="force"/>) only an output whose lines start at each row's start streams: the step loop would
    /// do the channels around the lines, every step, slower than not streaming (16x4096x256 k7 s2, 1 thread, lines 14
    /// values in: 5.3 ms streamed that way, 4.5 not; 3.0 when aligned). Where it walks, a wrapped run's line straddling
    /// two steps reads each step's part from its own rows (<see cref="StraddlingRows"/>), so every line is whole.
    /// </summary>
    public static int FusedStreamingStart(in Conv1DGeometry g, nint y, bool force)
    {
        int start = StreamingStart<BFloat16>(g, y, false, KernelVariant.Vector512, force);
        return start > 0 && g.Stride != 1 && !force && !ColumnKernel.Walks(g.Stride, g.Dilation) ? -1 : start;
    }

    /// <summary>
    /// The float32 bytes (input rows plus output rows) one tile of the 16-bit pass (HalfForward) aims at: a quarter of a Zen 4/5 core's 1 MiB L2 (and half
    /// of a 512 KiB one), so a tile's widened input and its float32 output are still in L2 when they are read back.
    /// </summary>
    public const int HalfTileBytes = 256 * 1024;

    /// <summary>
    /// channels_first output steps per tile row of the 16-bit pass: long enough that the row kernel's per-row start-up is small against a
    /// row's work, short enough that a few channels of rows still fit <see cref="HalfTileBytes"/>.
    /// </summary>
    public const int HalfFirstSteps = 4096;
}
