using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// <see cref="BFloat16"/>'s conversions to and from float32 for the fused kernel (<see cref="HalfChannelsLastKernel"/>):
/// 16 lanes at a time (AVX-512: 16 values of 2 bytes are one 256-bit load and widen into one 512-bit float32 vector), and
/// one value at a time for remainders. The 16 bits are a float32's upper half. Each has one exact answer per input, the
/// same bits as <see cref="BFloat16"/>'s scalar conversions (tested over every 16-bit pattern and over the float32
/// rounding boundaries), so a kernel may mix the two freely. float16 has no such fused path:
/// <see cref="ForwardPolicy.HalfFusedPays{TH}"/> says why.
/// </summary>
internal static class BFloat16Lanes
{
    /// <summary>16 values (bits) to float32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector256<ushort> bits) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(bits), 16).AsSingle();

    /// <summary>16 float32 values to the nearest bfloat16 values, ties to even, NaN quieted (as <see cref="BFloat16.Round(uint)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Narrow(Vector512<float> value) => Avx512F.ConvertToVector256UInt16(BFloat16Vectors.Round(value.AsUInt32()));

    /// <summary>One value (bits) to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>One float32 value to the nearest bfloat16 value, as bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => BFloat16.Round(BitConverter.SingleToUInt32Bits(value));
}
