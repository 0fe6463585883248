using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Layers;

/// <summary>
/// A causal depthwise 1-D convolution: <see cref="DepthwiseConv1D"/> with <c>(k - 1) * d</c> zeros on the left and none on
/// the right, so output step <c>t</c> depends only on inputs <c>0 .. t*s</c>. Keras's <c>DepthwiseConv1D</c> refuses
/// <c>padding="causal"</c>; this layer is DepthwiseSharp's own (docs/CONTRACT.md section 9).
/// </summary>
/// <remarks>
/// <para><c>y[n, t, c*M + m] = act(b[c*M + m] + sum_{j&lt;k} xpad[n, t*s + j*d, c] * K[j, c, m])</c> with
/// <c>xpad = [(k - 1) * d zeros, x]</c>; <c>Lout = ceil(L / s)</c> (0 for an empty sequence). It equals
/// <see cref="DepthwiseConv1D"/> with <c>padding="valid"</c> applied to the left-padded input.</para>
/// <para>Weights, build, calls, training (<see cref="DepthwiseConv1D.Forward{T}"/> / <see cref="DepthwiseConv1D.Backward{T}"/>),
/// regularizers and constraints behave as in the base layer. The config is the base layer's with <c>padding: "causal"</c>;
/// <see cref="DepthwiseConv1D.Serialize"/> writes <c>class_name</c> <c>CausalDepthwiseConv1D</c>, module
/// <c>depthwise_sharp.layers</c> and <c>registered_name</c> <c>depthwise_sharp&gt;CausalDepthwiseConv1D</c> (the name a Keras
/// custom object registered under the package <c>depthwise_sharp</c> would have).</para>
/// <para>Default names are <c>causal_depthwise_conv1d</c>, <c>causal_depthwise_conv1d_1</c>, ...</para>
/// </remarks>
public class CausalDepthwiseConv1D : DepthwiseConv1D
{
    /// <summary>The <c>class_name</c> of the layer's configs.</summary>
    public new const string KerasClassName = "CausalDepthwiseConv1D";

    /// <summary>The module written into the layer object by <see cref="DepthwiseConv1D.Serialize"/>.</summary>
    public const string KerasModule = "depthwise_sharp.layers";

    /// <summary>The <c>registered_name</c> written into the layer object by <see cref="DepthwiseConv1D.Serialize"/>.</summary>
    public const string RegisteredName = "depthwise_sharp>CausalDepthwiseConv1D";

    /// <summary>Creates the layer with typed arguments; the padding is always causal.</summary>
    /// <param name="kernelSize">k, the length of each filter (&gt; 0).</param>
    /// <param name="strides">s (&gt; 0). As in Keras, s &gt; 1 together with dilation &gt; 1 is refused.</param>
    /// <param name="depthMultiplier">M, filters per input channel (&gt; 0).</param>
    /// <param name="dataFormat">Null: the <c>image_data_format</c> of keras.json, else channels_last.</param>
    /// <param name="dilationRate">d (&gt; 0).</param>
    /// <param name="activation">Applied after the bias; null is linear.</param>
    /// <param name="useBias">Whether the layer has a bias.</param>
    /// <param name="depthwiseInitializer">Kernel initializer; null is glorot_uniform.</param>
    /// <param name="biasInitializer">Bias initializer; null is zeros.</param>
    /// <param name="depthwiseRegularizer">Penalty on the kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output, divided by the batch size.</param>
    /// <param name="depthwiseConstraint">Projection of the kernel after each optimizer step.</param>
    /// <param name="biasConstraint">Projection of the bias after each optimizer step.</param>
    /// <param name="name">Layer name; null gives a unique <c>causal_depthwise_conv1d</c>, <c>causal_depthwise_conv1d_1</c>, ...</param>
    /// <param name="trainable">Whether the weights are trainable.</param>
    /// <param name="dtype">The dtype policy: float32 (null, the default), float64, float16, bfloat16, or
    /// <see cref="DTypePolicy.MixedFloat16"/> / <see cref="DTypePolicy.MixedBFloat16"/>; a <see cref="DType"/> converts to its policy.</param>
    /// <exception cref="ArgumentException">Any invalid argument, with the base layer's Keras message naming it and the value.</exception>
    /// <remarks>Causal padding: <c>padLeft = (k - 1) * d</c>, <c>padRight = 0</c>, <c>Lout = ceil(L / s)</c>.</remarks>
    public CausalDepthwiseConv1D(
        int kernelSize,
        int strides = 1,
        int depthMultiplier = 1,
        DataFormat? dataFormat = null,
        int dilationRate = 1,
        Activation? activation = null,
        bool useBias = true,
        Initializer? depthwiseInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null,
        Constraint? biasConstraint = null,
        string? name = null,
        bool trainable = true,
        DTypePolicy? dtype = null)
        : base(Padding.Causal, allowCausal: true, kernelSize, strides, depthMultiplier, dataFormat, dilationRate, activation, useBias,
            depthwiseInitializer ?? Initializer.Get("glorot_uniform"), biasInitializer ?? Initializer.Get("zeros"),
            depthwiseRegularizer, biasRegularizer, activityRegularizer, depthwiseConstraint, biasConstraint, name, trainable, dtype)
    {
    }

    /// <summary>
    /// Creates the layer from Keras identifier strings, in the base layer's positional order; <paramref name="padding"/> must be
    /// <c>"causal"</c>, as Keras's <c>Conv1D(padding="causal")</c> spells it.
    /// </summary>
    /// <param name="kernelSize">k (&gt; 0).</param>
    /// <param name="strides">s (&gt; 0).</param>
    /// <param name="padding">"causal", case-insensitive (the only mode of this layer).</param>
    /// <param name="depthMultiplier">M (&gt; 0).</param>
    /// <param name="dataFormat">"channels_last", "channels_first" or null (keras.json).</param>
    /// <param name="dilationRate">d (&gt; 0).</param>
    /// <param name="activation">An activation name such as "relu"; null is linear.</param>
    /// <param name="useBias">Whether the layer has a bias.</param>
    /// <param name="depthwiseInitializer">An initializer name, default "glorot_uniform"; null is Keras's None (glorot_uniform fills
    /// the kernel, the config says null).</param>
    /// <param name="biasInitializer">An initializer name, default "zeros"; null is Keras's None (glorot_uniform fills the bias, as
    /// in Keras; the config says null).</param>
    /// <param name="depthwiseRegularizer">A regularizer name such as "l2", or null.</param>
    /// <param name="biasRegularizer">A regularizer name, or null.</param>
    /// <param name="activityRegularizer">A regularizer name, or null.</param>
    /// <param name="depthwiseConstraint">A constraint name such as "max_norm", or null.</param>
    /// <param name="biasConstraint">A constraint name, or null.</param>
    /// <param name="name">Layer name, or null for a unique default.</param>
    /// <param name="trainable">Whether the weights are trainable.</param>
    /// <param name="dtype">A Keras dtype policy name: "float32", "float64", "float16", "bfloat16", "mixed_float16" or "mixed_bfloat16".</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="padding"/> is not "causal", or any other invalid argument (the base layer's Keras messages).
    /// </exception>
    /// <remarks>Causal padding: <c>padLeft = (k - 1) * d</c>, <c>padRight = 0</c>, <c>Lout = ceil(L / s)</c>.</remarks>
    [OverloadResolutionPriority(1)]
    public CausalDepthwiseConv1D(
        int kernelSize,
        int strides = 1,
        string padding = "causal",
        int depthMultiplier = 1,
        string? dataFormat = null,
        int dilationRate = 1,
        string? activation = null,
        bool useBias = true,
        string? depthwiseInitializer = "glorot_uniform",
        string? biasInitializer = "zeros",
        string? depthwiseRegularizer = null,
        string? biasRegularizer = null,
        string? activityRegularizer = null,
        string? depthwiseConstraint = null,
        string? biasConstraint = null,
        string? name = null,
        bool trainable = true,
        string dtype = "float32")
        : this(LayerArgs.FromNames(kernelSize, strides, RequireCausal(padding), depthMultiplier, dataFormat, dilationRate, activation, useBias,
            depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, activityRegularizer, depthwiseConstraint,
            biasConstraint, name, trainable, dtype))
    {
    }

    private CausalDepthwiseConv1D(LayerArgs a)
        : base(Padding.Causal, allowCausal: true, a.KernelSize, a.Strides, a.DepthMultiplier, a.DataFormat, a.DilationRate, a.Activation,
            a.UseBias, a.DepthwiseInitializer, a.BiasInitializer, a.DepthwiseRegularizer, a.BiasRegularizer, a.ActivityRegularizer,
            a.DepthwiseConstraint, a.BiasConstraint, a.Name, a.Trainable, a.DType)
    {
        if (a.BuildShape is { } shape)
        {
            BuildFromConfig(shape);
        }
    }

    /// <inheritdoc/>
    public override string ClassName => KerasClassName;

    /// <inheritdoc/>
    protected override string DefaultNamePrefix => "causal_depthwise_conv1d";

    /// <summary>The layer object with this layer's module and registered name (see the class remarks).</summary>
    /// <returns>A new JSON object <c>{"module", "class_name", "config", "registered_name", "build_config"?}</c>.</returns>
    /// <remarks>The <c>config</c> is <see cref="DepthwiseConv1D.GetConfig"/>, whose <c>padding</c> is <c>"causal"</c>.</remarks>
    public override JsonObject Serialize()
    {
        var obj = base.Serialize();
        obj["module"] = KerasModule;
        obj["registered_name"] = RegisteredName;
        return obj;
    }

    /// <summary>Reads a causal layer from a config: a bare config dictionary, or a layer object whose class_name is CausalDepthwiseConv1D.</summary>
    /// <param name="config">The JSON (the forms <see cref="DepthwiseConv1D.FromConfig(JsonNode)"/> accepts).</param>
    /// <returns>A new layer, built when the JSON carries <c>build_config</c> or <c>batch_input_shape</c>.</returns>
    /// <exception cref="ArgumentException">
    /// Another class_name, a <c>padding</c> other than "causal" (a missing padding means causal), unknown keys, wrong types or
    /// invalid values, naming the key.
    /// </exception>
    /// <remarks>The layer computes <c>act(b + sum_j xpad[t*s + j*d] * K[j])</c> with <c>(k - 1) * d</c> zeros on the left.</remarks>
    public static new CausalDepthwiseConv1D FromConfig(JsonNode config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Keras.KerasObjects.CheckWellFormed(config, "config");
        CheckPaddingKey(config);
        return new CausalDepthwiseConv1D(LayerConfig.Read(config, KerasClassName));
    }

    /// <summary>Reads a causal layer from config JSON text (see <see cref="FromConfig(JsonNode)"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>A new layer.</returns>
    /// <exception cref="ArgumentException">Invalid JSON or config.</exception>
    /// <remarks>Same forms and checks as <see cref="FromConfig(JsonNode)"/>.</remarks>
    public static new CausalDepthwiseConv1D FromJson(string json) => FromConfig(LayerConfig.Parse(json, "config"));

    private static Padding RequireCausal(string padding)
    {
        ArgumentNullException.ThrowIfNull(padding, "padding");
        if (!string.Equals(padding, "causal", StringComparison.OrdinalIgnoreCase))
        {
            throw new KerasArgumentException(
                $"The `padding` argument of CausalDepthwiseConv1D must be 'causal' (use DepthwiseConv1D for 'valid' or 'same'). Received: {padding}",
                "padding");
        }

        return Padding.Causal;
    }

    // LayerConfig reads a missing padding as "valid", which would silently turn a causal config into a valid one; look first.
    private static void CheckPaddingKey(JsonNode node)
    {
        JsonObject? config = node as JsonObject;
        if (config?["class_name"] is JsonValue && config["config"] is JsonObject inner)
        {
            config = inner;
        }

        if (config?["padding"] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            _ = RequireCausal(value.GetValue<string>());
        }
    }
}
