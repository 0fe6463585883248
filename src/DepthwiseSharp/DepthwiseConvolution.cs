using System.Runtime.CompilerServices;
using System.Numerics;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp;

/// <summary>
/// The span-level depthwise 1-D convolution, for callers that own their buffers (pooled arrays, other frameworks' tensors).
/// </summary>
/// <remarks>
/// <c>y[n, t, c*M + m] = b[c*M + m] + sum_{j&lt;k} xpad[n, t*s + j*d, c] * K[j, c, m]</c> where <c>xpad</c> is the input with
/// <see cref="Conv1DGeometry.PadLeft"/> zeros before and <see cref="Conv1DGeometry.PadRight"/> zeros after it.
/// Cross-correlation (the kernel is not flipped). Any stride and dilation together. No activation: the layers add it.
/// Results are identical for every thread count and every SIMD width.
/// </remarks>
public static class DepthwiseConvolution
{
    /// <summary>Computes the convolution of <paramref name="input"/> with <paramref name="kernel"/> plus <paramref name="bias"/>.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>; <see cref="Half"/> runs the 16-bit overload below.</typeparam>
    /// <param name="geometry">Sizes, padding and layout.</param>
    /// <param name="input">The input, <see cref="Conv1DGeometry.InputCount"/> elements in <see cref="Conv1DGeometry.InputShape"/>.</param>
    /// <param name="kernel">The kernel <c>(k, C, M)</c>.</param>
    /// <param name="bias">The bias <c>(C*M)</c>, or empty for none.</param>
    /// <param name="output">Receives <see cref="Conv1DGeometry.OutputCount"/> elements in <see cref="Conv1DGeometry.OutputShape"/>.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; 0 or negative: all processors. The result is the same for every value.</param>
    /// <exception cref="ArgumentException">A span's length does not match the geometry (naming the span, expected and actual lengths).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float, double nor Half.</exception>
    // The per-call path (this, Validate, the geometry's constructor, the executor and its chunk runner) is compiled
    // optimized from the first call: at tier 0, which .NET keeps for a method's first 30 calls and until its background
    // recompile, a 1x128x64 k3 call took 1.5 us instead of 1.17 in the peers harness (bench/README.md).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(in Conv1DGeometry geometry, ReadOnlySpan<T> input, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> output,
        int maxDegreeOfParallelism = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(Half))
        {
            Forward(geometry, Cast<T, Half>(input), Cast<T, Half>(kernel), Cast<T, Half>(bias),
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, Half>(output), maxDegreeOfParallelism);
            return;
        }

        Validate<T>(geometry, input.Length, kernel.Length, bias.Length, output.Length);
        ForwardExecutor.Forward(geometry, input, kernel, bias, output, KernelVariants.Current, null, maxDegreeOfParallelism);
    }

    /// <summary>
    /// The convolution in 16-bit storage: <see cref="Half"/> (Keras's <c>float16</c>) input, weights and output, with every
    /// product and sum in float32 and one rounding at the output.
    /// </summary>
    /// <param name="geometry">Sizes, padding and layout.</param>
    /// <param name="input">The input, <see cref="Conv1DGeometry.InputCount"/> elements in <see cref="Conv1DGeometry.InputShape"/>.</param>
    /// <param name="kernel">The kernel <c>(k, C, M)</c>.</param>
    /// <param name="bias">The bias <c>(C*M)</c>, or empty for none.</param>
    /// <param name="output">Receives <see cref="Conv1DGeometry.OutputCount"/> elements in <see cref="Conv1DGeometry.OutputShape"/>.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; 0 or negative: all processors. The result is the same for every value.</param>
    /// <remarks>
    /// Accuracy: each output differs from the exact sum of its (already 16-bit) terms by at most one unit in the last place
    /// of <see cref="Half"/> at the result plus <c>(k + 1) * 2^-24 * (sum |x * w| + |b|)</c>, the float32 accumulation's
    /// error; on overflow of Half's range (65504) the output is infinity. Results are identical for every
    /// thread count and SIMD width.
    /// </remarks>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void Forward(in Conv1DGeometry geometry, ReadOnlySpan<Half> input, ReadOnlySpan<Half> kernel, ReadOnlySpan<Half> bias, Span<Half> output,
        int maxDegreeOfParallelism = 0)
    {
        Validate<float>(geometry, input.Length, kernel.Length, bias.Length, output.Length);
        HalfForward.Forward(geometry, input, kernel, bias, output, KernelVariants.Current, null, maxDegreeOfParallelism);
    }

    /// <summary>
    /// The convolution in 16-bit storage: <see cref="BFloat16"/> (Keras's <c>bfloat16</c>) input, weights and output, with
    /// every product and sum in float32 and one rounding at the output.
    /// </summary>
    /// <param name="geometry">Sizes, padding and layout.</param>
    /// <param name="input">The input, <see cref="Conv1DGeometry.InputCount"/> elements in <see cref="Conv1DGeometry.InputShape"/>.</param>
    /// <param name="kernel">The kernel <c>(k, C, M)</c>.</param>
    /// <param name="bias">The bias <c>(C*M)</c>, or empty for none.</param>
    /// <param name="output">Receives <see cref="Conv1DGeometry.OutputCount"/> elements in <see cref="Conv1DGeometry.OutputShape"/>.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; 0 or negative: all processors. The result is the same for every value.</param>
    /// <remarks>
    /// Accuracy: each output differs from the exact sum of its (already 16-bit) terms by at most one unit in the last place
    /// of <see cref="BFloat16"/> at the result plus <c>(k + 1) * 2^-24 * (sum |x * w| + |b|)</c>, the float32 accumulation's
    /// error. Results are identical for every thread count and SIMD width.
    /// </remarks>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void Forward(in Conv1DGeometry geometry, ReadOnlySpan<BFloat16> input, ReadOnlySpan<BFloat16> kernel, ReadOnlySpan<BFloat16> bias,
        Span<BFloat16> output, int maxDegreeOfParallelism = 0)
    {
        Validate<float>(geometry, input.Length, kernel.Length, bias.Length, output.Length);
        HalfForward.Forward(geometry, input, kernel, bias, output, KernelVariants.Current, null, maxDegreeOfParallelism);
    }

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : struct
        where TTo : struct => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);

    /// <summary>The gradient with respect to the input: a transposed depthwise convolution of <paramref name="outputGradient"/>.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="geometry">Sizes, padding and layout of the forward call.</param>
    /// <param name="outputGradient">dLoss/dz, in <see cref="Conv1DGeometry.OutputShape"/> (z is the pre-activation output).</param>
    /// <param name="kernel">The kernel <c>(k, C, M)</c>.</param>
    /// <param name="inputGradient">Receives dLoss/dx in <see cref="Conv1DGeometry.InputShape"/>.</param>
    /// <remarks><c>dx[n, l, c] = sum over (t, j, m) with t*s + j*d - padLeft = l of dz[n, t, c*M + m] * K[j, c, m]</c>.</remarks>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; 0 or negative: all processors. The result is the same for every value.</param>
    public static void BackwardInput<T>(in Conv1DGeometry geometry, ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> kernel, Span<T> inputGradient,
        int maxDegreeOfParallelism = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate<T>(geometry, inputGradient.Length, kernel.Length, 0, outputGradient.Length);
        Kernels.BackwardKernel.Input(geometry, outputGradient, kernel, inputGradient, KernelVariants.Current, maxDegreeOfParallelism);
    }

    /// <summary>The gradients with respect to the kernel and the bias: reductions of <paramref name="outputGradient"/> over batch and time.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="geometry">Sizes, padding and layout of the forward call.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="outputGradient">dLoss/dz.</param>
    /// <param name="kernelGradient">Receives dLoss/dK <c>(k, C, M)</c>.</param>
    /// <param name="biasGradient">Receives dLoss/db <c>(C*M)</c>; empty to skip it.</param>
    /// <remarks>
    /// <c>dK[j, c, m] = sum over (n, t) of dz[n, t, c*M + m] * xpad[n, t*s + j*d, c]</c>; <c>db[o] = sum over (n, t) of dz[n, t, o]</c>.
    /// Each batch element's partial sums are added in batch order: the result is the same for every thread count.
    /// </remarks>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; 0 or negative: all processors. The result is the same for every value.</param>
    public static void BackwardKernel<T>(in Conv1DGeometry geometry, ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> kernelGradient,
        Span<T> biasGradient, int maxDegreeOfParallelism = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate<T>(geometry, input.Length, kernelGradient.Length, biasGradient.Length, outputGradient.Length);
        Kernels.BackwardKernel.KernelAndBias(geometry, input, outputGradient, kernelGradient, biasGradient, KernelVariants.Current, maxDegreeOfParallelism);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Validate<T>(in Conv1DGeometry g, int inputLength, int kernelLength, int biasLength, int outputLength)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"DepthwiseSharp computes in float or double; received {typeof(T).Name}.");
        }

        Check("input", g.InputCount, inputLength);
        Check("kernel", g.KernelCount, kernelLength);
        if (biasLength != 0)
        {
            Check("bias", g.OutputChannels, biasLength);
        }

        Check("output", g.OutputCount, outputLength);

        // The check inlines; the throw stays out of the per-call path.
        static void Check(string name, int expected, int actual)
        {
            if (expected != actual)
            {
                ThrowLength(name, expected, actual);
            }
        }

        static void ThrowLength(string name, int expected, int actual) =>
            throw new ArgumentException($"`{name}` must hold {expected} elements for this geometry; it holds {actual}.", name);
    }
}
