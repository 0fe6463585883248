using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Activations;

/// <summary>An elementwise function of one input.</summary>
internal interface IUnaryOp
{
    TV Invoke<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>An elementwise function of two inputs (for gradients: z or y, and dy).</summary>
internal interface IBinaryOp
{
    TV Invoke<TV, T>(TV a, TV b)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Loop drivers: the widest accelerated vector first, then each narrower width, then one scalar at a time, all
/// running the same op. Each element is read before it is written, so an output may alias an input exactly.
/// </summary>
internal static class Loops
{
    /// <summary>y[i] = op(x[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = Map<V512<T>, T, TOp>(ref xr, ref yr, i, n, op);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            i = Map<V256<T>, T, TOp>(ref xr, ref yr, i, n, op);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            i = Map<V128<T>, T, TOp>(ref xr, ref yr, i, n, op);
        }

        Map<S<T>, T, TOp>(ref xr, ref yr, i, n, op);
    }

    /// <summary>y[i] = op(a[i], b[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map2<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp
    {
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = Map2<V512<T>, T, TOp>(ref ar, ref br, ref yr, i, n, op);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            i = Map2<V256<T>, T, TOp>(ref ar, ref br, ref yr, i, n, op);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            i = Map2<V128<T>, T, TOp>(ref ar, ref br, ref yr, i, n, op);
        }

        Map2<S<T>, T, TOp>(ref ar, ref br, ref yr, i, n, op);
    }

    /// <summary>Returns sum_i op(x[i]).</summary>
    public static T SumMap<T, TOp>(ReadOnlySpan<T> x, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        T total = T.Zero;
        if (Vector512.IsHardwareAccelerated)
        {
            total += SumMap<V512<T>, T, TOp>(ref xr, ref i, n, op);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            total += SumMap<V256<T>, T, TOp>(ref xr, ref i, n, op);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            total += SumMap<V128<T>, T, TOp>(ref xr, ref i, n, op);
        }

        return total + SumMap<S<T>, T, TOp>(ref xr, ref i, n, op);
    }

    /// <summary>Returns the sum of values[i] over the i with key[i] &gt; threshold, and how many such i there are.</summary>
    public static T MaskedSum<T>(ReadOnlySpan<T> key, T threshold, ReadOnlySpan<T> values, out int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T kr = ref MemoryMarshal.GetReference(key);
        ref T vr = ref MemoryMarshal.GetReference(values);
        nuint n = (nuint)key.Length, i = 0;
        T total = T.Zero, c = T.Zero;
        if (Vector512.IsHardwareAccelerated)
        {
            total += MaskedSum<V512<T>, T>(ref kr, threshold, ref vr, ref i, n, ref c);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            total += MaskedSum<V256<T>, T>(ref kr, threshold, ref vr, ref i, n, ref c);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            total += MaskedSum<V128<T>, T>(ref kr, threshold, ref vr, ref i, n, ref c);
        }

        total += MaskedSum<S<T>, T>(ref kr, threshold, ref vr, ref i, n, ref c);
        count = int.CreateTruncating(c);
        return total;
    }

    /// <summary>
    /// The glu gradient on one row: with s = sigmoid(b), da = dy * s and db = dy * a * s * (1 - s).
    /// </summary>
    public static void GluBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> dy, Span<T> da, Span<T> db)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T dyr = ref MemoryMarshal.GetReference(dy);
        ref T dar = ref MemoryMarshal.GetReference(da);
        ref T dbr = ref MemoryMarshal.GetReference(db);
        nuint n = (nuint)a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = GluBackward<V512<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, i, n);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            i = GluBackward<V256<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, i, n);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            i = GluBackward<V128<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, i, n);
        }

        GluBackward<S<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Map<TV, T, TOp>(ref T x, ref T y, nuint i, nuint n, TOp op)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp
    {
        nuint c = (nuint)TV.Count;
        for (; i + c <= n; i += c)
        {
            TV.Store(op.Invoke<TV, T>(TV.Load(ref x, i)), ref y, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Map2<TV, T, TOp>(ref T a, ref T b, ref T y, nuint i, nuint n, TOp op)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp
    {
        nuint c = (nuint)TV.Count;
        for (; i + c <= n; i += c)
        {
            TV.Store(op.Invoke<TV, T>(TV.Load(ref a, i), TV.Load(ref b, i)), ref y, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SumMap<TV, T, TOp>(ref T x, ref nuint i, nuint n, TOp op)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp
    {
        nuint c = (nuint)TV.Count;
        TV acc = TV.Create(T.Zero);
        for (; i + c <= n; i += c)
        {
            acc += op.Invoke<TV, T>(TV.Load(ref x, i));
        }

        return TV.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T MaskedSum<TV, T>(ref T key, T threshold, ref T values, ref nuint i, nuint n, ref T count)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint c = (nuint)TV.Count;
        TV acc = TV.Create(T.Zero), cnt = TV.Create(T.Zero), thr = TV.Create(threshold), zero = TV.Create(T.Zero), one = TV.Create(T.One);
        for (; i + c <= n; i += c)
        {
            TV m = TV.GreaterThan(TV.Load(ref key, i), thr);
            acc += TV.Select(m, TV.Load(ref values, i), zero);
            cnt += TV.Select(m, one, zero);
        }

        count += TV.Sum(cnt);
        return TV.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint GluBackward<TV, T>(ref T a, ref T b, ref T dy, ref T da, ref T db, nuint i, nuint n)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint c = (nuint)TV.Count;
        for (; i + c <= n; i += c)
        {
            TV av = TV.Load(ref a, i), bv = TV.Load(ref b, i), g = TV.Load(ref dy, i);
            TV t = VMath.ExpNegAbs<TV, T>(bv);
            TV s = VMath.SigmoidFromT<TV, T>(bv, t);
            TV ds = VMath.SigmoidPrimeFromT<TV, T>(t);
            TV.Store(g * s, ref da, i);
            TV.Store(g * av * ds, ref db, i);
        }

        return i;
    }
}
