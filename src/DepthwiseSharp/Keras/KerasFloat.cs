using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Keras;

/// <summary>Writes floating-point numbers into JSON configs the way Keras (Python's <c>json</c> module) writes a Python <c>float</c>.</summary>
/// <remarks>
/// <para>
/// Python writes a float with <c>repr(x)</c>: the shortest digit string that reads back to the same double, a <c>.0</c> suffix when the
/// value is integral, and scientific notation when the decimal exponent <c>e</c> of the first significant digit satisfies
/// <c>e &lt; -4</c> or <c>e &gt;= 16</c>, written as <c>1e-07</c> or <c>1e+16</c> (sign always, at least two exponent digits).
/// Examples: <c>0.01</c>, <c>2.0</c>, <c>1e-07</c>, <c>100.0</c>, <c>1e+16</c>, <c>0.30000000000000004</c>.
/// </para>
/// <para>
/// System.Text.Json writes the double 2.0 as <c>2</c>, which Keras would read back as a Python <c>int</c>; configs written with
/// <see cref="Create(double)"/> keep the text Keras writes, so <c>get_config -&gt; from_config -&gt; get_config</c> gives identical JSON.
/// </para>
/// </remarks>
public static class KerasFloat
{
    /// <summary>Creates a JSON number node whose text is Python's <c>repr</c> of <paramref name="value"/>.</summary>
    /// <param name="value">A finite double.</param>
    /// <returns>A <see cref="JsonValue"/> that writes exactly <see cref="Repr(double)"/> and reads back with <c>GetValue&lt;double&gt;()</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite (JSON has no such numbers).</exception>
    /// <remarks>Text rule: shortest round-trip digits; fixed notation with <c>.0</c> added when integral if <c>-4 &lt;= e &lt; 16</c>, else <c>d.ddde±XX</c>.</remarks>
    public static JsonNode Create(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON cannot hold a NaN or infinite number.");
        }

        using var doc = JsonDocument.Parse(Repr(value));
        return JsonValue.Create(doc.RootElement.Clone()) ?? throw new InvalidOperationException("A JSON number produced no node.");
    }

    /// <summary>Formats <paramref name="value"/> as Python's <c>repr(float)</c> does.</summary>
    /// <param name="value">Any double.</param>
    /// <returns>For example <c>"0.01"</c>, <c>"2.0"</c>, <c>"1e-07"</c>, <c>"1e+16"</c>, <c>"-0.0"</c>, <c>"nan"</c>, <c>"inf"</c>, <c>"-inf"</c>.</returns>
    /// <remarks>
    /// The digits are the shortest round-trip digits (.NET's <c>"R"</c> format, the same digits as Python's). With <c>e</c> the decimal
    /// exponent of the first digit, fixed notation is used when <c>-4 &lt;= e &lt; 16</c> (adding <c>.0</c> when there is no fraction),
    /// otherwise scientific notation <c>d[.ddd]e±XX</c>.
    /// </remarks>
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        bool negative = double.IsNegative(value);
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);

        // Split "R" text (e.g. "1.2345E-05", "0.001", "123.5", "1E+16") into significant digits and the decimal point position.
        int exponent = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        string mantissa = r;
        if (ePos >= 0)
        {
            exponent = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = r[..ePos];
        }

        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        string fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        string all = intPart + fracPart;

        // decpt: digits before the decimal point in 0.DIGITS x 10^decpt form.
        int decpt = intPart.Length + exponent;
        int lead = 0;
        while (lead < all.Length && all[lead] == '0')
        {
            lead++;
        }

        string digits = all[lead..].TrimEnd('0');
        decpt -= lead;
        var sb = new StringBuilder(32);
        if (negative)
        {
            sb.Append('-');
        }

        if (digits.Length == 0)
        {
            sb.Append("0.0");
            return sb.ToString();
        }

        int e = decpt - 1;
        if (e < -4 || e >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decpt <= 0)
        {
            sb.Append("0.").Append('0', -decpt).Append(digits);
        }
        else if (decpt >= digits.Length)
        {
            sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        }

        return sb.ToString();
    }

    /// <summary>Reads a JSON number, telling whether it was written as an integer (Python <c>int</c>) or a float.</summary>
    /// <param name="node">The node.</param>
    /// <param name="number">The number read.</param>
    /// <returns>False when <paramref name="node"/> is not a JSON number (booleans are not numbers here).</returns>
    internal static bool TryRead(JsonNode? node, out KerasNumber number)
    {
        number = default;
        if (node is not JsonValue v)
        {
            return false;
        }

        if (v.TryGetValue(out JsonElement el))
        {
            if (el.ValueKind != JsonValueKind.Number)
            {
                return false;
            }

            string raw = el.GetRawText();
            bool isInt = raw.IndexOfAny(['.', 'e', 'E']) < 0;
            number = new KerasNumber(el.GetDouble(), isInt);
            return true;
        }

        if (v.TryGetValue(out long l))
        {
            number = new KerasNumber(l, true);
            return true;
        }

        if (v.TryGetValue(out int i))
        {
            number = new KerasNumber(i, true);
            return true;
        }

        if (v.TryGetValue(out short sh))
        {
            number = new KerasNumber(sh, true);
            return true;
        }

        if (v.TryGetValue(out ulong ul))
        {
            number = new KerasNumber(ul, true);
            return true;
        }

        if (v.TryGetValue(out uint ui))
        {
            number = new KerasNumber(ui, true);
            return true;
        }

        if (v.TryGetValue(out double d))
        {
            number = new KerasNumber(d, false);
            return true;
        }

        if (v.TryGetValue(out float f))
        {
            number = new KerasNumber(f, false);
            return true;
        }

        if (v.TryGetValue(out decimal m))
        {
            number = new KerasNumber((double)m, false);
            return true;
        }

        return false;
    }
}

/// <summary>A config number as Python holds it: its value, and whether it is an <c>int</c> (written <c>2</c>) or a <c>float</c> (written <c>2.0</c>).</summary>
/// <param name="Value">The value.</param>
/// <param name="IsInteger">True for a Python <c>int</c>.</param>
internal readonly record struct KerasNumber(double Value, bool IsInteger)
{
    /// <summary>A Python float.</summary>
    public static KerasNumber Float(double value) => new(value, false);

    /// <summary>The JSON node Keras writes for this number.</summary>
    public JsonNode ToJson() =>
        IsInteger && Math.Abs(Value) < 9.2e18 ? JsonValue.Create((long)Value) : KerasFloat.Create(Value);

    /// <summary>Python's <c>str</c> of the number.</summary>
    public override string ToString() =>
        IsInteger && Math.Abs(Value) < 9.2e18
            ? ((long)Value).ToString(CultureInfo.InvariantCulture)
            : KerasFloat.Repr(Value);
}
