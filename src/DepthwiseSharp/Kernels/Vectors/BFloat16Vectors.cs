using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// Whole-span conversions between <see cref="BFloat16"/> and float32, at the widest vector width the machine has.
/// Both are integer operations on the bits with one exact answer, so every width gives the same bits as
/// <see cref="BFloat16"/>'s scalar conversions.
/// </summary>
internal static class BFloat16Vectors
{
    /// <summary>bfloat16 to float32: the 16 bits become a float's upper half (exact).</summary>
    /// <remarks>Optimized from the first call, as the kernels are: unoptimized, the vector helpers are calls.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ReadOnlySpan<BFloat16> source, Span<float> destination)
    {
        ref ushort src = ref Unsafe.As<BFloat16, ushort>(ref MemoryMarshal.GetReference(source));
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int n = source.Length, i = 0;

        // Lanes: 16 (AVX-512), 8 (AVX2) or 8 (Vector128, as two halves of 4) values zero-extend to uint lanes and shift into
        // a float's upper half; the remainder goes one by one.
        // (vpmovzxwd where the machine has it: Vector512.Widen's generic lowering took 3x longer per element.)
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var wide = Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref src, (nuint)i));
                Vector512.ShiftLeft(wide, 16).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Avx2.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                var wide = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref src, (nuint)i)).AsUInt32();
                Vector256.ShiftLeft(wide, 16).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                Vector128.ShiftLeft(lo, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector128.ShiftLeft(hi, 16).StoreUnsafe(ref dst, (nuint)(i + 4));
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = (uint)Unsafe.Add(ref src, i) << 16;
        }
    }

    /// <summary>float32 to bfloat16, round to nearest even, NaN kept quiet (as <see cref="BFloat16.Round(uint)"/>).</summary>
    /// <remarks>Optimized from the first call, as the kernels are: unoptimized, the vector helpers are calls.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Narrow(ReadOnlySpan<float> source, Span<BFloat16> destination)
    {
        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref Unsafe.As<BFloat16, ushort>(ref MemoryMarshal.GetReference(destination));
        int n = source.Length, i = 0;

        // Lanes: two Vector512<uint> of 16 floats round and narrow into one Vector512<ushort>; the remainder one by one.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                var lo = Round(Vector512.LoadUnsafe(ref src, (nuint)i));
                var hi = Round(Vector512.LoadUnsafe(ref src, (nuint)(i + 16)));
                Vector512.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var lo = Round(Vector256.LoadUnsafe(ref src, (nuint)i));
                var hi = Round(Vector256.LoadUnsafe(ref src, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var lo = Round(Vector128.LoadUnsafe(ref src, (nuint)i));
                var hi = Round(Vector128.LoadUnsafe(ref src, (nuint)(i + 4)));
                Vector128.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = BFloat16.Round(Unsafe.Add(ref src, i));
        }
    }

    // The rounded value in each lane's low 16 bits (the narrowing drops the upper ones). The 512-bit rule has one home,
    // BFloat16Lanes.RoundHigh (this path runs only where Vector512 is accelerated, which on x64 means AVX-512).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Round(Vector512<uint> bits) => Vector512.ShiftRightLogical(BFloat16Lanes.RoundHigh(bits.AsSingle()), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> Round(Vector256<uint> bits)
    {
        var nan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        var rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One), 16);
        return Vector256.ConditionalSelect(nan, Vector256.ShiftRightLogical(bits, 16) | Vector256.Create(0x40u), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Round(Vector128<uint> bits)
    {
        var nan = Vector128.GreaterThan(bits & Vector128.Create(0x7FFF_FFFFu), Vector128.Create(0x7F80_0000u));
        var rounded = Vector128.ShiftRightLogical(bits + Vector128.Create(0x7FFFu) + (Vector128.ShiftRightLogical(bits, 16) & Vector128<uint>.One), 16);
        return Vector128.ConditionalSelect(nan, Vector128.ShiftRightLogical(bits, 16) | Vector128.Create(0x40u), rounded);
    }
}
