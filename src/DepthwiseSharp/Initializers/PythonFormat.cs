using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Initializers;

/// <summary>Formats values the way Python's <c>str</c> shows them in Keras's f-string error messages.</summary>
internal static class PythonFormat
{
    /// <summary>Python's repr of a shape tuple: <c>()</c>, <c>(5,)</c>, <c>(3, 4)</c>.</summary>
    public static string Shape(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1)
        {
            return "(" + shape[0].ToString(CultureInfo.InvariantCulture) + ",)";
        }

        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.Append(')').ToString();
    }

    /// <summary>Python's repr of a string.</summary>
    public static string Str(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>Python's <c>str</c> of a JSON value: <c>None</c>, <c>True</c>, <c>2</c>, <c>2.0</c>, a raw string, <c>[1, 2]</c>.</summary>
    public static string Describe(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "None";
            case JsonArray array:
                return "[" + string.Join(", ", array.Select(Describe)) + "]";
            case JsonValue v when v.TryGetValue(out bool b):
                return b ? "True" : "False";
            case JsonValue v when v.TryGetValue(out string? s):
                return s ?? "None";
            case JsonValue v:
                try
                {
                    return KerasFloat.TryRead(v, out KerasNumber n) ? n.ToString() : v.ToJsonString();
                }
                catch (FormatException)
                {
                    return v.ToJsonString();
                }

            default:
                return node.ToJsonString();
        }
    }
}
