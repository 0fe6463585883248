using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.Kernels;
using DepthwiseSharp.Regularizers;

namespace DepthwiseSharp.Layers;

/// <summary>
/// Depthwise 1-D convolution, as Keras's <c>DepthwiseConv1D</c>: each input channel is convolved with its own
/// <c>depth_multiplier</c> filters, giving <c>C * M</c> output channels.
/// </summary>
/// <remarks>
/// <para><c>y[n, t, c*M + m] = act(b[c*M + m] + sum_{j&lt;k} xpad[n, t*s + j*d, c] * K[j, c, m])</c>,
/// a cross-correlation over the zero-padded input. <c>valid</c>: <c>Lout = floor((L - ek) / s) + 1</c> with
/// <c>ek = (k - 1) * d + 1</c>; <c>same</c>: <c>Lout = ceil(L / s)</c>, TensorFlow's padding rule (odd extra zero at the end).</para>
/// <para>Inputs are rank 3: <c>(N, L, C)</c> for channels_last, <c>(N, C, L)</c> for channels_first. Weights: <c>kernel</c>
/// <c>(k, C, M)</c> and <c>bias</c> <c>(C*M)</c>. The layer builds on its first call (or <see cref="Build(IReadOnlyList{int?})"/>).</para>
/// <para>A built layer is safe to call from several threads at once; results do not depend on the thread count.</para>
/// </remarks>
public partial class DepthwiseConv1D
{
    /// <summary>The <c>class_name</c> of the layer's configs (Keras's own class).</summary>
    public const string KerasClassName = "DepthwiseConv1D";
    private static readonly ConcurrentDictionary<string, int> NameCounters = new();

    private readonly object _buildLock = new();
    private readonly bool _convolutionOpOverridden;
    private volatile bool _built;
    private Variable? _kernel;
    private Variable? _bias;
    private int _inputChannels;
    private double _lastActivityLoss = double.NaN;

    /// <summary>Creates the layer with Keras's arguments (enums and catalog objects).</summary>
    /// <param name="kernelSize">k, the length of each filter (&gt; 0).</param>
    /// <param name="strides">s (&gt; 0). Keras rejects s &gt; 1 together with dilation &gt; 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> or <see cref="Padding.Same"/>; causal is refused as Keras refuses it.</param>
    /// <param name="depthMultiplier">M, filters per input channel (&gt; 0).</param>
    /// <param name="dataFormat">Null: the <c>image_data_format</c> of keras.json, else channels_last.</param>
    /// <param name="dilationRate">d (&gt; 0).</param>
    /// <param name="activation">Applied after the bias; null is linear.</param>
    /// <param name="useBias">Whether the layer has a bias.</param>
    /// <param name="depthwiseInitializer">Kernel initializer; null is glorot_uniform.</param>
    /// <param name="biasInitializer">Bias initializer; null is zeros (the Keras default argument; Keras's <c>None</c> is glorot_uniform, see the string overload).</param>
    /// <param name="depthwiseRegularizer">Penalty on the kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output, divided by the batch size.</param>
    /// <param name="depthwiseConstraint">Projection of the kernel after each optimizer step.</param>
    /// <param name="biasConstraint">Projection of the bias after each optimizer step.</param>
    /// <param name="name">Layer name; null gives a unique <c>depthwise_conv1d</c>, <c>depthwise_conv1d_1</c>, ...</param>
    /// <param name="trainable">Whether the weights are trainable.</param>
    /// <param name="dtype">The dtype policy: float32 (null, the default), float64, float16, bfloat16, or
    /// <see cref="DTypePolicy.MixedFloat16"/> / <see cref="DTypePolicy.MixedBFloat16"/>; a <see cref="DType"/> converts to its policy.</param>
    /// <exception cref="ArgumentException">Any invalid argument, with Keras's message naming it and the value.</exception>
    public DepthwiseConv1D(
        int kernelSize,
        int strides = 1,
        Padding padding = Padding.Valid,
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
        : this(padding, allowCausal: false, kernelSize, strides, depthMultiplier, dataFormat, dilationRate, activation, useBias,
            depthwiseInitializer ?? Initializer.Get("glorot_uniform"), biasInitializer ?? Initializer.Get("zeros"),
            depthwiseRegularizer, biasRegularizer, activityRegularizer, depthwiseConstraint, biasConstraint, name, trainable, dtype)
    {
    }

    /// <summary>
    /// Creates the layer from Keras identifier strings, exactly as Keras's signature takes them, with Keras's defaults:
    /// <c>new DepthwiseConv1D(3, activation: "relu")</c> is <c>DepthwiseConv1D(kernel_size=3, activation="relu")</c>.
    /// </summary>
    /// <remarks>
    /// Where a call fits both constructors (only arguments both take, such as <c>new DepthwiseConv1D(3)</c> or
    /// <c>name:</c>), this one is chosen (<see cref="OverloadResolutionPriorityAttribute"/>); the two mean the same for every
    /// such call. Enums or catalog objects select the typed constructor.
    /// </remarks>
    /// <param name="kernelSize">k (&gt; 0).</param>
    /// <param name="strides">s (&gt; 0).</param>
    /// <param name="padding">"valid" or "same", case-insensitive.</param>
    /// <param name="depthMultiplier">M (&gt; 0).</param>
    /// <param name="dataFormat">"channels_last", "channels_first" or null (keras.json).</param>
    /// <param name="dilationRate">d (&gt; 0).</param>
    /// <param name="activation">An activation name such as "relu"; null is linear.</param>
    /// <param name="useBias">Whether the layer has a bias.</param>
    /// <param name="depthwiseInitializer">An initializer name, default "glorot_uniform"; null is Keras's None: the kernel is filled
    /// with glorot_uniform (as Keras's <c>add_weight</c> does without an initializer) and <see cref="GetConfig"/> writes null.</param>
    /// <param name="biasInitializer">An initializer name, default "zeros"; null is Keras's None: the bias is filled with
    /// glorot_uniform (as in Keras) and <see cref="GetConfig"/> writes null.</param>
    /// <param name="depthwiseRegularizer">A regularizer name such as "l2", or null.</param>
    /// <param name="biasRegularizer">A regularizer name, or null.</param>
    /// <param name="activityRegularizer">A regularizer name, or null.</param>
    /// <param name="depthwiseConstraint">A constraint name such as "max_norm", or null.</param>
    /// <param name="biasConstraint">A constraint name, or null.</param>
    /// <param name="name">Layer name, or null for a unique default.</param>
    /// <param name="trainable">Whether the weights are trainable.</param>
    /// <param name="dtype">A Keras dtype policy name: "float32", "float64", "float16", "bfloat16", "mixed_float16" or "mixed_bfloat16".</param>
    /// <exception cref="ArgumentException">Any invalid argument, with Keras's message naming it and the value.</exception>
    [OverloadResolutionPriority(1)]
    public DepthwiseConv1D(
        int kernelSize,
        int strides = 1,
        string padding = "valid",
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
        : this(LayerArgs.FromNames(kernelSize, strides, KerasEnums.ParsePadding(padding), depthMultiplier, dataFormat, dilationRate, activation,
            useBias, depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, activityRegularizer, depthwiseConstraint,
            biasConstraint, name, trainable, dtype))
    {
    }

    /// <summary>Creates a layer from parsed config arguments, building it when the config carried an input shape.</summary>
    internal DepthwiseConv1D(LayerArgs a)
        : this(a.Padding, allowCausal: false, a.KernelSize, a.Strides, a.DepthMultiplier, a.DataFormat, a.DilationRate, a.Activation,
            a.UseBias, a.DepthwiseInitializer, a.BiasInitializer, a.DepthwiseRegularizer, a.BiasRegularizer, a.ActivityRegularizer,
            a.DepthwiseConstraint, a.BiasConstraint, a.Name, a.Trainable, a.DType)
    {
        if (a.BuildShape is { } shape)
        {
            BuildFromConfig(shape);
        }
    }

    /// <summary>
    /// The most weight elements (kernel plus bias) that a config's input shape (<c>build_config</c>, <c>batch_input_shape</c>)
    /// may make a layer allocate: 2^26, 256 MiB of float32.
    /// </summary>
    /// <remarks>
    /// A config file is data from outside: a lying shape must not make the reader allocate and initialize gigabytes. Real
    /// depthwise kernels are far smaller (k = 64, C = 8192, M = 8 is 4M elements). A bigger layer can still be made in code
    /// with <see cref="Build(IReadOnlyList{int?})"/>, up to .NET's array limit.
    /// </remarks>
    public const int MaxConfigWeightCount = 1 << 26;

    /// <summary>The constructor every public one and every subclass goes through; validates all arguments.</summary>
    /// <param name="padding">The padding mode.</param>
    /// <param name="allowCausal">Whether <see cref="Padding.Causal"/> is accepted (subclasses with a causal mode).</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="strides">s.</param>
    /// <param name="depthMultiplier">M.</param>
    /// <param name="dataFormat">The data format, or null for keras.json.</param>
    /// <param name="dilationRate">d.</param>
    /// <param name="activation">The activation (null: linear).</param>
    /// <param name="useBias">Whether there is a bias.</param>
    /// <param name="depthwiseInitializer">Kernel initializer; null is Keras's None (glorot_uniform fills the kernel, the config
    /// says null).</param>
    /// <param name="biasInitializer">Bias initializer; null is Keras's None (glorot_uniform fills the bias, the config says null).</param>
    /// <param name="depthwiseRegularizer">Kernel regularizer.</param>
    /// <param name="biasRegularizer">Bias regularizer.</param>
    /// <param name="activityRegularizer">Output regularizer.</param>
    /// <param name="depthwiseConstraint">Kernel constraint.</param>
    /// <param name="biasConstraint">Bias constraint.</param>
    /// <param name="name">The name, or null.</param>
    /// <param name="trainable">Trainable flag.</param>
    /// <param name="dtype">The dtype policy; null is float32.</param>
    /// <exception cref="ArgumentException">Any invalid argument.</exception>
    protected DepthwiseConv1D(
        Padding padding,
        bool allowCausal,
        int kernelSize,
        int strides,
        int depthMultiplier,
        DataFormat? dataFormat,
        int dilationRate,
        Activation? activation,
        bool useBias,
        Initializer? depthwiseInitializer,
        Initializer? biasInitializer,
        Regularizer? depthwiseRegularizer,
        Regularizer? biasRegularizer,
        Regularizer? activityRegularizer,
        Constraint? depthwiseConstraint,
        Constraint? biasConstraint,
        string? name,
        bool trainable,
        DTypePolicy? dtype)
    {
        CheckPositiveTuple("kernel_size", kernelSize);
        CheckPositiveTuple("strides", strides);
        CheckPositiveTuple("dilation_rate", dilationRate);
        // Keras's whole texts (keras/src/utils/argument_validation.py, base_depthwise_conv.py), without .NET's tails.
        if (depthMultiplier <= 0)
        {
            throw new KerasArgumentException(
                $"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={depthMultiplier}.",
                "depth_multiplier");
        }

        if (padding == Padding.Causal && !allowCausal)
        {
            // Keras 3.15.1 refuses it as any other value; tf.keras and both pages say why, which is worth keeping.
            throw new KerasArgumentException(KerasEnums.PaddingError("causal") + ". Causal padding is only supported for `Conv1D` and "
                + "`SeparableConv1D`. Use DepthwiseSharp.Layers.CausalDepthwiseConv1D for a causal depthwise convolution.", "padding");
        }

        if (padding is not (Padding.Valid or Padding.Same or Padding.Causal))
        {
            throw new KerasArgumentException(KerasEnums.PaddingError(padding.ToString().ToLowerInvariant()), "padding");
        }

        // Keras 3.15.1 accepts this pair (its ops.depthwise_conv supports it); tf.keras and Keras up to 3.14 refuse it, as
        // both pages say, and so does this layer (docs/CONTRACT.md section 2), with their text.
        if (strides > 1 && dilationRate > 1)
        {
            throw new KerasArgumentException(
                $"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=({strides},) and dilation_rate=({dilationRate},)",
                "strides");
        }

        if (dataFormat is { } df && df is not (DataFormat.ChannelsLast or DataFormat.ChannelsFirst))
        {
            throw new KerasArgumentException(KerasEnums.DataFormatError(df.ToString().ToLowerInvariant()), "data_format");
        }

        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        DepthMultiplier = depthMultiplier;
        DataFormat = dataFormat ?? KerasConfigFile.ImageDataFormat();
        DilationRate = dilationRate;
        Activation = activation ?? Activation.Get(null);
        UseBias = useBias;
        // Keras's None: Layer.add_weight fills a float weight without an initializer with glorot_uniform (the bias too),
        // and get_config keeps the None.
        DepthwiseInitializer = depthwiseInitializer ?? Initializer.Get("glorot_uniform");
        BiasInitializer = biasInitializer ?? Initializer.Get("glorot_uniform");
        DepthwiseInitializerIsNone = depthwiseInitializer is null;
        BiasInitializerIsNone = biasInitializer is null;
        DepthwiseRegularizer = depthwiseRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        DepthwiseConstraint = depthwiseConstraint;
        BiasConstraint = biasConstraint;
        Name = name ?? UniqueName(DefaultNamePrefix);
        Trainable = trainable;
        DTypePolicy = dtype ?? DTypePolicy.Float32;
        DType = DTypePolicy.StorageDType;

        // Call fuses the bias into the convolution unless a subclass replaced ConvolutionOp; then it must go through it.
        _convolutionOpOverridden = GetType().GetMethod(nameof(ConvolutionOp))!.DeclaringType != typeof(DepthwiseConv1D);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }

    /// <summary>s.</summary>
    public int Strides { get; }

    /// <summary>The padding mode.</summary>
    public Padding Padding { get; }

    /// <summary>M.</summary>
    public int DepthMultiplier { get; }

    /// <summary>The resolved data format (fixed at construction).</summary>
    public DataFormat DataFormat { get; }

    /// <summary>d.</summary>
    public int DilationRate { get; }

    /// <summary>The activation applied after the bias.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer has a bias.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel initializer (glorot_uniform when the layer was given Keras's None).</summary>
    public Initializer DepthwiseInitializer { get; }

    /// <summary>The bias initializer (glorot_uniform when the layer was given Keras's None).</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Whether the kernel initializer was Keras's None, which the config writes as null.</summary>
    internal bool DepthwiseInitializerIsNone { get; }

    /// <summary>Whether the bias initializer was Keras's None, which the config writes as null.</summary>
    internal bool BiasInitializerIsNone { get; }

    /// <summary>The kernel regularizer, if any.</summary>
    public Regularizer? DepthwiseRegularizer { get; }

    /// <summary>The bias regularizer, if any.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>The output regularizer, if any (its value is divided by the batch size).</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>The kernel constraint, if any.</summary>
    public Constraint? DepthwiseConstraint { get; }

    /// <summary>The bias constraint, if any.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The layer name.</summary>
    public string Name { get; }

    /// <summary>Whether the weights are trainable; when false they move to <see cref="NonTrainableWeights"/>.</summary>
    public bool Trainable { get; set; }

    /// <summary>
    /// The float type the weights are kept in and the float32/float64 arithmetic runs in: float64 for the float64 policy,
    /// float32 for every other (the 16-bit policies keep float32 weights, rounded to the 16-bit type when it is also the
    /// variable dtype). Keras's <c>layer.dtype</c> is <see cref="VariableDType"/>.
    /// </summary>
    public DType DType { get; }

    /// <summary>The dtype policy (Keras's <c>layer.dtype_policy</c>); its name is the config's <c>dtype</c>.</summary>
    public DTypePolicy DTypePolicy { get; }

    /// <summary>The dtype the layer computes and outputs in (Keras's <c>layer.compute_dtype</c>).</summary>
    public DType ComputeDType => DTypePolicy.ComputeDType;

    /// <summary>The dtype of the weights (Keras's <c>layer.variable_dtype</c> and <c>layer.dtype</c>).</summary>
    public DType VariableDType => DTypePolicy.VariableDType;

    /// <summary>
    /// The most threads one call may use; 0 (the default) or negative means all processors. Results are bit-identical
    /// for every value. Not part of the Keras config.
    /// </summary>
    public int MaxDegreeOfParallelism { get; set; }

    /// <summary>Whether the weights exist.</summary>
    public bool Built => _built;

    /// <summary>C, the input channels the layer was built for (0 before build).</summary>
    public int InputChannels => _inputChannels;

    /// <summary>The kernel <c>(k, C, M)</c>.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    public Variable Kernel => _kernel ?? throw NotBuilt("kernel");

    /// <summary>The bias <c>(C*M)</c>, or null when <see cref="UseBias"/> is false.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    public Variable? Bias => _built ? _bias : throw NotBuilt("bias");

    /// <summary>All weights in Keras order: kernel, then bias.</summary>
    public IReadOnlyList<Variable> Weights => !_built ? [] : _bias is null ? [_kernel!] : [_kernel!, _bias];

    /// <summary>The weights an optimizer updates: <see cref="Weights"/> when trainable, else empty.</summary>
    public IReadOnlyList<Variable> TrainableWeights => Trainable ? Weights : [];

    /// <summary>The weights an optimizer leaves alone: empty when trainable, else <see cref="Weights"/>.</summary>
    public IReadOnlyList<Variable> NonTrainableWeights => Trainable ? [] : Weights;

    /// <summary>
    /// The layer's losses, as Keras's <c>layer.losses</c>: the activity regularization of the most recent call (sum over the
    /// output divided by the batch size), then each trainable weight's regularization, kernel first.
    /// </summary>
    /// <remarks>
    /// The activity term is state: under calls from several threads it is the value of whichever call finished last. A
    /// caller that needs its own call's value reads <see cref="ForwardPass{T}.ActivityLoss"/>, which <see cref="Forward{T}"/>
    /// returns with the result (the trainer does).
    /// </remarks>
    public IReadOnlyList<double> Losses
    {
        get
        {
            var losses = new List<double>(3);
            double activity = Volatile.Read(ref _lastActivityLoss);
            if (ActivityRegularizer is not null && !double.IsNaN(activity))
            {
                losses.Add(activity);
            }

            AddWeightLosses(losses);
            return losses;
        }
    }

    /// <summary>Each trainable weight's regularization loss, kernel first.</summary>
    internal void AddWeightLosses(List<double> losses)
    {
        foreach (var w in TrainableWeights)
        {
            if (w.Regularizer is { } reg)
            {
                losses.Add(DType == DType.Float32
                    ? reg.Compute<float>(w.AsSpan<float>(), [.. w.Shape])
                    : reg.Compute<double>(w.AsSpan<double>(), [.. w.Shape]));
            }
        }
    }

    /// <summary>The prefix of default names; subclasses with another Keras class name override it.</summary>
    protected virtual string DefaultNamePrefix => "depthwise_conv1d";

    /// <summary>The Keras <c>class_name</c> written by <see cref="GetConfig"/>'s wrappers.</summary>
    public virtual string ClassName => KerasClassName;

    /// <summary>The number of weights: <c>k*C*M + C*M</c> (without the bias term when <see cref="UseBias"/> is false).</summary>
    /// <returns>The count.</returns>
    /// <exception cref="InvalidOperationException">The layer is not built.</exception>
    public int CountParams()
    {
        if (!_built)
        {
            throw new InvalidOperationException(
                $"You tried to call `count_params` on layer '{Name}', but the layer isn't built. You can build it manually via: `layer.Build(input_shape)`.");
        }

        int total = 0;
        foreach (var w in Weights)
        {
            total += w.Count;
        }

        return total;
    }

    /// <summary>Creates the weights for an input shape, validating it.</summary>
    /// <param name="inputShape">Rank 3; the batch and length may be null; the channel axis must be known.</param>
    /// <exception cref="ArgumentException">Wrong rank or an unknown channel count.</exception>
    /// <exception cref="InvalidOperationException">Already built for another channel count.</exception>
    public void Build(IReadOnlyList<int?> inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count != 3)
        {
            throw new KerasArgumentException(
                $"Input 0 of layer '{Name}' is incompatible with the layer: expected ndim=3, found ndim={inputShape.Count}. Full shape received: {Shapes.Format(inputShape)}",
                nameof(inputShape));
        }

        int channelAxis = DataFormat == DataFormat.ChannelsLast ? 2 : 1;
        if (inputShape[channelAxis] is not int channels || channels <= 0)
        {
            throw new KerasArgumentException(
                $"The channel dimension of the inputs should be defined and positive. The input_shape received is {Shapes.Format(inputShape)}, where axis {channelAxis} (0-based) is the channel dimension.",
                nameof(inputShape));
        }

        foreach (int? dim in inputShape)
        {
            if (dim is < 0)
            {
                throw new KerasArgumentException($"Negative dimension in input shape {Shapes.Format(inputShape)}.", nameof(inputShape));
            }
        }

        _ = ComputeOutputShape(inputShape);
        BuildForChannels(channels);
    }

    /// <summary>Builds from the input shape a config carried, refusing shapes that would allocate more than <see cref="MaxConfigWeightCount"/>.</summary>
    /// <param name="inputShape">The shape from <c>build_config</c> or <c>batch_input_shape</c>.</param>
    /// <exception cref="ArgumentException">The shape is invalid or too large.</exception>
    private protected void BuildFromConfig(IReadOnlyList<int?> inputShape)
    {
        int channelAxis = DataFormat == DataFormat.ChannelsLast ? 2 : 1;
        if (inputShape.Count == 3 && inputShape[channelAxis] is int channels and > 0)
        {
            long weights = ((long)KernelSize * channels * DepthMultiplier) + (UseBias ? (long)channels * DepthMultiplier : 0);
            if (weights > MaxConfigWeightCount)
            {
                throw new KerasArgumentException(
                    $"The config's input shape {Shapes.Format(inputShape)} would make layer '{Name}' allocate {weights} weights (kernel_size={KernelSize}, {channels} channels, depth_multiplier={DepthMultiplier}), more than the limit of {MaxConfigWeightCount} for layers read from a config.",
                    "build_config");
            }
        }

        Build(inputShape);
    }

    /// <summary>Creates the weights for C input channels (from Build, the first call, or the kernel given to SetWeights).</summary>
    private void BuildForChannels(int channels)
    {
        lock (_buildLock)
        {
            if (_built)
            {
                if (channels != _inputChannels)
                {
                    throw new InvalidOperationException(
                        $"Layer '{Name}' is already built for {_inputChannels} input channels; received {channels}.");
                }

                return;
            }

            // A shape is data, not code: its product must be refused before anything is allocated, with the reason.
            long kernelCount = (long)KernelSize * channels * DepthMultiplier;
            if (kernelCount > Array.MaxLength)
            {
                throw new KerasArgumentException(
                    $"Layer '{Name}' cannot be built for {channels} input channels: its kernel ({KernelSize}, {channels}, {DepthMultiplier}) would hold {kernelCount} elements, more than the {Array.MaxLength} a .NET array can hold.",
                    "inputShape");
            }

            var kernel = new Variable("kernel", $"{Name}/kernel", [KernelSize, channels, DepthMultiplier], DType,
                DepthwiseRegularizer, DepthwiseConstraint, () => Trainable, VariableDType);
            Fill(DepthwiseInitializer, kernel);
            Variable? bias = null;
            if (UseBias)
            {
                bias = new Variable("bias", $"{Name}/bias", [channels * DepthMultiplier], DType, BiasRegularizer, BiasConstraint, () => Trainable,
                    VariableDType);
                Fill(BiasInitializer, bias);
            }

            _kernel = kernel;
            _bias = bias;
            _inputChannels = channels;
            _built = true;
        }

        static void Fill(Initializer init, Variable v)
        {
            if (v.DType == DType.Float32)
            {
                init.Fill<float>(v.AsSpan<float>(), [.. v.Shape]);
            }
            else
            {
                init.Fill<double>(v.AsSpan<double>(), [.. v.Shape]);
            }

            v.RoundToValueDType();
        }
    }

    /// <summary>The output shape for an input shape (no weights needed).</summary>
    /// <param name="inputShape">Rank 3; null dimensions stay null (batch) or make the length null.</param>
    /// <returns><c>(N, Lout, C*M)</c> or <c>(N, C*M, Lout)</c>.</returns>
    /// <exception cref="ArgumentException">Wrong rank, or valid padding with a length shorter than the effective kernel.</exception>
    public int?[] ComputeOutputShape(IReadOnlyList<int?> inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count != 3)
        {
            throw new KerasArgumentException(
                $"Input 0 of layer '{Name}' is incompatible with the layer: expected ndim=3, found ndim={inputShape.Count}. Full shape received: {Shapes.Format(inputShape)}",
                nameof(inputShape));
        }

        bool last = DataFormat == DataFormat.ChannelsLast;
        int? length = inputShape[last ? 1 : 2];
        int? channels = inputShape[last ? 2 : 1];
        if (length is int l && NoOutput(l))
        {
            throw NoOutputError(inputShape, nameof(inputShape));
        }

        int? outLength = Conv1DGeometry.OutputLengthFor(length, KernelSize, Strides, DilationRate, Padding);
        // C * M wrapped around int for huge channel counts and came back as a wrong (even zero) shape.
        long? wide = (long?)channels * DepthMultiplier;
        if (wide > int.MaxValue)
        {
            throw new KerasArgumentException(
                $"Input 0 of layer '{Name}' has {channels} channels; with depth_multiplier={DepthMultiplier} the output would have {wide} channels, more than {int.MaxValue}. Full shape received: {Shapes.Format(inputShape)}",
                nameof(inputShape));
        }

        int? outChannels = (int?)wide;
        if (last)
        {
            outChannels = outChannels is int oc ? Activation.OutputLastAxisLength(oc) : null;
        }
        else
        {
            outLength = outLength is int ol ? Activation.OutputLastAxisLength(ol) : null;
        }

        return last ? [inputShape[0], outLength, outChannels] : [inputShape[0], outChannels, outLength];
    }

    /// <summary>Runs the layer on a float32 batch: <c>act(ConvolutionOp(x, kernel) + bias)</c>.</summary>
    /// <param name="inputs">Rank 3, in the layer's data format.</param>
    /// <returns>A new tensor of <see cref="ComputeOutputShape"/>.</returns>
    /// <exception cref="ArgumentException">The input is incompatible (Keras's "Input 0 of layer ... is incompatible" messages).</exception>
    /// <exception cref="InvalidOperationException">The layer's dtype is float64 (pass a <see cref="Tensor{T}"/> of double).</exception>
    public Tensor<float> Call(Tensor<float> inputs) => CallCore(inputs);

    /// <summary>Runs the layer on a float64 batch.</summary>
    /// <param name="inputs">Rank 3, in the layer's data format.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The input is incompatible.</exception>
    /// <exception cref="InvalidOperationException">The layer's dtype is float32 (pass a <see cref="Tensor{T}"/> of float).</exception>
    public Tensor<double> Call(Tensor<double> inputs) => CallCore(inputs);

    /// <summary>
    /// The layer's depthwise convolution of <paramref name="inputs"/> with <paramref name="kernel"/> (its strides, padding,
    /// dilation and data format), without bias or activation. <see cref="Call(Tensor{float})"/> goes through it, so an
    /// override (weight standardization, say) changes the layer.
    /// </summary>
    /// <typeparam name="T">float or double, the layer's dtype.</typeparam>
    /// <param name="inputs">Rank 3 in the layer's data format.</param>
    /// <param name="kernel">Shape <c>(k, C, M)</c>.</param>
    /// <returns>The pre-bias output.</returns>
    /// <exception cref="ArgumentException">Shapes do not agree.</exception>
    public virtual Tensor<T> ConvolutionOp<T>(Tensor<T> inputs, Tensor<T> kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(kernel);
        var shape = Shapes.FromLengths(inputs.Lengths);
        var kshape = Shapes.FromLengths(kernel.Lengths);
        if (kshape.Length != 3 || kshape[0] != KernelSize || kshape[2] != DepthMultiplier)
        {
            throw new KerasArgumentException(
                $"The kernel must have shape ({KernelSize}, C, {DepthMultiplier}); received {Shapes.Format(kshape)}.", nameof(kernel));
        }

        CheckRank(shape);
        var g = Geometry(shape, kshape[1]);
        if ((DataFormat == DataFormat.ChannelsLast ? shape[2] : shape[1]) != kshape[1])
        {
            throw new KerasArgumentException($"The kernel has {kshape[1]} input channels; the inputs have shape {Shapes.Format(shape)}.", nameof(kernel));
        }

        var output = new T[g.OutputCount];
        ForwardExecutor.Forward<T>(g, Dense(inputs), Dense(kernel), default, output, KernelVariants.Current);
        return Tensor.Create(output, ToLengths(g.OutputShape));
    }

    /// <summary>Sets the weights from tensors in Keras order (kernel, then bias); builds the layer from the kernel's shape if needed.</summary>
    /// <typeparam name="T">float or double (converted to the layer's dtype).</typeparam>
    /// <param name="weights">The kernel <c>(k, C, M)</c> and, when <see cref="UseBias"/>, the bias <c>(C*M)</c>.</param>
    /// <exception cref="ArgumentException">Wrong count or shapes (Keras's messages).</exception>
    public void SetWeights<T>(params IReadOnlyList<Tensor<T>> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(weights);
        int expected = UseBias ? 2 : 1;
        if (weights.Count != expected)
        {
            throw new KerasArgumentException(
                $"You called `set_weights(weights)` on layer '{Name}' with a weight list of length {weights.Count}, but the layer was expecting {expected} weights.",
                nameof(weights));
        }

        var kshape = Shapes.FromLengths(weights[0].Lengths);
        if (!_built)
        {
            if (kshape.Length != 3 || kshape[0] != KernelSize || kshape[2] != DepthMultiplier || kshape[1] <= 0)
            {
                throw new KerasArgumentException(
                    $"Layer {Name} weight shape ({KernelSize}, C, {DepthMultiplier}) is not compatible with provided weight shape {Shapes.Format(kshape)}.",
                    nameof(weights));
            }
        }

        // Check every shape before building or writing anything, so a failed call leaves the layer as it was.
        int channels = _built ? _inputChannels : kshape[1];
        if (!_built && UseBias)
        {
            // The kernel sets the channel count of an unbuilt layer; a bias of another length means the two disagree, and
            // the kernel is as likely to be the wrong one, so name both.
            var bshape = Shapes.FromLengths(weights[1].Lengths);
            if (bshape.Length != 1 || bshape[0] != channels * DepthMultiplier)
            {
                throw new KerasArgumentException(
                    $"Layer {Name}: the kernel {Shapes.Format(kshape)} has {channels} input channels, so the bias must have shape ({channels * DepthMultiplier},) (C * depth_multiplier); received bias shape {Shapes.Format(bshape)}. Check that the kernel and the bias belong to the same layer.",
                    nameof(weights));
            }
        }

        int[][] shapes = UseBias ? [[KernelSize, channels, DepthMultiplier], [channels * DepthMultiplier]] : [[KernelSize, channels, DepthMultiplier]];
        for (int i = 0; i < expected; i++)
        {
            var given = Shapes.FromLengths(weights[i].Lengths);
            if (!given.AsSpan().SequenceEqual(shapes[i]))
            {
                throw new KerasArgumentException(
                    $"Layer {Name} weight shape {Shapes.Format(shapes[i])} is not compatible with provided weight shape {Shapes.Format(given)}.",
                    nameof(weights));
            }
        }

        BuildForChannels(channels);
        Kernel.Assign<T>(Dense(weights[0]));
        if (UseBias)
        {
            _bias!.Assign<T>(Dense(weights[1]));
        }
    }

    /// <summary>Copies of the weights in Keras order (kernel, then bias), converted to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <returns>New tensors; empty before build.</returns>
    public Tensor<T>[] GetWeights<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var list = Weights;
        var result = new Tensor<T>[list.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = list[i].ToTensor<T>();
        }

        return result;
    }

    /// <summary>The Keras 3 <c>get_config()</c>: every argument, snake_case keys in Keras's order.</summary>
    /// <returns>A new JSON object.</returns>
    public virtual JsonObject GetConfig() => LayerConfig.Write(this);

    /// <summary>The layer object as a Keras 3 model's config.json carries it, with <c>build_config</c> when built.</summary>
    /// <returns>A new JSON object <c>{"module", "class_name", "config", "registered_name", "build_config"?}</c>.</returns>
    public virtual JsonObject Serialize()
    {
        var obj = new JsonObject
        {
            ["module"] = "keras.layers",
            ["class_name"] = ClassName,
            ["config"] = GetConfig(),
            ["registered_name"] = null,
        };
        if (_built)
        {
            bool last = DataFormat == DataFormat.ChannelsLast;
            obj["build_config"] = new JsonObject
            {
                ["input_shape"] = last ? new JsonArray(null, null, _inputChannels) : new JsonArray(null, _inputChannels, null),
            };
        }

        return obj;
    }

    /// <summary>Reads a layer from a Keras config: a bare config dictionary, or a layer object (Keras 3 or tf.keras form).</summary>
    /// <param name="config">The JSON.</param>
    /// <returns>A new layer, built when the JSON carries <c>build_config</c> or <c>batch_input_shape</c>.</returns>
    /// <exception cref="ArgumentException">Unknown keys, wrong types or invalid values, naming the key.</exception>
    public static DepthwiseConv1D FromConfig(JsonNode config) => new(LayerConfig.Read(config, KerasClassName));

    /// <summary>Reads a layer from Keras config JSON text (see <see cref="FromConfig(JsonNode)"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>A new layer.</returns>
    /// <exception cref="ArgumentException">Invalid JSON or config.</exception>
    public static DepthwiseConv1D FromJson(string json) => FromConfig(LayerConfig.Parse(json, "config"));

    /// <inheritdoc/>
    public override string ToString() => $"<{ClassName} name={Name}, built={_built}>";

    internal double? LastActivityLoss => double.IsNaN(Volatile.Read(ref _lastActivityLoss)) ? null : _lastActivityLoss;

    internal Conv1DGeometry Geometry(ReadOnlySpan<int> inputShape, int channels)
    {
        bool last = DataFormat == DataFormat.ChannelsLast;
        int length = last ? inputShape[1] : inputShape[2];
        return Conv1DGeometry.ForPadding(inputShape[0], length, channels, DepthMultiplier, KernelSize, Strides, DilationRate, Padding, DataFormat);
    }

    internal void CheckInput(ReadOnlySpan<int> shape)
    {
        CheckRank(shape);
        int axis = DataFormat == DataFormat.ChannelsLast ? 2 : 1;
        if (shape[axis] != _inputChannels)
        {
            throw new KerasArgumentException(
                $"Input 0 of layer '{Name}' is incompatible with the layer: expected axis {(axis == 2 ? -1 : 1)} of input shape to have value {_inputChannels}, but received input with shape {Shapes.Format(shape.ToArray())}",
                "inputs");
        }
    }

    /// <summary>Whether valid padding leaves no output for this length (Keras's "Computed output size would be zero or negative").</summary>
    private bool NoOutput(int length) => Padding == Padding.Valid && length < ((long)KernelSize - 1) * DilationRate + 1;

    /// <summary>Keras's whole text for <see cref="NoOutput"/>, naming the shape it was given.</summary>
    private KerasArgumentException NoOutputError(IReadOnlyList<int?> shape, string paramName) => new(
        Conv1DGeometry.OutputSizeError(shape, KernelSize, shape[DataFormat == DataFormat.ChannelsLast ? 2 : 1], DepthMultiplier, Strides, DilationRate),
        paramName);

    private void CheckRank(ReadOnlySpan<int> shape)
    {
        if (shape.Length < 3)
        {
            throw new KerasArgumentException(
                $"Input 0 of layer '{Name}' is incompatible with the layer: expected min_ndim=3, found ndim={shape.Length}. Full shape received: {Shapes.Format(shape.ToArray())}",
                "inputs");
        }

        if (shape.Length > 3)
        {
            throw new KerasArgumentException(
                $"Input 0 of layer '{Name}' is incompatible with the layer: expected ndim=3, found ndim={shape.Length}. Full shape received: {Shapes.Format(shape.ToArray())}",
                "inputs");
        }
    }

    private Tensor<T> CallCore<T>(Tensor<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (DTypePolicy.Is16Bit)
        {
            return typeof(T) == typeof(Half) ? (Tensor<T>)(object)CallHalf((Tensor<Half>)(object)inputs) : CallAutocast(inputs);
        }

        var g = PrepareCall<T>(Shapes.FromLengths(inputs.Lengths));
        int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        int outLast = lastAxis == 0 ? 0 : Activation.OutputLastAxisLength(lastAxis);
        T[] z = GC.AllocateUninitializedArray<T>(g.OutputCount);
        T[] y = outLast == lastAxis ? z : new T[g.OutputCount / lastAxis * outLast];
        RecordActivityLoss(Compose<T>(g, Dense(inputs), inputs, z, y, activity: true));
        int[] outShape = g.OutputShape;
        outShape[^1] = outLast;
        return Tensor.Create(y, ToLengths(outShape));
    }

    /// <summary>
    /// Runs the layer into a caller-owned buffer: no allocation after warm-up. The activation must keep the output
    /// shape (every activation but glu).
    /// </summary>
    /// <typeparam name="T">float or double, the layer's dtype.</typeparam>
    /// <param name="inputs">The input values, row-major.</param>
    /// <param name="inputShape">Their shape, rank 3, in the layer's data format.</param>
    /// <param name="output">Receives the output; its length must be the product of <see cref="ComputeOutputShape"/>.</param>
    /// <exception cref="ArgumentException">Incompatible shapes or lengths.</exception>
    /// <exception cref="NotSupportedException">The activation changes the shape (glu), or ConvolutionOp is overridden.</exception>
    public void Call<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<int> inputShape, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (_convolutionOpOverridden)
        {
            throw new NotSupportedException($"{GetType().Name} overrides ConvolutionOp; use Call(Tensor) so the override runs.");
        }

        if (DTypePolicy.Is16Bit && typeof(T) == typeof(Half))
        {
            CallHalfInto(MemoryMarshal.Cast<T, Half>(inputs), inputShape, MemoryMarshal.Cast<T, Half>(output));
            return;
        }

        var g = PrepareCall<T>(inputShape);
        int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        if (lastAxis > 0 && Activation.OutputLastAxisLength(lastAxis) != lastAxis)
        {
            throw new NotSupportedException($"Activation '{Activation.Name}' changes the output shape; use Call(Tensor).");
        }

        DepthwiseConvolution.Validate<T>(g, inputs.Length, Kernel.Count, 0, output.Length);
        if (DTypePolicy.Is16Bit)
        {
            // float or double values into a 16-bit layer: rounded to the compute dtype (this path allocates).
            RecordActivityLoss(ComputeDType == DType.Float16
                ? Autocast<T, Half>(g, inputs, output, null, activity: true)
                : Autocast<T, BFloat16>(g, inputs, output, null, activity: true));
            return;
        }

        RecordActivityLoss(Compose<T>(g, inputs, null, output, output, activity: true));
    }

    /// <summary>Keeps a call's activity loss for <see cref="Losses"/> (NaN: the layer has no activity regularizer).</summary>
    private void RecordActivityLoss(double loss)
    {
        if (!double.IsNaN(loss))
        {
            Volatile.Write(ref _lastActivityLoss, loss);
        }
    }

    /// <summary>
    /// What every call does before computing: the dtype matches T, the input is rank 3, the layer is built (from this
    /// input on the first call), the channel count matches, and the geometry is valid (Keras's errors otherwise).
    /// </summary>
    private Conv1DGeometry PrepareCall<T>(ReadOnlySpan<int> shape)
    {
        CheckDType<T>();
        CheckRank(shape);

        // Before the build, so that Keras's text shows this input's shape (the build sees the batch as None).
        if (NoOutput(shape[DataFormat == DataFormat.ChannelsLast ? 1 : 2]))
        {
            throw NoOutputError([shape[0], shape[1], shape[2]], "inputs");
        }

        if (!_built)
        {
            Build([null, shape[1], shape[2]]);
        }

        CheckInput(shape);
        return Geometry(shape, _inputChannels);
    }

    private static void AddBias<T>(in Conv1DGeometry g, Span<T> z, ReadOnlySpan<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cm = g.OutputChannels, lout = g.OutputLength;
        if (g.DataFormat == DataFormat.ChannelsLast)
        {
            for (int row = 0; row < g.Batch * lout; row++)
            {
                TensorPrimitives.Add(z.Slice(row * cm, cm), bias, z.Slice(row * cm, cm));
            }
        }
        else
        {
            for (int row = 0; row < g.Batch * cm; row++)
            {
                TensorPrimitives.Add(z.Slice(row * lout, lout), bias[row % cm], z.Slice(row * lout, lout));
            }
        }
    }

    private void CheckDType<T>()
    {
        if (DTypePolicy.Is16Bit)
        {
            bool compute = ComputeDType == DType.Float16 ? typeof(T) == typeof(Half) : typeof(T) == typeof(BFloat16);
            if (compute || typeof(T) == typeof(float) || typeof(T) == typeof(double))
            {
                return;
            }

            throw new InvalidOperationException(
                $"Layer '{Name}' computes in {ComputeDType.ToKeras()} (policy {DTypePolicy.Name}); pass a Tensor<{(ComputeDType == DType.Float16 ? "Half" : "BFloat16")}>, "
                + $"or float or double values, which are rounded to it (received Tensor<{typeof(T).Name}>).");
        }

        var wanted = typeof(T) == typeof(float) ? DType.Float32 : typeof(T) == typeof(double) ? DType.Float64 : (DType)(-1);
        if (wanted != DType)
        {
            throw new InvalidOperationException(
                $"Layer '{Name}' has dtype {DType.ToKeras()}; pass a Tensor<{(DType == DType.Float32 ? "float" : "double")}> (received Tensor<{typeof(T).Name}>).");
        }
    }

    private static ReadOnlySpan<T> Dense<T>(Tensor<T> tensor)
    {
        if (tensor.IsDense)
        {
            return MemoryMarshal.CreateReadOnlySpan(ref tensor.GetPinnableReference(), checked((int)tensor.FlattenedLength));
        }

        var copy = new T[checked((int)tensor.FlattenedLength)];
        tensor.FlattenTo(copy);
        return copy;
    }

    private static nint[] ToLengths(int[] shape)
    {
        var lengths = new nint[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            lengths[i] = shape[i];
        }

        return lengths;
    }

    private InvalidOperationException NotBuilt(string what) =>
        new($"Layer '{Name}' is not built yet, so it has no {what}. Call it on an input or call Build(inputShape) first.");

    private static void CheckPositiveTuple(string argument, int value)
    {
        if (value <= 0)
        {
            throw new KerasArgumentException(TupleError(argument, value.ToString(CultureInfo.InvariantCulture), value), argument);
        }
    }

    /// <summary>
    /// Keras's <c>standardize_tuple</c> text for <c>kernel_size</c>, <c>strides</c> or <c>dilation_rate</c>: <paramref name="received"/>
    /// is Python's <c>str</c> of the value passed (<c>0</c>, <c>[0]</c>, <c>[3, 3]</c>), <paramref name="nonPositive"/> the value that is
    /// not &gt; 0, or null when the value is not one integer.
    /// </summary>
    internal static string TupleError(string argument, string received, int? nonPositive) =>
        $"The `{argument}` argument must be a tuple of 1 integers. Received {argument}={received}"
        + (nonPositive is int v ? $", including values {{{v.ToString(CultureInfo.InvariantCulture)}}} that do not satisfy `value > 0`" : "");

    /// <summary>Keras's <c>auto_name</c>: the first layer takes the bare prefix, later ones <c>_1</c>, <c>_2</c>, ...</summary>
    private static string UniqueName(string prefix)
    {
        int n = NameCounters.AddOrUpdate(prefix, 0, static (_, c) => c + 1);
        return n == 0 ? prefix : $"{prefix}_{n}";
    }
}
