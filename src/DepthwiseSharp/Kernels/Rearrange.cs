using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The two data rearrangements the kernels need, vectorized: repeating each input value M times (channels_last with a
/// depth multiplier) and splitting a row into its even and odd elements (channels_first with stride 2).
/// </summary>
internal static class Rearrange
{
    /// <summary><c>dst[i*m + j] = src[i]</c> for j &lt; m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Repeat<T>(ReadOnlySpan<T> src, Span<T> dst, int m)
        where T : unmanaged
    {
        ref T s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(src);
        ref T d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dst);
        int n = src.Length, i = 0;

        // Lanes: output vector v holds inputs v*(W/m) .. v*(W/m) + W/m - 1, each m times; a full input vector is loaded
        // only while W inputs remain, so the shuffle never reads past the source. The rest is scalar.
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated && 16 % m == 0)
        {
            var idx = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) / Vector512.Create(m);
            int per = 16 / m;
            ref float sf = ref Unsafe.As<T, float>(ref s);
            ref float df = ref Unsafe.As<T, float>(ref d);
            for (; i + 16 <= n; i += per)
            {
                Vector512.Shuffle(Vector512.LoadUnsafe(ref sf, (nuint)i), idx).StoreUnsafe(ref df, (nuint)(i * m));
            }
        }
        else if (typeof(T) == typeof(ushort) && Vector512.IsHardwareAccelerated && 32 % m == 0)
        {
            // 16-bit values (the fused half-precision kernels' rows): 32 lanes, one word permute per output vector.
            var idx = Vector512.Create((ushort)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                28, 29, 30, 31) / Vector512.Create((ushort)m);
            int per = 32 / m;
            ref ushort sh = ref Unsafe.As<T, ushort>(ref s);
            ref ushort dh = ref Unsafe.As<T, ushort>(ref d);
            for (; i + 32 <= n; i += per)
            {
                Vector512.Shuffle(Vector512.LoadUnsafe(ref sh, (nuint)i), idx).StoreUnsafe(ref dh, (nuint)(i * m));
            }
        }
        else if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && 8 % m == 0)
        {
            var idx = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) / Vector256.Create(m);
            int per = 8 / m;
            ref float sf = ref Unsafe.As<T, float>(ref s);
            ref float df = ref Unsafe.As<T, float>(ref d);
            for (; i + 8 <= n; i += per)
            {
                Vector256.Shuffle(Vector256.LoadUnsafe(ref sf, (nuint)i), idx).StoreUnsafe(ref df, (nuint)(i * m));
            }
        }

        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref s, i);
            ref T o = ref Unsafe.Add(ref d, i * m);
            for (int j = 0; j < m; j++)
            {
                Unsafe.Add(ref o, j) = v;
            }
        }
    }

    /// <summary>Splits <paramref name="src"/> into its <paramref name="s"/> phases: <c>dst[p*stride + q] = src[q*s + p]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Phases<T>(ReadOnlySpan<T> src, Span<T> dst, int s, int phaseStride)
        where T : unmanaged
    {
        ref T x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(src);
        ref T d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dst);
        int l = src.Length;
        int q = 0;
        if (s == 2 && typeof(T) == typeof(float) && Avx512F.IsSupported)
        {
            // Two input vectors (32 floats) give 16 evens and 16 odds with one two-source permute each.
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = even + Vector512<int>.One;
            ref float xf = ref Unsafe.As<T, float>(ref x);
            ref float e = ref Unsafe.As<T, float>(ref d);
            ref float o = ref Unsafe.Add(ref e, phaseStride);
            for (; 2 * q + 32 <= l; q += 16)
            {
                var lo = Vector512.LoadUnsafe(ref xf, (nuint)(2 * q));
                var hi = Vector512.LoadUnsafe(ref xf, (nuint)(2 * q + 16));
                Avx512F.PermuteVar16x32x2(lo, even, hi).StoreUnsafe(ref e, (nuint)q);
                Avx512F.PermuteVar16x32x2(lo, odd, hi).StoreUnsafe(ref o, (nuint)q);
            }
        }

        for (int p = 0; p < s; p++)
        {
            ref T dst0 = ref Unsafe.Add(ref d, p * phaseStride);
            for (int n = q, i = q * s + p; i < l; i += s, n++)
            {
                Unsafe.Add(ref dst0, n) = Unsafe.Add(ref x, i);
            }
        }
    }

    /// <summary>The inverse of <see cref="Phases{T}"/>: <c>dst[q*s + p] = src[p*stride + q]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Interleave<T>(ReadOnlySpan<T> src, Span<T> dst, int s, int phaseStride)
        where T : unmanaged
    {
        ref T x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(src);
        ref T d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dst);
        int l = dst.Length;
        for (int p = 0; p < s; p++)
        {
            ref T src0 = ref Unsafe.Add(ref x, p * phaseStride);
            for (int n = 0, i = p; i < l; i += s, n++)
            {
                Unsafe.Add(ref d, i) = Unsafe.Add(ref src0, n);
            }
        }
    }
}
