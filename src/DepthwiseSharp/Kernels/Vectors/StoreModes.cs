using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>How a kernel writes its output vectors, as a type so that the JIT folds the choice per instantiation.</summary>
internal interface IStoreMode
{
    /// <summary>Whether vector stores are non-temporal (<see cref="IVec{TSelf, T}.StoreStreaming"/>).</summary>
    static abstract bool Streaming { get; }
}

/// <summary>Ordinary stores: the output stays in cache for whoever reads it next.</summary>
internal readonly struct CachedStores : IStoreMode
{
    public static bool Streaming => false;
}

/// <summary>Non-temporal stores, for outputs larger than the cache (see <see cref="ForwardPolicy.StreamingStart{T}"/>).</summary>
internal readonly struct StreamingStores : IStoreMode
{
    public static bool Streaming => true;
}

/// <summary>Helpers for <see cref="IStoreMode"/>.</summary>
internal static class StoreModes
{
    /// <summary>Stores <paramref name="value"/> at <c>destination[index]</c> the way <typeparamref name="TS"/> says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put<T, TV, TS>(TV value, ref T destination, nint index)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
        where TS : struct, IStoreMode
    {
        if (TS.Streaming)
        {
            TV.StoreStreaming(value, ref destination, index);
        }
        else
        {
            TV.Store(value, ref destination, index);
        }
    }

    /// <summary>
    /// The line of lanes delta .. 15 of <paramref name="previous"/> then lanes 0 .. delta - 1 of
    /// <paramref name="current"/> (one two-source permute by <paramref name="lanes"/>, <see cref="StitchLanes"/>), stored non-temporally at <c>destination[index]</c>
    /// (64-byte aligned, pinned): the stores of the stitched column kernels (ChannelsLastKernel.StitchedRun). float
    /// vectors of 64 bytes only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PutStitched<T, TV>(TV previous, TV current, ref T destination, nint index, Vector512<int> lanes)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct, IVec<TV, T>
    {
        if (typeof(TV) == typeof(V512<float>))
        {
            var line = System.Runtime.Intrinsics.X86.Avx512F.PermuteVar16x32x2(Unsafe.BitCast<TV, V512<float>>(previous).V, lanes,
                Unsafe.BitCast<TV, V512<float>>(current).V);
            TV.StoreStreaming(Unsafe.BitCast<V512<float>, TV>(new V512<float>(line)), ref destination, index);
        }
        else
        {
            throw new NotSupportedException("Stitched stores are for 64-byte float vectors.");
        }
    }

    /// <summary>The permute lanes of <see cref="PutStitched{T, TV}"/>: delta, delta + 1, ..., delta + 15 (16 and up: the current vector).</summary>
    public static Vector512<int> StitchLanes(int delta) => Vector512<int>.Indices + Vector512.Create(delta);

    /// <summary>
    /// Stores a 64-byte line of 32 16-bit values at <c>y + index</c> the <typeparamref name="TS"/> way: streaming needs
    /// the address 64-byte aligned and <paramref name="y"/> pinned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PutLine<TS>(Vector512<ushort> line, ref ushort y, nint index)
        where TS : struct, IStoreMode
    {
        if (TS.Streaming)
        {
            line.StoreAlignedNonTemporal((ushort*)Unsafe.AsPointer(ref Unsafe.Add(ref y, index)));
        }
        else
        {
            line.StoreUnsafe(ref y, (nuint)index);
        }
    }

    /// <summary>
    /// Orders this thread's non-temporal stores before anything it does next (they are weakly ordered on x86; on Arm
    /// the full barrier orders them too), so a thread that joins this one sees the whole output.
    /// </summary>
    public static void Fence()
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
        else
        {
            Interlocked.MemoryBarrier();
        }
    }
}
