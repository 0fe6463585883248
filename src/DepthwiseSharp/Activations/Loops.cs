using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DepthwiseSharp.Kernels;

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
/// Loop drivers, at the width <see cref="KernelVariants.Current"/> says (the widest this machine accelerates, unless a
/// test forces another). Lane layout: lane j of a vector holds element i + j of the span. Elementwise maps run that one
/// width, with the remainder in one zero-padded vector of the same width, so an element's value does not depend on where
/// it sits in the span; the scalar variant runs every element alone. Reductions (sums) go that width first, then each
/// narrower width, then scalars, so their order, and possibly their last bits, depend on the width. Each element is read
/// before it is written, so an output may alias an input exactly.
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
        nuint n = (nuint)x.Length;
        switch (KernelVariants.Current)
        {
            case KernelVariant.Vector512:
                MapPadded<V512<T>, T, TOp>(ref xr, ref yr, n, op);
                break;
            case KernelVariant.Vector256:
                MapPadded<V256<T>, T, TOp>(ref xr, ref yr, n, op);
                break;
            case KernelVariant.Vector128:
                MapPadded<V128<T>, T, TOp>(ref xr, ref yr, n, op);
                break;
            default:
                Map<S<T>, T, TOp>(ref xr, ref yr, 0, n, op);
                break;
        }
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
        nuint n = (nuint)a.Length;
        switch (KernelVariants.Current)
        {
            case KernelVariant.Vector512:
                Map2Padded<V512<T>, T, TOp>(ref ar, ref br, ref yr, n, op);
                break;
            case KernelVariant.Vector256:
                Map2Padded<V256<T>, T, TOp>(ref ar, ref br, ref yr, n, op);
                break;
            case KernelVariant.Vector128:
                Map2Padded<V128<T>, T, TOp>(ref ar, ref br, ref yr, n, op);
                break;
            default:
                Map2<S<T>, T, TOp>(ref ar, ref br, ref yr, 0, n, op);
                break;
        }
    }

    /// <summary>Returns sum_i op(x[i]).</summary>
    public static T SumMap<T, TOp>(ReadOnlySpan<T> x, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        T total = T.Zero;
        KernelVariant variant = KernelVariants.Current;
        if (variant >= KernelVariant.Vector512)
        {
            total += SumMap<V512<T>, T, TOp>(ref xr, ref i, n, op);
        }

        if (variant >= KernelVariant.Vector256)
        {
            total += SumMap<V256<T>, T, TOp>(ref xr, ref i, n, op);
        }

        if (variant >= KernelVariant.Vector128)
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
        KernelVariant variant = KernelVariants.Current;
        if (variant >= KernelVariant.Vector512)
        {
            total += MaskedSum<V512<T>, T>(ref kr, threshold, ref vr, ref i, n, ref c);
        }

        if (variant >= KernelVariant.Vector256)
        {
            total += MaskedSum<V256<T>, T>(ref kr, threshold, ref vr, ref i, n, ref c);
        }

        if (variant >= KernelVariant.Vector128)
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
        nuint n = (nuint)a.Length;
        switch (KernelVariants.Current)
        {
            case KernelVariant.Vector512:
                GluBackwardPadded<V512<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, n);
                break;
            case KernelVariant.Vector256:
                GluBackwardPadded<V256<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, n);
                break;
            case KernelVariant.Vector128:
                GluBackwardPadded<V128<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, n);
                break;
            default:
                GluBackward<S<T>, T>(ref ar, ref br, ref dyr, ref dar, ref dbr, 0, n);
                break;
        }
    }

    // The remainder (fewer than TV.Count elements) is copied into one zero-padded vector of the same width and computed
    // there, instead of falling through to narrower widths and scalars. Why: the scalar S<T> uses the runtime's scalar
    // exp/log, which differ from the vector ones by an ulp, so an element's value depended on whether it landed in the
    // tail: a fused per-row epilogue, a second pass over the whole array and a stream chunk split the same elements
    // differently. Now every element of a call goes through the same width, so all three agree bit for bit. The padding
    // lanes are zeros whose results are dropped; no op traps on any input. Outputs may alias inputs exactly: the tail reads
    // its inputs into the buffer before writing anything back.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MapPadded<TV, T, TOp>(ref T x, ref T y, nuint n, TOp op)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp
    {
        nuint i = Map<TV, T, TOp>(ref x, ref y, 0, n, op);
        if (i < n)
        {
            int rest = (int)(n - i);
            Span<T> bx = stackalloc T[TV.Count];
            bx.Clear();
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x, i), rest).CopyTo(bx);
            ref T b = ref MemoryMarshal.GetReference(bx);
            TV.Store(op.Invoke<TV, T>(TV.Load(ref b, 0)), ref b, 0);
            bx[..rest].CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, i), rest));
        }
    }

    /// <summary>Map2 with the remainder in one zero-padded vector (see <see cref="MapPadded"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Map2Padded<TV, T, TOp>(ref T a, ref T b, ref T y, nuint n, TOp op)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp
    {
        nuint i = Map2<TV, T, TOp>(ref a, ref b, ref y, 0, n, op);
        if (i < n)
        {
            int rest = (int)(n - i);
            Span<T> buffer = stackalloc T[2 * TV.Count];
            buffer.Clear();
            Span<T> ba = buffer[..TV.Count], bb = buffer[TV.Count..];
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref a, i), rest).CopyTo(ba);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, i), rest).CopyTo(bb);
            ref T ra = ref MemoryMarshal.GetReference(ba);
            TV.Store(op.Invoke<TV, T>(TV.Load(ref ra, 0), TV.Load(ref MemoryMarshal.GetReference(bb), 0)), ref ra, 0);
            ba[..rest].CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, i), rest));
        }
    }

    /// <summary>The glu gradient with the remainder in one zero-padded vector (see <see cref="MapPadded"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GluBackwardPadded<TV, T>(ref T a, ref T b, ref T dy, ref T da, ref T db, nuint n)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint i = GluBackward<TV, T>(ref a, ref b, ref dy, ref da, ref db, 0, n);
        if (i < n)
        {
            int rest = (int)(n - i), c = TV.Count;
            Span<T> buffer = stackalloc T[5 * c];
            buffer.Clear();
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref a, i), rest).CopyTo(buffer);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, i), rest).CopyTo(buffer[c..]);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dy, i), rest).CopyTo(buffer[(2 * c)..]);
            ref T r = ref MemoryMarshal.GetReference(buffer);
            GluBackward<TV, T>(ref r, ref Unsafe.Add(ref r, c), ref Unsafe.Add(ref r, 2 * c), ref Unsafe.Add(ref r, 3 * c), ref Unsafe.Add(ref r, 4 * c), 0, (nuint)c);
            buffer.Slice(3 * c, rest).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref da, i), rest));
            buffer.Slice(4 * c, rest).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref db, i), rest));
        }
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
