using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The forward entry: validates nothing (callers do), decides once per call what <see cref="ForwardPolicy"/> decides
/// (column kernel, streaming stores), splits the output into independent items of at least
/// <see cref="ForwardPolicy.MinChunkWork"/> multiply-adds, and runs <see cref="ChannelsLastKernel"/> or
/// <see cref="ChannelsFirstKernel"/> at the given width on each item. Small calls run inline on the calling thread.
/// </summary>
internal static class ForwardExecutor
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y,
        KernelVariant variant, Activation? epilogue = null, int maxDegree = 0, bool? columns = null, bool? streaming = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // columns: null decides by ForwardPolicy.ColumnsPay; tests force each channels_last interior path. streaming: null
        // decides by the output's size (ForwardPolicy.StreamingStart), true streams whatever the size where the layout
        // allows it, false never.
        if (g.OutputCount == 0)
        {
            return;
        }

        long work = (long)g.OutputCount * g.KernelSize;
        int degree = ParallelChunks.Degree(maxDegree);
        bool last = g.DataFormat == DataFormat.ChannelsLast;

        // Items: channels_last = (batch, block of output steps); channels_first = (batch, block of output channels).
        var (blockSize, blocksPerBatch) = Items(work, g.Batch, last ? g.OutputLength : g.OutputChannels, degree,
            last && g.DepthMultiplier > 1 ? ForwardPolicy.ClRowsPerItem : int.MaxValue);
        unsafe
        {
            fixed (T* px = x)
            fixed (T* pk = kernel)
            fixed (T* pb = bias)
            fixed (T* py = y)
            {
                var job = JobPool<ForwardJob<T>>.Rent();
                // lineFrom: the first channel of the interior's whole-line stores, non-temporal (streams) or not, or -1.
                int lineFrom = streaming == false ? -1 : ForwardPolicy.StreamingStart<T>(g, (nint)py, epilogue is not null, variant, streaming == true);
                bool streams = lineFrom >= 0;
                if (!streams && streaming != false)
                {
                    lineFrom = ForwardPolicy.AlignedLinesStart<T>(g, (nint)py, epilogue is not null, variant);
                }

                bool useColumns = last && (columns ?? ForwardPolicy.ColumnsPay<T>(g));
                T[]? wrapped = null;
                if (lineFrom > 0 && g.Stride == 1)
                {
                    int length = (g.KernelSize + 1) * (g.OutputChannels + lineFrom);
                    wrapped = ArrayPool<T>.Shared.Rent(length);
                    ChannelsLastKernel.Wrap(kernel, bias, wrapped, g.OutputChannels, g.KernelSize, lineFrom);
                }

                try
                {
                    fixed (T* pw = wrapped)
                    {
                        job.Set(g, px, pk, pb, !bias.IsEmpty, py, variant, epilogue, blockSize, blocksPerBatch, useColumns, lineFrom, streams, pw,
                            last && ForwardPolicy.Prefetches<T>(g));
                        ParallelChunks.Run(job, g.Batch * blocksPerBatch, ForwardPolicy.MaxDegreeFor(work, maxDegree));
                    }
                }
                finally
                {
                    job.Clear();
                    JobPool<ForwardJob<T>>.Return(job);
                    if (wrapped is not null)
                    {
                        ArrayPool<T>.Shared.Return(wrapped);
                    }
                }
            }
        }
    }

    /// <summary>
    /// How a call of <paramref name="work"/> multiply-adds splits into work items: each batch element's
    /// <paramref name="perBatch"/> units (output steps or channels) in blocks of at most <paramref name="maxBlock"/>, about
    /// <see cref="ForwardPolicy.ItemsPerThread"/> items per thread of at least <see cref="ForwardPolicy.MinChunkWork"/>
    /// each. Which item holds an output never changes how it is computed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int BlockSize, int BlocksPerBatch) Items(long work, int batch, int perBatch, int degree, int maxBlock)
    {
        long wanted = Math.Clamp(work / ForwardPolicy.MinChunkWork, 1, (long)ForwardPolicy.ItemsPerThread * degree);
        int blocksPerBatch = (int)Math.Clamp((wanted + batch - 1) / batch, 1, perBatch);
        int blockSize = Math.Min((perBatch + blocksPerBatch - 1) / blocksPerBatch, maxBlock);
        return (blockSize, (perBatch + blockSize - 1) / blockSize);
    }

    private sealed unsafe class ForwardJob<T> : IChunkBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private Conv1DGeometry _g;
        private T* _x, _k, _b, _y, _wrapped;
        private bool _hasBias, _columns, _prefetch, _streams;
        private int _lineFrom;
        private KernelVariant _variant;
        private Activation? _epilogue;
        private int _blockSize, _blocksPerBatch;

        /// <summary>Drops the epilogue reference before the job is cached.</summary>
        public void Clear() => _epilogue = null;

        public void Set(in Conv1DGeometry g, T* x, T* k, T* b, bool hasBias, T* y, KernelVariant variant, Activation? epilogue,
            int blockSize, int blocksPerBatch, bool columns, int lineFrom, bool streams, T* wrapped, bool prefetch)
        {
            _streams = streams;
            _prefetch = prefetch;
            _wrapped = wrapped;
            _columns = columns;
            _lineFrom = lineFrom;
            _g = g;
            _x = x;
            _k = k;
            _b = b;
            _hasBias = hasBias;
            _y = y;
            _variant = variant;
            _epilogue = epilogue;
            _blockSize = blockSize;
            _blocksPerBatch = blocksPerBatch;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int chunk)
        {
            int b = chunk / _blocksPerBatch;
            int start = chunk % _blocksPerBatch * _blockSize;
            int end = Math.Min(start + _blockSize, _g.DataFormat == DataFormat.ChannelsLast ? _g.OutputLength : _g.OutputChannels);

            // The fused epilogue's activation loops read KernelVariants.Current: they run at this call's width on
            // whichever thread takes the chunk.
            using var width = _epilogue is null ? default : KernelVariants.Force(_variant);
            switch (_variant)
            {
                case KernelVariant.Vector512:
                    Run<V512<T>>(b, start, end);
                    break;
                case KernelVariant.Vector256:
                    Run<V256<T>>(b, start, end);
                    break;
                case KernelVariant.Vector128:
                    Run<V128<T>>(b, start, end);
                    break;
                default:
                    Run<S<T>>(b, start, end);
                    break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        private void Run<TV>(int b, int start, int end)
            where TV : struct, IVec<TV, T>
        {
            ref T x = ref Unsafe.AsRef<T>(_x);
            ref T k = ref Unsafe.AsRef<T>(_k);
            ref T bias = ref _hasBias ? ref Unsafe.AsRef<T>(_b) : ref Unsafe.NullRef<T>();
            ref T y = ref Unsafe.AsRef<T>(_y);
            if (_g.DataFormat == DataFormat.ChannelsLast)
            {
                ChannelsLastKernel.Rows<T, TV>(_g, ref x, ref k, ref bias, _hasBias, ref y, b, start, end, _epilogue, _columns, _lineFrom,
                    _streams, ref Unsafe.AsRef<T>(_wrapped), _prefetch);
            }
            else
            {
                ChannelsFirstKernel.Rows<T, TV>(_g, ref x, ref k, ref bias, _hasBias, ref y, b, start, end, _epilogue);
            }
        }
    }
}
