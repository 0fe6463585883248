using System.Text;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Turns a real layer.json into a hostile one: deleted keys, wrong types, huge numbers, random values, broken text.</summary>
internal static class JsonMutator
{
    // Raw JSON texts, so that numbers keep their exact spelling (1e400, -0, 1.0) when they are parsed.
    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "2", "3", "1.0", "1.5", "-2.5", "1e12", "-1e12", "1e308", "1e400", "-1e400",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967297", "9223372036854775807", "18446744073709551616",
        "1e-400", "0.1", "\"\"", "\"valid\"", "\"same\"", "\"causal\"", "\"channels_first\"", "\"relu\"", "\"glu\"", "\"softmax\"",
        "\"float64\"", "\"float16\"", "\"bfloat16\"", "\"l2\"", "\"max_norm\"", "\"orthogonal\"", "\"identity\"", "\"he_normal\"",
        "\"NaN\"", "\"Infinity\"", "\"\\u0000\"", "\"@@SURROGATE@@\"", "[]", "[null]", "[1]", "[0]", "[-1]", "[1, 2]", "[1e12]", "[\"3\"]",
        "[null, null, 3]", "[null, 2147483647, 2147483647]", "[null, -5, 3]", "[2147483647, 2147483647, 4]", "[null, 4, 0]",
        "[null, null, 1000000000]", "[null, 10]", "{}", "{\"class_name\": \"L2\", \"config\": {\"l2\": 1e400}}",
        "{\"class_name\": \"L1L2\", \"config\": {\"l1\": -1, \"l2\": \"x\"}}",
        "{\"class_name\": \"MaxNorm\", \"config\": {\"max_value\": null, \"axis\": 99}}",
        "{\"class_name\": \"MinMaxNorm\", \"config\": {\"min_value\": 2, \"max_value\": 1, \"rate\": 1e300, \"axis\": [0, 1, 2, 3]}}",
        "{\"class_name\": \"UnitNorm\", \"config\": {\"axis\": -4}}",
        "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 0, \"mode\": \"x\", \"distribution\": \"y\"}}",
        "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 1e308, \"mode\": \"fan_avg\", \"distribution\": \"uniform\", \"seed\": 1}}",
        "{\"class_name\": \"RandomUniform\", \"config\": {\"minval\": 1e308, \"maxval\": -1e308, \"seed\": 1e300}}",
        "{\"class_name\": \"RandomNormal\", \"config\": {\"mean\": 0, \"stddev\": 1e308, \"seed\": 9223372036854775807}}",
        "{\"class_name\": \"TruncatedNormal\", \"config\": {\"mean\": 1e308, \"stddev\": 1e-320, \"seed\": 3}}",
        "{\"class_name\": \"Orthogonal\", \"config\": {\"gain\": 1e400, \"seed\": 1}}",
        "{\"class_name\": \"Identity\", \"config\": {\"gain\": 2}}",
        "{\"class_name\": \"Constant\", \"config\": {\"value\": [1, 2]}}",
        "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": 1, \"input_axes\": [5], \"output_axes\": [-9]}}",
        "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": 1, \"input_axes\": [0, 0, 0], \"output_axes\": [1, 1]}}",
        "{\"class_name\": \"OrthogonalRegularizer\", \"config\": {\"factor\": 0.1, \"mode\": \"columns\"}}",
        "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"mixed_float16\"}, \"registered_name\": null}",
        "{\"module\": \"keras.activations\", \"class_name\": \"function\", \"config\": \"gelu\", \"registered_name\": \"gelu\"}",
        "{\"class_name\": null, \"config\": null}", "{\"class_name\": 5}", "{\"config\": {}}",
    ];

    private static readonly string[] Keys =
    [
        "name", "trainable", "dtype", "depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer",
        "activity_regularizer", "depthwise_constraint", "bias_constraint", "groups", "batch_input_shape", "batch_shape",
        "input_shape", "batch_size", "build_config", "class_name", "config", "module", "registered_name", "unknown_key", "",
        "shared_object_id", "seed", "l1", "l2", "axis", "max_value", "min_value", "rate", "scale", "mode", "distribution",
    ];

    /// <summary>A mutated JSON text; most mutations are structural, some damage the text itself.</summary>
    public static string Mutate(string json, Random rng)
    {
        if (rng.Next(8) == 0)
        {
            return MutateText(json, rng);
        }

        var root = JsonNode.Parse(json)!;
        int edits = 1 + rng.Next(3);
        for (int i = 0; i < edits; i++)
        {
            root = MutateTree(root, rng);
        }

        // A lone surrogate cannot pass through JsonNode's writer, so it goes in as text at the end.
        return root.ToJsonString().Replace("@@SURROGATE@@", "\\ud800", StringComparison.Ordinal);
    }

    private static JsonNode MutateTree(JsonNode root, Random rng)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[rng.Next(nodes.Count)];
        switch (rng.Next(6))
        {
            case 0 when target is JsonObject obj && obj.Count > 0:
                obj.Remove(obj.ElementAt(rng.Next(obj.Count)).Key);
                break;
            case 1 when target is JsonObject obj:
                obj[Keys[rng.Next(Keys.Length)]] = RandomValue(rng);
                break;
            case 2 when target is JsonObject obj && obj.Count > 0:
                obj[obj.ElementAt(rng.Next(obj.Count)).Key] = RandomValue(rng);
                break;
            case 3 when target is JsonArray arr && arr.Count > 0:
                arr[rng.Next(arr.Count)] = RandomValue(rng);
                break;
            case 4 when target is JsonArray arr:
                arr.Add(RandomValue(rng));
                break;
            case 5 when target is JsonObject obj && obj.Count > 0:
            {
                var (key, value) = obj.ElementAt(rng.Next(obj.Count));
                obj.Remove(key);
                obj[Keys[rng.Next(Keys.Length)]] = value;
                break;
            }

            default:
                if (target.Parent is JsonObject parent)
                {
                    parent[target.GetPropertyName()] = RandomValue(rng);
                }
                else if (target.Parent is null)
                {
                    return rng.Next(3) == 0 ? RandomValue(rng) ?? JsonValue.Create(0) : root;
                }

                break;
        }

        return root;
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        if (node is JsonObject obj)
        {
            foreach (var (_, v) in obj)
            {
                if (v is not null)
                {
                    Collect(v, into);
                }
            }
        }
        else if (node is JsonArray arr)
        {
            foreach (var v in arr)
            {
                if (v is not null)
                {
                    Collect(v, into);
                }
            }
        }
    }

    private static JsonNode? RandomValue(Random rng) => rng.Next(10) switch
    {
        0 => Nested(rng.Next(1, 40), rng),
        _ => JsonNode.Parse(Values[rng.Next(Values.Length)]),
    };

    private static JsonNode Nested(int depth, Random rng)
    {
        JsonNode node = JsonValue.Create(1);
        for (int i = 0; i < depth; i++)
        {
            node = rng.Next(2) == 0 ? new JsonArray(node) : new JsonObject { ["config"] = node };
        }

        return node;
    }

    private static string MutateText(string json, Random rng)
    {
        var sb = new StringBuilder(json);
        switch (rng.Next(5))
        {
            case 0:
                sb.Length = rng.Next(sb.Length + 1);
                break;
            case 1 when sb.Length > 0:
                const string chars = "{}[]\",:0-eE.\\ \u0000x";
                sb[rng.Next(sb.Length)] = chars[rng.Next(chars.Length)];
                break;
            case 2:
                sb.Insert(rng.Next(sb.Length + 1), new string('[', rng.Next(1, 300)));
                break;
            case 3:
                sb.Insert(0, "NaN ");
                break;
            default:
                sb.Replace("1", "Infinity");
                break;
        }

        return sb.ToString();
    }
}
