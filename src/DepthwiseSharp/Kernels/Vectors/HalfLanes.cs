using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// A 16-bit floating type's conversions to and from float32 for the fused kernels, as a type so that the JIT specializes
/// a kernel per type: 16 lanes at a time (AVX-512: 16 values of 2 bytes are one 256-bit load and widen into one 512-bit
/// float32 vector), 8 lanes for a row's leftover channels, and one value at a time. Each conversion has one exact answer
/// per input, the same bits as the type's scalar conversions (tested over every 16-bit pattern and over the float32
/// rounding boundaries), so a kernel may mix the widths freely.
/// </summary>
internal interface IHalfLanes
{
    /// <summary>16 values (bits) to float32, exactly.</summary>
    static abstract Vector512<float> Widen(Vector256<ushort> bits);

    /// <summary>16 float32 values to the nearest 16-bit values, ties to even.</summary>
    static abstract Vector256<ushort> Narrow(Vector512<float> value);

    /// <summary>
    /// 16 float32 values rounded as <see cref="Narrow(Vector512{float})"/> does, each lane's 16 bits left where
    /// <see cref="Pack"/> takes them (the other 16 bits are left over).
    /// </summary>
    static abstract Vector512<uint> Round(Vector512<float> value);

    /// <summary>The rounded values of <paramref name="low"/> then of <paramref name="high"/> (<see cref="Round"/>): 32 values, one 64-byte line.</summary>
    static abstract Vector512<ushort> Pack(Vector512<uint> low, Vector512<uint> high);

    /// <summary>The lower 16-bit value of each 32-bit lane (bits) to float32, exactly.</summary>
    static abstract Vector512<float> Low(Vector512<uint> pairs);

    /// <summary>The upper 16-bit value of each 32-bit lane (bits) to float32, exactly.</summary>
    static abstract Vector512<float> High(Vector512<uint> pairs);

    /// <summary>
    /// <paramref name="even"/> and <paramref name="odd"/> rounded (as <see cref="Narrow(Vector512{float})"/>) and
    /// interleaved into one line of 32 values: lane i of <paramref name="even"/> to value 2i, of <paramref name="odd"/> to 2i + 1.
    /// </summary>
    static abstract Vector512<ushort> Interleave(Vector512<float> even, Vector512<float> odd);

    /// <summary>8 values (bits) to float32, exactly.</summary>
    static abstract Vector256<float> Widen(Vector128<ushort> bits);

    /// <summary>8 float32 values to the nearest 16-bit values, ties to even.</summary>
    static abstract Vector128<ushort> Narrow(Vector256<float> value);

    /// <summary>One value (bits) to float32.</summary>
    static abstract float Widen(ushort bits);

    /// <summary>One float32 value to the nearest 16-bit value, as bits.</summary>
    static abstract ushort Narrow(float value);

    /// <summary>
    /// The factor between the true values and what the widening conversions return (1, or 2^112 for
    /// <see cref="FiniteHalfLanes"/>): a kernel multiplies its float32 taps by it once, so that each product of a widened
    /// input and a tap is the true product, exactly (a scale by a power of two changes no significant bit).
    /// </summary>
    static abstract float TapScale { get; }

    /// <summary>
    /// Folds one widened input vector into <paramref name="seen"/> (start: zero) so that <see cref="Clean"/> tells whether
    /// every input folded in was finite: the check that lanes exact on finite inputs only (<see cref="FiniteHalfLanes"/>)
    /// need, made on the rows a kernel loads anyway, in one instruction per vector (reading a tile's rows again to check
    /// them cost about a tenth of a call from memory). Lanes exact on every value return <paramref name="seen"/>.
    /// </summary>
    static abstract Vector512<float> Track(Vector512<float> seen, Vector512<float> widened);

    /// <summary>Whether every input <see cref="Track"/> folded into <paramref name="seen"/> was finite (always true for lanes exact on every value).</summary>
    static abstract bool Clean(Vector512<float> seen);
}

/// <summary>
/// <see cref="Half"/>'s (IEEE float16's) conversions for the fused kernels. .NET 10 exposes no conversion instruction for
/// float16 (F16C's <c>vcvtph2ps</c>/<c>vcvtps2ph</c>), so both directions are integer and float32 arithmetic on the bits,
/// about ten instructions per 16 values to float32 and fifteen back: a kernel pays them once per value it loads or stores,
/// not per tap. Lane layout: each 32-bit lane holds one value, its 16 bits in the lane's lower half.
/// </summary>
internal readonly struct HalfLanes : IHalfLanes
{
    /// <summary>
    /// 16 values (bits) to float32, exactly. The exponent and fraction, moved to float32's places, read as a float32 whose
    /// exponent is 112 too small for normal values and as the right subnormal pattern times 2^112 for subnormal ones, so
    /// one multiply by 2^112 gives every finite value exactly. Infinity and NaN (exponent all ones) take float32's all-ones
    /// exponent instead; the added zero quiets a signaling NaN, as the scalar conversion's subtraction does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector256<ushort> bits) => WidenLanes(Avx512F.ConvertToVector512UInt32(bits));

    /// <summary>The lower 16-bit value of each 32-bit lane to float32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Low(Vector512<uint> pairs) => WidenLanes(pairs & Vector512.Create(0xFFFFu));

    /// <summary>The upper 16-bit value of each 32-bit lane to float32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> High(Vector512<uint> pairs) => WidenLanes(Vector512.ShiftRightLogical(pairs, 16));

    /// <summary>Rounds both (<see cref="Round"/>) and puts the even results in the lower halves, the odd in the upper.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> Interleave(Vector512<float> even, Vector512<float> odd) =>
        Vector512.ConditionalSelect(Vector512.Create(0xFFFF_0000u), Vector512.ShiftLeft(Round(odd), 16), Round(even)).AsUInt16();

    /// <summary><see cref="Widen(Vector256{ushort})"/> on 16 values held in the lower halves of 32-bit lanes (upper halves zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> WidenLanes(Vector512<uint> h)
    {
        var magnitude = Vector512.ShiftLeft(h, 13) & Vector512.Create(0x0FFF_E000u);
        var finite = magnitude.AsSingle() * Vector512.Create(0x7780_0000u).AsSingle(); // 2^112
        var special = (magnitude + Vector512.Create(0x7000_0000u)).AsSingle() + Vector512<float>.Zero;
        var value = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x0F80_0000u)).AsSingle(), special, finite);
        return value | (Vector512.ShiftLeft(h, 16) & Vector512.Create(0x8000_0000u)).AsSingle();
    }

    /// <summary>16 float32 values to the nearest float16 values, ties to even (<see cref="Round"/>, packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Narrow(Vector512<float> value) => Avx512F.ConvertToVector256UInt16(Round(value));

    /// <summary>
    /// 16 float32 values rounded to float16, ties to even, each result in its lane's lower 16 bits; the scalar
    /// conversion's steps (<c>(Half)float</c> in .NET 10), lane by lane. The magnitude, capped at 65520 (the first value
    /// that rounds to infinity) and raised to at least 2^-14, sets an exponent whose addition leaves exactly the float16
    /// fraction bits above float32's rounding point, so the float32 addition rounds to nearest even; the exponent is then
    /// rebased. A NaN keeps its sign and its fraction's upper bits and becomes quiet. The minimum and maximum return
    /// their second operand when either is NaN, so a NaN passes through both as the scalar code's does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Round(Vector512<float> value)
    {
        var nan = Avx512F.CompareUnordered(value, value).AsUInt32();
        var rounded = Rounded(value);
        var result = Vector512.AndNot(rounded, nan) + Vector512.ShiftRightLogical(rounded, 13);
        var nanExponent = nan & Vector512.Create(0x7C00u);
        return Vector512.AndNot(result, nanExponent) | nanExponent | Sign(value);
    }

    /// <summary>
    /// <see cref="Round"/>'s rounding step: the magnitude (capped, raised) plus the offset its exponent sets, rounded by the
    /// float32 addition, less the rebasing constant. Its low 13 bits hold the fraction, the exponent follows 13 bits up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Rounded(Vector512<float> value) =>
        RoundedMagnitude(Avx512F.Min(Vector512.Create(65520f), (value.AsUInt32() & Vector512.Create(0x7FFF_FFFFu)).AsSingle()));

    /// <summary><see cref="Rounded"/> from the magnitude already capped at 65520 (the minimum keeps a NaN, its second operand).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> RoundedMagnitude(Vector512<float> magnitude)
    {
        var offset = (Avx512F.Max(Vector512.Create(0x3880_0000u).AsSingle(), magnitude).AsUInt32() & Vector512.Create(0x7F80_0000u))
            + Vector512.Create(0x0680_0000u);
        return (magnitude + offset.AsSingle()).AsUInt32() - Vector512.Create(0x3F00_0000u);
    }

    /// <summary>The float32 sign bits moved to float16's place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Sign(Vector512<float> value) => Vector512.ShiftRightLogical(value.AsUInt32(), 16) & Vector512.Create(0x8000u);

    /// <summary>The lower 16 bits of every lane of <paramref name="low"/> then of <paramref name="high"/>: one two-source word permute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> Pack(Vector512<uint> low, Vector512<uint> high) =>
        Avx512BW.PermuteVar32x16x2(low.AsUInt16(), EvenWords, high.AsUInt16());

    /// <summary>8 values (bits) to float32, exactly: the 16-lane conversion's lower half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen(Vector128<ushort> bits) => Widen(bits.ToVector256Unsafe()).GetLower();

    /// <summary>8 float32 values to the nearest float16 values: the 16-lane conversion's lower half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> Narrow(Vector256<float> value) => Narrow(value.ToVector512Unsafe()).GetLower();

    /// <summary>One value (bits) to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>One float32 value to the nearest float16 value, as bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Word indices 0, 2, ..., 62 into the two sources of <see cref="Pack"/>'s permute.</summary>
    private static Vector512<ushort> EvenWords
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create((ushort)0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56,
            58, 60, 62);
    }

    /// <summary>No check: these lanes are exact on every value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Track(Vector512<float> seen, Vector512<float> widened) => seen;

    /// <summary>Always true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Clean(Vector512<float> seen) => true;

    /// <summary>1: these lanes widen to the true values.</summary>
    public static float TapScale => 1f;
}

/// <summary>
/// <see cref="HalfLanes"/> for calls whose inputs, taps and bias are all finite (the kernels check the call's taps and bias
/// first and the inputs they load, <see cref="Track"/>): the same bits on such values in about half the instructions.
/// Widening sign-extends the value so that one shift puts the sign, exponent and fraction in float32's places: read as a
/// float32, that is the value times 2^-112 exactly (subnormal float16 values become subnormal float32 ones), and the taps
/// carry the 2^112 instead (<see cref="TapScale"/>), so no multiply rebiases each input (no infinity or NaN to take
/// apart either). Each product of a widened input and a scaled tap is the true product, so a fused multiply-add gives
/// the exact lanes' bits. Rounding drops the NaN steps: sums of finite float16 products are finite float32 values (at
/// most about 2^32 each), so none is NaN.
/// </summary>
internal readonly struct FiniteHalfLanes : IHalfLanes
{
    /// <summary>16 finite values (bits) to float32 times 2^-112, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector256<ushort> bits) => Scale(Vector512.ShiftLeft(Avx512F.ConvertToVector512Int32(bits.AsInt16()), 13));

    /// <summary>
    /// The lower value of each 32-bit lane, finite, to float32 times 2^-112: shifted to the lane's top and back down 3 places with its
    /// sign, which puts sign, exponent and fraction where <see cref="Widen(Vector256{ushort})"/> puts them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Low(Vector512<uint> pairs) => Scale(Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(pairs.AsInt32(), 16), 3));

    /// <summary>The upper value of each 32-bit lane, finite, to float32 times 2^-112 (as <see cref="Low"/>, without the first shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> High(Vector512<uint> pairs) => Scale(Vector512.ShiftRightArithmetic(pairs.AsInt32(), 3));

    /// <summary>Rounds both (<see cref="Round"/>) and puts the even results in the lower halves, the odd in the upper.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> Interleave(Vector512<float> even, Vector512<float> odd) =>
        Vector512.ConditionalSelect(Vector512.Create(0xFFFF_0000u), Vector512.ShiftLeft(Round(odd), 16), Round(even)).AsUInt16();

    /// <summary>
    /// Sign, exponent and fraction at bits 31, 27-23 and 22-13 (bits 30-28 sign copies, 12-0 anything) to the float32
    /// value times 2^-112: the other bits cleared.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scale(Vector512<int> shifted) => (shifted & Vector512.Create(unchecked((int)0x8FFF_E000u))).AsSingle();

    /// <summary>2^112: the taps carry the factor the widening leaves out.</summary>
    public static float TapScale => BitConverter.UInt32BitsToSingle(0x7780_0000u);

    /// <summary>2^-112.</summary>
    private static float InputScale => BitConverter.UInt32BitsToSingle(0x0780_0000u);

    /// <summary>16 float32 values that are not NaN to the nearest float16 values (<see cref="Round"/>, packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> Narrow(Vector512<float> value) => Avx512F.ConvertToVector256UInt16(Round(value));

    /// <summary>
    /// <see cref="HalfLanes.Round"/>'s steps for values that are not NaN: each result in its lane's lower 16 bits. Two of
    /// them take one instruction each here: the magnitude capped at 65520 is one <c>vrangeps</c> (the smaller magnitude,
    /// sign cleared) where a mask and a minimum took two, and the sign goes in with the rounded bits in one
    /// <c>vpternlogd</c> (a | (b &amp; c)) where a mask and an OR took two: 10 instructions per 16 values instead of 12.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Round(Vector512<float> value)
    {
        if (!Avx512DQ.IsSupported)
        {
            var plain = HalfLanes.Rounded(value);
            return (plain + Vector512.ShiftRightLogical(plain, 13)) | HalfLanes.Sign(value);
        }

        var rounded = HalfLanes.RoundedMagnitude(Avx512DQ.Range(value, Vector512.Create(65520f), 0b1010));
        return Avx512F.TernaryLogic(rounded + Vector512.ShiftRightLogical(rounded, 13), Vector512.ShiftRightLogical(value.AsUInt32(), 16),
            Vector512.Create(0x8000u), 0xF8);
    }

    /// <summary><see cref="HalfLanes.Pack"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> Pack(Vector512<uint> low, Vector512<uint> high) => HalfLanes.Pack(low, high);

    /// <summary>8 finite values (bits) to float32 times 2^-112: the 16-lane conversion's lower half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen(Vector128<ushort> bits) => Widen(bits.ToVector256Unsafe()).GetLower();

    /// <summary>8 float32 values that are not NaN to float16: the 16-lane conversion's lower half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> Narrow(Vector256<float> value) => Narrow(value.ToVector512Unsafe()).GetLower();

    /// <summary>One value (bits) to float32 times 2^-112 (the scalar conversion, scaled: exact, as every float16 value times 2^-112 is a float32 value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort bits) => HalfLanes.Widen(bits) * InputScale;

    /// <summary>One float32 value to float16 (the scalar conversion).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => HalfLanes.Narrow(value);

    /// <summary>
    /// The largest magnitude so far (<c>vrangeps</c>, maximum of absolute values, one instruction): <see cref="Widen(Vector256{ushort})"/>
    /// turns an infinity or NaN pattern (exponent 31) into a magnitude of 65536 * 2^-112 or more, and every finite value into
    /// 65504 * 2^-112 or less.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Track(Vector512<float> seen, Vector512<float> widened) =>
        Avx512DQ.IsSupported ? Avx512DQ.Range(seen, widened, 0b1011) : Vector512.Max(seen, Vector512.Abs(widened));

    /// <summary>Whether every magnitude folded in was below 65536 * 2^-112 (2^-96): every input finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Clean(Vector512<float> seen) => Vector512.LessThanAll(seen, Vector512.Create(0x0F80_0000u).AsSingle());

    /// <summary>
    /// Whether every value in <paramref name="values"/> (float16 bits) is finite: the largest magnitude (sign cleared)
    /// below 0x7C00, the first infinity or NaN pattern. Four running maxima of 32 values each keep the loop from waiting
    /// on one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<ushort> values)
    {
        var magnitude = Vector512.Create((ushort)0x7FFF);
        ref ushort v = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        int i = 0;
        Vector512<ushort> m0 = default, m1 = default, m2 = default, m3 = default;
        for (; i + 128 <= values.Length; i += 128)
        {
            m0 = Vector512.Max(m0, Vector512.LoadUnsafe(ref v, (nuint)i) & magnitude);
            m1 = Vector512.Max(m1, Vector512.LoadUnsafe(ref v, (nuint)i + 32) & magnitude);
            m2 = Vector512.Max(m2, Vector512.LoadUnsafe(ref v, (nuint)i + 64) & magnitude);
            m3 = Vector512.Max(m3, Vector512.LoadUnsafe(ref v, (nuint)i + 96) & magnitude);
        }

        for (; i + 32 <= values.Length; i += 32)
        {
            m0 = Vector512.Max(m0, Vector512.LoadUnsafe(ref v, (nuint)i) & magnitude);
        }

        if (Vector512.GreaterThanOrEqualAny(Vector512.Max(Vector512.Max(m0, m1), Vector512.Max(m2, m3)), Vector512.Create((ushort)0x7C00)))
        {
            return false;
        }

        for (; i < values.Length; i++)
        {
            if ((Unsafe.Add(ref v, i) & 0x7FFF) >= 0x7C00)
            {
                return false;
            }
        }

        return true;
    }
}
