using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// A SIMD register of <typeparamref name="T"/> (or a single scalar) with the operations the convolution kernels and the
/// activation loops (<c>DepthwiseSharp.Activations</c>) use. Kernels are written once against this interface and
/// instantiated for <see cref="V512{T}"/>, <see cref="V256{T}"/>, <see cref="V128{T}"/> and <see cref="S{T}"/> (the
/// scalar tail), so every width computes the same formula; <see cref="KernelVariant"/> names the four.
/// </summary>
/// <remarks>
/// Masks are opaque values of <typeparamref name="TSelf"/> produced by the comparisons and consumed only by
/// <see cref="Select"/>, <see cref="And"/> and <see cref="Or"/>.
/// </remarks>
internal interface IVec<TSelf, T>
    where TSelf : struct, IVec<TSelf, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract int Count { get; }

    static abstract TSelf Load(ref T source, nuint index);

    static abstract void Store(TSelf value, ref T destination, nuint index);

    /// <summary>Load at a signed offset, as the convolution kernels count (never negative in practice).</summary>
    static abstract TSelf Load(ref T source, nint index);

    /// <summary>Store at a signed offset.</summary>
    static abstract void Store(TSelf value, ref T destination, nint index);

    /// <summary>
    /// A non-temporal store (it bypasses the cache, so a line written whole is never read for ownership first). The
    /// destination must be pinned and aligned to the vector size; the scalar width stores normally. The writer must
    /// fence (<c>StoreModes.Fence</c>) before other threads read the data.
    /// </summary>
    static abstract void StoreStreaming(TSelf value, ref T destination, nint index);

    static abstract TSelf Create(T value);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf value);

    static abstract TSelf Max(TSelf left, TSelf right);

    static abstract TSelf Min(TSelf left, TSelf right);

    static abstract TSelf Abs(TSelf value);

    static abstract TSelf Sqrt(TSelf value);

    static abstract TSelf CopySign(TSelf value, TSelf sign);

    /// <summary>left * right + addend with a single rounding.</summary>
    static abstract TSelf Fma(TSelf left, TSelf right, TSelf addend);

    static abstract TSelf Exp(TSelf value);

    static abstract TSelf Log(TSelf value);

    static abstract TSelf GreaterThan(TSelf left, TSelf right);

    static abstract TSelf GreaterThanOrEqual(TSelf left, TSelf right);

    static abstract TSelf LessThan(TSelf left, TSelf right);

    static abstract TSelf LessThanOrEqual(TSelf left, TSelf right);

    static abstract TSelf Equal(TSelf left, TSelf right);

    static abstract TSelf And(TSelf left, TSelf right);

    static abstract TSelf Or(TSelf left, TSelf right);

    /// <summary>Per lane: mask ? whenTrue : whenFalse.</summary>
    static abstract TSelf Select(TSelf mask, TSelf whenTrue, TSelf whenFalse);

    static abstract T Sum(TSelf value);
}

/// <summary>Dispatch of the non-generic vector math (Exp, Log, FusedMultiplyAdd) on the element type.</summary>
internal static class VectorDispatch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector128.Exp(x.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector128.Exp(x.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector256.Exp(x.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector256.Exp(x.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.Exp(x.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector512.Exp(x.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector128.Log(x.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector128.Log(x.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector256.Log(x.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector256.Log(x.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.Log(x.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector512.Log(x.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        throw Unsupported<T>();
    }

    public static NotSupportedException Unsupported<T>() =>
        new($"DepthwiseSharp activations compute in float or double; received {typeof(T).Name}.");
}

/// <summary>A 128-bit vector of <typeparamref name="T"/>.</summary>
internal readonly struct V128<T> : IVec<V128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly Vector128<T> V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V128(Vector128<T> v) => V = v;

    public static int Count => Vector128<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Load(ref T source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V128<T> value, ref T destination, nuint index) => value.V.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Load(ref T source, nint index) => new(Vector128.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V128<T> value, ref T destination, nint index) => value.V.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(V128<T> value, ref T destination, nint index) =>
        value.V.StoreAlignedNonTemporal((T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Create(T value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> operator +(V128<T> left, V128<T> right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> operator -(V128<T> left, V128<T> right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> operator *(V128<T> left, V128<T> right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> operator /(V128<T> left, V128<T> right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> operator -(V128<T> value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Max(V128<T> left, V128<T> right) => new(Vector128.Max(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Min(V128<T> left, V128<T> right) => new(Vector128.Min(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Abs(V128<T> value) => new(Vector128.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Sqrt(V128<T> value) => new(Vector128.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> CopySign(V128<T> value, V128<T> sign) => new(Vector128.CopySign(value.V, sign.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Fma(V128<T> left, V128<T> right, V128<T> addend) => new(VectorDispatch.Fma(left.V, right.V, addend.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Exp(V128<T> value) => new(VectorDispatch.Exp(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Log(V128<T> value) => new(VectorDispatch.Log(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> GreaterThan(V128<T> left, V128<T> right) => new(Vector128.GreaterThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> GreaterThanOrEqual(V128<T> left, V128<T> right) => new(Vector128.GreaterThanOrEqual(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> LessThan(V128<T> left, V128<T> right) => new(Vector128.LessThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> LessThanOrEqual(V128<T> left, V128<T> right) => new(Vector128.LessThanOrEqual(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Equal(V128<T> left, V128<T> right) => new(Vector128.Equals(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> And(V128<T> left, V128<T> right) => new(left.V & right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Or(V128<T> left, V128<T> right) => new(left.V | right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Select(V128<T> mask, V128<T> whenTrue, V128<T> whenFalse) =>
        new(Vector128.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(V128<T> value) => Vector128.Sum(value.V);
}

/// <summary>A 256-bit vector of <typeparamref name="T"/>.</summary>
internal readonly struct V256<T> : IVec<V256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly Vector256<T> V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V256(Vector256<T> v) => V = v;

    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Load(ref T source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V256<T> value, ref T destination, nuint index) => value.V.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Load(ref T source, nint index) => new(Vector256.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V256<T> value, ref T destination, nint index) => value.V.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(V256<T> value, ref T destination, nint index) =>
        value.V.StoreAlignedNonTemporal((T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Create(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> operator +(V256<T> left, V256<T> right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> operator -(V256<T> left, V256<T> right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> operator *(V256<T> left, V256<T> right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> operator /(V256<T> left, V256<T> right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> operator -(V256<T> value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Max(V256<T> left, V256<T> right) => new(Vector256.Max(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Min(V256<T> left, V256<T> right) => new(Vector256.Min(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Abs(V256<T> value) => new(Vector256.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Sqrt(V256<T> value) => new(Vector256.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> CopySign(V256<T> value, V256<T> sign) => new(Vector256.CopySign(value.V, sign.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Fma(V256<T> left, V256<T> right, V256<T> addend) => new(VectorDispatch.Fma(left.V, right.V, addend.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Exp(V256<T> value) => new(VectorDispatch.Exp(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Log(V256<T> value) => new(VectorDispatch.Log(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> GreaterThan(V256<T> left, V256<T> right) => new(Vector256.GreaterThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> GreaterThanOrEqual(V256<T> left, V256<T> right) => new(Vector256.GreaterThanOrEqual(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> LessThan(V256<T> left, V256<T> right) => new(Vector256.LessThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> LessThanOrEqual(V256<T> left, V256<T> right) => new(Vector256.LessThanOrEqual(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Equal(V256<T> left, V256<T> right) => new(Vector256.Equals(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> And(V256<T> left, V256<T> right) => new(left.V & right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Or(V256<T> left, V256<T> right) => new(left.V | right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Select(V256<T> mask, V256<T> whenTrue, V256<T> whenFalse) =>
        new(Vector256.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(V256<T> value) => Vector256.Sum(value.V);
}

/// <summary>A 512-bit vector of <typeparamref name="T"/>.</summary>
internal readonly struct V512<T> : IVec<V512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly Vector512<T> V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V512(Vector512<T> v) => V = v;

    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Load(ref T source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V512<T> value, ref T destination, nuint index) => value.V.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Load(ref T source, nint index) => new(Vector512.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V512<T> value, ref T destination, nint index) => value.V.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(V512<T> value, ref T destination, nint index) =>
        value.V.StoreAlignedNonTemporal((T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Create(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> operator +(V512<T> left, V512<T> right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> operator -(V512<T> left, V512<T> right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> operator *(V512<T> left, V512<T> right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> operator /(V512<T> left, V512<T> right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> operator -(V512<T> value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Max(V512<T> left, V512<T> right) => new(Vector512.Max(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Min(V512<T> left, V512<T> right) => new(Vector512.Min(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Abs(V512<T> value) => new(Vector512.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Sqrt(V512<T> value) => new(Vector512.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> CopySign(V512<T> value, V512<T> sign) => new(Vector512.CopySign(value.V, sign.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Fma(V512<T> left, V512<T> right, V512<T> addend) => new(VectorDispatch.Fma(left.V, right.V, addend.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Exp(V512<T> value) => new(VectorDispatch.Exp(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Log(V512<T> value) => new(VectorDispatch.Log(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> GreaterThan(V512<T> left, V512<T> right) => new(Vector512.GreaterThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> GreaterThanOrEqual(V512<T> left, V512<T> right) => new(Vector512.GreaterThanOrEqual(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> LessThan(V512<T> left, V512<T> right) => new(Vector512.LessThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> LessThanOrEqual(V512<T> left, V512<T> right) => new(Vector512.LessThanOrEqual(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Equal(V512<T> left, V512<T> right) => new(Vector512.Equals(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> And(V512<T> left, V512<T> right) => new(left.V & right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Or(V512<T> left, V512<T> right) => new(left.V | right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Select(V512<T> mask, V512<T> whenTrue, V512<T> whenFalse) =>
        new(Vector512.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(V512<T> value) => Vector512.Sum(value.V);
}

/// <summary>One scalar <typeparamref name="T"/> behind the vector interface: the tail of every loop.</summary>
/// <remarks>A mask is <c>T.One</c> (true) or <c>T.Zero</c> (false).</remarks>
internal readonly struct S<T> : IVec<S<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly T V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public S(T v) => V = v;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Load(ref T source, nuint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(S<T> value, ref T destination, nuint index) => Unsafe.Add(ref destination, index) = value.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Load(ref T source, nint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(S<T> value, ref T destination, nint index) => Unsafe.Add(ref destination, index) = value.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreStreaming(S<T> value, ref T destination, nint index) => Unsafe.Add(ref destination, index) = value.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Create(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> operator +(S<T> left, S<T> right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> operator -(S<T> left, S<T> right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> operator *(S<T> left, S<T> right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> operator /(S<T> left, S<T> right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> operator -(S<T> value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Max(S<T> left, S<T> right) => new(T.Max(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Min(S<T> left, S<T> right) => new(T.Min(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Abs(S<T> value) => new(T.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Sqrt(S<T> value) => new(T.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> CopySign(S<T> value, S<T> sign) => new(T.CopySign(value.V, sign.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Fma(S<T> left, S<T> right, S<T> addend) => new(T.FusedMultiplyAdd(left.V, right.V, addend.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Exp(S<T> value) => new(T.Exp(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Log(S<T> value) => new(T.Log(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> GreaterThan(S<T> left, S<T> right) => Mask(left.V > right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> GreaterThanOrEqual(S<T> left, S<T> right) => Mask(left.V >= right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> LessThan(S<T> left, S<T> right) => Mask(left.V < right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> LessThanOrEqual(S<T> left, S<T> right) => Mask(left.V <= right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Equal(S<T> left, S<T> right) => Mask(left.V == right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> And(S<T> left, S<T> right) => Mask(left.V != T.Zero && right.V != T.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Or(S<T> left, S<T> right) => Mask(left.V != T.Zero || right.V != T.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S<T> Select(S<T> mask, S<T> whenTrue, S<T> whenFalse) => mask.V != T.Zero ? whenTrue : whenFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(S<T> value) => value.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static S<T> Mask(bool value) => new(value ? T.One : T.Zero);
}
