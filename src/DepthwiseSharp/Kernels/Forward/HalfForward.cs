using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The forward pass for 16-bit storage (<see cref="Half"/>, <see cref="BFloat16"/>): the input is read as 16-bit values and
/// the output written as 16-bit values, so memory moves half the bytes of float32, while every product and sum is float32.
/// </summary>
/// <remarks>
/// The work is cut into tiles of (batch element, block of channels, block of output steps). A tile's input rows are
/// widened into a float32 scratch buffer small enough to stay in the core's L2 cache, the float32 executor runs on them
/// with the tile's share of the padding (bias fused), and its float32 results are rounded once into the output.
/// Tile boundaries depend only on the geometry, never on the thread count, and each output element is computed by the
/// same float32 arithmetic as in <see cref="ForwardExecutor"/>: results are identical for every thread count and SIMD width.
/// 16-bit calls may instead take a fused kernel (<see cref="HalfChannelsLastKernel{TL}"/>, <see cref="HalfChannelsFirstKernel{TL}"/>),
/// which widens in registers and writes no float32 copy (<see cref="ForwardPolicy.HalfFusedPays{TH}"/>); it computes the
/// same operations, so the same bits.
/// </remarks>
internal static class HalfForward
{
    /// <summary>The convolution of 16-bit input and weights into 16-bit output.</summary>
    public static void Forward<TH>(in Conv1DGeometry g, ReadOnlySpan<TH> x, ReadOnlySpan<TH> kernel, ReadOnlySpan<TH> bias, Span<TH> y,
        KernelVariant variant, Activation? epilogue, int maxDegree)
        where TH : unmanaged
    {
        float[] b32 = ArrayPool<float>.Shared.Rent(bias.Length);
        try
        {
            Widen(bias, b32);
            if (g.OutputCount > 0 && ForwardPolicy.HalfFusedPays<TH>(g, variant, epilogue))
            {
                // The fused kernel reads the 16-bit kernel as it is.
                Fused(g, x, MemoryMarshal.Cast<TH, ushort>(kernel), b32.AsSpan(0, bias.Length), y, maxDegree);
                return;
            }

            float[] k32 = ArrayPool<float>.Shared.Rent(kernel.Length);
            try
            {
                Widen(kernel, k32);
                Forward(g, x, k32.AsSpan(0, kernel.Length), b32.AsSpan(0, bias.Length), y, variant, epilogue, maxDegree);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(k32);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(b32);
        }
    }

    /// <summary>
    /// The convolution of 16-bit input with weights given as float32 values that <typeparamref name="TH"/> holds exactly
    /// (a layer's weights after <see cref="RoundTo{TH}"/>). With an <paramref name="epilogue"/> (an elementwise activation),
    /// each output is <c>round(act(round(z)))</c>: the pre-activation is rounded to the 16-bit type first, as Keras computes
    /// it in that type, and the activation runs in float32 on it.
    /// </summary>
    public static void Forward<TH>(in Conv1DGeometry g, ReadOnlySpan<TH> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<TH> y,
        KernelVariant variant, Activation? epilogue, int maxDegree)
        where TH : unmanaged
    {
        if (g.OutputCount == 0)
        {
            return;
        }

        if (ForwardPolicy.HalfFusedPays<TH>(g, variant, epilogue))
        {
            // The kernel in 16 bits (exact: its values are the type's): half the float32 kernel's cache footprint, which
            // with a step's input rows must fit L1 (8x4096x1536 k4: 24 KiB of float32 taps alone).
            ushort[] k16 = ArrayPool<ushort>.Shared.Rent(kernel.Length);
            try
            {
                Narrow<TH>(kernel, MemoryMarshal.Cast<ushort, TH>(k16.AsSpan(0, kernel.Length)));
                Fused(g, x, k16.AsSpan(0, kernel.Length), bias, y, maxDegree);
            }
            finally
            {
                ArrayPool<ushort>.Shared.Return(k16);
            }

            return;
        }

        // A tile is (batch element, block of channels, block of output steps). channels_last keeps every channel in a tile
        // (its rows are contiguous across channels) and blocks the steps to fit the tile budget; channels_first keeps rows of up
        // to ForwardPolicy.HalfFirstSteps output steps (long rows for the row kernel) and blocks the channels to fit the tile budget.
        int c = g.Channels, m = g.DepthMultiplier, s = g.Stride;
        int steps, blockChannels;
        if (g.DataFormat == DataFormat.ChannelsLast)
        {
            blockChannels = c;
            steps = (int)Math.Clamp(ForwardPolicy.HalfTileBytes / (4L * ((long)s * c + (long)c * m)), 1, g.OutputLength);
        }
        else
        {
            steps = Math.Min(g.OutputLength, ForwardPolicy.HalfFirstSteps);
            long rowBytes = 4L * ((long)(steps - 1) * s + g.EffectiveKernelSize + (long)steps * m);
            blockChannels = (int)Math.Clamp(ForwardPolicy.HalfTileBytes / rowBytes, 1, c);
        }

        // The float32 kernel, laid out block by block: block i's (k, channels, M) taps are contiguous, as a tile's
        // geometry wants them (one block is the kernel as it is).
        float[] k32 = ArrayPool<float>.Shared.Rent(kernel.Length);
        int k = g.KernelSize;
        for (int c0 = 0; c0 < c; c0 += blockChannels)
        {
            int cb = Math.Min(blockChannels, c - c0);
            for (int j = 0; j < k; j++)
            {
                kernel.Slice((j * c + c0) * m, cb * m).CopyTo(k32.AsSpan(k * c0 * m + j * cb * m, cb * m));
            }
        }

        int timeBlocks = (g.OutputLength + steps - 1) / steps;
        int channelBlocks = (c + blockChannels - 1) / blockChannels;
        var job = JobPool<HalfJob<TH>>.Rent();
        unsafe
        {
            fixed (TH* px = x)
            fixed (TH* py = y)
            fixed (float* pk = k32)
            fixed (float* pb = bias)
            {
                job.Set(g, px, py, pk, bias.IsEmpty ? null : pb, variant, epilogue, steps, timeBlocks, blockChannels, channelBlocks);
                try
                {
                    long work = (long)g.OutputCount * g.KernelSize;
                    ParallelChunks.Run(job, g.Batch * channelBlocks * timeBlocks, ForwardPolicy.MaxDegreeFor(work, maxDegree));
                }
                finally
                {
                    job.Clear();
                    JobPool<HalfJob<TH>>.Return(job);
                    ArrayPool<float>.Shared.Return(k32);
                }
            }
        }
    }

    /// <summary>
    /// The fused path (<see cref="HalfChannelsLastKernel{TL}"/>, <see cref="HalfChannelsFirstKernel{TL}"/>): items of (batch element,
    /// block of output steps or channels), split as <see cref="ForwardExecutor"/> splits calls; each output is computed the
    /// same way whichever item holds it.
    /// The column kernel's whole lines are stored non-temporally where <see cref="ForwardPolicy.StreamingStart{T}"/> says so
    /// (<paramref name="streaming"/>: null decides so, true streams whatever the size where the rows allow it, false never;
    /// tests force both).
    /// </summary>
    internal static unsafe void Fused<TH>(in Conv1DGeometry g, ReadOnlySpan<TH> x, ReadOnlySpan<ushort> kernel, ReadOnlySpan<float> bias, Span<TH> y,
        int maxDegree, bool? streaming = null)
        where TH : unmanaged
    {
        long work = (long)g.OutputCount * g.KernelSize;
        bool last = g.DataFormat == DataFormat.ChannelsLast;
        var (blockSize, blocksPerBatch) = ForwardExecutor.Items(work, g.Batch, last ? g.OutputLength : g.OutputChannels, ParallelChunks.Degree(maxDegree),
            last && g.DepthMultiplier > 1 ? ForwardPolicy.ClRowsPerItem : int.MaxValue);
        fixed (TH* px = x)
        fixed (TH* py = y)
        {
            int streamFrom = streaming == false || !last ? -1 : ForwardPolicy.FusedStreamingStart(g, (nint)py, streaming == true);

            // channels_last reads the kernel as float32, widened once here: a tap is then one load per block, not a load and
            // a conversion. Streaming from a channel past the row's start: the kernel and bias wrapped
            // (HalfChannelsLastKernel.Rows).
            float[]? k32 = last ? ArrayPool<float>.Shared.Rent(kernel.Length) : null;
            if (last)
            {
                Widen<TH>(MemoryMarshal.Cast<ushort, TH>(kernel), k32.AsSpan(0, kernel.Length));
            }

            // float16 with finite taps and bias (the one check for both layouts): column tiles (channels_last) or rows
            // (channels_first) whose inputs are finite take the finite lanes, whose channels_last taps are scaled here.
            bool float16 = typeof(TH) == typeof(Half);
            bool finiteTaps = float16 && FiniteHalfLanes.AllFinite(kernel) && AllFinite(bias);
            float[]? s32 = last && finiteTaps ? ArrayPool<float>.Shared.Rent(kernel.Length) : null;
            if (s32 is not null)
            {
                TensorPrimitives.Multiply(k32.AsSpan(0, kernel.Length), FiniteHalfLanes.TapScale, s32.AsSpan(0, kernel.Length));
            }

            int wl = g.OutputChannels + streamFrom;
            bool wrap = streamFrom > 0;
            int wrappedLength = (g.KernelSize + 1) * wl;
            float[]? wk = wrap ? ArrayPool<float>.Shared.Rent(wrappedLength) : null;
            float[]? ws = wrap && s32 is not null ? ArrayPool<float>.Shared.Rent(wrappedLength) : null;
            float[]? wb = wrap ? ArrayPool<float>.Shared.Rent(wl) : null;
            if (wrap)
            {
                ChannelsLastKernel.Wrap(k32.AsSpan(0, kernel.Length), [], wk, g.OutputChannels, g.KernelSize, streamFrom);
                ChannelsLastKernel.Wrap(ReadOnlySpan<float>.Empty, bias, wb, g.OutputChannels, 0, streamFrom);
                if (ws is not null)
                {
                    ChannelsLastKernel.Wrap(s32.AsSpan(0, kernel.Length), [], ws, g.OutputChannels, g.KernelSize, streamFrom);
                }
            }

            var job = JobPool<FusedJob>.Rent();
            try
            {
                fixed (ushort* pk = kernel)
                fixed (float* pk32 = k32)
                fixed (float* pb = bias)
                fixed (float* pwk = wk)
                fixed (float* ps32 = s32)
                fixed (float* pws = ws)
                fixed (float* pwb = wb)
                {
                    job.Set(g, float16, finiteTaps, (ushort*)px, (ushort*)py, pk, pk32, bias.IsEmpty ? null : pb, blockSize, blocksPerBatch,
                        ForwardPolicy.Prefetches<TH>(g), streamFrom, pwk, pwb, ps32, pws);
                    ParallelChunks.Run(job, g.Batch * blocksPerBatch, ForwardPolicy.MaxDegreeFor(work, maxDegree));
                }
            }
            finally
            {
                JobPool<FusedJob>.Return(job);
                foreach (float[]? pooled in (ReadOnlySpan<float[]?>)[k32, s32, ws])
                {
                    if (pooled is not null)
                    {
                        ArrayPool<float>.Shared.Return(pooled);
                    }
                }

                if (wrap)
                {
                    ArrayPool<float>.Shared.Return(wk!);
                    ArrayPool<float>.Shared.Return(wb!);
                }
            }
        }
    }

    /// <summary>Whether every value is finite (a call's bias, before the fused float16 kernel picks its lanes).</summary>
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Rounds float32 values to the nearest <typeparamref name="TH"/> values, kept as float32 (in place allowed).</summary>
    internal static void RoundTo<TH>(ReadOnlySpan<float> source, Span<float> destination)
        where TH : unmanaged
    {
        Span<TH> chunk = stackalloc TH[256];
        for (int i = 0; i < source.Length; i += chunk.Length)
        {
            int n = Math.Min(chunk.Length, source.Length - i);
            Narrow<TH>(source.Slice(i, n), chunk[..n]);
            Widen<TH>(chunk[..n], destination.Slice(i, n));
        }
    }

    /// <summary>16-bit values to float32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Widen<TH>(ReadOnlySpan<TH> source, Span<float> destination)
        where TH : unmanaged
    {
        if (typeof(TH) == typeof(Half))
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<TH, Half>(source), destination);
        }
        else
        {
            BFloat16Vectors.Widen(MemoryMarshal.Cast<TH, BFloat16>(source), destination);
        }
    }

    /// <summary>float32 values to the nearest 16-bit values, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Narrow<TH>(ReadOnlySpan<float> source, Span<TH> destination)
        where TH : unmanaged
    {
        if (typeof(TH) == typeof(Half))
        {
            TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<TH, Half>(destination));
        }
        else
        {
            BFloat16Vectors.Narrow(source, MemoryMarshal.Cast<TH, BFloat16>(destination));
        }
    }

    private sealed unsafe class FusedJob : IChunkBody
    {
        private Conv1DGeometry _g;
        private ushort* _x, _y, _k;
        private float* _k32, _b;
        private int _blockSize, _blocksPerBatch;
        private bool _prefetch;
        private int _streamFrom;
        private bool _float16, _finiteTaps;
        private float* _wrapped;
        private float* _wrappedBias;
        private float* _scaled, _scaledWrapped;

        public void Set(in Conv1DGeometry g, bool float16, bool finiteTaps, ushort* x, ushort* y, ushort* k, float* k32, float* b, int blockSize, int blocksPerBatch,
            bool prefetch, int streamFrom, float* wrapped, float* wrappedBias, float* scaled, float* scaledWrapped)
        {
            _scaled = scaled;
            _scaledWrapped = scaledWrapped;
            _float16 = float16;
            _finiteTaps = finiteTaps;
            _streamFrom = streamFrom;
            _wrapped = wrapped;
            _wrappedBias = wrappedBias;
            _g = g;
            _x = x;
            _y = y;
            _k = k;
            _k32 = k32;
            _b = b;
            _blockSize = blockSize;
            _blocksPerBatch = blocksPerBatch;
            _prefetch = prefetch;
        }

        public void Run(int chunk)
        {
            // Items: channels_last = (batch, block of output steps); channels_first = (batch, block of output channels).
            int b = chunk / _blocksPerBatch;
            int t0 = chunk % _blocksPerBatch * _blockSize;
            ref ushort x = ref Unsafe.AsRef<ushort>(_x);
            ref ushort y = ref Unsafe.AsRef<ushort>(_y);
            ref ushort k = ref Unsafe.AsRef<ushort>(_k);
            ref float bias = ref _b is null ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef<float>(_b);
            if (_g.DataFormat == DataFormat.ChannelsFirst)
            {
                int o1 = Math.Min(t0 + _blockSize, _g.OutputChannels);
                if (_float16)
                {
                    HalfChannelsFirstKernel<HalfLanes>.Rows(_g, ref x, ref k, ref bias, _b is not null, ref y, b, t0, o1, _finiteTaps);
                }
                else
                {
                    HalfChannelsFirstKernel<BFloat16Lanes>.Rows(_g, ref x, ref k, ref bias, _b is not null, ref y, b, t0, o1, false);
                }

                return;
            }

            int t1 = Math.Min(t0 + _blockSize, _g.OutputLength);
            if (_g.DepthMultiplier > 1)
            {
                RepeatedRows(b, t0, t1);
                return;
            }

            ChannelsLast(_g, ref x, ref y, b, t0, t1, _prefetch);
        }

        /// <summary>Output steps [t0, t1) of batch element b by the fused channels_last kernel of the call's type.</summary>
        private void ChannelsLast(in Conv1DGeometry g, ref ushort x, ref ushort y, int b, int t0, int t1, bool prefetch)
        {
            ref float k32 = ref Unsafe.AsRef<float>(_k32);
            ref float bias = ref _b is null ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef<float>(_b);
            ref float wrapped = ref _wrapped is null ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef<float>(_wrapped);
            ref float wrappedBias = ref _wrappedBias is null ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef<float>(_wrappedBias);
            ref float scaled = ref _scaled is null ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef<float>(_scaled);
            ref float scaledWrapped = ref _scaledWrapped is null ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef<float>(_scaledWrapped);
            if (_float16)
            {
                HalfChannelsLastKernel<HalfLanes>.Rows(g, ref x, ref k32, ref bias, _b is not null, ref y, b, t0, t1, prefetch, _streamFrom,
                    ref wrapped, ref wrappedBias, ref scaled, ref scaledWrapped);
            }
            else
            {
                HalfChannelsLastKernel<BFloat16Lanes>.Rows(g, ref x, ref k32, ref bias, _b is not null, ref y, b, t0, t1, prefetch, _streamFrom,
                    ref wrapped, ref wrappedBias, ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>());
            }
        }

        /// <summary>
        /// channels_last with M &gt; 1, as the float32 executor does it: the item's input rows [r0, r1) repeated M times into
        /// a pooled 16-bit buffer (value c * M + m = x[c]), then the M = 1 kernel over it with C * M channels. Its geometry
        /// starts at row r0 (left padding pl + r0: output t reads buffer row t * s - pl - r0 + j * d, the same rows as
        /// before, and rows outside [r0, r1) count as padding exactly where they are outside the sequence or unread), with
        /// enough right padding for outputs up to t1. The buffer holds only the item's rows (ClRowsPerItem steps: in L2),
        /// so nothing is requested ahead in it.
        /// </summary>
        private void RepeatedRows(int b, int t0, int t1)
        {
            var g = _g;
            int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft, cm = g.OutputChannels;
            int span = (k - 1) * d + 1;
            int r0 = Math.Max(0, t0 * s - pl);
            int r1 = Math.Min(l, (t1 - 1) * s - pl + span);
            int rows = Math.Max(0, r1 - r0);
            var sub = new Conv1DGeometry(1, rows, cm, 1, k, s, d, pl + r0, Math.Max(0, (t1 - 1) * s + span - pl - r1), DataFormat.ChannelsLast);
            ushort[] repeated = ArrayPool<ushort>.Shared.Rent(Math.Max(1, rows * cm));
            try
            {
                Rearrange.Repeat<ushort>(new ReadOnlySpan<ushort>(_x + ((long)b * l + r0) * c, rows * c), repeated, m);
                fixed (ushort* pr = repeated)
                {
                    ChannelsLast(sub, ref Unsafe.AsRef<ushort>(pr), ref Unsafe.AsRef<ushort>(_y + (long)b * g.OutputLength * cm), 0, t0, t1, false);
                }
            }
            finally
            {
                ArrayPool<ushort>.Shared.Return(repeated);
            }
        }
    }

    private sealed unsafe class HalfJob<TH> : IChunkBody
        where TH : unmanaged
    {
        private Conv1DGeometry _g;
        private TH* _x, _y;
        private float* _k, _b;
        private int _steps, _timeBlocks, _blockChannels, _channelBlocks;
        private KernelVariant _variant;
        private Activation? _epilogue;

        /// <summary>Drops the epilogue reference before the job is cached.</summary>
        public void Clear() => _epilogue = null;

        public void Set(in Conv1DGeometry g, TH* x, TH* y, float* k, float* b, KernelVariant variant, Activation? epilogue,
            int steps, int timeBlocks, int blockChannels, int channelBlocks)
        {
            _g = g;
            _x = x;
            _y = y;
            _k = k;
            _b = b;
            _variant = variant;
            _epilogue = epilogue;
            _steps = steps;
            _timeBlocks = timeBlocks;
            _blockChannels = blockChannels;
            _channelBlocks = channelBlocks;
        }

        public void Run(int chunk)
        {
            var g = _g;
            int n = chunk / (_timeBlocks * _channelBlocks);
            int c0 = chunk / _timeBlocks % _channelBlocks * _blockChannels;
            int t0 = chunk % _timeBlocks * _steps;
            int count = Math.Min(_steps, g.OutputLength - t0);
            int cb = Math.Min(_blockChannels, g.Channels - c0);

            // The input rows this tile reads, r0 .. r0 + rows - 1 (some may be padding, outside 0 .. L - 1): lead rows
            // of left padding, then exist rows of the input from row 'from', then right padding.
            int rows = (count - 1) * g.Stride + g.EffectiveKernelSize;
            int r0 = t0 * g.Stride - g.PadLeft;
            int c = g.Channels, m = g.DepthMultiplier, co = g.OutputChannels, length = g.Length, outLength = g.OutputLength;
            int from = Math.Clamp(r0, 0, length);
            int lead = Math.Clamp(from - r0, 0, rows);
            int exist = Math.Max(0, Math.Min(r0 + rows, length) - from);
            // Only the rows that exist are widened; the padding stays the tile's own pads, so its taps are skipped as the
            // float32 engine skips them (a padded zero under an infinite weight adds nothing, as in every other path).
            var tile = new Conv1DGeometry(1, exist, cb, m, g.KernelSize, g.Stride, g.Dilation, lead, rows - lead - exist, g.DataFormat);
            float[] xin = ArrayPool<float>.Shared.Rent(Math.Max(exist * cb, 1));
            float[] yout = ArrayPool<float>.Shared.Rent(count * cb * m);
            try
            {
                if (g.DataFormat == DataFormat.ChannelsLast)
                {
                    // Every channel (cb == c): the rows are contiguous, one widening.
                    Widen(new ReadOnlySpan<TH>(_x + ((long)n * length + from) * c, exist * c), xin.AsSpan(0, exist * c));
                }
                else
                {
                    // One row segment per channel of the block.
                    for (int ch = 0; ch < cb; ch++)
                    {
                        Widen(new ReadOnlySpan<TH>(_x + ((long)n * c + c0 + ch) * length + from, exist), xin.AsSpan(ch * exist, exist));
                    }
                }

                var bias = _b is null ? ReadOnlySpan<float>.Empty : new ReadOnlySpan<float>(_b + c0 * m, cb * m);
                var kernel = new ReadOnlySpan<float>(_k + (long)g.KernelSize * c0 * m, g.KernelSize * cb * m);
                var z = yout.AsSpan(0, count * cb * m);
                ForwardExecutor.Forward<float>(tile, xin.AsSpan(0, exist * cb), kernel, bias, z, _variant, null, maxDegree: 1, streaming: false);
                if (_epilogue is { } activation)
                {
                    // Keras's pre-activation is a 16-bit value: round, then the activation (elementwise) in float32, at the
                    // call's width on this worker thread too.
                    using var width = KernelVariants.Force(_variant);
                    RoundTo<TH>(z, z);
                    activation.Forward<float>(z, z, g.DataFormat == DataFormat.ChannelsLast ? co : count);
                }

                if (g.DataFormat == DataFormat.ChannelsLast)
                {
                    Narrow<TH>(yout.AsSpan(0, count * co), new Span<TH>(_y + ((long)n * outLength + t0) * co, count * co));
                }
                else
                {
                    for (int o = 0; o < cb * m; o++)
                    {
                        Narrow<TH>(yout.AsSpan(o * count, count), new Span<TH>(_y + ((long)n * co + c0 * m + o) * outLength + t0, count));
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(xin);
                ArrayPool<float>.Shared.Return(yout);
            }
        }
    }
}
