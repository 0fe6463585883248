using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Kernels;
using DepthwiseSharp.Regularizers;

namespace DepthwiseSharp.Layers;

/// <content>
/// The one forward composition: convolution (with the bias fused), activation, activity loss. <see cref="Call(Tensor{float})"/>,
/// <see cref="Call{T}(ReadOnlySpan{T}, ReadOnlySpan{int}, Span{T})"/>, <see cref="Forward{T}"/> and
/// <see cref="Streaming.DepthwiseStream{T}"/> all run it, so they give the same bits for the same pre-activation.
/// </content>
public partial class DepthwiseConv1D
{
    /// <summary>
    /// The composition for a caller that holds any of the four element types (a stream): float and double run
    /// <see cref="Compose{T}"/>, Half and BFloat16 the 16-bit composition, which keeps its own pre-activation where it needs one.
    /// </summary>
    internal void ComposeAny<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, Span<T> z, Span<T> y)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Compose(g, MemoryMarshal.Cast<T, float>(x), null, MemoryMarshal.Cast<T, float>(z), MemoryMarshal.Cast<T, float>(y), activity: false);
        }
        else if (typeof(T) == typeof(double))
        {
            Compose(g, MemoryMarshal.Cast<T, double>(x), null, MemoryMarshal.Cast<T, double>(z), MemoryMarshal.Cast<T, double>(y), activity: false);
        }
        else
        {
            ComposeHalf(g, x, y, null, activity: false);
        }
    }

    /// <summary>
    /// Runs the layer's forward composition for one geometry: <c>z = conv(x) + b</c>, <c>y = act(z)</c>, and returns the
    /// activity loss of <c>y</c> (<see cref="ActivityRegularization.Loss{T}"/>), or NaN when there is no activity
    /// regularizer or <paramref name="activity"/> is false.
    /// </summary>
    /// <param name="g">The call's sizes (the layer's own, or a stream window's with its own padding).</param>
    /// <param name="x">The input, dense, in <paramref name="g"/>'s layout.</param>
    /// <param name="xTensor">The input as the caller's tensor, for a <see cref="ConvolutionOp{T}"/> override; null builds one.</param>
    /// <param name="z">Receives the pre-activation (<c>g.OutputCount</c> values).</param>
    /// <param name="y">Receives the output. When it is <paramref name="z"/> itself, the activation runs as the kernel's
    /// per-row epilogue while the rows are in cache; otherwise it is a second pass. Both give the same bits: every
    /// elementwise activation computes an element the same way wherever it sits in a row (see <c>Loops</c>).</param>
    /// <param name="activity">Whether to compute the activity loss.</param>
    /// <returns>The activity loss, or NaN.</returns>
    internal double Compose<T>(in Conv1DGeometry g, ReadOnlySpan<T> x, Tensor<T>? xTensor, Span<T> z, Span<T> y, bool activity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lastAxis = g.DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        int outLast = lastAxis == 0 ? 0 : Activation.OutputLastAxisLength(lastAxis);
        bool inPlace = z.Length == y.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(y));
        if (inPlace && outLast != lastAxis)
        {
            throw new InvalidOperationException($"Activation '{Activation.Name}' changes the output shape; it needs its own output buffer.");
        }

        ReadOnlySpan<T> bias = _bias is null ? default : _bias.AsSpan<T>();
        bool secondPass = true;
        if (_convolutionOpOverridden)
        {
            var conv = ConvolutionOp(xTensor ?? Tensor.Create(x.ToArray(), ToLengths(g.InputShape)), Kernel.ToTensor<T>());
            if (!Shapes.FromLengths(conv.Lengths).AsSpan().SequenceEqual(g.OutputShape))
            {
                throw new InvalidOperationException(
                    $"{GetType().Name}.ConvolutionOp returned shape {Shapes.Format(Shapes.FromLengths(conv.Lengths))}; expected {Shapes.Format(g.OutputShape)}.");
            }

            conv.FlattenTo(z);
            if (!bias.IsEmpty)
            {
                AddBias<T>(g, z, bias);
            }
        }
        else
        {
            Activation? epilogue = inPlace && Activation.Name != "linear" ? Activation : null;
            ForwardExecutor.Forward<T>(g, x, Kernel.AsSpan<T>(), bias, z, KernelVariants.Current, epilogue, MaxDegreeOfParallelism);
            secondPass = !inPlace;
        }

        if (secondPass && g.OutputCount > 0 && !(inPlace && Activation.Name == "linear"))
        {
            Activation.Forward<T>(z, y, lastAxis);
        }

        if (!activity || ActivityRegularizer is not { } reg)
        {
            return double.NaN;
        }

        int[] outShape = g.OutputShape;
        outShape[^1] = outLast;
        return ActivityRegularization.Loss<T>(reg, y, outShape, g.Batch);
    }
}

/// <summary>
/// The activity regularizer's term of the loss and its gradient, in one place: Keras adds <c>reg(y) / N</c> (the batch
/// size) to the layer's losses, so the gradient is <c>reg'(y) / N</c>.
/// </summary>
internal static class ActivityRegularization
{
    /// <summary><c>reg(y) / N</c>; 0 for an empty batch.</summary>
    public static double Loss<T>(Regularizer reg, ReadOnlySpan<T> y, ReadOnlySpan<int> shape, int batch)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        batch == 0 ? 0 : double.CreateTruncating(reg.Compute<T>(y, shape)) / batch;

    /// <summary>Adds <c>reg'(y) / N</c> to <paramref name="dy"/>; nothing for an empty batch.</summary>
    public static void AddGradient<T>(Regularizer reg, ReadOnlySpan<T> y, ReadOnlySpan<int> shape, int batch, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch > 0)
        {
            reg.AddGradient<T>(y, shape, T.One / T.CreateTruncating(batch), dy);
        }
    }
}
