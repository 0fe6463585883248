using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Keras;

/// <summary>An object that Keras serializes as <c>{"module", "class_name", "config", "registered_name"}</c>.</summary>
public interface IKerasSerializable
{
    /// <summary>The Keras class name, for example <c>GlorotUniform</c> or <c>MaxNorm</c>.</summary>
    string ClassName { get; }

    /// <summary>The Keras <c>get_config()</c> dictionary, keys in Keras's order and snake_case.</summary>
    /// <returns>A new JSON object the caller may modify.</returns>
    JsonObject GetConfig();
}

/// <summary>Reads and writes the nested-object forms that Keras configs carry.</summary>
/// <remarks>
/// Keras 3 and tf.keras 2.13+ write the 4-key form
/// <c>{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {...}, "registered_name": null}</c>;
/// tf.keras before 2.13 writes the 2-key form <c>{"class_name": ..., "config": ...}</c>. Both are read; the 4-key form is written.
/// </remarks>
public static class KerasObjects
{
    /// <summary>Serializes <paramref name="value"/> to the Keras 3 4-key form.</summary>
    /// <param name="module">The Keras module, for example <c>keras.initializers</c>.</param>
    /// <param name="value">The object to serialize.</param>
    /// <returns>The 4-key JSON object.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="module"/> or <paramref name="value"/> is null.</exception>
    public static JsonObject Serialize(string module, IKerasSerializable value)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(value);
        return new JsonObject
        {
            ["module"] = module,
            ["class_name"] = value.ClassName,
            ["config"] = value.GetConfig(),
            ["registered_name"] = null,
        };
    }

    /// <summary>Splits a 4-key or 2-key Keras object into its class name and config.</summary>
    /// <param name="node">The JSON node.</param>
    /// <param name="className">The <c>class_name</c> value.</param>
    /// <param name="config">The <c>config</c> object (empty when absent or null).</param>
    /// <returns>False when <paramref name="node"/> is not an object with a string <c>class_name</c>.</returns>
    public static bool TryUnwrap(JsonNode? node, out string className, out JsonObject config)
    {
        className = "";
        config = new JsonObject();
        if (node is not JsonObject obj || obj["class_name"] is not JsonValue cls || !cls.TryGetValue(out string? name) || name is null)
        {
            return false;
        }

        className = name;
        if (obj["config"] is JsonObject cfg)
        {
            config = cfg;
        }
        else if (obj["config"] is not null)
        {
            return false;
        }

        return true;
    }

    /// <summary>Formats a JSON node the way Keras's error messages show an identifier.</summary>
    internal static string Describe(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue v when v.TryGetValue(out string? s) => s ?? "None",
        _ => node.ToJsonString(),
    };

    /// <summary>The deepest nesting a config may have: System.Text.Json's default for parsing, also applied to trees built in memory.</summary>
    internal const int MaxDepth = 64;

    /// <summary>
    /// Rejects a config tree that System.Text.Json would refuse only later, in the middle of reading it: a string or key that
    /// is not valid UTF-16 (a lone surrogate escape such as <c>\ud800</c>, which the parser accepts but reading or writing
    /// the string throws <see cref="InvalidOperationException"/> for), or nesting deeper than <see cref="MaxDepth"/>.
    /// </summary>
    /// <param name="node">The config.</param>
    /// <param name="paramName">The argument named in the exception.</param>
    /// <exception cref="ArgumentException">The tree holds such a string or is nested too deeply, naming the JSON path.</exception>
    /// <param name="maxDepth">The deepest nesting allowed (whole model configs nest deeper than one layer's).</param>
    internal static void CheckWellFormed(JsonNode? node, string paramName, int maxDepth = MaxDepth) => CheckWellFormed(node, paramName, "$", 0, maxDepth);

    private static void CheckWellFormed(JsonNode? node, string paramName, string path, int depth, int maxDepth)
    {
        if (depth > maxDepth)
        {
            throw new ArgumentException($"The {paramName} is nested more than {maxDepth} levels deep (at {path}).", paramName);
        }

        switch (node)
        {
            case JsonObject obj:
            {
                KeyValuePair<string, JsonNode?>[] entries;
                try
                {
                    // A parsed object materializes its keys on first use; a key with a lone surrogate throws here.
                    entries = [.. obj];
                }
                catch (InvalidOperationException e)
                {
                    throw new ArgumentException($"The {paramName} has a key that is not valid UTF-16 text (in the object at {path}).", paramName, e);
                }

                foreach (var (key, value) in entries)
                {
                    if (!IsValidUtf16(key))
                    {
                        throw new ArgumentException($"The {paramName} has a key that is not valid UTF-16 text (in the object at {path}).", paramName);
                    }

                    CheckWellFormed(value, paramName, $"{path}.{key}", depth + 1, maxDepth);
                }

                break;
            }

            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    CheckWellFormed(array[i], paramName, $"{path}[{i}]", depth + 1, maxDepth);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
            {
                bool valid;
                try
                {
                    valid = IsValidUtf16(value.GetValue<string>());
                }
                catch (InvalidOperationException)
                {
                    valid = false;
                }

                if (!valid)
                {
                    throw new ArgumentException($"The {paramName} holds a string that is not valid UTF-16 text (a lone surrogate such as \\ud800) at {path}.", paramName);
                }

                break;
            }
        }
    }

    private static bool IsValidUtf16(string text)
    {
        ReadOnlySpan<char> rest = text;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out int used) != OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
