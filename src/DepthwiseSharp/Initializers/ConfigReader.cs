using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Initializers;

/// <summary>Reads the values of an initializer's config object, checking JSON types and unknown keys.</summary>
/// <remarks>
/// Strict mode (4-key form, Keras 3 and tf.keras 2.13+) rejects keys the class does not take, as Keras 3's
/// <c>cls(**config)</c> does, except <c>dtype</c>; lenient mode (the 2-key form of older tf.keras files) ignores them.
/// </remarks>
internal sealed class ConfigReader
{
    private readonly string _className;
    private readonly JsonObject _config;
    private readonly bool _lenient;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public ConfigReader(string className, JsonObject config, bool lenient)
    {
        _className = className;
        _config = config;
        _lenient = lenient;
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

        throw new ExactArgumentException(
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

    /// <summary>Rejects keys that were not read (strict mode only; <c>dtype</c> is always tolerated).</summary>
    public void Finish()
    {
        if (_lenient)
        {
            return;
        }

        foreach (var (key, _) in _config)
        {
            if (!_used.Contains(key) && key != "dtype")
            {
                throw new ExactArgumentException(
                    $"{_className}.__init__() got an unexpected keyword argument {PythonFormat.Str(key)}", "config");
            }
        }
    }

    private ExactArgumentException Invalid(string key, JsonNode? node, string expected) => new(
        $"Invalid value for `{key}` in the {_className} config: expected {expected}. Received: {key}={PythonFormat.Describe(node)}",
        key);
}
