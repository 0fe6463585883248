using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// <see cref="BFloat16"/>'s conversions to and from float32 for the fused kernels (<see cref="IHalfLanes"/>). The 16 bits
/// are a float32's upper half: widening is a shift, and <see cref="RoundHigh"/> leaves each rounded value in its lane's
/// upper half, where <see cref="PackHigh"/> takes it.
/// </summary>
internal readonly struct BFloat16Lanes : IHalfLanes
{
    /// <summary>16 values (bits) to float32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector256<ushort> bits) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(bits), 16).AsSingle();

    /// <summary>16 float32 values to the nearest bfloat16 values, ties to even, NaN quieted (as <see cref="BFloat16.Round(uint)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Narrow(Vector512<float> value) =>
        Avx512F.ConvertToVector256UInt16(Vector512.ShiftRightLogical(RoundHigh(value), 16));

    /// <summary>
    /// 16 float32 values rounded to bfloat16 (ties to even, NaN quieted), each lane's result in its upper 16 bits (the
    /// lower 16 are left over): adding 0x7FFF plus the kept part's lowest bit carries into the kept part exactly when
    /// rounding up is due. A NaN must instead keep its bits with the quiet bit set (the addition could carry it into an
    /// infinity or the sign): one <c>vfixupimmps</c> does that, replacing the sum in the lanes whose input is a NaN by
    /// the input quieted (token 2 for the QNaN and SNaN classes, 0, keep the sum, for the six others), where a compare, an
    /// OR and a blend took three instructions of the seven; rounding was a quarter of the fused bfloat16 kernel's time
    /// (bench/README.md). <see cref="PackHigh"/> then takes the upper halves of two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RoundHigh(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var rounded = bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One);
        return Avx512F.Fixup(rounded.AsSingle(), value, Vector512.Create(0x22), 0).AsUInt32();
    }

    /// <summary>
    /// The upper 16 bits of every lane of <paramref name="low"/> then of <paramref name="high"/> (as <see cref="RoundHigh"/>
    /// leaves them): 32 bfloat16 values, one 64-byte line, in one two-source word permute.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> PackHigh(Vector512<uint> low, Vector512<uint> high) =>
        Avx512BW.PermuteVar32x16x2(low.AsUInt16(), OddWords, high.AsUInt16());

    /// <summary>Word indices 1, 3, ..., 63 into the two sources of <see cref="PackHigh"/>'s permute.</summary>
    private static Vector512<ushort> OddWords
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create((ushort)1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 57, 59,
            61, 63);
    }

    /// <summary>The lower value of each 32-bit lane to float32: shifted into the upper half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Low(Vector512<uint> pairs) => Vector512.ShiftLeft(pairs, 16).AsSingle();

    /// <summary>The upper value of each 32-bit lane to float32: the lower half cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> High(Vector512<uint> pairs) => (pairs & Vector512.Create(0xFFFF_0000u)).AsSingle();

    /// <summary>Rounds both in place (<see cref="RoundHigh"/>) and moves the even results down to the lower halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> Interleave(Vector512<float> even, Vector512<float> odd) =>
        Vector512.ConditionalSelect(Vector512.Create(0xFFFF_0000u), RoundHigh(odd), Vector512.ShiftRightLogical(RoundHigh(even), 16)).AsUInt16();

    /// <summary><see cref="RoundHigh"/>: each result in its lane's upper half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Round(Vector512<float> value) => RoundHigh(value);

    /// <summary><see cref="PackHigh"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> Pack(Vector512<uint> low, Vector512<uint> high) => PackHigh(low, high);

    /// <summary>8 values (bits) to float32, exactly: a row's channels left over after the 16-lane vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen(Vector128<ushort> bits) =>
        Vector256.ShiftLeft(Avx2.ConvertToVector256Int32(bits).AsUInt32(), 16).AsSingle();

    /// <summary>8 float32 values to the nearest bfloat16 values, as <see cref="Narrow(Vector512{float})"/> (the span conversions' 256-bit rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> Narrow(Vector256<float> value) => Avx512F.VL.ConvertToVector128UInt16(BFloat16Vectors.Round(value.AsUInt32()));

    /// <summary>One value (bits) to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>One float32 value to the nearest bfloat16 value, as bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => BFloat16.Round(BitConverter.SingleToUInt32Bits(value));

    /// <summary>No check: these lanes are exact on every value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Track(Vector512<float> seen, Vector512<float> widened) => seen;

    /// <summary>Always true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Clean(Vector512<float> seen) => true;

    /// <summary>1: these lanes widen to the true values.</summary>
    public static float TapScale => 1f;
}
