using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Serialization;

/// <summary>An opened Keras file: its format, model config, layer table and weights, ready to load layers from.</summary>
internal sealed class KerasSource : IDisposable
{
    private const int MaxContainerDepth = 16;

    private KerasSource(string path, KerasFileFormat format, Hdf5Reader weights, JsonObject? model, string? kerasVersion, string? dateSaved)
    {
        Path = path;
        Format = format;
        Weights = weights;
        Model = model;
        KerasVersion = kerasVersion;
        DateSaved = dateSaved;
    }

    public string Path { get; }

    public KerasFileFormat Format { get; }

    public Hdf5Reader Weights { get; }

    /// <summary>The model object (<c>{"class_name", "config", ...}</c>), or null for weights-only files.</summary>
    public JsonObject? Model { get; }

    public string? KerasVersion { get; }

    public string? DateSaved { get; }

    public List<KerasLayerInfo> Layers { get; } = [];

    public string? ModelClassName => Model?["class_name"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public string? ModelName => Model?["config"] is JsonObject c && c["name"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? v.GetValue<string>()
        : null;

    public void Dispose() => Weights.Dispose();

    public static KerasSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new ArgumentException("The path is empty.", nameof(path));
        }

        if (Directory.Exists(path))
        {
            throw new NotSupportedException($"{path}: is a directory; give a .keras archive or an .h5 file (the Keras directory format is not supported).");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Keras file not found: {path}", path);
        }

        byte[] head = ReadHead(path);
        if (KerasArchive.LooksLikeZip(head))
        {
            return OpenArchive(path);
        }

        byte[] bytes = ReadAll(path);
        if (Hdf5Guard.FindSuperblock(bytes) < 0)
        {
            throw new InvalidDataException(
                bytes.Length == 0 ? $"{path}: the file is empty, not a Keras file." : $"{path}: not a Keras file: neither a .keras zip archive nor an HDF5 file.");
        }

        return OpenHdf5(path, bytes);
    }

    private static byte[] ReadHead(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var head = new byte[8];
        int n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..n];
    }

    private static byte[] ReadAll(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new NotSupportedException($"{path}: the file is {length} bytes; HDF5 files over {Array.MaxLength} bytes are not supported.");
        }

        return File.ReadAllBytes(path);
    }

    private static KerasSource OpenArchive(string path)
    {
        var contents = KerasArchive.Read(path);
        var weights = Hdf5Reader.Open(contents.Weights, $"{path} ({KerasArchive.WeightsEntry})");
        try
        {
            var source = new KerasSource(path, KerasFileFormat.KerasArchive, weights, contents.Config,
                MetadataString(contents.Metadata, "keras_version"), MetadataString(contents.Metadata, "date_saved"));
            if (source.ModelClassName is null)
            {
                throw new InvalidDataException($"{path}: {KerasArchive.ConfigEntry} has no class_name string; it is not a Keras model config.");
            }

            source.BuildKeras3Layers();
            return source;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static string? MetadataString(JsonObject? metadata, string key) =>
        metadata?[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static KerasSource OpenHdf5(string path, byte[] bytes)
    {
        var r = Hdf5Reader.Open(bytes, path);
        try
        {
            string? version = r.AttributeExists("", "keras_version") ? r.ReadStrings("", "keras_version").FirstOrDefault() : null;
            KerasSource source;
            if (r.AttributeExists("", "model_config"))
            {
                var model = ParseModelConfig(r, path);
                source = new KerasSource(path, KerasFileFormat.LegacyModel, r, model, version, null);
                source.BuildLegacyLayers(r.GroupExists("model_weights") ? "model_weights" : null);
            }
            else if (r.AttributeExists("", "layer_names") || r.AttributeExists("", "layer_names0"))
            {
                source = new KerasSource(path, KerasFileFormat.LegacyWeights, r, null, version, null);
                source.BuildLegacyLayers("");
            }
            else if (r.GroupExists("layers") || r.GroupExists("vars"))
            {
                source = new KerasSource(path, KerasFileFormat.KerasWeights, r, null, version, null);
                source.BuildKeras3Layers();
            }
            else
            {
                throw new InvalidDataException(
                    $"{path}: an HDF5 file, but not a Keras one: it has no 'layers' or 'vars' group (Keras 3), no layer_names attribute (tf.keras weights) and no model_config attribute (tf.keras model).");
            }

            return source;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    private static JsonObject ParseModelConfig(Hdf5Reader r, string path)
    {
        var parts = r.ReadStrings("", "model_config");
        string text = string.Concat(parts);
        if (text.Length > KerasArchive.MaxConfigBytes)
        {
            throw new InvalidDataException($"{path}: the model_config attribute is {text.Length} characters, more than the {KerasArchive.MaxConfigBytes} allowed.");
        }

        try
        {
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
                ?? throw new InvalidDataException($"{path}: the model_config attribute is not a JSON object.");

            // A lone surrogate escape parses, then throws InvalidOperationException wherever the string is read.
            KerasObjects.CheckWellFormed(node, "model_config attribute", maxDepth: 256);
            return node;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the model_config attribute is not valid JSON: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    // ---- Keras 3 (.keras and .weights.h5) ----

    private void BuildKeras3Layers()
    {
        var groups = new Dictionary<string, KerasVarGroup>(StringComparer.Ordinal);
        foreach (var group in KerasWeightsH5.ListVarGroups(Weights))
        {
            if (!groups.TryAdd(group.Path, group))
            {
                throw new InvalidDataException($"{Weights.File}: two weight groups have the path '{group.VarsPath}' (the file is corrupt).");
            }
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        if (Model is not null)
        {
            AddContainer(Model, "", 0, groups, used);
        }

        // Weight groups the config does not account for (a custom model without a layer list, or a weights-only file).
        foreach (var group in groups.Values.Order(Comparer<KerasVarGroup>.Create((a, b) => KerasWeightsH5.PathComparer.Instance.Compare(a.Path, b.Path))))
        {
            if (used.Contains(group.Path) || group.Datasets.Count == 0 || group.Path == "optimizer" || group.Path.StartsWith("optimizer/", StringComparison.Ordinal))
            {
                continue;
            }

            string name = group.Name ?? (group.Path.Length == 0 ? "(model)" : group.Path[(group.Path.LastIndexOf('/') + 1)..]);
            Layers.Add(new KerasLayerInfo(Layers.Count, name, null, null, KerasWeightsH5.LooksLikeDepthwise(group.Path), group.VarsPath,
                Keras3Variables(group))
            {
                Depth = group.Path.Count(c => c == '/') / 2,
                KerasPath = group.Path,
            });
        }

        NumberDepthwise();
    }

    private void AddContainer(JsonObject container, string prefix, int depth, Dictionary<string, KerasVarGroup> groups, HashSet<string> used)
    {
        var config = container["config"] as JsonObject;
        if (config?["layers"] is not JsonNode layersNode)
        {
            return;
        }

        if (layersNode is not JsonArray layers)
        {
            throw new InvalidDataException($"{Path}: the model config's 'layers' is not a list.");
        }

        bool sequential = StringOf(container["class_name"]) == "Sequential";
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in layers)
        {
            if (node is not JsonObject layer || StringOf(layer["class_name"]) is not string className)
            {
                throw new InvalidDataException($"{Path}: a layer of the model config has no class_name: {Truncate(node?.ToJsonString())}");
            }

            string name = LayerName(layer) ?? $"({className})";

            // Keras's Sequential.layers leaves out its InputLayer, so it takes no weights path.
            string? layerPath = null;
            if (!(sequential && className == "InputLayer"))
            {
                string snake = KerasWeightsH5.SnakeCase(className);
                int n = counters.TryGetValue(snake, out int last) ? last + 1 : 0;
                counters[snake] = n;
                layerPath = prefix + "layers/" + KerasWeightsH5.NumberedName(snake, n);
            }

            KerasVarGroup? group = layerPath is not null && groups.TryGetValue(layerPath, out var g) ? g : null;
            if (group is not null)
            {
                used.Add(group.Path);
            }

            Layers.Add(new KerasLayerInfo(Layers.Count, name, className, layer, LayerRegistry.Contains(className), group?.VarsPath,
                group is null ? [] : Keras3Variables(group))
            {
                Depth = depth,
                KerasPath = layerPath,
            });

            if (layerPath is not null && layer["config"] is JsonObject inner && inner["layers"] is JsonArray)
            {
                if (depth >= MaxContainerDepth)
                {
                    throw new InvalidDataException($"{Path}: models nest more than {MaxContainerDepth} levels deep.");
                }

                AddContainer(layer, layerPath + "/", depth + 1, groups, used);
            }
        }
    }

    private List<KerasVariableInfo> Keras3Variables(KerasVarGroup group)
    {
        var list = new List<KerasVariableInfo>(group.Datasets.Count);
        foreach (string name in group.Datasets)
        {
            string path = KerasWeightsH5.Join(group.VarsPath, name);
            var info = Weights.DatasetInfo(path);
            list.Add(new KerasVariableInfo(name, path, info.Shape, info.DType));
        }

        return list;
    }

    // ---- tf.keras legacy (.h5) ----

    private void BuildLegacyLayers(string? root)
    {
        var entries = root is null ? [] : LegacyH5.ReadEntries(Weights, root);
        var configLayers = Model is null ? [] : LegacyConfigLayers(Model);
        var pairs = PairLegacy(configLayers, entries);
        var paired = new HashSet<LegacyEntry>();
        foreach (var (layer, entry) in pairs)
        {
            string className = StringOf(layer["class_name"]) ?? throw new InvalidDataException($"{Path}: a layer of model_config has no class_name: {Truncate(layer.ToJsonString())}");
            if (entry is not null)
            {
                paired.Add(entry);
            }

            Layers.Add(new KerasLayerInfo(Layers.Count, LayerName(layer) ?? entry?.Name ?? $"({className})", className, layer, LayerRegistry.Contains(className),
                entry?.GroupPath, entry is null ? [] : LegacyVariables(entry))
            {
                LegacyGroup = entry?.GroupPath,
                LegacyWeightNames = entry?.WeightNames,
            });
        }

        foreach (var entry in entries.Where(e => !paired.Contains(e)))
        {
            var variables = LegacyVariables(entry);
            Layers.Add(new KerasLayerInfo(Layers.Count, entry.Name, null, null, LegacyH5.LooksLikeDepthwise(entry, variables), entry.GroupPath, variables)
            {
                LegacyGroup = entry.GroupPath,
                LegacyWeightNames = entry.WeightNames,
            });
        }

        NumberDepthwise();
    }

    private List<JsonObject> LegacyConfigLayers(JsonObject model)
    {
        // tf.keras writes {"class_name": ..., "config": {"name": ..., "layers": [...]}}; Keras 2.0-era files used a bare list.
        var node = model["config"] is JsonObject c ? c["layers"] : model["config"];
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray arr)
        {
            throw new InvalidDataException($"{Path}: the model_config's layers are not a list.");
        }

        var result = new List<JsonObject>(arr.Count);
        foreach (var item in arr)
        {
            result.Add(item as JsonObject ?? throw new InvalidDataException($"{Path}: a layer of model_config is not a JSON object: {Truncate(item?.ToJsonString())}"));
        }

        return result;
    }

    /// <summary>
    /// Pairs config layers with <c>layer_names</c> entries by position, as tf.keras does (both follow <c>model.layers</c>); when
    /// the counts differ by a leading InputLayer that one side lacks, the rest still pair by position; otherwise by name.
    /// </summary>
    private static List<(JsonObject Layer, LegacyEntry? Entry)> PairLegacy(List<JsonObject> layers, List<LegacyEntry> entries)
    {
        var result = new List<(JsonObject, LegacyEntry?)>(layers.Count);
        if (layers.Count == entries.Count)
        {
            for (int i = 0; i < layers.Count; i++)
            {
                result.Add((layers[i], entries[i]));
            }
        }
        else if (layers.Count == entries.Count + 1 && StringOf(layers[0]["class_name"]) == "InputLayer")
        {
            result.Add((layers[0], null));
            for (int i = 1; i < layers.Count; i++)
            {
                result.Add((layers[i], entries[i - 1]));
            }
        }
        else
        {
            var byName = new Dictionary<string, LegacyEntry>(StringComparer.Ordinal);
            foreach (var e in entries)
            {
                byName.TryAdd(e.Name, e);
            }

            foreach (var layer in layers)
            {
                result.Add((layer, LayerName(layer) is string n && byName.TryGetValue(n, out var e) ? e : null));
            }
        }

        return result;
    }

    private List<KerasVariableInfo> LegacyVariables(LegacyEntry entry)
    {
        var list = new List<KerasVariableInfo>(entry.WeightNames.Count);
        foreach (string name in entry.WeightNames)
        {
            string path = KerasWeightsH5.Join(entry.GroupPath, name);
            if (!Weights.DatasetExists(path))
            {
                throw new InvalidDataException($"{Weights.File}: weight_names of '{entry.GroupPath}' lists '{name}', but the file has no dataset '{path}'.");
            }

            var info = Weights.DatasetInfo(path);
            list.Add(new KerasVariableInfo(name, path, info.Shape, info.DType));
        }

        return list;
    }

    // ---- common ----

    private void NumberDepthwise()
    {
        int n = 0;
        foreach (var layer in Layers.Where(l => l.IsDepthwiseConv1D))
        {
            layer.DepthwiseIndex = n++;
        }
    }

    public KerasModelInfo ToInfo() => new(Path, Format, ModelClassName, ModelName, KerasVersion, DateSaved, Layers);

    /// <summary>Builds the DepthwiseConv1D of a config-backed layer and loads its weights.</summary>
    public DepthwiseConv1D BuildLayer(KerasLayerInfo layer)
    {
        if (layer.ConfigNode is null)
        {
            throw new NotSupportedException(
                $"{Path}: the file holds weights only, no config for layer '{layer.Name}'; use KerasFile.LoadLayerWeights with the layer's config.");
        }

        if (!LayerRegistry.Contains(layer.ClassName))
        {
            throw new NotSupportedException(
                $"{Path}: layer '{layer.Name}' is a {layer.ClassName}; DepthwiseSharp can load these layer classes: {string.Join(", ", LayerRegistry.ClassNames)}.");
        }

        var (created, buildChannels) = CreateUnbuilt(layer.ConfigNode, Path, layer.Name, fromFile: true);
        LoadWeights(layer, created, buildChannels);
        return created;
    }

    /// <summary>Loads the weights stored for <paramref name="row"/> into <paramref name="target"/>.</summary>
    public void LoadWeights(KerasLayerInfo row, DepthwiseConv1D target, int? buildChannels)
    {
        if (Format is KerasFileFormat.KerasArchive or KerasFileFormat.KerasWeights)
        {
            if (row.KerasPath is null)
            {
                KerasWeightLoader.CheckCount(Weights.File, target, 0, "no weights path");
            }

            KerasWeightsH5.LoadVars(Weights, row.KerasPath!, target, buildChannels);
        }
        else
        {
            LegacyH5.Load(Weights, row.LegacyGroup, row.LegacyWeightNames, target, buildChannels);
        }
    }

    /// <summary>
    /// Creates the layer from its config without building it, and returns the channel count its build shape declares. The
    /// layer then builds from the stored kernel, so a damaged shape in a config never allocates more than the file holds.
    /// </summary>
    public static (DepthwiseConv1D Layer, int? BuildChannels) CreateUnbuilt(JsonNode config, string file, string layerName, bool fromFile)
    {
        var copy = config.DeepClone();
        int?[]? buildShape = null;
        if (copy is JsonObject obj)
        {
            var inner = obj["config"] as JsonObject;
            if (obj["class_name"] is JsonValue && inner is not null)
            {
                buildShape = ShapeOf(obj["build_config"] is JsonObject bc ? bc["input_shape"] : null);
                obj.Remove("build_config");
            }
            else
            {
                inner = obj;
            }

            foreach (string key in (string[])["batch_input_shape", "batch_shape"])
            {
                if (inner.ContainsKey(key))
                {
                    buildShape ??= ShapeOf(inner[key]);
                    inner.Remove(key);
                }
            }
        }

        DepthwiseConv1D layer;
        try
        {
            layer = LayerRegistry.FromConfig(copy);
        }
        catch (Exception e) when (fromFile && (e is ArgumentException or InvalidOperationException or OverflowException or FormatException
                                      or JsonException or NotSupportedException or KeyNotFoundException))
        {
            throw new InvalidDataException(
                $"{file}: the config of layer '{layerName}' is not a valid {LayerRegistry.ClassNameIn(config) ?? "layer"} config: {e.Message}", e);
        }

        int? channels = null;
        if (buildShape is { Length: 3 })
        {
            channels = layer.DataFormat == DataFormat.ChannelsLast ? buildShape[2] : buildShape[1];
        }

        return (layer, channels);
    }

    private static int?[]? ShapeOf(JsonNode? node)
    {
        if (node is not JsonArray arr)
        {
            return null;
        }

        var shape = new int?[arr.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = arr[i] is JsonValue v && v.TryGetValue(out int d) && d > 0 ? d : null;
        }

        return shape;
    }

    // One reading of a layer's name and of JSON strings for the file reader and the graph reader.
    private static string? LayerName(JsonObject layer) => KerasModel.LayerName(layer);

    private static string? StringOf(JsonNode? node) => KerasModel.StringOf(node);

    private static string Truncate(string? text) => text is null ? "null" : text.Length <= 120 ? text : text[..120] + "...";
}
