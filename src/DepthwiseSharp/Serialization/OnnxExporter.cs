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
/// <para>The graph computes <c>y[n, t, c*M + m] = act(b[c*M + m] + sum_{j&lt;k} xpad[n, t*s + j*d, c] * K[j, c, m])</c> (SPEC section 1):</para>
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

    /// <summary>Whether <see cref="ToBytes"/> can write a layer with this activation.</summary>
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
        options ??= new OnnxExportOptions();
        Validate(options);
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

        int c = layer.InputChannels, m = layer.DepthMultiplier, k = layer.KernelSize, s = layer.Strides, d = layer.DilationRate;
        int cm = checked(c * m);
        int ek = checked(((k - 1) * d) + 1);
        bool last = layer.DataFormat == DataFormat.ChannelsLast;

        // Output dims, worked out first so a bad fixed length fails before anything is written.
        object batchDim = options.BatchSize is int n ? n : options.BatchDimension;
        object lengthDim = options.Length is int l ? l : options.LengthDimension;
        object outLengthDim;
        if (options.Length is int fixedLength)
        {
            outLengthDim = Conv1DGeometry.OutputLengthFor(fixedLength, k, s, d, layer.Padding)!.Value;
        }
        else
        {
            // causal, and same with stride 1, keep the length; the others get a dimension of their own.
            outLengthDim = s == 1 && layer.Padding != Padding.Valid ? options.LengthDimension : options.OutputLengthDimension;
        }

        object outChannelsDim = cm;
        if (last)
        {
            outChannelsDim = layer.Activation.OutputLastAxisLength(cm);
        }
        else if (ReferenceEquals(layer.Activation, Activation.Glu))
        {
            // glu splits the last axis, which is time for channels_first.
            outLengthDim = outLengthDim is int ol ? layer.Activation.OutputLastAxisLength(ol) : options.OutputLengthDimension;
        }

        var g = new OnnxGraph(options.Opset, [options.InputName, options.OutputName]);
        g.Input(options.InputName, Float, last ? [batchDim, lengthDim, c] : [batchDim, c, lengthDim]);

        var kernel = new float[k * cm];
        layer.Kernel.CopyTo<float>(kernel);
        var weight = new float[kernel.Length];
        for (int j = 0; j < k; j++)
        {
            for (int o = 0; o < cm; o++)
            {
                weight[(o * k) + j] = kernel[(j * cm) + o];
            }
        }

        var convInputs = new List<string> { "", g.Initializer("weight", [cm, 1, k], weight) };
        if (layer.Bias is { } biasVariable)
        {
            var bias = new float[cm];
            biasVariable.CopyTo<float>(bias);
            convInputs.Add(g.Initializer("bias", [cm], bias));
        }

        string x = options.InputName;
        if (last)
        {
            x = g.Node("Transpose", [x], IntsAttribute("perm", 0, 2, 1));
        }

        long padLeft, padRight;
        if (layer.Padding == Padding.Same && s > 1 && options.Length is null)
        {
            x = PadSameFromShape(g, x, s, ek);
            (padLeft, padRight) = (0, 0);
        }
        else
        {
            (padLeft, padRight) = Conv1DGeometry.Pads(options.Length ?? ek, k, s, d, layer.Padding);
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

        x = OnnxActivations.Apply(g, layer.Activation, x);
        g.RenameLastOutput(x, options.OutputName);
        g.Output(options.OutputName, Float, last ? [batchDim, outLengthDim, outChannelsDim] : [batchDim, outChannelsDim, outLengthDim]);

        string doc = $"{layer.ClassName} '{layer.Name}' exported by DepthwiseSharp: y[n, t, c*M + m] = {layer.Activation.Name}(b[c*M + m] + "
            + $"sum_(j<{k}) xpad[n, t*{s} + j*{d}, c] * K[j, c, m]), padding '{layer.Padding.ToKeras()}', {layer.DataFormat.ToKeras()}, C={c}, M={m}.";
        var metadata = new List<KeyValuePair<string, string>>
        {
            new("keras_layer", layer.Serialize().ToJsonString()),
            new("data_format", layer.DataFormat.ToKeras()),
        };
        string version = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        return g.ToModel(IrVersion(options.Opset), layer.Name, version, doc, metadata);
    }

    /// <summary>Writes the ONNX model of a layer to a stream.</summary>
    /// <param name="layer">A built layer.</param>
    /// <param name="output">The stream to write to (left open).</param>
    /// <param name="options">Opset, names and dimensions; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (see <see cref="ToBytes"/>).</exception>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    /// <exception cref="NotSupportedException">The activation has no ONNX form, or the layer overrides its convolution.</exception>
    /// <remarks>The bytes are those of <see cref="ToBytes"/>: <c>act(Conv(x, W, b))</c>.</remarks>
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
    /// <exception cref="ArgumentException">Invalid options (see <see cref="ToBytes"/>).</exception>
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
