using System.Text.Json;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Keras;

/// <summary>
/// The one reader of a Keras object's <c>config</c> dictionary (initializers, regularizers, constraints), as Python's
/// <c>cls(**config)</c> reads it: known keys with their JSON types checked, defaults for absent keys, and every key the class
/// does not take refused with Python's <c>TypeError</c> text (<c>"X.__init__() got an unexpected keyword argument 'k'"</c>).
/// </summary>
/// <remarks>
/// Strict mode (4-key form, Keras 3 and tf.keras 2.13+) refuses unknown keys except <paramref name="tolerated"/> (initializers
/// tolerate <c>dtype</c>); lenient mode (the 2-key form of older tf.keras files) ignores them. Layers have their own message
/// for unknown keys, Keras's <c>Layer</c> one (<see cref="RefuseUnknownLayerKeys"/>); the static readers serve layer configs.
/// </remarks>
/// <param name="className">The Keras class, for messages.</param>
/// <param name="config">The config dictionary.</param>
/// <param name="lenient">Whether unknown keys are ignored.</param>
/// <param name="tolerated">One key that is never refused, or null.</param>
internal sealed class ConfigReader(string className, JsonObject config, bool lenient = false, string? tolerated = null)
{
    private readonly string _className = className;
    private readonly JsonObject _config = config;
    private readonly bool _lenient = lenient;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

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
            throw invalid(PythonFormat.Describe(node));
        }

        return n;
    }

    /// <summary>A number, keeping whether it was written as a Python int or float; absent means the float <paramref name="defaultValue"/>.</summary>
    public KerasNumber Number(string key, double defaultValue)
    {
        _used.Add(key);
        if (!_config.TryGetPropertyValue(key, out JsonNode? node))
        {
            return KerasNumber.Float(defaultValue);
        }

        try
        {
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && KerasFloat.TryRead(v, out KerasNumber n)
                && double.IsFinite(n.Value))
            {
                return n;
            }
        }
        catch (FormatException)
        {
            // A number too large for a double (1e400): reported below.
        }

        throw Invalid(key, node, "a finite number");
    }

    /// <summary>A string; absent means <paramref name="defaultValue"/>.</summary>
    public string String(string key, string defaultValue)
    {
        _used.Add(key);
        if (!_config.TryGetPropertyValue(key, out JsonNode? node))
        {
            return defaultValue;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out string? s) && s is not null)
        {
            return s;
        }

        throw Invalid(key, node, "a string");
    }

    /// <summary>The <c>seed</c>: null, absent or a JSON integer.</summary>
    public long? Seed()
    {
        const string key = "seed";
        _used.Add(key);
        if (!_config.TryGetPropertyValue(key, out JsonNode? node) || node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long seed))
        {
            return seed;
        }

        // A JsonValue built in memory from an int (not long) fails TryGetValue<long>; KerasFloat.TryRead reads every numeric kind.
        if (KerasFloat.TryRead(node, out var number) && number.IsInteger && Math.Abs(number.Value) < 9e15)
        {
            return (long)number.Value;
        }

        throw new KerasArgumentException(
            "`seed` argument should be an instance of `keras.random.SeedGenerator()` or an integer. " +
            $"Received: seed={PythonFormat.Describe(node)} (in the {_className} config; only integer seeds are supported)",
            key);
    }

    /// <summary>An optional list of integer axes (<c>input_axes</c>, <c>output_axes</c>).</summary>
    public int[]? Axes(string key)
    {
        _used.Add(key);
        if (!_config.TryGetPropertyValue(key, out JsonNode? node) || node is null)
        {
            return null;
        }

        if (node is JsonArray array)
        {
            var axes = new int[array.Count];
            for (int i = 0; i < axes.Length; i++)
            {
                if (array[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out int a))
                {
                    throw Invalid(key, node, "null or a list of integers");
                }

                axes[i] = a;
            }

            return axes;
        }

        throw Invalid(key, node, "null or a list of integers");
    }

    /// <summary>Refuses every key that was not read, with Python's <c>TypeError</c> text (strict mode only).</summary>
    public void Finish()
    {
        if (_lenient)
        {
            return;
        }

        foreach (var (key, _) in _config)
        {
            if (!_used.Contains(key) && key != tolerated)
            {
                throw new KerasArgumentException(
                    $"{_className}.__init__() got an unexpected keyword argument {PythonFormat.Str(key)}", "config");
            }
        }
    }

    private KerasArgumentException Invalid(string key, JsonNode? node, string expected) => new(
        $"Invalid value for `{key}` in the {_className} config: expected {expected}. Received: {key}={PythonFormat.Describe(node)}",
        key);

    /// <summary>Checks that <paramref name="shape"/> is non-negative and its product is <paramref name="length"/>.</summary>
    public static void CheckShape(int length, ReadOnlySpan<int> shape, string what)
    {
        long product = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new KerasArgumentException(
                    $"The shape {Shapes.Tuple(shape)} has a negative dimension.", "shape");
            }

            product *= d;
        }

        if (product != length)
        {
            throw new KerasArgumentException(
                $"The shape {Shapes.Tuple(shape)} holds {product} elements but the {what} has {length}.", "shape");
        }
    }

    /// <summary>
    /// Refuses the keys of a layer config that the layer does not take, all of them at once, with Keras's <c>Layer</c> text
    /// (<c>"Unrecognized keyword arguments passed to X: {'k': v}"</c>); Keras checks them before any value.
    /// </summary>
    public static void RefuseUnknownLayerKeys(string className, JsonObject config, IReadOnlyCollection<string> known)
    {
        var unknown = new List<string>();
        foreach (var (key, value) in config)
        {
            if (!known.Contains(key))
            {
                unknown.Add($"'{key}': {PythonFormat.Describe(value)}");
            }
        }

        if (unknown.Count > 0)
        {
            throw new KerasArgumentException($"Unrecognized keyword arguments passed to {className}: {{{string.Join(", ", unknown)}}}", "config");
        }
    }

    /// <summary>An integer value (a whole JSON number), or Keras's "must be an integer" text naming the key.</summary>
    public static int Int(JsonNode node, string key)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue(out int i))
            {
                return i;
            }

            if (v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }

        throw new KerasArgumentException($"The `{key}` argument must be an integer. Received: {key}={node.ToJsonString()}", key);
    }

    /// <summary>A boolean key of <paramref name="config"/>; absent or null is <paramref name="fallback"/>.</summary>
    public static bool Bool(JsonObject config, string key, bool fallback)
    {
        JsonNode? node = config[key];
        if (node is null)
        {
            return fallback;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new KerasArgumentException($"The `{key}` argument must be a boolean. Received: {key}={node.ToJsonString()}", key),
        };
    }

    /// <summary>A string key of <paramref name="config"/>; absent or null is null.</summary>
    public static string? String(JsonObject config, string key, bool nullable)
    {
        JsonNode? node = config[key];
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() == JsonValueKind.String)
        {
            return node.GetValue<string>();
        }

        throw new KerasArgumentException($"The `{key}` argument must be a string{(nullable ? " or null" : "")}. Received: {key}={node.ToJsonString()}", key);
    }

    /// <summary>A shape: a list of non-negative integers or nulls (unknown dimensions).</summary>
    public static int?[] Shape(JsonNode node, string key)
    {
        if (node is not JsonArray arr)
        {
            throw new KerasArgumentException($"`{key}` must be a list of dimensions. Received: {node.ToJsonString()}", key);
        }

        var shape = new int?[arr.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = arr[i] is null ? null : Int(arr[i]!, key);
            if (shape[i] is < 0)
            {
                throw new KerasArgumentException($"`{key}` has a negative dimension: {node.ToJsonString()}", key);
            }
        }

        return shape;
    }
}
