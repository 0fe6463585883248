using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Serialization;

/// <summary>
/// Reads and writes Keras weight files: Keras 3 <c>.keras</c> archives and <c>*.weights.h5</c>, and tf.keras legacy <c>.h5</c>
/// (whole model or weights only). Lists a file's layers, loads DepthwiseConv1D layers with their weights, saves layers.
/// </summary>
/// <remarks>
/// <para>The format is recognised from the content, not the extension. In the Keras 3 layout a layer's variables live at
/// <c>layers/&lt;snake_case class&gt;[_N]/vars/0</c>, <c>.../1</c> (kernel, then bias), numbered per class within each container
/// (<c>layers/depthwise_conv1d</c>, <c>layers/depthwise_conv1d_1</c>, ...), whatever the layer is called. In the legacy layout
/// layers and weights are taken by their position in the <c>layer_names</c> and <c>weight_names</c> attributes (tf.keras's
/// <c>depthwise_kernel</c> is the kernel).</para>
/// <para>Weights stored as float16, float32 or float64 are converted to the layer's dtype; chunked, deflate-compressed
/// (and shuffled) datasets and fixed- or variable-length strings are read.</para>
/// <para>Errors name the file and the item: <see cref="FileNotFoundException"/> for a missing file,
/// <see cref="InvalidDataException"/> for a file that is not a Keras file, is truncated or corrupt, misses a dataset, or stores
/// weights that do not fit the layer (Keras's "expected 2 variables, but received 0 variables during loading" and "The shape of
/// the target variable and the shape of the target value ... must match"), <see cref="NotSupportedException"/> for a layer of
/// another class, a non-float dtype, an unsupported compression filter or a weights-only file where a config is needed, and
/// <see cref="ArgumentException"/> (or a subclass) for an unknown layer name, an index out of range or an invalid argument.</para>
/// </remarks>
public static class KerasFile
{
    /// <summary>The Keras version written into the <c>metadata.json</c> of saved archives (the Keras 3 format this library writes).</summary>
    public const string SavedKerasVersion = "3.15.1";

    /// <summary>Lists the model and layers of a Keras file.</summary>
    /// <param name="path">A <c>.keras</c> archive, a <c>*.weights.h5</c>, or a tf.keras <c>.h5</c> (model or weights).</param>
    /// <returns>The format, the model's class and name, and every layer with its class, config and variables (paths, shapes, dtypes).
    /// Layers of any class are listed; <see cref="KerasModelInfo.HasDepthwiseConv1D"/> says whether the file holds a DepthwiseConv1D.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a Keras file, or truncated or corrupt.</exception>
    /// <exception cref="NotSupportedException">A Keras feature this reader does not handle (a directory, weights in <c>.npz</c>, soft links).</exception>
    /// <remarks>Only shapes and dtypes are read, not the weights themselves.</remarks>
    public static KerasModelInfo Inspect(string path)
    {
        using var source = KerasSource.Open(path);
        return source.ToInfo();
    }

    /// <summary>Loads a DepthwiseConv1D, with its weights, by its layer name.</summary>
    /// <param name="path">A <c>.keras</c> archive or a tf.keras model <c>.h5</c> (files that carry the layer's config).</param>
    /// <param name="layerName">The layer's <c>name</c> in the model config.</param>
    /// <returns>A built layer holding the stored weights.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No layer has that name.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or its config or weights do not make a valid layer.</exception>
    /// <exception cref="NotSupportedException">The layer is of another class, or the file holds weights only.</exception>
    /// <remarks>The weights path follows the class and position (<c>layers/depthwise_conv1d_1/vars</c>), not the name.</remarks>
    public static DepthwiseConv1D LoadLayer(string path, string layerName)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        using var source = KerasSource.Open(path);
        var layer = source.Layers.FirstOrDefault(l => l.ClassName is not null && l.Name == layerName)
            ?? source.Layers.FirstOrDefault(l => l.Name == layerName)
            ?? throw new ArgumentException(
                $"{path}: no layer named '{layerName}'; the layers are: {string.Join(", ", source.Layers.Select(l => $"'{l.Name}'"))}.", nameof(layerName));
        return source.BuildLayer(layer);
    }

    /// <summary>Loads the <paramref name="depthwiseIndex"/>-th DepthwiseConv1D of a model, with its weights.</summary>
    /// <param name="path">A <c>.keras</c> archive or a tf.keras model <c>.h5</c>.</param>
    /// <param name="depthwiseIndex">0-based position among the model's DepthwiseConv1D layers, in model order.</param>
    /// <returns>A built layer holding the stored weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The model has fewer DepthwiseConv1D layers.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or its config or weights do not make a valid layer.</exception>
    /// <exception cref="NotSupportedException">The file holds weights only (use <see cref="LoadLayerWeights"/>).</exception>
    /// <remarks>Other layers do not count: index 1 is the second DepthwiseConv1D whatever lies between.</remarks>
    public static DepthwiseConv1D LoadLayer(string path, int depthwiseIndex)
    {
        using var source = KerasSource.Open(path);
        return source.BuildLayer(DepthwiseRow(source, depthwiseIndex));
    }

    /// <summary>
    /// Loads a Keras model to run whole: a Sequential or Functional model whose graph is one chain of layers from
    /// <see cref="LayerRegistry"/>, <c>Activation</c> layers and layers that are the identity at inference (see <see cref="KerasModel"/>).
    /// </summary>
    /// <param name="path">A <c>.keras</c> archive or a tf.keras / Keras 3 model <c>.h5</c> (files that carry the model config).</param>
    /// <returns>The model, its layers built with the stored weights.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or a config or its weights do not make a valid layer.</exception>
    /// <exception cref="NotSupportedException">The file holds weights only; the model has several inputs or outputs, branches,
    /// merge or shared layers; or a layer of a class DepthwiseSharp cannot run (the message names the layer and its class).</exception>
    /// <remarks>Layers are never skipped: a model that cannot be run exactly is refused. One layer of any model loads with
    /// <see cref="LoadLayer(string, string)"/>.</remarks>
    public static KerasModel LoadModel(string path)
    {
        using var source = KerasSource.Open(path);
        if (source.Model is null)
        {
            throw new NotSupportedException($"{path}: the file holds weights only, no model config; load layers with KerasFile.LoadLayerWeights.");
        }

        var chain = KerasModel.Chain(source.Model, path);
        return KerasModel.FromChain(source.Model, chain, path, name =>
            source.BuildLayer(source.Layers.FirstOrDefault(l => l.ClassName is not null && l.Depth == 0 && l.Name == name)
                ?? throw new InvalidDataException($"{path}: the model config names layer '{name}', but the file has no such layer.")));
    }

    /// <summary>Loads the layers of a model made only of layers with weights (and its InputLayer), in the order the model runs them.</summary>
    /// <param name="path">A <c>.keras</c> archive or a model <c>.h5</c>.</param>
    /// <returns>The layers, built, with their weights, ready for <see cref="Training.Trainer"/> or <see cref="KerasSequential"/>.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or a config or its weights do not make a valid layer.</exception>
    /// <exception cref="NotSupportedException">As <see cref="LoadModel"/>, and for a model with any other step (an Activation or
    /// Dropout layer): run such a model with <see cref="LoadModel"/>.</exception>
    public static IReadOnlyList<DepthwiseConv1D> LoadSequential(string path)
    {
        var model = LoadModel(path);
        if (model.Steps.FirstOrDefault(s => s.Kind != KerasStepKind.Layer) is { } other)
        {
            throw new NotSupportedException(
                $"{path}: layer '{other.Name}' is a {other.ClassName}; only {string.Join(", ", LayerRegistry.ClassNames)} layers (and an InputLayer) are returned as a list of layers. Run the whole model with KerasFile.LoadModel.");
        }

        return model.Layers;
    }

    /// <summary>Creates a layer from a config and loads its weights from a weights file.</summary>
    /// <param name="weightsPath">A <c>*.weights.h5</c>, a tf.keras <c>.h5</c>, or a <c>.keras</c> archive.</param>
    /// <param name="layerConfig">The layer's config (bare, Keras 3 layer object or tf.keras form, as <see cref="DepthwiseConv1D.FromConfig"/> takes).</param>
    /// <param name="depthwiseIndex">Which DepthwiseConv1D of the file: 0-based, in model order (<c>layers/depthwise_conv1d</c>,
    /// <c>layers/depthwise_conv1d_1</c>, ... in a Keras 3 file; the entries of <c>layer_names</c> whose first weight is a
    /// depthwise kernel in a tf.keras file without config).</param>
    /// <returns>A built layer holding the stored weights.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The config is invalid or not a DepthwiseConv1D.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The file has fewer DepthwiseConv1D weight groups.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or its weights do not fit the layer (count or shape).</exception>
    /// <exception cref="NotSupportedException">A stored dtype or compression filter is not supported.</exception>
    /// <remarks>The layer builds from the stored kernel; a <c>build_config</c> in the config must agree with it.</remarks>
    public static DepthwiseConv1D LoadLayerWeights(string weightsPath, JsonNode layerConfig, int depthwiseIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(layerConfig);
        if (LayerRegistry.ClassNameIn(layerConfig) is { } cls && !LayerRegistry.Contains(cls))
        {
            throw new ArgumentException(
                $"The config is a {cls} config; DepthwiseSharp can build these layer classes: {string.Join(", ", LayerRegistry.ClassNames)}.", nameof(layerConfig));
        }

        using var source = KerasSource.Open(weightsPath);
        var row = DepthwiseRow(source, depthwiseIndex);
        var (layer, buildChannels) = KerasSource.CreateUnbuilt(layerConfig, weightsPath, row.Name, fromFile: false);
        source.LoadWeights(row, layer, buildChannels);
        return layer;
    }

    /// <summary>Saves layers as a Keras 3 <c>.keras</c> archive of a Sequential model that Keras 3 loads with <c>keras.saving.load_model</c>.</summary>
    /// <param name="path">The archive to write (replaced if it exists).</param>
    /// <param name="layers">Built layers, in order; each layer's channel count must match the previous output.</param>
    /// <param name="inputShape">The model's batch input shape, rank 3 with nulls for unknown sizes (Keras's <c>batch_shape</c>);
    /// null gives <c>(None, None, C)</c> (or <c>(None, C, None)</c> for channels_first) from the first layer.</param>
    /// <param name="modelName">The Sequential's name.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No layers, an unbuilt layer, duplicate names, or shapes that do not chain.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <remarks>
    /// Entries are stored uncompressed: <c>metadata.json</c> (<see cref="SavedKerasVersion"/>, <c>date_saved</c>), <c>config.json</c>
    /// (the Sequential with an InputLayer and each layer's config and <c>build_config</c>, written as Python's <c>json.dumps</c>
    /// writes it) and <c>model.weights.h5</c> (<c>layers/depthwise_conv1d[_N]/vars/0..1</c> with their <c>name</c> attributes,
    /// an empty <c>optimizer/vars</c>, and the model's <c>vars</c>). Weights keep the layer's dtype, so a round trip is bit-exact.
    /// </remarks>
    public static void SaveKeras(string path, IReadOnlyList<DepthwiseConv1D> layers, IReadOnlyList<int?>? inputShape = null, string modelName = "sequential")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(modelName);
        int?[] shape = CheckLayers(layers, inputShape);
        string config = KerasJsonText.Dumps(KerasArchive.SequentialConfig(layers, shape, modelName));
        string metadata = KerasJsonText.Dumps(KerasArchive.Metadata(SavedKerasVersion, DateTime.Now));
        KerasArchive.Write(path, config, metadata, KerasWeightsH5.Write(layers, modelName));
    }

    /// <summary>Saves layers' weights as a Keras 3 <c>*.weights.h5</c>, as <c>model.save_weights</c> writes it for a Sequential of them.</summary>
    /// <param name="path">The file to write (replaced if it exists); Keras requires the name to end in <c>.weights.h5</c>.</param>
    /// <param name="layers">Built layers, in model order.</param>
    /// <param name="modelName">The <c>name</c> attribute of the root <c>vars</c> group.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No layers, an unbuilt layer, or duplicate names.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <remarks>The same HDF5 layout as the <c>model.weights.h5</c> of <see cref="SaveKeras"/>.</remarks>
    public static void SaveWeightsH5(string path, IReadOnlyList<DepthwiseConv1D> layers, string modelName = "sequential")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(modelName);
        CheckLayers(layers, null, chain: false);
        byte[] bytes = KerasWeightsH5.Write(layers, modelName);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static KerasLayerInfo DepthwiseRow(KerasSource source, int depthwiseIndex)
    {
        var rows = source.Layers.Where(l => l.IsDepthwiseConv1D).ToList();
        if (depthwiseIndex < 0 || depthwiseIndex >= rows.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(depthwiseIndex), depthwiseIndex,
                rows.Count == 0
                    ? $"{source.Path}: the file holds no DepthwiseConv1D layer."
                    : $"{source.Path}: the file holds {rows.Count} DepthwiseConv1D layer(s) ({string.Join(", ", rows.Select(r => $"'{r.Name}'"))}); index {depthwiseIndex} is out of range.");
        }

        return rows[depthwiseIndex];
    }

    private static int?[] CheckLayers(IReadOnlyList<DepthwiseConv1D> layers, IReadOnlyList<int?>? inputShape, bool chain = true)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("There are no layers to save.", nameof(layers));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            if (layer is null)
            {
                throw new ArgumentException("The layer list holds a null.", nameof(layers));
            }

            if (!layer.Built)
            {
                throw new ArgumentException($"Layer '{layer.Name}' is not built, so it has no weights to save; build it or set its weights first.", nameof(layers));
            }

            if (!names.Add(layer.Name))
            {
                throw new ArgumentException(
                    $"All layers added to a Sequential model should have unique names. Name '{layer.Name}' is already the name of a layer in this model. Update the `name` argument to pass a unique name.",
                    nameof(layers));
            }
        }

        var first = layers[0];
        int?[] shape = inputShape is null
            ? first.DataFormat == DataFormat.ChannelsLast ? [null, null, first.InputChannels] : [null, first.InputChannels, null]
            : [.. inputShape];
        if (!chain)
        {
            return shape;
        }

        if (shape.Length != 3)
        {
            throw new ArgumentException($"The input shape must have rank 3 (batch, length, channels); received {Shapes.Format(shape)}.", nameof(inputShape));
        }

        var current = shape;
        foreach (var layer in layers)
        {
            int? channels = layer.DataFormat == DataFormat.ChannelsLast ? current[2] : current[1];
            if (channels != layer.InputChannels)
            {
                throw new ArgumentException(
                    $"Layer '{layer.Name}' is built for {layer.InputChannels} input channels, but receives shape {Shapes.Format(current)}.", nameof(layers));
            }

            current = layer.ComputeOutputShape(current);
        }

        return shape;
    }
}
