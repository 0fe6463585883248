using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The two inner loops of the depthwise kernels, at each width of <see cref="KernelVariant"/>.
/// Lanes hold consecutive elements of the row (channels for channels_last, time steps for channels_first); the
/// remainder (length mod lane count) runs as scalars. Multiply then add, never fused, so every width rounds exactly
/// like <see cref="ReferenceKernel"/>.
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
    /// <c>sum_i a[i] * b[i]</c>. Lanes accumulate with fused multiply-adds, then the lanes are added; the order is fixed
    /// for a given width, so the result is the same on every call and thread. (Our own loop rather than
    /// TensorPrimitives.Dot: kernels run it from the first call at full optimization, without tier-0 detours.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Math.Min(a.Length, b.Length), i = 0;
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                acc += Vector256.LoadUnsafe(ref ar, (nuint)i) * Vector256.LoadUnsafe(ref br, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ar, i) * Unsafe.Add(ref br, i);
        }

        return sum;
    }

    /// <summary><c>sum_i a[i]</c>, with a fixed order per width (see <see cref="Dot{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<T>(ReadOnlySpan<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = a.Length, i = 0;
        ref T ar = ref MemoryMarshal.GetReference(a);
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                acc += Vector256.LoadUnsafe(ref ar, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ar, i);
        }

        return sum;
    }

    /// <summary><c>y[i] += x[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.Length, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        if (Vector256.IsHardwareAccelerated)
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
}
