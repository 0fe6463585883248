using System.Globalization;
using System.Runtime.CompilerServices;

namespace DepthwiseSharp;

/// <summary>
/// The bfloat16 number format (Keras's and TensorFlow's <c>bfloat16</c>): the upper 16 bits of an IEEE 754 binary32, that is
/// 1 sign bit, float's 8 exponent bits and 7 mantissa bits. It has float's range and about 2.4 decimal digits.
/// </summary>
/// <remarks>
/// Conversions work as <see cref="Half"/>'s do: from <see cref="float"/> and <see cref="double"/> by rounding to the nearest
/// bfloat16, ties to even (one rounding, also from double), keeping the sign of zero, infinities and NaN (a NaN stays a NaN;
/// its payload's upper bits are kept); to <see cref="float"/> and <see cref="double"/> exactly. Equality is IEEE equality
/// (<c>NaN != NaN</c>, <c>+0 == -0</c>), as for float. .NET 10 has no bfloat16 type; this is DepthwiseSharp's.
/// </remarks>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>, IComparable, IFormattable
{
    private readonly ushort _bits;

    private BFloat16(ushort bits) => _bits = bits;

    /// <summary>Positive zero.</summary>
    public static BFloat16 Zero => new(0);

    /// <summary>One.</summary>
    public static BFloat16 One => new(0x3F80);

    /// <summary>Not a number (the quiet NaN <c>0x7FC0</c>).</summary>
    public static BFloat16 NaN => new(0x7FC0);

    /// <summary>Positive infinity.</summary>
    public static BFloat16 PositiveInfinity => new(0x7F80);

    /// <summary>Negative infinity.</summary>
    public static BFloat16 NegativeInfinity => new(0xFF80);

    /// <summary>The largest finite value, about 3.39e38.</summary>
    public static BFloat16 MaxValue => new(0x7F7F);

    /// <summary>The most negative finite value, about -3.39e38.</summary>
    public static BFloat16 MinValue => new(0xFF7F);

    /// <summary>The smallest positive value, a subnormal of about 9.18e-41.</summary>
    public static BFloat16 Epsilon => new(0x0001);

    /// <summary>The value with these bits.</summary>
    /// <param name="bits">Sign, exponent and mantissa, as the upper half of a float's bits.</param>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>This value's bits.</summary>
    public ushort ToBits() => _bits;

    /// <summary>Whether this is a NaN.</summary>
    public static bool IsNaN(BFloat16 value) => (value._bits & 0x7FFF) > 0x7F80;

    /// <summary>Whether this is positive or negative infinity.</summary>
    public static bool IsInfinity(BFloat16 value) => (value._bits & 0x7FFF) == 0x7F80;

    /// <summary>Whether this is neither infinite nor NaN.</summary>
    public static bool IsFinite(BFloat16 value) => (value._bits & 0x7F80) != 0x7F80;

    /// <summary>Rounds a float to the nearest bfloat16, ties to even.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static explicit operator BFloat16(float value) => new(Round(BitConverter.SingleToUInt32Bits(value)));

    /// <summary>Rounds a double to the nearest bfloat16, ties to even, in one rounding (not through float's).</summary>
    /// <param name="value">The value.</param>
    public static explicit operator BFloat16(double value)
    {
        float f = (float)value;
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (!double.IsNaN(value) && (double)f != value && float.IsFinite(f))
        {
            // Round to odd on the way to float: truncate toward zero and set the last bit, so that the second rounding
            // (float's 24 bits to bfloat16's 8) sees the sticky bits the first one dropped.
            if (Math.Abs((double)f) > Math.Abs(value))
            {
                bits--;
            }

            bits |= 1;
        }

        // A finite double that float rounds to infinity lies beyond bfloat16's largest value plus half a step: infinity too.
        return new(Round(bits));
    }

    /// <summary>The exact float value.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value._bits << 16);

    /// <summary>The exact double value.</summary>
    /// <param name="value">The value.</param>
    public static explicit operator double(BFloat16 value) => (float)value;

    /// <summary>Round to nearest even of a float's bits to their upper half; a NaN stays a quiet NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ushort Round(uint bits)
    {
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        // Adding 0x7FFF plus the kept part's last bit carries into the kept part exactly when the dropped part is above
        // one half, or equal to it with an odd kept part; a carry out of the mantissa steps the exponent (to infinity
        // from the largest finite value), as rounding does.
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>IEEE equality: NaN equals nothing, +0 equals -0.</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) => (float)left == (float)right;

    /// <summary>IEEE inequality.</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => (float)left != (float)right;

    /// <summary>IEEE ordering.</summary>
    public static bool operator <(BFloat16 left, BFloat16 right) => (float)left < (float)right;

    /// <summary>IEEE ordering.</summary>
    public static bool operator >(BFloat16 left, BFloat16 right) => (float)left > (float)right;

    /// <summary>IEEE ordering.</summary>
    public static bool operator <=(BFloat16 left, BFloat16 right) => (float)left <= (float)right;

    /// <summary>IEEE ordering.</summary>
    public static bool operator >=(BFloat16 left, BFloat16 right) => (float)left >= (float)right;

    /// <summary>Equality as <see cref="float.Equals(float)"/>: a NaN equals a NaN here, so that hashing works.</summary>
    /// <param name="other">The other value.</param>
    public bool Equals(BFloat16 other) => ((float)this).Equals((float)other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((float)this).GetHashCode();

    /// <summary>Orders as <see cref="float.CompareTo(float)"/> (NaN first).</summary>
    /// <param name="other">The other value.</param>
    public int CompareTo(BFloat16 other) => ((float)this).CompareTo((float)other);

    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        BFloat16 other => CompareTo(other),
        _ => throw new ArgumentException($"Object must be of type BFloat16; received {obj.GetType().Name}.", nameof(obj)),
    };

    /// <summary>The shortest decimal text that reads back as this value (invariant culture), as <see cref="Half"/> prints.</summary>
    public override string ToString() => ToString(null, CultureInfo.InvariantCulture);

    /// <summary>
    /// Formats the value: without <paramref name="format"/>, the shortest text that <see cref="Parse"/> reads back to the same
    /// bits; with one, as <see cref="float"/> formats the exact value.
    /// </summary>
    /// <param name="format">A numeric format string, or null.</param>
    /// <param name="formatProvider">The culture, or null for the current one.</param>
    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        float f = (float)this;
        if (!string.IsNullOrEmpty(format) || !float.IsFinite(f))
        {
            return f.ToString(format, formatProvider);
        }

        for (int digits = 1; digits < 9; digits++)
        {
            string text = f.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), formatProvider);
            if (double.TryParse(text, NumberStyles.Float, formatProvider, out double back) && ((BFloat16)back)._bits == _bits)
            {
                return text;
            }
        }

        return f.ToString(formatProvider);
    }

    /// <summary>Reads a number as <see cref="double.Parse(string, IFormatProvider)"/> does and rounds it to bfloat16.</summary>
    /// <param name="s">The text.</param>
    /// <param name="provider">The culture, or null for the current one.</param>
    /// <exception cref="FormatException">The text is not a number.</exception>
    public static BFloat16 Parse(string s, IFormatProvider? provider = null) => (BFloat16)double.Parse(s, NumberStyles.Float, provider);
}
