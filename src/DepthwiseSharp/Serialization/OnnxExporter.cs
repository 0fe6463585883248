using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization.Onnx;
using static DepthwiseSharp.Serialization.Onnx.OnnxGraph;

namespace DepthwiseSharp.Serialization;

/// <summary>
/// Writes a built <see cref="DepthwiseConv1D"/> (or <see cref="CausalDepthwiseConv1D"/>) as an ONNX model: a grouped
/// <c>Conv</c> with the layer's weights, then its activation.
/// </summary>
/// <remarks>
/// <para>The graph computes <c>y[n, t, c*M + m] = act(b[c*M + m] + sum_{j&lt;k} xpad[n, t*s + j*d, c] * K[j, c, m])</c> (docs/CONTRACT.md section 1):</para>
/// <list type="bullet">
/// <item><description>channels_last: <c>Transpose(perm=[0, 2, 1])</c> to ONNX's NCW layout before the convolution and back after it;</description></item>
/// <item><description><c>Conv(group=C, kernel_shape=[k], strides=[s], dilations=[d], pads=[padLeft, padRight])</c> with weight
/// <c>W[c*M + m, 0, j] = K[j, c, m]</c> (shape <c>(C*M, 1, k)</c>) and, when the layer has one, the bias as Conv's third input.
/// valid: pads <c>[0, 0]</c>; causal: <c>[(k-1)*d, 0]</c>; same with stride 1: <c>[(ek-1)/2, ek-1-(ek-1)/2]</c>; same with a
/// stride above 1 depends on the length, so the graph computes TensorFlow's pads from the input's shape and applies them with
/// a <c>Pad</c> node (or uses constant pads when <see cref="OnnxExportOptions.Length"/> is fixed);</description></item>
/// <item><description>the activation along the last axis (as the layer applies it, also for channels_first): Relu, LeakyRelu
/// (alpha 0.2), Elu, Selu (Keras's constants), Celu, Softplus, Softsign, Tanh, Sigmoid, HardSigmoid (alpha 1/6, beta 0.5),
/// HardSwish (= hard_silu), Exp (exponential), Clip (relu6, hard_tanh), Shrink (soft_shrink, hard_shrink), Softmax and
/// LogSoftmax (axis -1), Gelu (opset 20+) or its erf form, Mish (opset 18+) or <c>z tanh(softplus z)</c>, and decompositions
/// into basic operators for silu, squareplus, sparse_plus, sparse_sigmoid, tanh_shrink, log_sigmoid, glu and sparsemax.</description></item>
/// </list>
/// <para>Values are float32: a float64 layer's weights are rounded to float32 (ONNX Runtime's CPU Conv computes in float).
/// The model carries the layer's Keras object (<see cref="DepthwiseConv1D.Serialize"/>) in its metadata under <c>keras_layer</c>.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The activations the exporter can write (Keras 3 names).</summary>
    /// <remarks>Every activation of <see cref="Activation.Names"/>; user subclasses of <see cref="Activation"/> are not exportable.</remarks>
    public static IReadOnlyList<string> SupportedActivations => OnnxActivations.Names;

    /// <summary>Whether <see cref="ToBytes(DepthwiseConv1D, OnnxExportOptions?)"/> can write a layer with this activation.</summary>
    /// <param name="activation">The activation.</param>
    /// <returns>True for the catalog's activations (<see cref="SupportedActivations"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="activation"/> is null.</exception>
    /// <remarks>A user subclass is never exportable, whatever its name: the exporter cannot see its formula.</remarks>
    public static bool IsSupported(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return OnnxActivations.IsExportable(activation);
    }

    /// <summary>The ONNX model of a layer as bytes (a serialized <c>ModelProto</c>).</summary>
    /// <param name="layer">A built layer.</param>
    /// <param name="options">Opset, names and dimensions; null for the defaults.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (opset out of range, empty or clashing names, a non-positive size, a fixed
    /// length too short for valid padding, an odd axis for glu).</exception>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    /// <exception cref="NotSupportedException">The activation has no ONNX form, or the layer overrides <see cref="DepthwiseConv1D.ConvolutionOp{T}"/>.</exception>
    /// <remarks>See the class remarks for the graph: <c>act(Conv(x, W, b))</c>, with transposes for channels_last.</remarks>
    public static byte[] ToBytes(DepthwiseConv1D layer, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return ToBytes([layer], options);
    }

    /// <summary>
    /// The ONNX model of a chain of layers as bytes: one graph in which each layer's output is the next one's input, as a
    /// Keras Sequential model runs them (<c>KerasFile.LoadSequential</c>).
    /// </summary>
    /// <param name="layers">Built layers, first to last; one data format; each layer's input channels are the previous
    /// layer's output channels.</param>
    /// <param name="options">Opset, names and dimensions (of the chain's input and output); null for the defaults.</param>
    /// <returns>The model. A single layer gives the same bytes as <see cref="ToBytes(DepthwiseConv1D, OnnxExportOptions?)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or one of its layers is null.</exception>
    /// <exception cref="ArgumentException">No layers, layers whose channels do not connect, or invalid options.</exception>
    /// <exception cref="InvalidOperationException">A layer is not built.</exception>
    /// <exception cref="NotSupportedException">Mixed data formats, an activation with no ONNX form, or a ConvolutionOp override.</exception>
    /// <remarks>Each layer is the graph of the class remarks; its weights are named after the layer when there are several.</remarks>
    public static byte[] ToBytes(IReadOnlyList<DepthwiseConv1D> layers, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("There are no layers to export.", nameof(layers));
        }

        return ToBytes(KerasModel.FromLayers(layers), options);
    }

    /// <summary>
    /// The ONNX model of a whole Keras model as bytes: one graph of its steps in order (each layer's graph of the class
    /// remarks, an <c>Activation</c> layer's activation along the last axis, nothing for a layer that is the identity at
    /// inference), as <see cref="KerasModel.Call(System.Numerics.Tensors.Tensor{float})"/> computes.
    /// </summary>
    /// <param name="model">A model, for example from <see cref="KerasFile.LoadModel"/>.</param>
    /// <param name="options">Opset, names and dimensions (of the model's input and output); null for the defaults.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">Layers whose channels do not connect, or invalid options.</exception>
    /// <exception cref="InvalidOperationException">A layer is not built.</exception>
    /// <exception cref="NotSupportedException">Mixed data formats, an activation with no ONNX form, or a ConvolutionOp override.</exception>
    public static byte[] ToBytes(KerasModel model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        Validate(options);
        var layers = model.Layers;
        if (layers.Count == 0)
        {
            throw new NotSupportedException($"Model '{model.Name}' has no layer with weights; there is no convolution to export.");
        }

        for (int i = 0; i < layers.Count; i++)
        {
            Check(layers[i]);
            if (i > 0)
            {
                CheckConnects(layers[i - 1], layers[i]);
            }
        }

        foreach (var step in model.Steps.Where(s => s.Kind == KerasStepKind.Activation))
        {
            if (!OnnxActivations.IsExportable(step.Activation!))
            {
                throw OnnxActivations.Unsupported(step.Activation!);
            }
        }

        var first = layers[0];
        bool last = first.DataFormat == DataFormat.ChannelsLast;

        // Output dims, worked out first so a bad fixed length fails before anything is written. Steps before the first
        // layer (an Activation on the input) see its input.
        object batchDim = options.BatchSize is int n ? n : options.BatchDimension;
        object lengthDim = options.Length is int l ? l : options.LengthDimension;
        int? fixedLength = options.Length;
        bool lengthKept = true;
        int channels = first.InputChannels;
        var inputLengths = new int?[model.Steps.Count];
        for (int i = 0; i < model.Steps.Count; i++)
        {
            var step = model.Steps[i];
            inputLengths[i] = fixedLength;
            if (step.Layer is { } layer)
            {
                if (fixedLength is int length)
                {
                    fixedLength = Conv1DGeometry.OutputLengthFor(length, layer.KernelSize, layer.Strides, layer.DilationRate, layer.Padding)!.Value;
                }

                // causal, and same with stride 1, keep the length; the others change it.
                lengthKept &= layer.Strides == 1 && layer.Padding != Padding.Valid;
                channels = checked(layer.InputChannels * layer.DepthMultiplier);
            }

            var activation = step.Layer?.Activation ?? step.Activation;
            if (activation is not null && ReferenceEquals(activation, Activation.Glu))
            {
                // glu halves the last axis: channels for channels_last, time for channels_first.
                if (last)
                {
                    channels = activation.OutputLastAxisLength(channels);
                }
                else
                {
                    fixedLength = fixedLength is int fl ? activation.OutputLastAxisLength(fl) : null;
                    lengthKept = false;
                }
            }
        }

        object outLengthDim = fixedLength is int outLength ? outLength : lengthKept ? options.LengthDimension : options.OutputLengthDimension;
        // A 16-bit layer at either end makes the graph's input or output that type (Keras's compute dtype); inside, the
        // graph computes in float32 (see AddLayer).
        int inType = ElementType(first);
        int outType = model.Steps[^1].Layer is { } lastLayer ? ElementType(lastLayer) : Float;
        var g = new OnnxGraph(options.Opset, [options.InputName, options.OutputName]);
        g.Input(options.InputName, inType, last ? [batchDim, lengthDim, first.InputChannels] : [batchDim, first.InputChannels, lengthDim]);
        string x = options.InputName;
        if (inType != Float)
        {
            x = g.Node("Cast", [x], IntAttribute("to", Float));
        }

        for (int i = 0; i < model.Steps.Count; i++)
        {
            var step = model.Steps[i];
            x = step.Kind switch
            {
                KerasStepKind.Layer => AddLayer(g, step.Layer!, x, inputLengths[i], layers.Count == 1 ? "" : step.Layer!.Name + "_"),
                KerasStepKind.Activation => OnnxActivations.Apply(g, step.Activation!, x),
                _ => x,
            };
        }

        if (x == options.InputName)
        {
            throw new NotSupportedException($"Model '{model.Name}' computes the identity; there is nothing to export.");
        }

        if (outType != Float)
        {
            // The last layer's output is already a value of its 16-bit type: this cast is exact.
            x = g.Node("Cast", [x], IntAttribute("to", outType));
        }
        else if (model.Steps[^1].Kind == KerasStepKind.Identity)
        {
            // The graph output must be produced by the last node: an identity step at the end ends in the previous node.
            x = g.Node("Identity", [x]);
        }

        g.RenameLastOutput(x, options.OutputName);
        g.Output(options.OutputName, outType, last ? [batchDim, outLengthDim, channels] : [batchDim, channels, outLengthDim]);

        string doc = string.Join(" then ", model.Steps.Select(s => s.Layer is { } layer ? Describe(layer) : s.ToString()));
        var metadata = new List<KeyValuePair<string, string>>();
        if (model.Steps.Count == 1)
        {
            metadata.Add(new("keras_layer", first.Serialize().ToJsonString()));
        }
        else
        {
            metadata.Add(new("keras_layers", new System.Text.Json.Nodes.JsonArray([.. layers.Select(l => (System.Text.Json.Nodes.JsonNode)l.Serialize())]).ToJsonString()));
            metadata.Add(new("keras_model", model.ToString()));
        }

        metadata.Add(new("data_format", first.DataFormat.ToKeras()));
        string version = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        return g.ToModel(IrVersion(options.Opset), model.Steps.Count == 1 ? first.Name : string.Join("+", model.Steps.Select(s => s.Name)), version, doc, metadata);
    }

    /// <summary>Writes the ONNX model of a chain of layers to a file (created or replaced); see <see cref="ToBytes(IReadOnlyList{DepthwiseConv1D}, OnnxExportOptions?)"/>.</summary>
    /// <param name="layers">Built layers, first to last.</param>
    /// <param name="path">The file path.</param>
    /// <param name="options">Opset, names and dimensions; null for the defaults.</param>
    /// <exception cref="ArgumentException">See <see cref="ToBytes(IReadOnlyList{DepthwiseConv1D}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="InvalidOperationException">A layer is not built.</exception>
    /// <exception cref="NotSupportedException">See <see cref="ToBytes(IReadOnlyList{DepthwiseConv1D}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <remarks>The model is built completely before the file is opened, so a failed export leaves no file behind.</remarks>
    public static void Export(IReadOnlyList<DepthwiseConv1D> layers, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, ToBytes(layers, options));
    }

    private static void Check(DepthwiseConv1D layer)
    {
        if (!layer.Built)
        {
            throw new InvalidOperationException(
                $"Layer '{layer.Name}' is not built, so it has no weights to export. Call it once, or call Build(inputShape) or SetWeights(...) first.");
        }

        if (layer.GetType().GetMethod(nameof(DepthwiseConv1D.ConvolutionOp))!.DeclaringType != typeof(DepthwiseConv1D))
        {
            throw new NotSupportedException($"{layer.GetType().Name} overrides ConvolutionOp; the exporter can only write the plain depthwise convolution.");
        }

        if (!OnnxActivations.IsExportable(layer.Activation))
        {
            throw OnnxActivations.Unsupported(layer.Activation);
        }
    }

    private static void CheckConnects(DepthwiseConv1D previous, DepthwiseConv1D next)
    {
        if (previous.DataFormat != next.DataFormat)
        {
            throw new NotSupportedException(
                $"Layer '{previous.Name}' is {previous.DataFormat.ToKeras()} and layer '{next.Name}' is {next.DataFormat.ToKeras()}; a chain exports with one data format.");
        }

        int cm = checked(previous.InputChannels * previous.DepthMultiplier);
        int channels = previous.DataFormat == DataFormat.ChannelsLast ? previous.Activation.OutputLastAxisLength(cm) : cm;
        if (next.InputChannels != channels)
        {
            throw new ArgumentException(
                $"Layer '{previous.Name}' gives {channels} channels but layer '{next.Name}' is built for {next.InputChannels}; the layers do not connect.",
                "layers");
        }
    }

    private static string Describe(DepthwiseConv1D layer) =>
        $"{layer.ClassName} '{layer.Name}' exported by DepthwiseSharp: y[n, t, c*M + m] = {layer.Activation.Name}(b[c*M + m] + "
        + $"sum_(j<{layer.KernelSize}) xpad[n, t*{layer.Strides} + j*{layer.DilationRate}, c] * K[j, c, m]), padding '{layer.Padding.ToKeras()}', "
        + $"{layer.DataFormat.ToKeras()}, C={layer.InputChannels}, M={layer.DepthMultiplier}.";

    /// <summary>The ONNX element type of a layer's compute dtype: FLOAT, FLOAT16 (10) or BFLOAT16 (16).</summary>
    private static int ElementType(DepthwiseConv1D layer) => layer.ComputeDType switch
    {
        DType.Float16 => 10,
        DType.BFloat16 => 16,
        _ => Float,
    };

    /// <summary>Rounds float32 values in the graph to a 16-bit type and back (two Cast nodes).</summary>
    private static string Round(OnnxGraph g, string x, int type) =>
        g.Node("Cast", [g.Node("Cast", [x], IntAttribute("to", type))], IntAttribute("to", Float));

    /// <summary>
    /// Adds one layer's nodes (transposes, pad, Conv, activation) after <paramref name="x"/>; returns its output. A 16-bit
    /// layer is written as float32 nodes with Cast pairs where DepthwiseSharp rounds: the input, the pre-activation and the
    /// output are rounded to the 16-bit type, and the weights are stored as float32 values of that type. ONNX Runtime's CPU
    /// provider has no float16 or bfloat16 grouped Conv, and this form gives DepthwiseSharp's numbers (float32 sums, one
    /// rounding each) on any runtime.
    /// </summary>
    private static string AddLayer(OnnxGraph g, DepthwiseConv1D layer, string x, int? fixedLength, string prefix)
    {
        int c = layer.InputChannels, m = layer.DepthMultiplier, k = layer.KernelSize, s = layer.Strides, d = layer.DilationRate;
        int cm = checked(c * m);
        int ek = checked(((k - 1) * d) + 1);
        bool last = layer.DataFormat == DataFormat.ChannelsLast;
        int type = ElementType(layer);
        var kernel = new float[k * cm];
        layer.Kernel.CopyTo<float>(kernel);
        RoundWeights(kernel, layer.ComputeDType);
        if (type != Float)
        {
            x = Round(g, x, type);
        }

        var weight = new float[kernel.Length];
        for (int j = 0; j < k; j++)
        {
            for (int o = 0; o < cm; o++)
            {
                weight[(o * k) + j] = kernel[(j * cm) + o];
            }
        }

        var convInputs = new List<string> { "", g.Initializer(prefix + "weight", [cm, 1, k], weight) };
        if (layer.Bias is { } biasVariable)
        {
            var bias = new float[cm];
            biasVariable.CopyTo<float>(bias);
            RoundWeights(bias, layer.ComputeDType);
            convInputs.Add(g.Initializer(prefix + "bias", [cm], bias));
        }

        if (last)
        {
            x = g.Node("Transpose", [x], IntsAttribute("perm", 0, 2, 1));
        }

        long padLeft, padRight;
        if (layer.Padding == Padding.Same && s > 1 && fixedLength is null)
        {
            x = PadSameFromShape(g, x, s, ek);
            (padLeft, padRight) = (0, 0);
        }
        else
        {
            (padLeft, padRight) = Conv1DGeometry.Pads(fixedLength ?? ek, k, s, d, layer.Padding);
        }

        convInputs[0] = x;
        x = g.Node("Conv", [.. convInputs],
            IntAttribute("group", c),
            IntsAttribute("kernel_shape", k),
            IntsAttribute("strides", s),
            IntsAttribute("dilations", d),
            IntsAttribute("pads", padLeft, padRight));
        if (last)
        {
            x = g.Node("Transpose", [x], IntsAttribute("perm", 0, 2, 1));
        }

        if (type == Float)
        {
            return OnnxActivations.Apply(g, layer.Activation, x);
        }

        x = OnnxActivations.Apply(g, layer.Activation, Round(g, x, type));
        return layer.Activation.Name == "linear" ? x : Round(g, x, type);
    }

    /// <summary>The weights as a 16-bit compute dtype uses them (Keras casts the variables where they are used).</summary>
    private static void RoundWeights(Span<float> values, DType compute)
    {
        if (compute == DType.Float16)
        {
            Kernels.HalfForward.RoundTo<Half>(values, values);
        }
        else if (compute == DType.BFloat16)
        {
            Kernels.HalfForward.RoundTo<BFloat16>(values, values);
        }
    }

    /// <summary>Writes the ONNX model of a layer to a stream.</summary>
    /// <param name="layer">A built layer.</param>
    /// <param name="output">The stream to write to (left open).</param>
    /// <param name="options">Opset, names and dimensions; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (see <see cref="ToBytes(DepthwiseConv1D, OnnxExportOptions?)"/>).</exception>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    /// <exception cref="NotSupportedException">The activation has no ONNX form, or the layer overrides its convolution.</exception>
    /// <remarks>The bytes are those of <see cref="ToBytes(DepthwiseConv1D, OnnxExportOptions?)"/>: <c>act(Conv(x, W, b))</c>.</remarks>
    public static void Export(DepthwiseConv1D layer, Stream output, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(ToBytes(layer, options));
    }

    /// <summary>Writes the ONNX model of a layer to a file (created or replaced).</summary>
    /// <param name="layer">A built layer.</param>
    /// <param name="path">The file path, usually ending in <c>.onnx</c>.</param>
    /// <param name="options">Opset, names and dimensions; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (see <see cref="ToBytes(DepthwiseConv1D, OnnxExportOptions?)"/>).</exception>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    /// <exception cref="NotSupportedException">The activation has no ONNX form, or the layer overrides its convolution.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <remarks>The model is built completely before the file is opened, so a failed export leaves no file behind.</remarks>
    public static void Export(DepthwiseConv1D layer, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, ToBytes(layer, options));
    }

    // TensorFlow's SAME pads depend on L mod s when s > 1: total = max((ceil(L/s) - 1) * s + ek - L, 0), the odd one at the
    // end. ONNX's auto_pad=SAME_UPPER states the same rule but runtimes differ on a negative total, so compute it in the graph.
    private static string PadSameFromShape(OnnxGraph g, string x, int s, int ek)
    {
        string length = g.Node("Slice", [g.Node("Shape", [x]), g.Int64s(2), g.Int64s(3)]);
        string outLength = g.Node("Div", [g.Node("Add", [length, g.Int64s(s - 1)]), g.Int64s(s)]);
        string span = g.Node("Add", [g.Node("Mul", [g.Node("Sub", [outLength, g.Int64s(1)]), g.Int64s(s)]), g.Int64s(ek)]);
        string total = g.Node("Max", [g.Node("Sub", [span, length]), g.Int64s(0)]);
        string left = g.Node("Div", [total, g.Int64s(2)]);
        string right = g.Node("Sub", [total, left]);
        string pads = g.Node("Concat", [g.Int64s(0, 0), left, g.Int64s(0, 0), right], IntAttribute("axis", 0));
        return g.Node("Pad", [x, pads]);
    }

    private static long IrVersion(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    private static void Validate(OnnxExportOptions o)
    {
        if (o.Opset is < OnnxExportOptions.MinOpset or > OnnxExportOptions.MaxOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(o.Opset), o.Opset,
                $"The ONNX opset must be from {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset}; received {o.Opset}.");
        }

        foreach (var (what, value) in (ReadOnlySpan<(string, string)>)[
                     (nameof(o.InputName), o.InputName), (nameof(o.OutputName), o.OutputName), (nameof(o.BatchDimension), o.BatchDimension),
                     (nameof(o.LengthDimension), o.LengthDimension), (nameof(o.OutputLengthDimension), o.OutputLengthDimension)])
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"OnnxExportOptions.{what} must be a non-empty name.", what);
            }
        }

        if (o.InputName == o.OutputName)
        {
            throw new ArgumentException($"The input and output names must differ; both are '{o.InputName}'.", nameof(o.OutputName));
        }

        if (o.BatchSize is <= 0 || o.Length is <= 0)
        {
            throw new ArgumentException($"A fixed batch size or length must be positive; received BatchSize={o.BatchSize}, Length={o.Length}.",
                o.BatchSize is <= 0 ? nameof(o.BatchSize) : nameof(o.Length));
        }
    }
}
