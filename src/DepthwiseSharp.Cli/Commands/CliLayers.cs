using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// The one way every command gets its layers, through <see cref="LayerRegistry"/> (so a class one command reads, all read):
/// <list type="bullet">
/// <item><description><c>--model FILE</c>: every layer of a Keras model, in order;</description></item>
/// <item><description><c>--model FILE --layer NAME|INDEX</c>: one layer, by name, or by its 0-based position among the layers
/// DepthwiseSharp can build when no layer has that name;</description></item>
/// <item><description><c>--layer LAYER.json --weights KERNEL.npy [BIAS.npy]</c>: a layer config with .npy weights;</description></item>
/// <item><description><c>--layer LAYER.json --weights FILE.weights.h5|FILE.h5|FILE.keras</c>: a layer config with its weights
/// from a Keras file (the layer of the same name there, or the file's only one).</description></item>
/// </list>
/// Every error names the file it is about.
/// </summary>
internal static class CliLayers
{
    /// <summary>What the options asked for: a model (a single layer is a model of one), and whether it is a whole file's model.</summary>
    internal sealed record Loaded(KerasModel Model, bool WholeModel, bool FromInitializers = false)
    {
        /// <summary>The model's layers with weights.</summary>
        public IReadOnlyList<DepthwiseConv1D> Layers => Model.Layers;

        /// <summary>The one layer a single-layer command works on; a whole model of several steps is refused, naming --layer.</summary>
        public DepthwiseConv1D Single(string command)
        {
            if (Model.Steps.Count != 1 || Model.Layers.Count != 1)
            {
                throw new CliException(
                    $"{command} works on one layer, and the model has {Model.Steps.Count}: {string.Join(", ", Model.Steps.Select(s => $"'{s.Name}'"))}; choose one with --layer NAME");
            }

            return Layers[0];
        }

        /// <summary>The layers of a model made only of layers with weights (what training takes); other steps are refused, named.</summary>
        public IReadOnlyList<DepthwiseConv1D> OnlyLayers(string command)
        {
            if (Model.Steps.FirstOrDefault(s => s.Kind != KerasStepKind.Layer) is { } other)
            {
                throw new CliException(
                    $"{command} trains chains of {string.Join(", ", LayerRegistry.ClassNames)} layers; layer '{other.Name}' is a {other.ClassName}. Choose a layer with --layer NAME");
            }

            return Layers;
        }
    }

    /// <summary>The three layer options (see the class summary) for one command; each command gets its own instances.</summary>
    internal sealed class Options
    {
        public Option<string> Model { get; } = CliOptions.Text("--model", "FILE",
            "A .keras or .h5 model: all its layers in order, or with --layer NAME|INDEX one of them.");

        public Option<string> Layer { get; } = CliOptions.Text("--layer", "LAYER.json|NAME|INDEX",
            "A layer config JSON (DepthwiseConv1D or CausalDepthwiseConv1D) with --weights; with --model, the layer's name or 0-based index.");

        public Option<string[]> Weights { get; } = new("--weights")
        {
            HelpName = "KERNEL.npy [BIAS.npy]|FILE.weights.h5",
            Description = "The weights of --layer LAYER.json: .npy kernel and bias, or a Keras weights file (.weights.h5, .h5, .keras).",
            Arity = new ArgumentArity(1, 2),
            AllowMultipleArgumentsPerToken = true,
        };

        /// <summary>Adds the three options to <paramref name="command"/>.</summary>
        public void AddTo(Command command)
        {
            command.Options.Add(Layer);
            command.Options.Add(Weights);
            command.Options.Add(Model);
        }

        /// <summary>Reads the layers the options name.</summary>
        /// <param name="parse">The command's parse result.</param>
        /// <param name="weightsRequired">Whether a layer JSON needs --weights (fit starts from the initializers without).</param>
        public Loaded Load(ParseResult parse, bool weightsRequired = true) =>
            CliLayers.Load(parse.GetValue(Model), parse.GetValue(Layer),
                parse.GetResult(Weights) is null ? null : parse.GetValue(Weights), weightsRequired); // absent, not an empty list
    }

    private static Loaded Load(string? model, string? layerArg, IReadOnlyList<string>? weights, bool weightsRequired)
    {
        if (model is not null)
        {
            if (weights is not null)
            {
                throw new CliException("--weights goes with --layer LAYER.json; a --model file carries its own weights");
            }

            return layerArg is null ? new(KerasFile.LoadModel(model), true) : new(KerasModel.FromLayers([LoadModelLayer(model, layerArg)]), false);
        }

        if (layerArg is null)
        {
            throw new CliException("missing option --layer LAYER.json (or --model FILE [--layer NAME])");
        }

        if (weights is null && weightsRequired)
        {
            throw new CliException("missing option --weights KERNEL.npy [BIAS.npy] (or --weights FILE.weights.h5)");
        }

        var node = ReadJson(layerArg);
        if (weights is not null && IsKerasFile(weights[0]))
        {
            if (weights.Count != 1)
            {
                throw new CliException($"--weights takes one Keras weights file or .npy files; received {weights.Count} values with '{weights[0]}'");
            }

            return new(KerasModel.FromLayers([LoadKerasWeights(layerArg, node, weights[0])]), false);
        }

        var layer = FromConfig(layerArg, node);
        if (weights is not null)
        {
            SetWeights(layer, weights);
        }

        return new(KerasModel.FromLayers([layer]), false, FromInitializers: weights is null);
    }

    /// <summary>Creates the layer a JSON file describes, of whichever registered class it names.</summary>
    public static DepthwiseConv1D FromConfig(string path, JsonNode node)
    {
        try
        {
            return LayerRegistry.FromConfig(node);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a layer JSON file, naming it in every error.</summary>
    public static JsonNode ReadJson(string path) => LayerFiles.ReadJson(path);

    /// <summary>Sets .npy weights, naming the files in every error.</summary>
    public static void SetWeights(DepthwiseConv1D layer, IReadOnlyList<string> paths) => LayerFiles.SetWeights(layer, paths);

    private static bool IsKerasFile(string path) =>
        path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".keras", StringComparison.OrdinalIgnoreCase);

    private static DepthwiseConv1D LoadModelLayer(string model, string layer)
    {
        var info = KerasFile.Inspect(model);
        if (info.Layers.Any(l => l.Name == layer))
        {
            return KerasFile.LoadLayer(model, layer);
        }

        if (int.TryParse(layer, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return KerasFile.LoadLayer(model, index);
        }

        return KerasFile.LoadLayer(model, layer);
    }

    // The weights of the layer with the JSON's name, or the file's only layer DepthwiseSharp can build.
    private static DepthwiseConv1D LoadKerasWeights(string layerPath, JsonNode node, string weightsPath)
    {
        var candidates = KerasFile.Inspect(weightsPath).DepthwiseLayers;
        string? name = NameIn(node);
        int index = candidates.ToList().FindIndex(l => l.Name == name);
        if (index < 0)
        {
            if (candidates.Count != 1)
            {
                throw new ArgumentException(
                    $"{weightsPath}: the file holds {candidates.Count} layers with weights DepthwiseSharp can load ({string.Join(", ", candidates.Select(l => $"'{l.Name}'"))}) "
                    + $"and none is named '{name}' as in {layerPath}; rename the layer in the JSON to the one you want");
            }

            index = 0;
        }

        try
        {
            return KerasFile.LoadLayerWeights(weightsPath, node, index);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{layerPath}: {e.Message}", e);
        }
    }

    private static string? NameIn(JsonNode node)
    {
        try
        {
            var config = LayerRegistry.ClassNameIn(node) is null ? node as JsonObject : node["config"] as JsonObject;
            return config?["name"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Gives every unseeded random initializer of an unloaded layer a seed from <c>--seed</c> and refills its weights, so the
    /// same command starts from the same weights whatever the JSON holds (a string, an object without <c>seed</c>,
    /// <c>"seed": null</c>), as <c>keras.utils.set_random_seed</c> does. The config is left as it was; a seed the JSON states
    /// is kept. The kernel draws from <c>seed</c>, the bias from <c>seed + 1</c>.
    /// </summary>
    public static void SeedWeights(DepthwiseConv1D layer, int seed)
    {
        Refill(layer.DepthwiseInitializer, layer.Kernel, seed);
        if (layer.Bias is { } bias)
        {
            Refill(layer.BiasInitializer, bias, seed + 1L);
        }

        static void Refill(Initializer init, Variable v, long seed)
        {
            if (init is not RandomInitializer { Seed: null })
            {
                return;
            }

            var obj = init.Serialize();
            ((JsonObject)obj["config"]!)["seed"] = seed;
            var seeded = Initializer.FromConfig(obj);
            if (v.DType == DType.Float32)
            {
                seeded.Fill<float>(v.AsSpan<float>(), [.. v.Shape]);
            }
            else
            {
                seeded.Fill<double>(v.AsSpan<double>(), [.. v.Shape]);
            }

            v.RoundToValueDType();
        }
    }
}
