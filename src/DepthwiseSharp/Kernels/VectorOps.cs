using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// Row loops of the gradient kernels, at the width of the <see cref="KernelVariant"/> they are given (the widths below it
/// take the remainder, then scalars). Lanes hold consecutive elements of the row (channels for channels_last, time steps
/// for channels_first). Every width gives the same bits: the elementwise loops do one multiply and one add per element
/// (never fused) whatever the width, and the sums (<see cref="Dot{T}"/>, <see cref="Sum{T}"/>) keep one fixed lane
/// layout.
/// </summary>
internal static class VectorOps
{
    /// <summary><c>y[i] += x[i] * w[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.Length;
        if (x.Length < n || w.Length < n)
        {
            throw new ArgumentException("Spans are shorter than the output row.");
        }

        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T wr = ref MemoryMarshal.GetReference(w);
        ref T yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (variant >= KernelVariant.Vector512 && Vector512<T>.IsSupported)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var acc = Vector512.LoadUnsafe(ref yr, (nuint)i) + Vector512.LoadUnsafe(ref xr, (nuint)i) * Vector512.LoadUnsafe(ref wr, (nuint)i);
                acc.StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (variant >= KernelVariant.Vector256 && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var acc = Vector256.LoadUnsafe(ref yr, (nuint)i) + Vector256.LoadUnsafe(ref xr, (nuint)i) * Vector256.LoadUnsafe(ref wr, (nuint)i);
                acc.StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (variant >= KernelVariant.Vector128 && Vector128<T>.IsSupported)
        {
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                var acc = Vector128.LoadUnsafe(ref yr, (nuint)i) + Vector128.LoadUnsafe(ref xr, (nuint)i) * Vector128.LoadUnsafe(ref wr, (nuint)i);
                acc.StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yr, i) += Unsafe.Add(ref xr, i) * Unsafe.Add(ref wr, i);
        }
    }

    /// <summary><c>y[i] += x[i] * w</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddScalar<T>(ReadOnlySpan<T> x, T w, Span<T> y, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.Length;
        if (x.Length < n)
        {
            throw new ArgumentException("Span is shorter than the output row.");
        }

        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (variant >= KernelVariant.Vector512 && Vector512<T>.IsSupported)
        {
            var wv = Vector512.Create(w);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                (Vector512.LoadUnsafe(ref yr, (nuint)i) + Vector512.LoadUnsafe(ref xr, (nuint)i) * wv).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (variant >= KernelVariant.Vector256 && Vector256<T>.IsSupported)
        {
            var wv = Vector256.Create(w);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref yr, (nuint)i) + Vector256.LoadUnsafe(ref xr, (nuint)i) * wv).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (variant >= KernelVariant.Vector128 && Vector128<T>.IsSupported)
        {
            var wv = Vector128.Create(w);
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                (Vector128.LoadUnsafe(ref yr, (nuint)i) + Vector128.LoadUnsafe(ref xr, (nuint)i) * wv).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yr, i) += Unsafe.Add(ref xr, i) * w;
        }
    }

    /// <summary>
    /// <c>sum_i a[i] * b[i]</c>, with the same bits on every machine and SIMD width.
    /// </summary>
    /// <remarks>
    /// Lane layout: a fixed 32-byte accumulator, 8 float or 4 double lanes; lane j sums <c>a[i] * b[i]</c> (a multiply, then
    /// an add: no fused multiply-add, which the scalar path would round differently) over the i = j mod lanes of the whole
    /// 32-byte blocks, in order. The 256- and 512-bit variants hold it in one 256-bit register, the 128-bit variant in two
    /// (low and high half), the scalar variant in 8 or 4 scalars: the same partial sums. The lanes are then added in a
    /// fixed tree ((0+1)+(2+3))+((4+5)+(6+7)), and the remainder (fewer than one block) is added one element at a time, in
    /// order. (Our own loop rather than TensorPrimitives.Dot, whose order depends on the width: kernels run it from the
    /// first call at full optimization.)
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> => Reduce<T, ProductOf>(a, b, variant);

    /// <summary><c>sum_i a[i]</c>, with the same bits on every machine and SIMD width (the order of <see cref="Dot{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<T>(ReadOnlySpan<T> a, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> => Reduce<T, ValueOf>(a, a, variant);

    private interface ITerm
    {
        static abstract Vector256<T> Of<T>(Vector256<T> a, Vector256<T> b)
            where T : unmanaged, IFloatingPointIeee754<T>;

        static abstract Vector128<T> Of<T>(Vector128<T> a, Vector128<T> b)
            where T : unmanaged, IFloatingPointIeee754<T>;

        static abstract T Of<T>(T a, T b)
            where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private readonly struct ProductOf : ITerm
    {
        public static Vector256<T> Of<T>(Vector256<T> a, Vector256<T> b)
            where T : unmanaged, IFloatingPointIeee754<T> => a * b;

        public static Vector128<T> Of<T>(Vector128<T> a, Vector128<T> b)
            where T : unmanaged, IFloatingPointIeee754<T> => a * b;

        public static T Of<T>(T a, T b)
            where T : unmanaged, IFloatingPointIeee754<T> => a * b;
    }

    private readonly struct ValueOf : ITerm
    {
        public static Vector256<T> Of<T>(Vector256<T> a, Vector256<T> b)
            where T : unmanaged, IFloatingPointIeee754<T> => a;

        public static Vector128<T> Of<T>(Vector128<T> a, Vector128<T> b)
            where T : unmanaged, IFloatingPointIeee754<T> => a;

        public static T Of<T>(T a, T b)
            where T : unmanaged, IFloatingPointIeee754<T> => a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Reduce<T, TTerm>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTerm : struct, ITerm
    {
        int n = Math.Min(a.Length, b.Length);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        int lanes = Vector256<T>.Count, half = Vector128<T>.Count;
        int whole = n - n % lanes;
        Span<T> part = stackalloc T[Vector256<T>.Count];
        if (variant >= KernelVariant.Vector256 && Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<T>.Zero;
            for (int i = 0; i < whole; i += lanes)
            {
                acc += TTerm.Of(Vector256.LoadUnsafe(ref ar, (nuint)i), Vector256.LoadUnsafe(ref br, (nuint)i));
            }

            acc.CopyTo(part);
        }
        else if (variant >= KernelVariant.Vector128 && Vector128.IsHardwareAccelerated)
        {
            Vector128<T> lo = Vector128<T>.Zero, hi = Vector128<T>.Zero;
            for (int i = 0; i < whole; i += lanes)
            {
                lo += TTerm.Of(Vector128.LoadUnsafe(ref ar, (nuint)i), Vector128.LoadUnsafe(ref br, (nuint)i));
                hi += TTerm.Of(Vector128.LoadUnsafe(ref ar, (nuint)(i + half)), Vector128.LoadUnsafe(ref br, (nuint)(i + half)));
            }

            lo.CopyTo(part);
            hi.CopyTo(part[half..]);
        }
        else
        {
            part.Clear();
            for (int i = 0; i < whole; i += lanes)
            {
                for (int j = 0; j < lanes; j++)
                {
                    part[j] += TTerm.Of(Unsafe.Add(ref ar, i + j), Unsafe.Add(ref br, i + j));
                }
            }
        }

        // The fixed tree over the 8 (float) or 4 (double) lanes, then the remainder in order.
        for (int width = lanes; width > 1; width /= 2)
        {
            for (int j = 0; j < width / 2; j++)
            {
                part[j] = part[2 * j] + part[2 * j + 1];
            }
        }

        T sum = part[0];
        for (int i = whole; i < n; i++)
        {
            sum += TTerm.Of(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i));
        }

        return sum;
    }

    /// <summary><c>y[i] += x[i]</c>: 256-bit lanes for the 256- and 512-bit variants, scalars for the remainder and the
    /// narrower variants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add<T>(ReadOnlySpan<T> x, Span<T> y, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.Length, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        if (variant >= KernelVariant.Vector256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref yr, (nuint)i) + Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yr, i) += Unsafe.Add(ref xr, i);
        }
    }

    /// <summary>
    /// <c>dst[i] = src[2i] + src[2i + 1]</c> for i &lt; dst.Length; <paramref name="dst"/> may start where
    /// <paramref name="src"/> starts (each step loads before it stores, and stores only below what it has loaded).
    /// </summary>
    /// <remarks>
    /// float lanes: each 64-bit pair (src[2i], src[2i+1]) is added to itself shifted right by 32 bits, which leaves
    /// src[2i] + src[2i+1] in the low half; narrowing two such vectors to 32-bit lanes keeps the low halves in order.
    /// The sum is the same single add as the scalar remainder's, so every width gives the same bits.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddAdjacentPairs<T>(Span<T> src, Span<T> dst, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = dst.Length, i = 0;
        if (src.Length < 2 * n)
        {
            throw new ArgumentException("The source is shorter than twice the destination.", nameof(src));
        }

        ref T sr = ref MemoryMarshal.GetReference(src);
        ref T dr = ref MemoryMarshal.GetReference(dst);
        if (typeof(T) == typeof(float))
        {
            ref float sf = ref Unsafe.As<T, float>(ref sr);
            ref float df = ref Unsafe.As<T, float>(ref dr);
            if (variant >= KernelVariant.Vector512 && Vector512.IsHardwareAccelerated)
            {
                for (; i + 16 <= n; i += 16)
                {
                    var a = Vector512.LoadUnsafe(ref sf, (nuint)(2 * i));
                    var b = Vector512.LoadUnsafe(ref sf, (nuint)(2 * i + 16));
                    a += (a.AsUInt64() >> 32).AsSingle();
                    b += (b.AsUInt64() >> 32).AsSingle();
                    Vector512.Narrow(a.AsUInt64(), b.AsUInt64()).AsSingle().StoreUnsafe(ref df, (nuint)i);
                }
            }

            if (variant >= KernelVariant.Vector256 && Vector256.IsHardwareAccelerated)
            {
                for (; i + 8 <= n; i += 8)
                {
                    var a = Vector256.LoadUnsafe(ref sf, (nuint)(2 * i));
                    var b = Vector256.LoadUnsafe(ref sf, (nuint)(2 * i + 8));
                    a += (a.AsUInt64() >> 32).AsSingle();
                    b += (b.AsUInt64() >> 32).AsSingle();
                    Vector256.Narrow(a.AsUInt64(), b.AsUInt64()).AsSingle().StoreUnsafe(ref df, (nuint)i);
                }
            }

            if (variant >= KernelVariant.Vector128 && Vector128.IsHardwareAccelerated)
            {
                for (; i + 4 <= n; i += 4)
                {
                    var a = Vector128.LoadUnsafe(ref sf, (nuint)(2 * i));
                    var b = Vector128.LoadUnsafe(ref sf, (nuint)(2 * i + 4));
                    a += (a.AsUInt64() >> 32).AsSingle();
                    b += (b.AsUInt64() >> 32).AsSingle();
                    Vector128.Narrow(a.AsUInt64(), b.AsUInt64()).AsSingle().StoreUnsafe(ref df, (nuint)i);
                }
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dr, i) = Unsafe.Add(ref sr, 2 * i) + Unsafe.Add(ref sr, 2 * i + 1);
        }
    }
}
