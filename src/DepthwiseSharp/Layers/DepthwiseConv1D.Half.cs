using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Layers;

/// <content>
/// The 16-bit policies (float16, bfloat16, mixed_float16, mixed_bfloat16). As in Keras, the input is cast to the compute
/// dtype, the weights are cast to it when used, the pre-activation and the output are values of that type. DepthwiseSharp
/// sums in float32 and rounds once to form the pre-activation, then applies the activation in float32 to it and rounds
/// once more; Keras rounds after its separate convolution and bias steps too, so the two agree within one unit in the last
/// place of the 16-bit type (plus float32's accumulation error).
/// </content>
public partial class DepthwiseConv1D
{
    /// <summary>Runs a float16 layer (policy float16 or mixed_float16) on a float16 batch.</summary>
    /// <param name="inputs">Rank 3, in the layer's data format.</param>
    /// <returns>A new float16 tensor of <see cref="ComputeOutputShape"/>.</returns>
    /// <exception cref="ArgumentException">The input is incompatible.</exception>
    /// <exception cref="InvalidOperationException">The layer does not compute in float16.</exception>
    public Tensor<Half> Call(Tensor<Half> inputs) => CallHalf(inputs);

    /// <summary>Runs a bfloat16 layer (policy bfloat16 or mixed_bfloat16) on a bfloat16 batch.</summary>
    /// <param name="inputs">Rank 3, in the layer's data format.</param>
    /// <returns>A new bfloat16 tensor of <see cref="ComputeOutputShape"/>.</returns>
    /// <exception cref="ArgumentException">The input is incompatible.</exception>
    /// <exception cref="InvalidOperationException">The layer does not compute in bfloat16.</exception>
    public Tensor<BFloat16> Call(Tensor<BFloat16> inputs) => CallHalf(inputs);

    /// <summary>
    /// Runs a bfloat16 layer into a caller-owned buffer: no allocation after warm-up. The activation must keep the output
    /// shape (every activation but glu).
    /// </summary>
    /// <param name="inputs">The input values, row-major.</param>
    /// <param name="inputShape">Their shape, rank 3, in the layer's data format.</param>
    /// <param name="output">Receives the output; its length must be the product of <see cref="ComputeOutputShape"/>.</param>
    /// <exception cref="ArgumentException">Incompatible shapes or lengths.</exception>
    /// <exception cref="InvalidOperationException">The layer does not compute in bfloat16.</exception>
    /// <exception cref="NotSupportedException">The activation changes the shape (glu).</exception>
    public void Call(ReadOnlySpan<BFloat16> inputs, ReadOnlySpan<int> inputShape, Span<BFloat16> output) => CallHalfInto(inputs, inputShape, output);

    private void CallHalfInto<TH>(ReadOnlySpan<TH> inputs, ReadOnlySpan<int> inputShape, Span<TH> output)
        where TH : unmanaged
    {
        var g = PrepareCall<TH>(inputShape);
        int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        if (lastAxis > 0 && Activation.OutputLastAxisLength(lastAxis) != lastAxis)
        {
            throw new NotSupportedException($"Activation '{Activation.Name}' changes the output shape; use Call(Tensor).");
        }

        DepthwiseConvolution.Validate<float>(g, inputs.Length, Kernel.Count, 0, output.Length);
        RecordActivityLoss(ComposeHalf(g, inputs, output, z: null, activity: true));
    }

    private Tensor<TH> CallHalf<TH>(Tensor<TH> inputs)
        where TH : unmanaged
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var g = PrepareCall<TH>(Shapes.FromLengths(inputs.Lengths));
        var y = new TH[OutputCount(g)];
        RecordActivityLoss(ComposeHalf<TH>(g, Dense(inputs), y, z: null, activity: true));
        return Tensor.Create(y, ToLengths(OutputShapeOf(g)));
    }

    /// <summary>Keras's autocast: a float32 or float64 batch into a 16-bit layer is rounded to the compute dtype; the output's
    /// 16-bit values come back widened (exactly) to <typeparamref name="T"/>.</summary>
    private Tensor<T> CallAutocast<T>(Tensor<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var g = PrepareCall<T>(Shapes.FromLengths(inputs.Lengths));
        var y = new T[OutputCount(g)];
        if (ComputeDType == DType.Float16)
        {
            Autocast<T, Half>(g, Dense(inputs), y, null, activity: true);
        }
        else
        {
            Autocast<T, BFloat16>(g, Dense(inputs), y, null, activity: true);
        }

        return Tensor.Create(y, ToLengths(OutputShapeOf(g)));
    }

    /// <summary>
    /// Rounds <paramref name="x"/> to <typeparamref name="TH"/>, runs <see cref="ComposeHalf"/>, widens y (and z, and the
    /// rounded input into <paramref name="roundedInput"/>) to T.
    /// </summary>
    private double Autocast<T, TH>(in Conv1DGeometry g, ReadOnlySpan<T> x, Span<T> y, T[]? z, bool activity, T[]? roundedInput = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TH : unmanaged
    {
        var xh = new TH[x.Length];
        To16(x, xh);
        if (roundedInput is not null)
        {
            From16<TH, T>(xh, roundedInput);
        }

        var yh = new TH[y.Length];
        var zh = z is null ? null : new TH[z.Length];
        double loss = ComposeHalf<TH>(g, xh, yh, zh, activity);
        From16<TH, T>(yh, y);
        if (z is not null)
        {
            From16<TH, T>(zh, z);
        }

        return loss;
    }

    /// <summary>
    /// The forward composition in 16 bits: <c>z = round(conv(x, round(K)) + round(b))</c> with float32 sums, <c>y = round(act(z))</c>
    /// with the activation in float32 (fused into the convolution's tiles when it is elementwise), and the activity loss
    /// of y (in float64 from its 16-bit values), or NaN.
    /// </summary>
    internal double ComposeHalf<TH>(in Conv1DGeometry g, ReadOnlySpan<TH> x, Span<TH> y, TH[]? z, bool activity)
        where TH : unmanaged
    {
        if (_convolutionOpOverridden)
        {
            throw new NotSupportedException($"{GetType().Name} overrides ConvolutionOp, which takes float or double tensors; layer '{Name}' computes in {ComputeDType.ToKeras()}.");
        }

        int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        float[] k = ArrayPool<float>.Shared.Rent(Kernel.Count);
        float[]? b = _bias is null ? null : ArrayPool<float>.Shared.Rent(_bias.Count);
        try
        {
            // Keras casts the float32 variables to the compute dtype where they are used.
            HalfForward.RoundTo<TH>(Kernel.AsSpan<float>(), k.AsSpan(0, Kernel.Count));
            var bias = b is null ? ReadOnlySpan<float>.Empty : b.AsSpan(0, _bias!.Count);
            if (b is not null)
            {
                HalfForward.RoundTo<TH>(_bias!.AsSpan<float>(), b.AsSpan(0, _bias.Count));
            }

            bool linear = Activation.Name == "linear";
            if (z is null && (linear || Activation.IsElementwise))
            {
                HalfForward.Forward<TH>(g, x, k.AsSpan(0, Kernel.Count), bias, y, KernelVariants.Current, linear ? null : Activation, MaxDegreeOfParallelism);
            }
            else
            {
                // The pre-activation is kept (training) or the activation needs whole rows (softmax, glu): z first, then
                // the activation over it in float32.
                // Scratch from the pool: a span call with softmax allocates nothing after warm-up either.
                TH[]? pooled = z is null ? ArrayPool<TH>.Shared.Rent(g.OutputCount) : null;
                float[] zf = ArrayPool<float>.Shared.Rent(g.OutputCount);
                float[] yf = ArrayPool<float>.Shared.Rent(y.Length);
                try
                {
                    var zh = (z ?? pooled!).AsSpan(0, g.OutputCount);
                    HalfForward.Forward<TH>(g, x, k.AsSpan(0, Kernel.Count), bias, zh, KernelVariants.Current, null, MaxDegreeOfParallelism);
                    HalfForward.Widen<TH>(zh, zf.AsSpan(0, g.OutputCount));
                    if (g.OutputCount > 0)
                    {
                        Activation.Forward<float>(zf.AsSpan(0, g.OutputCount), yf.AsSpan(0, y.Length), lastAxis);
                    }

                    HalfForward.Narrow<TH>(yf.AsSpan(0, y.Length), y);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(zf);
                    ArrayPool<float>.Shared.Return(yf);
                    if (pooled is not null)
                    {
                        ArrayPool<TH>.Shared.Return(pooled);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(k);
            if (b is not null)
            {
                ArrayPool<float>.Shared.Return(b);
            }
        }

        if (!activity || ActivityRegularizer is not { } reg)
        {
            return double.NaN;
        }

        float[] wide = ArrayPool<float>.Shared.Rent(y.Length);
        try
        {
            HalfForward.Widen<TH>(y, wide.AsSpan(0, y.Length));
            return ActivityRegularization.Loss<float>(reg, wide.AsSpan(0, y.Length), OutputShapeOf(g), g.Batch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(wide);
        }
    }

    /// <summary>The training forward pass of a 16-bit layer on float32 values: the rounded input, z and y, all 16-bit values.</summary>
    private ForwardPass<T> ForwardHalf<T>(Tensor<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float))
        {
            throw new InvalidOperationException(
                $"Layer '{Name}' computes in {ComputeDType.ToKeras()} (policy {DTypePolicy.Name}); train it on Tensor<float> values (received Tensor<{typeof(T).Name}>).");
        }

        var g = PrepareCall<T>(Shapes.FromLengths(inputs.Lengths));
        var x = new T[g.InputCount];
        var z = new T[g.OutputCount];
        var y = new T[OutputCount(g)];
        double activity = ComputeDType == DType.Float16
            ? Autocast<T, Half>(g, Dense(inputs), y, z, activity: true, roundedInput: x)
            : Autocast<T, BFloat16>(g, Dense(inputs), y, z, activity: true, roundedInput: x);
        RecordActivityLoss(activity);
        return new ForwardPass<T>(this, g, x, z, y, OutputShapeOf(g), activity);
    }

    /// <summary>The kernel as the 16-bit compute dtype sees it (float32 values the type holds exactly), for the backward pass.</summary>
    private float[] RoundedKernel()
    {
        var k = new float[Kernel.Count];
        if (ComputeDType == DType.Float16)
        {
            HalfForward.RoundTo<Half>(Kernel.AsSpan<float>(), k);
        }
        else
        {
            HalfForward.RoundTo<BFloat16>(Kernel.AsSpan<float>(), k);
        }

        return k;
    }

    private int OutputCount(in Conv1DGeometry g)
    {
        int lastAxis = DataFormat == DataFormat.ChannelsLast ? g.OutputChannels : g.OutputLength;
        return lastAxis == 0 ? 0 : g.OutputCount / lastAxis * Activation.OutputLastAxisLength(lastAxis);
    }

    private int[] OutputShapeOf(in Conv1DGeometry g)
    {
        int[] shape = g.OutputShape;
        shape[^1] = shape[^1] == 0 ? 0 : Activation.OutputLastAxisLength(shape[^1]);
        return shape;
    }

    private static void To16<T, TH>(ReadOnlySpan<T> source, Span<TH> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TH : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            HalfForward.Narrow<TH>(MemoryMarshal.Cast<T, float>(source), destination);
            return;
        }

        // float64: one rounding straight to the 16-bit type (through float32 a value could round twice).
        for (int i = 0; i < source.Length; i++)
        {
            double v = double.CreateTruncating(source[i]);
            destination[i] = typeof(TH) == typeof(Half) ? (TH)(object)(Half)v : (TH)(object)(BFloat16)v;
        }
    }

    private static void From16<TH, T>(ReadOnlySpan<TH> source, Span<T> destination)
        where TH : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            HalfForward.Widen(source, MemoryMarshal.Cast<T, float>(destination));
            return;
        }

        var wide = new float[source.Length];
        HalfForward.Widen(source, wide);
        for (int i = 0; i < wide.Length; i++)
        {
            destination[i] = T.CreateTruncating(wide[i]);
        }
    }
}
