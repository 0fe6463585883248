using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Layers;

/// <summary>The arguments a layer config carries, parsed and validated.</summary>
internal sealed record LayerArgs(
    int KernelSize,
    int Strides,
    Padding Padding,
    int DepthMultiplier,
    DataFormat? DataFormat,
    int DilationRate,
    Activation Activation,
    bool UseBias,
    Initializer? DepthwiseInitializer,
    Initializer? BiasInitializer,
    Regularizer? DepthwiseRegularizer,
    Regularizer? BiasRegularizer,
    Regularizer? ActivityRegularizer,
    Constraint? DepthwiseConstraint,
    Constraint? BiasConstraint,
    string? Name,
    bool Trainable,
    DTypePolicy DType,
    int?[]? BuildShape)
{
    /// <summary>
    /// The arguments of the layers' string constructors, parsed in their order: Keras identifiers, case-insensitive; a
    /// null initializer stays null (Keras's None: the layer fills the weight with glorot_uniform and its config says null),
    /// a null regularizer or constraint is none. Throws the parsers' <see cref="ArgumentException"/> for the first name
    /// that is not known.
    /// </summary>
    public static LayerArgs FromNames(int kernelSize, int strides, Padding padding, int depthMultiplier, string? dataFormat, int dilationRate,
        string? activation, bool useBias, string? depthwiseInitializer, string? biasInitializer, string? depthwiseRegularizer,
        string? biasRegularizer, string? activityRegularizer, string? depthwiseConstraint, string? biasConstraint, string? name,
        bool trainable, string dtype) => new(
            kernelSize, strides, padding, depthMultiplier, dataFormat is null ? null : KerasEnums.ParseDataFormat(dataFormat), dilationRate,
            Activation.Get(activation), useBias,
            depthwiseInitializer is null ? null : Initializer.Get(depthwiseInitializer),
            biasInitializer is null ? null : Initializer.Get(biasInitializer),
            depthwiseRegularizer is null ? null : Regularizer.Get(depthwiseRegularizer),
            biasRegularizer is null ? null : Regularizer.Get(biasRegularizer),
            activityRegularizer is null ? null : Regularizer.Get(activityRegularizer),
            depthwiseConstraint is null ? null : Constraint.Get(depthwiseConstraint),
            biasConstraint is null ? null : Constraint.Get(biasConstraint),
            name, trainable, DTypePolicy.Get(dtype), BuildShape: null);
}

/// <summary>
/// Writes the Keras 3 config of a layer and reads the Keras 3 and tf.keras forms (docs/CONTRACT.md section 7).
/// </summary>
internal static class LayerConfig
{
    private static readonly string[] KerasKeys =
    [
        "name", "trainable", "dtype", "depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer",
        "activity_regularizer", "depthwise_constraint", "bias_constraint",
    ];

    // Keys tf.keras writes that the Keras 3 layer does not take: accepted and ignored (the shapes build the layer).
    private static readonly string[] TfKerasKeys = ["groups", "batch_input_shape", "batch_shape", "input_shape", "batch_size"];

    public static JsonObject Write(DepthwiseConv1D layer) => new()
    {
        ["name"] = layer.Name,
        ["trainable"] = layer.Trainable,
        ["dtype"] = layer.DTypePolicy.ToConfig(),
        ["depth_multiplier"] = layer.DepthMultiplier,
        ["kernel_size"] = new JsonArray(layer.KernelSize),
        ["strides"] = new JsonArray(layer.Strides),
        ["padding"] = layer.Padding.ToKeras(),
        ["data_format"] = layer.DataFormat.ToKeras(),
        ["dilation_rate"] = new JsonArray(layer.DilationRate),
        ["activation"] = layer.Activation.Name,
        ["use_bias"] = layer.UseBias,
        // Keras keeps an initializer given as None and serializes it as null (its add_weight picks glorot_uniform).
        ["depthwise_initializer"] = layer.DepthwiseInitializerIsNone ? null : layer.DepthwiseInitializer.Serialize(),
        ["bias_initializer"] = layer.BiasInitializerIsNone ? null : layer.BiasInitializer.Serialize(),
        ["depthwise_regularizer"] = layer.DepthwiseRegularizer?.Serialize(),
        ["bias_regularizer"] = layer.BiasRegularizer?.Serialize(),
        ["activity_regularizer"] = layer.ActivityRegularizer?.Serialize(),
        ["depthwise_constraint"] = layer.DepthwiseConstraint?.Serialize(),
        ["bias_constraint"] = layer.BiasConstraint?.Serialize(),
    };

    public static JsonNode Parse(string json, string what)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonNode.Parse(json) ?? throw new KerasArgumentException($"The {what} JSON is null.", what);
        }
        catch (JsonException e)
        {
            throw new KerasArgumentException($"The {what} is not valid JSON: {e.Message}", what, e);
        }
    }

    /// <summary>Parses a bare config or a layer object (4-key with build_config, or tf.keras's 2-key form).</summary>
    public static LayerArgs Read(JsonNode node, string className)
    {
        ArgumentNullException.ThrowIfNull(node);
        KerasObjects.CheckWellFormed(node, "config");
        if (node is not JsonObject obj)
        {
            throw new KerasArgumentException($"A {className} config must be a JSON object; received {node.GetValueKind()}.", "config");
        }

        JsonObject config = obj;
        int?[]? buildShape = null;
        if (obj["class_name"] is JsonValue && obj["config"] is JsonObject inner)
        {
            string cls = obj["class_name"]!.GetValueKind() == JsonValueKind.String ? obj["class_name"]!.GetValue<string>() : "";
            if (cls != className)
            {
                throw new KerasArgumentException($"Expected a {className} layer config; received class_name '{cls}'.", "config");
            }

            config = inner;
            if (obj["build_config"] is JsonObject build && build["input_shape"] is JsonNode shapeNode)
            {
                buildShape = ConfigReader.Shape(shapeNode, "build_config.input_shape");
            }
        }

        ConfigReader.RefuseUnknownLayerKeys(className, config, [.. KerasKeys, .. TfKerasKeys]);

        if (buildShape is null)
        {
            foreach (string key in (string[])["batch_input_shape", "batch_shape"])
            {
                if (config[key] is JsonNode shapeNode)
                {
                    buildShape = ConfigReader.Shape(shapeNode, key);
                    break;
                }
            }
        }

        if (config["groups"] is JsonNode groups && (ConfigReader.Int(groups, "groups") != 1))
        {
            throw new KerasArgumentException($"Invalid value for `groups` in a {className} config: a depthwise convolution has groups=1. Received: groups={groups.ToJsonString()}", "groups");
        }

        string? dataFormat = ConfigReader.String(config, "data_format", nullable: true);
        return new LayerArgs(
            KernelSize: ReadTuple(config, "kernel_size", required: true, fallback: 0),
            Strides: ReadTuple(config, "strides", required: false, fallback: 1),
            Padding: KerasEnums.ParsePadding(ConfigReader.String(config, "padding", nullable: false) ?? "valid"),
            DepthMultiplier: config["depth_multiplier"] is JsonNode dm ? ConfigReader.Int(dm, "depth_multiplier") : 1,
            DataFormat: dataFormat is null ? null : KerasEnums.ParseDataFormat(dataFormat),
            DilationRate: ReadTuple(config, "dilation_rate", required: false, fallback: 1),
            Activation: ReadActivation(config["activation"]),
            UseBias: ConfigReader.Bool(config, "use_bias", true),
            // An absent key takes Keras's default argument; an explicit null is Keras's None, kept as such.
            DepthwiseInitializer: ReadInitializer(config, "depthwise_initializer", "glorot_uniform"),
            BiasInitializer: ReadInitializer(config, "bias_initializer", "zeros"),
            DepthwiseRegularizer: config["depthwise_regularizer"] is JsonNode dr ? Regularizer.FromConfig(dr) : null,
            BiasRegularizer: config["bias_regularizer"] is JsonNode br ? Regularizer.FromConfig(br) : null,
            ActivityRegularizer: config["activity_regularizer"] is JsonNode ar ? Regularizer.FromConfig(ar) : null,
            DepthwiseConstraint: config["depthwise_constraint"] is JsonNode dc ? Constraint.FromConfig(dc) : null,
            BiasConstraint: config["bias_constraint"] is JsonNode bc ? Constraint.FromConfig(bc) : null,
            Name: ConfigReader.String(config, "name", nullable: true),
            Trainable: ConfigReader.Bool(config, "trainable", true),
            DType: ReadDType(config["dtype"]),
            BuildShape: buildShape);
    }

    private static Initializer? ReadInitializer(JsonObject config, string key, string fallback)
    {
        if (!config.TryGetPropertyValue(key, out JsonNode? node))
        {
            return Initializer.Get(fallback);
        }

        return node is null ? null : Initializer.FromConfig(node);
    }

    /// <summary>A config's <c>activation</c>: null (linear), a name, or Keras 3's function object.</summary>
    internal static Activation ReadActivation(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return Activation.Get(null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return Activation.Get(v.GetValue<string>());
            case JsonObject o when o["config"] is JsonValue cfg && cfg.GetValueKind() == JsonValueKind.String:
                // Keras 3 may write a built-in function as {"module": "keras.activations", "class_name": "function", "config": "relu", ...}.
                return Activation.Get(cfg.GetValue<string>());
            default:
                throw new KerasArgumentException($"Could not interpret activation function identifier: {PythonFormat.Describe(node)}", "activation");
        }
    }

    /// <summary>A config's <c>dtype</c>: null (float32), a policy name, or a DTypePolicy / tf.keras Policy object.</summary>
    internal static DTypePolicy ReadDType(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return DTypePolicy.Float32;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return DTypePolicy.Get(v.GetValue<string>());
            case JsonObject o:
                // Keras 3 DTypePolicy, tf.keras mixed-precision Policy; any extra key (shared_object_id) is ignored.
                if (o["config"] is JsonObject cfg && cfg["name"] is JsonValue name && name.GetValueKind() == JsonValueKind.String)
                {
                    return DTypePolicy.Get(name.GetValue<string>());
                }

                if (o["name"] is JsonValue bare && bare.GetValueKind() == JsonValueKind.String)
                {
                    return DTypePolicy.Get(bare.GetValue<string>());
                }

                break;
        }

        throw new KerasArgumentException($"Invalid value for `dtype` in a layer config: {node.ToJsonString()}", "dtype");
    }

    private static int ReadTuple(JsonObject config, string key, bool required, int fallback)
    {
        JsonNode? node = config[key];
        if (node is null)
        {
            if (required)
            {
                throw new KerasArgumentException($"The layer config has no `{key}`; it is required.", key);
            }

            return fallback;
        }

        // Keras's standardize_tuple texts, with Python's str of what the config holds ([3, 3], [0], 3.5): the layer's
        // constructor would show an unpacked [0] as 0.
        if (node is JsonArray arr)
        {
            if (arr.Count != 1 || arr[0] is null)
            {
                throw new KerasArgumentException(DepthwiseConv1D.TupleError(key, PythonFormat.Describe(node), null), key);
            }

            int value = ReadTupleElement(arr[0]!, key, node);
            if (value <= 0)
            {
                throw new KerasArgumentException(DepthwiseConv1D.TupleError(key, PythonFormat.Describe(node), value), key);
            }

            return value;
        }

        return ReadTupleElement(node, key, node);
    }

    /// <summary>An integer of a tuple argument; a Python float (3.5, inf) gets Keras's text, which Keras gives for any float.</summary>
    private static int ReadTupleElement(JsonNode element, string key, JsonNode whole)
    {
        if (element is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.ToJsonString().IndexOfAny(['.', 'e', 'E']) >= 0
            && !(v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue))
        {
            throw new KerasArgumentException(DepthwiseConv1D.TupleError(key, PythonFormat.Describe(whole), null), key);
        }

        return ConfigReader.Int(element, key);
    }
}
