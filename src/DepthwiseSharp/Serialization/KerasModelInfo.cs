using System.Text.Json.Nodes;

namespace DepthwiseSharp.Serialization;

/// <summary>The kinds of Keras file that <see cref="KerasFile"/> reads.</summary>
public enum KerasFileFormat
{
    /// <summary>A Keras 3 <c>.keras</c> zip archive: <c>metadata.json</c>, <c>config.json</c>, <c>model.weights.h5</c>.</summary>
    KerasArchive,

    /// <summary>A Keras 3 <c>*.weights.h5</c> from <c>save_weights</c>: variables at <c>&lt;path&gt;/vars/0</c>, ..., no configs.</summary>
    KerasWeights,

    /// <summary>A tf.keras <c>model.save("m.h5")</c> file: a <c>model_config</c> attribute and a <c>model_weights</c> group.</summary>
    LegacyModel,

    /// <summary>A tf.keras <c>save_weights("w.h5")</c> file: <c>layer_names</c> and the layer groups at the root, no configs.</summary>
    LegacyWeights,
}

/// <summary>What a Keras file holds: its format, the model's class and name, and its layers in model order.</summary>
/// <remarks>Returned by <see cref="KerasFile.Inspect(string)"/>; reading it needs no further access to the file.</remarks>
public sealed class KerasModelInfo
{
    internal KerasModelInfo(string path, KerasFileFormat format, string? modelClassName, string? modelName, string? kerasVersion,
        string? dateSaved, IReadOnlyList<KerasLayerInfo> layers)
    {
        Path = path;
        Format = format;
        ModelClassName = modelClassName;
        ModelName = modelName;
        KerasVersion = kerasVersion;
        DateSaved = dateSaved;
        Layers = layers;
        DepthwiseLayers = [.. layers.Where(l => l.IsDepthwiseConv1D)];
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>The kind of file.</summary>
    public KerasFileFormat Format { get; }

    /// <summary>The model's Keras class (<c>Sequential</c>, <c>Functional</c>, a custom class); null for weights-only files.</summary>
    public string? ModelClassName { get; }

    /// <summary>The model's name from its config, when the file has one.</summary>
    public string? ModelName { get; }

    /// <summary>The Keras version recorded in the file (<c>metadata.json</c> or the <c>keras_version</c> attribute), if any.</summary>
    public string? KerasVersion { get; }

    /// <summary>The <c>date_saved</c> of a <c>.keras</c> archive's metadata, if any.</summary>
    public string? DateSaved { get; }

    /// <summary>Every layer, in model order: those of the config (with their weights, if any), then any weight group the config does not account for.</summary>
    public IReadOnlyList<KerasLayerInfo> Layers { get; }

    /// <summary>The DepthwiseConv1D layers, in model order; <see cref="KerasLayerInfo.DepthwiseIndex"/> is the position in this list.</summary>
    public IReadOnlyList<KerasLayerInfo> DepthwiseLayers { get; }

    /// <summary>Whether the file holds at least one DepthwiseConv1D layer.</summary>
    public bool HasDepthwiseConv1D => DepthwiseLayers.Count > 0;

    /// <summary>The file, its format, the model's class, name and Keras version, and its layers' names.</summary>
    /// <returns>For example <c>&lt;KerasModelInfo path=m.keras, format=KerasArchive, model=Sequential 'seq', keras_version=3.5.0,
    /// layers=[input_layer, dw_a, dense, dw_b], depthwise=[dw_a, dw_b]&gt;</c>; what the file lacks is None.</returns>
    public override string ToString() =>
        $"<KerasModelInfo path={Path}, format={Format}, model={ModelClassName ?? "None"}{(ModelName is null ? "" : $" '{ModelName}'")}, "
        + $"keras_version={KerasVersion ?? "None"}, layers=[{string.Join(", ", Layers.Select(l => l.Name))}], "
        + $"depthwise=[{string.Join(", ", DepthwiseLayers.Select(l => l.Name))}]>";
}

/// <summary>One layer of a Keras file: name, class, config and variables.</summary>
public sealed class KerasLayerInfo
{
    private readonly JsonObject? _config;

    internal KerasLayerInfo(int index, string name, string? className, JsonObject? config, bool isDepthwise, string? weightsPath,
        IReadOnlyList<KerasVariableInfo> variables)
    {
        Index = index;
        Name = name;
        ClassName = className;
        _config = config;
        IsDepthwiseConv1D = isDepthwise;
        WeightsPath = weightsPath;
        Variables = variables;
    }

    /// <summary>The position in <see cref="KerasModelInfo.Layers"/>.</summary>
    public int Index { get; }

    /// <summary>The layer's name (the config's <c>name</c>, else the <c>name</c> attribute of its weight group, else the group's name).</summary>
    public string Name { get; }

    /// <summary>The Keras class name from the config; null when the file has no config for this layer (weights-only files).</summary>
    public string? ClassName { get; }

    /// <summary>
    /// Whether this is a DepthwiseConv1D: from the config's class name, or, in weights-only files, from the weight path
    /// (<c>layers/depthwise_conv1d_N</c>) or the tf.keras weight name (<c>depthwise_kernel</c>).
    /// </summary>
    public bool IsDepthwiseConv1D { get; }

    /// <summary>The position among the file's DepthwiseConv1D layers, or null for other layers.</summary>
    public int? DepthwiseIndex { get; internal set; }

    /// <summary>
    /// The HDF5 group holding the layer's weights (<c>layers/depthwise_conv1d/vars</c>, <c>model_weights/dwconv</c>), or null
    /// when the file has none for this layer.
    /// </summary>
    public string? WeightsPath { get; }

    /// <summary>The layer's variables in Keras order (kernel, then bias).</summary>
    public IReadOnlyList<KerasVariableInfo> Variables { get; }

    internal int Depth { get; init; }

    internal string? KerasPath { get; init; }

    internal string? LegacyGroup { get; init; }

    internal IReadOnlyList<string>? LegacyWeightNames { get; init; }

    /// <summary>A copy of the layer object as the file stores it (Keras 3: module, class_name, config, build_config; tf.keras: class_name, config).</summary>
    /// <returns>A new JSON object the caller may modify, or null when the file has no config for this layer.</returns>
    public JsonObject? GetConfig() => (JsonObject?)_config?.DeepClone();

    internal JsonObject? ConfigNode => _config;

    /// <inheritdoc/>
    public override string ToString() => $"{Index}: {Name} ({ClassName ?? "no config"}), {Variables.Count} variables";
}

/// <summary>One stored variable (HDF5 dataset) of a layer.</summary>
public sealed class KerasVariableInfo
{
    internal KerasVariableInfo(string name, string path, int[] shape, string dtype)
    {
        Name = name;
        Path = path;
        Shape = shape;
        DType = dtype;
    }

    /// <summary>The name the file gives it: <c>0</c>, <c>1</c> (Keras 3) or the tf.keras weight name, e.g. <c>depthwise_conv1d/depthwise_kernel:0</c>.</summary>
    public string Name { get; }

    /// <summary>The dataset's full HDF5 path, e.g. <c>layers/depthwise_conv1d/vars/0</c>.</summary>
    public string Path { get; }

    /// <summary>The stored shape.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The stored element type: <c>float32</c>, <c>float64</c>, <c>float16</c>, or another numpy-style name.</summary>
    public string DType { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path} {Shapes.Format(Shape)} {DType}";
}
