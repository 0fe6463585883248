using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Regularizers;

/// <summary>Reads a Keras <c>config</c> dictionary as Python's <c>cls(**config)</c> would: known keys, defaults, unknown keys rejected.</summary>
internal sealed class ConfigArgs
{
    private readonly JsonObject _config;
    private readonly string _className;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="config"/> for the class <paramref name="className"/>.</summary>
    public ConfigArgs(JsonObject config, string className)
    {
        _config = config;
        _className = className;
    }

    /// <summary>Whether the key is present (possibly null).</summary>
    public bool Has(string key) => _config.ContainsKey(key);

    /// <summary>The raw node of a key (null when absent or JSON null); marks the key as used.</summary>
    public JsonNode? Raw(string key)
    {
        _used.Add(key);
        return _config[key];
    }

    /// <summary>Reads a number; absent -> <paramref name="whenAbsent"/>, JSON null -> <paramref name="whenNull"/> (or an error when null).</summary>
    /// <param name="key">The config key.</param>
    /// <param name="whenAbsent">The Keras default.</param>
    /// <param name="whenNull">What Python's constructor makes of <c>None</c>; null when <c>None</c> is an error.</param>
    /// <param name="invalid">Builds the error from Python's text of the value received.</param>
    public KerasNumber Number(string key, KerasNumber whenAbsent, KerasNumber? whenNull, Func<string, Exception> invalid)
    {
        _used.Add(key);
        if (!_config.TryGetPropertyValue(key, out JsonNode? node))
        {
            return whenAbsent;
        }

        if (node is null)
        {
            return whenNull ?? throw invalid("None");
        }

        if (!KerasFloat.TryRead(node, out KerasNumber n))
        {
            throw invalid(Describe(node));
        }

        return n;
    }

    /// <summary>Throws for every key not read, with Python's <c>TypeError</c> text.</summary>
    public void EnsureAllUsed()
    {
        foreach (var (key, _) in _config)
        {
            if (!_used.Contains(key))
            {
                throw new ExactArgumentException(
                    $"{_className}.__init__() got an unexpected keyword argument '{key}'", "config");
            }
        }
    }

    /// <summary>Formats a value as Python's <c>str</c> would show it in an f-string.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue v when v.TryGetValue(out bool b) => b ? "True" : "False",
        JsonValue v when KerasFloat.TryRead(v, out KerasNumber n) => n.ToString(),
        JsonValue v when v.TryGetValue(out string? s) => s ?? "None",
        JsonArray a => "[" + string.Join(", ", a.Select(Describe)) + "]",
        _ => node.ToJsonString(),
    };

    /// <summary>Python's formatting of a shape tuple: <c>(3, 4, 2)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    public static string PythonTuple(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        if (shape.Length == 1)
        {
            sb.Append(',');
        }

        return sb.Append(')').ToString();
    }

    /// <summary>Checks that <paramref name="shape"/> is non-negative and its product is <paramref name="length"/>.</summary>
    public static void CheckShape(int length, ReadOnlySpan<int> shape, string what)
    {
        long product = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ExactArgumentException(
                    $"The shape {PythonTuple(shape)} has a negative dimension.", "shape");
            }

            product *= d;
        }

        if (product != length)
        {
            throw new ExactArgumentException(
                $"The shape {PythonTuple(shape)} holds {product} elements but the {what} has {length}.", "shape");
        }
    }
}
