using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Layers;

/// <summary>What a training forward pass keeps for the backward pass: the input, the pre-activation and the output.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class ForwardPass<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal ForwardPass(DepthwiseConv1D layer, Conv1DGeometry geometry, T[] input, T[] preActivation, T[] output, int[] outputShape,
        double activityLoss)
    {
        ActivityLoss = double.IsNaN(activityLoss) ? null : activityLoss;
        Layer = layer;
        Geometry = geometry;
        Input = input;
        PreActivation = preActivation;
        OutputArray = output;
        OutputShape = outputShape;
        Output = Tensor.Create(output, outputShape.Select(v => (nint)v).ToArray());
    }

    /// <summary>The layer that ran.</summary>
    public DepthwiseConv1D Layer { get; }

    /// <summary>The sizes of the call.</summary>
    public Conv1DGeometry Geometry { get; }

    /// <summary>The layer's output <c>act(z)</c>.</summary>
    public Tensor<T> Output { get; }

    /// <summary>
    /// This call's activity regularization, <c>reg(y) / N</c>, or null when the layer has no activity regularizer. It
    /// belongs to this pass, whatever other threads call the layer meanwhile.
    /// </summary>
    public double? ActivityLoss { get; }

    internal T[] Input { get; }

    internal T[] PreActivation { get; }

    internal T[] OutputArray { get; }

    internal int[] OutputShape { get; }

    /// <summary>The layer's name, the dtype (the policy's name for a 16-bit layer), the input and output shapes, and the activity loss.</summary>
    /// <returns>For example <c>&lt;ForwardPass layer=dw, dtype=float32, input=(4, 10, 12), output=(4, 4, 36), activity_loss=None&gt;</c>.</returns>
    public override string ToString() =>
        $"<ForwardPass layer={Layer.Name}, dtype={(Layer.DTypePolicy.Is16Bit ? Layer.DTypePolicy.Name : typeof(T) == typeof(float) ? "float32" : "float64")}, input={Shapes.Format(Geometry.InputShape)}, "
        + $"output={Shapes.Format(OutputShape)}, activity_loss={(ActivityLoss is double loss ? Keras.KerasFloat.Repr(loss) : "None")}>";
}

/// <summary>The gradients of a loss with respect to a layer's input and weights.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class LayerGradients<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal LayerGradients(Tensor<T> input, T[] kernel, int[] kernelShape, T[]? bias)
    {
        Input = input;
        KernelArray = kernel;
        BiasArray = bias;
        Kernel = Tensor.Create(kernel, kernelShape.Select(v => (nint)v).ToArray());
        Bias = bias is null ? null : Tensor.Create(bias, [bias.Length]);
    }

    /// <summary>dLoss/dx, in the input's shape.</summary>
    public Tensor<T> Input { get; }

    /// <summary>dLoss/dK, shape <c>(k, C, M)</c>.</summary>
    public Tensor<T> Kernel { get; }

    /// <summary>dLoss/db, shape <c>(C*M)</c>, or null without a bias.</summary>
    public Tensor<T>? Bias { get; }

    internal T[] KernelArray { get; }

    internal T[]? BiasArray { get; }

    /// <summary>The dtype and the shapes of the three gradients.</summary>
    /// <returns>For example <c>&lt;LayerGradients dtype=float32, input=(4, 10, 12), kernel=(3, 12, 3), bias=(36,)&gt;</c>, with
    /// <c>bias=None</c> for a layer without a bias.</returns>
    public override string ToString() =>
        $"<LayerGradients dtype={(typeof(T) == typeof(float) ? "float32" : "float64")}, input={Shapes.Format(Input)}, kernel={Shapes.Format(Kernel)}, "
        + $"bias={(Bias is null ? "None" : Shapes.Format(Bias))}>";
}

/// <content>Training: a forward pass that keeps what the backward pass needs, and the backward pass.</content>
public partial class DepthwiseConv1D
{
    /// <summary>Runs the layer and keeps the input, pre-activation and output for <see cref="Backward{T}"/>.</summary>
    /// <typeparam name="T">float or double, the layer's dtype.</typeparam>
    /// <param name="inputs">Rank 3, in the layer's data format.</param>
    /// <returns>The pass; its <see cref="ForwardPass{T}.Output"/> equals <see cref="Call(Tensor{float})"/>'s result bit for bit (both
    /// run the layer's one forward composition).</returns>
    /// <exception cref="ArgumentException">The input is incompatible.</exception>
    /// <exception cref="NotSupportedException">A subclass overrides <see cref="ConvolutionOp{T}"/> (its gradient is unknown).</exception>
    public ForwardPass<T> Forward<T>(Tensor<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_convolutionOpOverridden)
        {
            throw new NotSupportedException($"{GetType().Name} overrides ConvolutionOp; DepthwiseSharp cannot differentiate through an override.");
        }

        if (DTypePolicy.Is16Bit)
        {
            return ForwardHalf(inputs);
        }

        var g = PrepareCall<T>(Shapes.FromLengths(inputs.Lengths));
        var x = Dense(inputs).ToArray();
        var z = new T[g.OutputCount];
        int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        int outLast = lastAxis == 0 ? 0 : Activation.OutputLastAxisLength(lastAxis);
        var y = new T[lastAxis == 0 ? 0 : g.OutputCount / lastAxis * outLast];
        double activity = Compose<T>(g, x, null, z, y, activity: true);
        RecordActivityLoss(activity);
        int[] outShape = g.OutputShape;
        outShape[^1] = outLast;
        return new ForwardPass<T>(this, g, x, z, y, outShape, activity);
    }

    /// <summary>Back-propagates <paramref name="outputGradient"/> through the activation, the bias and the convolution.</summary>
    /// <typeparam name="T">float or double, the layer's dtype.</typeparam>
    /// <param name="pass">The forward pass of this layer.</param>
    /// <param name="outputGradient">dLoss/dy, in the output's shape.</param>
    /// <param name="includeRegularization">
    /// Also add the gradients of the layer's losses: the activity regularizer's <c>reg'(y) / N</c> to dLoss/dy, and, when
    /// the layer is trainable, each weight regularizer's gradient to its weight's gradient. False gives the plain
    /// vector-Jacobian product.
    /// </param>
    /// <returns>dLoss/dx, dLoss/dK and dLoss/db.</returns>
    /// <remarks>
    /// <c>dz = act'(z)^T dy</c> (a vector-Jacobian product along the last axis for softmax-like activations);
    /// <c>db = sum_{n,t} dz</c>; <c>dK[j,c,m] = sum_{n,t} dz[n,t,c*M+m] xpad[n,t*s+j*d,c]</c>; dx is the transposed convolution of dz.
    /// </remarks>
    /// <exception cref="ArgumentException">The pass is from another layer, or the gradient's shape differs from the output's.</exception>
    public LayerGradients<T> Backward<T>(ForwardPass<T> pass, Tensor<T> outputGradient, bool includeRegularization = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!ReferenceEquals(pass.Layer, this))
        {
            throw new ArgumentException($"The forward pass is from layer '{pass.Layer.Name}', not '{Name}'.", nameof(pass));
        }

        var dyShape = Shapes.FromLengths(outputGradient.Lengths);
        if (!dyShape.AsSpan().SequenceEqual(pass.OutputShape))
        {
            throw new ArgumentException(
                $"The output gradient has shape {Shapes.Format(dyShape)}; the layer's output has shape {Shapes.Format(pass.OutputShape)}.", nameof(outputGradient));
        }

        var g = pass.Geometry;
        ReadOnlySpan<T> dy = Dense(outputGradient);
        if (includeRegularization && ActivityRegularizer is { } activity && g.Batch > 0)
        {
            var withActivity = dy.ToArray();
            ActivityRegularization.AddGradient<T>(activity, pass.OutputArray, pass.OutputShape, g.Batch, withActivity);
            dy = withActivity;
        }

        var dz = new T[g.OutputCount];
        if (g.OutputCount > 0)
        {
            int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
            Activation.Backward<T>(pass.PreActivation, pass.OutputArray, dy, dz, lastAxis);
        }

        var dx = new T[g.InputCount];
        var dk = new T[g.KernelCount];
        var db = UseBias ? new T[g.OutputChannels] : null;
        // A 16-bit layer's forward used the kernel rounded to the compute dtype; its input gradient goes through the same.
        ReadOnlySpan<T> kernel = DTypePolicy.Is16Bit ? MemoryMarshal.Cast<float, T>(RoundedKernel()) : Kernel.AsSpan<T>();
        BackwardKernel.Input<T>(g, dz, kernel, dx, KernelVariants.Current, MaxDegreeOfParallelism);
        BackwardKernel.KernelAndBias<T>(g, pass.Input, dz, dk, db, KernelVariants.Current, MaxDegreeOfParallelism);
        if (includeRegularization && Trainable)
        {
            DepthwiseRegularizer?.AddGradient<T>(Kernel.AsSpan<T>(), [.. Kernel.Shape], T.One, dk);
            if (db is not null)
            {
                BiasRegularizer?.AddGradient<T>(_bias!.AsSpan<T>(), [.. _bias.Shape], T.One, db);
            }
        }

        return new LayerGradients<T>(Tensor.Create(dx, g.InputShape.Select(v => (nint)v).ToArray()), dk, g.KernelShape, db);
    }
}
