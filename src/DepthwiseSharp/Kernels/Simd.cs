using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// One SIMD width as a type, so each kernel is written once and the JIT specializes it per width (as
/// TensorPrimitives' operator structs do). Every multiply-add is fused (one rounding), also in <see cref="SimdScalar{T}"/>,
/// so all widths give bit-identical results and the scalar width is the oracle's arithmetic.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
/// <typeparam name="T">float or double.</typeparam>
internal interface ISimd<TSelf, T>
    where TSelf : struct, ISimd<TSelf, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TSelf Splat(T value);

    static abstract TSelf Load(ref T source, nint index);

    static abstract void Store(TSelf value, ref T destination, nint index);

    /// <summary>
    /// A non-temporal store (it bypasses the cache, so a line written whole is never read for ownership first). The
    /// destination must be pinned and aligned to the vector size; the scalar width stores normally. The writer must
    /// fence (<see cref="StoreModes.Fence"/>) before other threads read the data.
    /// </summary>
    static abstract void StoreStreaming(TSelf value, ref T destination, nint index);

    /// <summary><c>a * b + c</c>, rounded once.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
}

internal readonly struct SimdScalar<T>(T value) : ISimd<SimdScalar<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _v = value;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar<T> Splat(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar<T> Load(ref T source, nint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdScalar<T> value, ref T destination, nint index) => Unsafe.Add(ref destination, index) = value._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreStreaming(SimdScalar<T> value, ref T destination, nint index) => Unsafe.Add(ref destination, index) = value._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar<T> Fma(SimdScalar<T> a, SimdScalar<T> b, SimdScalar<T> c) => new(T.FusedMultiplyAdd(a._v, b._v, c._v));
}

internal readonly struct Simd128<T>(Vector128<T> value) : ISimd<Simd128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector128<T> _v = value;

    public static int Count => Vector128<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> Splat(T value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> Load(ref T source, nint index) => new(Vector128.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128<T> value, ref T destination, nint index) => value._v.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Simd128<T> value, ref T destination, nint index) =>
        value._v.StoreAlignedNonTemporal((T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> Fma(Simd128<T> a, Simd128<T> b, Simd128<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector128.FusedMultiplyAdd(a._v.AsSingle(), b._v.AsSingle(), c._v.AsSingle()).As<float, T>());
        }

        return new(Vector128.FusedMultiplyAdd(a._v.AsDouble(), b._v.AsDouble(), c._v.AsDouble()).As<double, T>());
    }
}

internal readonly struct Simd256<T>(Vector256<T> value) : ISimd<Simd256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector256<T> _v = value;

    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> Splat(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> Load(ref T source, nint index) => new(Vector256.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256<T> value, ref T destination, nint index) => value._v.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Simd256<T> value, ref T destination, nint index) =>
        value._v.StoreAlignedNonTemporal((T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> Fma(Simd256<T> a, Simd256<T> b, Simd256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector256.FusedMultiplyAdd(a._v.AsSingle(), b._v.AsSingle(), c._v.AsSingle()).As<float, T>());
        }

        return new(Vector256.FusedMultiplyAdd(a._v.AsDouble(), b._v.AsDouble(), c._v.AsDouble()).As<double, T>());
    }
}

internal readonly struct Simd512<T>(Vector512<T> value) : ISimd<Simd512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector512<T> _v = value;

    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> Splat(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> Load(ref T source, nint index) => new(Vector512.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512<T> value, ref T destination, nint index) => value._v.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Simd512<T> value, ref T destination, nint index) =>
        value._v.StoreAlignedNonTemporal((T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> Fma(Simd512<T> a, Simd512<T> b, Simd512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector512.FusedMultiplyAdd(a._v.AsSingle(), b._v.AsSingle(), c._v.AsSingle()).As<float, T>());
        }

        return new(Vector512.FusedMultiplyAdd(a._v.AsDouble(), b._v.AsDouble(), c._v.AsDouble()).As<double, T>());
    }
}

/// <summary>How a kernel writes its output vectors, as a type so that the JIT folds the choice per instantiation.</summary>
internal interface IStoreMode
{
    /// <summary>Whether vector stores are non-temporal (<see cref="ISimd{TSelf, T}.StoreStreaming"/>).</summary>
    static abstract bool Streaming { get; }
}

/// <summary>Ordinary stores: the output stays in cache for whoever reads it next.</summary>
internal readonly struct CachedStores : IStoreMode
{
    public static bool Streaming => false;
}

/// <summary>Non-temporal stores, for outputs larger than the cache (see <c>ForwardKernel.StreamingStart</c>).</summary>
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
        where TV : struct, ISimd<TV, T>
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
