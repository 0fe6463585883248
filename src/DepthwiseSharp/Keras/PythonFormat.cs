using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Keras;

/// <summary>
/// Formats values the way Python's <c>str</c> and <c>repr</c> show them in Keras's f-string error messages (the one home
/// for that; shapes are <see cref="Shapes.Tuple(ReadOnlySpan{int})"/>).
/// </summary>
internal static class PythonFormat
{
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
