using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// Conversions between a 16-bit floating type and float32, 16 lanes at a time (AVX-512: 16 values of 2 bytes are one
/// 256-bit load and widen into one 512-bit float32 vector), and one value at a time for remainders. Each has one exact
/// answer per input, the same bits as the type's scalar conversions (tested over every 16-bit pattern and over the
/// float32 rounding boundaries), so a kernel may mix the two freely. bfloat16 only: see
/// <see cref="ForwardPolicy.HalfFusedPays{TH}"/> for why float16 keeps the tiled path.
/// </summary>
internal interface IHalfLanes
{
    /// <summary>16 values (bits) to float32, exactly.</summary>
    static abstract Vector512<float> Widen(Vector256<ushort> bits);

    /// <summary>16 float32 values to the nearest 16-bit values (ties to even), as bits.</summary>
    static abstract Vector256<ushort> Narrow(Vector512<float> value);

    /// <summary>One value (bits) to float32.</summary>
    static abstract float Widen(ushort bits);

    /// <summary>One float32 value to the nearest 16-bit value, as bits.</summary>
    static abstract ushort Narrow(float value);
}

/// <summary><see cref="BFloat16"/>'s conversions: the 16 bits are a float32's upper half.</summary>
internal readonly struct BFloat16Lanes : IHalfLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector256<ushort> bits) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(bits), 16).AsSingle();

    /// <summary>Round to nearest even on the bits; NaN stays NaN, quieted (as <see cref="BFloat16.Round(uint)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Narrow(Vector512<float> value) => Avx512F.ConvertToVector256UInt16(BFloat16Vectors.Round(value.AsUInt32()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => BFloat16.Round(BitConverter.SingleToUInt32Bits(value));
}
