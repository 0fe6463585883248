using System.Numerics;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Serialization;

/// <summary>What one step of a <see cref="KerasModel"/> does.</summary>
public enum KerasStepKind
{
    /// <summary>A layer with weights from <see cref="LayerRegistry"/> (<see cref="KerasModelStep.Layer"/>).</summary>
    Layer,

    /// <summary>A Keras <c>Activation</c> layer (<see cref="KerasModelStep.Activation"/>, along the last axis).</summary>
    Activation,

    /// <summary>A layer that is the identity at inference: <c>Dropout</c>, <c>SpatialDropout1D</c>, <c>GaussianNoise</c>,
    /// <c>GaussianDropout</c>, <c>ActivityRegularization</c>.</summary>
    Identity,
}

/// <summary>One layer of a <see cref="KerasModel"/>, in the order the model runs them.</summary>
public sealed class KerasModelStep
{
    internal KerasModelStep(string name, string className, KerasStepKind kind, DType dtype, DepthwiseConv1D? layer, Activation? activation)
    {
        Name = name;
        ClassName = className;
        Kind = kind;
        DType = dtype;
        Layer = layer;
        Activation = activation;
    }

    /// <summary>The layer's name in the model.</summary>
    public string Name { get; }

    /// <summary>The Keras class name.</summary>
    public string ClassName { get; }

    /// <summary>What the step does.</summary>
    public KerasStepKind Kind { get; }

    /// <summary>The dtype the step computes in; its input is cast to it first, as Keras casts a layer's float inputs.</summary>
    public DType DType { get; }

    /// <summary>The built layer of a <see cref="KerasStepKind.Layer"/> step, else null.</summary>
    public DepthwiseConv1D? Layer { get; }

    /// <summary>The activation of a <see cref="KerasStepKind.Activation"/> step, else null.</summary>
    public Activation? Activation { get; }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        KerasStepKind.Activation => $"{ClassName} '{Name}' ({Activation!.Name})",
        KerasStepKind.Identity => $"{ClassName} '{Name}' (identity at inference)",
        _ => $"{ClassName} '{Name}'",
    };
}

/// <summary>
/// A Keras model that DepthwiseSharp runs whole: a Sequential or Functional model whose graph is one chain from its input to
/// its output, of layers from <see cref="LayerRegistry"/>, <c>Activation</c> layers and layers that are the identity at
/// inference. Load it with <see cref="KerasFile.LoadModel"/>; it computes what Keras's <c>model(x)</c> (inference) computes.
/// </summary>
/// <remarks>
/// The order is the graph's own: a Functional model is followed from its output back to its input through each layer's
/// <c>inbound_nodes</c> (Keras 3's <c>keras_history</c> and tf.keras's nested lists); a Sequential runs its layers in order.
/// Several inputs or outputs, a layer that takes several tensors (merge layers), a layer called twice, or a layer off the
/// chain (a branch) are refused with a message naming it, as is any other layer class (naming the layer and its class).
/// </remarks>
public sealed class KerasModel
{
    /// <summary>Keras layer classes that return their input unchanged at inference.</summary>
    public static IReadOnlyList<string> IdentityClassNames { get; } =
        ["Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "ActivityRegularization"];

    internal KerasModel(string name, string className, IReadOnlyList<KerasModelStep> steps, int?[]? inputShape = null)
    {
        InputShape = inputShape;
        if (steps.Count == 0)
        {
            throw new ArgumentException("A model needs at least one layer to run.", nameof(steps));
        }

        Name = name;
        ClassName = className;
        Steps = steps;
        Layers = [.. steps.Where(s => s.Layer is not null).Select(s => s.Layer!)];
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }

    /// <summary>The model's Keras class (<c>Sequential</c>, <c>Functional</c>, ...).</summary>
    public string ClassName { get; }

    /// <summary>The steps from input to output (the input layer left out).</summary>
    public IReadOnlyList<KerasModelStep> Steps { get; }

    /// <summary>The steps' layers with weights, in order.</summary>
    public IReadOnlyList<DepthwiseConv1D> Layers { get; }

    /// <summary>The batch input shape the model declares (its InputLayer's <c>batch_shape</c>), null dimensions unknown; null if none.</summary>
    public IReadOnlyList<int?>? InputShape { get; }

    /// <summary>Each step's output shape for an input shape, as Keras's <c>model.summary()</c> lists them.</summary>
    /// <param name="inputShape">Rank 3, in the first layer's data format; null dimensions stay unknown.</param>
    /// <returns>One shape per step.</returns>
    /// <exception cref="ArgumentException">A layer refuses the shape (Keras's messages).</exception>
    public IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?> inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var shapes = new List<int?[]>(Steps.Count);
        int?[] shape = [.. inputShape];
        foreach (var step in Steps)
        {
            if (step.Layer is { } layer)
            {
                shape = layer.ComputeOutputShape(shape);
            }
            else if (step.Activation is { } activation && shape.Length > 0 && shape[^1] is int lastAxis)
            {
                shape = [.. shape];
                shape[^1] = activation.OutputLastAxisLength(lastAxis);
            }

            shapes.Add(shape);
        }

        return shapes;
    }

    /// <summary>A model of layers run one after the other, as a Keras Sequential of them.</summary>
    /// <param name="layers">At least one layer.</param>
    /// <param name="name">The model's name.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">No layers, or a null one.</exception>
    public static KerasModel FromLayers(IReadOnlyList<DepthwiseConv1D> layers, string name = "sequential")
    {
        ArgumentNullException.ThrowIfNull(layers);
        var steps = new List<KerasModelStep>(layers.Count);
        foreach (var layer in layers)
        {
            ArgumentNullException.ThrowIfNull(layer, nameof(layers));
            steps.Add(new KerasModelStep(layer.Name, layer.ClassName, KerasStepKind.Layer, layer.DType, layer, null));
        }

        return new KerasModel(name, "Sequential", steps);
    }

    /// <summary>Runs the model on a float32 batch.</summary>
    /// <param name="inputs">The batch, in the first layer's data format.</param>
    /// <returns>The output, as float32 (rounded when the last step computes in float64).</returns>
    /// <exception cref="ArgumentException">A layer rejects its input (Keras's messages).</exception>
    public Tensor<float> Call(Tensor<float> inputs) => Cast<float>(CallNative(inputs));

    /// <summary>Runs the model on a float64 batch.</summary>
    /// <param name="inputs">The batch, in the first layer's data format.</param>
    /// <returns>The output, as float64.</returns>
    /// <exception cref="ArgumentException">A layer rejects its input (Keras's messages).</exception>
    public Tensor<double> Call(Tensor<double> inputs) => Cast<double>(CallNative(inputs));

    /// <inheritdoc/>
    public override string ToString() => $"{ClassName} '{Name}': {string.Join(" -> ", Steps)}";

    /// <summary>Runs the steps; the result is a Tensor&lt;float&gt; or Tensor&lt;double&gt;, whichever the last step computes in.</summary>
    internal object CallNative(object inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs is not (Tensor<float> or Tensor<double>))
        {
            throw new ArgumentException($"The inputs must be a Tensor<float> or a Tensor<double>; received {inputs.GetType().Name}.", nameof(inputs));
        }

        object current = inputs;
        foreach (var step in Steps)
        {
            current = step.DType == DType.Float32 ? Run(step, Cast<float>(current)) : Run(step, Cast<double>(current));
        }

        return current;
    }

    private static Tensor<T> Run<T>(KerasModelStep step, Tensor<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (step.Kind)
        {
            case KerasStepKind.Layer:
                return typeof(T) == typeof(float)
                    ? (Tensor<T>)(object)step.Layer!.Call((Tensor<float>)(object)x)
                    : (Tensor<T>)(object)step.Layer!.Call((Tensor<double>)(object)x);
            case KerasStepKind.Activation:
                {
                    var lengths = x.Lengths.ToArray();
                    int last = lengths.Length == 0 ? 1 : checked((int)lengths[^1]);
                    var z = new T[x.FlattenedLength];
                    x.FlattenTo(z);
                    if (z.Length == 0 || last == 0)
                    {
                        return x;
                    }

                    int outLast = step.Activation!.OutputLastAxisLength(last);
                    var y = new T[z.Length / last * outLast];
                    step.Activation.Forward<T>(z, y, last);
                    lengths[^1] = outLast;
                    return Tensor.Create(y, lengths);
                }

            default:
                return x;
        }
    }

    internal static Tensor<float> ToSingle(object tensor) => Cast<float>(tensor);

    internal static Tensor<double> ToDouble(object tensor) => Cast<double>(tensor);

    private static Tensor<T> Cast<T>(object tensor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (tensor)
        {
            case Tensor<T> same:
                return same;
            case Tensor<float> f:
                return Convert<float, T>(f);
            case Tensor<double> d:
                return Convert<double, T>(d);
            default:
                throw new ArgumentException($"Unexpected tensor type {tensor.GetType().Name}.", nameof(tensor));
        }
    }

    private static Tensor<TOut> Convert<TIn, TOut>(Tensor<TIn> tensor)
        where TIn : unmanaged, IFloatingPointIeee754<TIn>
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        var values = new TIn[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        var result = new TOut[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = TOut.CreateTruncating(values[i]);
        }

        return Tensor.Create(result, tensor.Lengths.ToArray());
    }

    // ---- reading the graph ----

    /// <summary>The model config's layers in the order the graph runs them (input layer first), or a refusal naming why.</summary>
    internal static List<JsonObject> Chain(JsonObject model, string file)
    {
        string modelClass = StringOf(model["class_name"]) ?? "?";
        var config = model["config"] as JsonObject;
        if (modelClass != "Sequential" && (config is null || !config.ContainsKey("input_layers") || !config.ContainsKey("output_layers")))
        {
            throw new NotSupportedException(
                $"{file}: the model is a {modelClass}, a subclassed model whose call is Python code the file does not hold; only Sequential and Functional models run whole.");
        }

        var layersNode = config?["layers"] ?? model["config"];
        if (layersNode is not JsonArray array)
        {
            throw new NotSupportedException($"{file}: the model config has no list of layers.");
        }

        var layers = new List<JsonObject>();
        foreach (var node in array)
        {
            layers.Add(node as JsonObject ?? throw new InvalidDataException($"{file}: a layer of the model config is not an object."));
        }

        if (modelClass == "Sequential")
        {
            return layers;
        }

        var byName = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            string name = LayerName(layer) ?? throw new InvalidDataException($"{file}: a layer of the model config has no name.");
            if (!byName.TryAdd(name, layer))
            {
                throw new InvalidDataException($"{file}: two layers of the model are named '{name}'.");
            }
        }

        string input = SingleEnd(config?["input_layers"], "input", file);
        string output = SingleEnd(config?["output_layers"], "output", file);
        var chain = new List<JsonObject>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string current = output;
        while (true)
        {
            if (!byName.TryGetValue(current, out var layer))
            {
                throw new InvalidDataException($"{file}: the graph names layer '{current}', which the model does not have.");
            }

            if (!seen.Add(current))
            {
                throw new InvalidDataException($"{file}: the graph has a cycle through layer '{current}'.");
            }

            chain.Add(layer);
            if (current == input)
            {
                break;
            }

            current = SingleInbound(layer, current, file);
        }

        chain.Reverse();
        foreach (var layer in layers)
        {
            string name = LayerName(layer)!;
            if (!seen.Contains(name))
            {
                throw new NotSupportedException(
                    $"{file}: layer '{name}' ({StringOf(layer["class_name"])}) is off the path from '{input}' to '{output}'; models with branches cannot be run until merge layers exist.");
            }
        }

        return chain;
    }

    /// <summary>Turns the chain's layer objects into steps, building each layer with <paramref name="build"/>.</summary>
    internal static KerasModel FromChain(JsonObject model, List<JsonObject> chain, string file, Func<string, DepthwiseConv1D> build)
    {
        var steps = new List<KerasModelStep>();
        foreach (var layer in chain)
        {
            string className = StringOf(layer["class_name"]) ?? "?";
            string name = LayerName(layer) ?? $"({className})";
            var inner = layer["config"] as JsonObject;
            if (className == "InputLayer")
            {
                continue;
            }

            if (LayerRegistry.Contains(className))
            {
                var built = build(name);
                steps.Add(new KerasModelStep(name, className, KerasStepKind.Layer, built.DType, built, null));
            }
            else if (className == "Activation")
            {
                Activation activation;
                try
                {
                    activation = LayerConfig.ReadActivation(inner?["activation"]);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"{file}: layer '{name}' (Activation): {e.Message}", e);
                }

                steps.Add(new KerasModelStep(name, className, KerasStepKind.Activation, StepDType(inner, name, file), null, activation));
            }
            else if (IdentityClassNames.Contains(className))
            {
                steps.Add(new KerasModelStep(name, className, KerasStepKind.Identity, StepDType(inner, name, file), null, null));
            }
            else
            {
                throw new NotSupportedException(
                    $"{file}: layer '{name}' is a {className}, which DepthwiseSharp cannot run; a model runs whole when every layer is one of "
                    + $"{string.Join(", ", LayerRegistry.ClassNames)}, InputLayer, Activation, {string.Join(", ", IdentityClassNames)}. Run one layer with --layer NAME.");
            }
        }

        if (steps.Count == 0)
        {
            throw new NotSupportedException($"{file}: the model has no layer to run.");
        }

        return new KerasModel(LayerName(model) ?? "model", StringOf(model["class_name"]) ?? "Model", steps, DeclaredInputShape(chain));
    }

    // The InputLayer's batch_shape (Keras 3) or batch_input_shape (tf.keras), else the first layer's build_config input shape.
    private static int?[]? DeclaredInputShape(List<JsonObject> chain)
    {
        foreach (var layer in chain)
        {
            var inner = layer["config"] as JsonObject;
            var node = inner?["batch_shape"] ?? inner?["batch_input_shape"] ?? (layer["build_config"] as JsonObject)?["input_shape"];
            if (node is JsonArray dims)
            {
                var shape = new int?[dims.Count];
                for (int i = 0; i < shape.Length; i++)
                {
                    shape[i] = dims[i] is JsonValue v && v.TryGetValue(out int d) && d >= 0 ? d : null;
                }

                return shape;
            }
        }

        return null;
    }

    private static DType StepDType(JsonObject? config, string name, string file)
    {
        try
        {
            return LayerConfig.ReadDType(config?["dtype"]).StorageDType;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: layer '{name}': {e.Message}", e);
        }
    }

    // input_layers / output_layers: Keras 3 writes one as ["name", 0, 0] or a list of them; tf.keras a list of them.
    private static string SingleEnd(JsonNode? node, string what, string file)
    {
        if (node is JsonArray a && a.Count > 0 && a[0] is JsonValue first && first.GetValueKind() == JsonValueKind.String)
        {
            return first.GetValue<string>();
        }

        if (node is JsonArray list && list.Count == 1 && list[0] is JsonArray one && one.Count > 0 && StringOf(one[0]) is string name)
        {
            return name;
        }

        if (node is JsonArray many && many.Count > 1)
        {
            throw new NotSupportedException($"{file}: the model has {many.Count} {what}s; only models with one input and one output can be run.");
        }

        throw new InvalidDataException($"{file}: the model config has no {what}_layers.");
    }

    // The one layer whose output feeds `layer`: from Keras 3's {"args": [{"class_name": "__keras_tensor__", "config":
    // {"keras_history": [name, node, index]}}]} or tf.keras's [[[name, node, index, kwargs]]].
    private static string SingleInbound(JsonObject layer, string name, string file)
    {
        if (layer["inbound_nodes"] is not JsonArray nodes || nodes.Count == 0)
        {
            throw new InvalidDataException($"{file}: layer '{name}' has no inbound_nodes, so the graph does not reach the input.");
        }

        if (nodes.Count > 1)
        {
            throw new NotSupportedException($"{file}: layer '{name}' is called {nodes.Count} times (a shared layer); such models cannot be run.");
        }

        var sources = new List<string>();
        if (nodes[0] is JsonObject keras3)
        {
            CollectHistory(keras3["args"], sources);
            CollectHistory(keras3["kwargs"], sources);
        }
        else if (nodes[0] is JsonArray tfKeras)
        {
            foreach (var entry in tfKeras)
            {
                if (entry is JsonArray e && e.Count > 0 && StringOf(e[0]) is string source)
                {
                    sources.Add(source);
                }
            }
        }

        return sources.Count switch
        {
            1 => sources[0],
            0 => throw new InvalidDataException($"{file}: layer '{name}' has an inbound node with no input tensor."),
            _ => throw new NotSupportedException(
                $"{file}: layer '{name}' takes {sources.Count} inputs ({string.Join(", ", sources.Select(s => $"'{s}'"))}); models with merge layers cannot be run yet."),
        };
    }

    private static void CollectHistory(JsonNode? node, List<string> sources)
    {
        switch (node)
        {
            case JsonObject o when StringOf(o["class_name"]) == "__keras_tensor__":
                if ((o["config"] as JsonObject)?["keras_history"] is JsonArray h && h.Count > 0 && StringOf(h[0]) is string source)
                {
                    sources.Add(source);
                }

                break;
            case JsonObject o:
                foreach (var (_, value) in o)
                {
                    CollectHistory(value, sources);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    CollectHistory(item, sources);
                }

                break;
        }
    }

    /// <summary>A layer object's name: <c>config.name</c>, else its own <c>name</c>.</summary>
    internal static string? LayerName(JsonObject layer) =>
        (layer["config"] is JsonObject c ? StringOf(c["name"]) : null) ?? StringOf(layer["name"]);

    /// <summary>A JSON string's value, or null for any other node.</summary>
    internal static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
