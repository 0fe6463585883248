using System.Runtime.CompilerServices;
using System.Globalization;

namespace DepthwiseSharp;

/// <summary>
/// The sizes of one depthwise 1-D convolution: batch, length, channels, multiplier, kernel, stride, dilation and explicit padding.
/// </summary>
/// <remarks>
/// <para>Effective kernel <c>ek = (k - 1) * d + 1</c>; output length <c>Lout = floor((L + padLeft + padRight - ek) / s) + 1</c>,
/// or 0 when the padded length is shorter than <c>ek</c>.</para>
/// <para>Memory layouts (row-major): input <c>(N, L, C)</c> or <c>(N, C, L)</c>; kernel <c>(k, C, M)</c>; bias <c>(C*M)</c>;
/// output <c>(N, Lout, C*M)</c> or <c>(N, C*M, Lout)</c>, output channel <c>c*M + m</c>.</para>
/// </remarks>
public readonly record struct Conv1DGeometry
{
    /// <summary>Creates a geometry with explicit padding, validating every size.</summary>
    /// <param name="batch">N, at least 0.</param>
    /// <param name="length">L, at least 0.</param>
    /// <param name="channels">C, at least 1.</param>
    /// <param name="depthMultiplier">M, at least 1.</param>
    /// <param name="kernelSize">k, at least 1.</param>
    /// <param name="stride">s, at least 1.</param>
    /// <param name="dilation">d, at least 1.</param>
    /// <param name="padLeft">Zeros before the sequence, at least 0.</param>
    /// <param name="padRight">Zeros after the sequence, at least 0.</param>
    /// <param name="dataFormat">Where the channel axis sits.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, naming it and its value.</exception>
    /// <exception cref="ArgumentException">An input, output or kernel would hold more than <see cref="int.MaxValue"/> elements.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Conv1DGeometry(int batch, int length, int channels, int depthMultiplier, int kernelSize, int stride, int dilation,
        int padLeft, int padRight, DataFormat dataFormat)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depthMultiplier);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        ArgumentOutOfRangeException.ThrowIfNegative(padLeft);
        ArgumentOutOfRangeException.ThrowIfNegative(padRight);
        if (dataFormat is not (DataFormat.ChannelsLast or DataFormat.ChannelsFirst))
        {
            throw new ArgumentOutOfRangeException(nameof(dataFormat), dataFormat, "Unknown data format.");
        }

        long effective = ((long)kernelSize - 1) * dilation + 1;
        long padded = (long)length + padLeft + padRight;
        long outLength = padded >= effective ? (padded - effective) / stride + 1 : 0;
        CheckCount("input", (long)batch * length, channels);
        CheckCount("output", (long)batch * outLength, (long)channels * depthMultiplier);
        CheckCount("kernel", (long)kernelSize * channels, depthMultiplier);
        if (effective > int.MaxValue || padded > int.MaxValue)
        {
            throw new ArgumentException($"The effective kernel size {effective} or padded length {padded} exceeds {int.MaxValue}.", nameof(kernelSize));
        }

        // With at most one output step every stride past the padded input gives the same result; keep the smallest such
        // stride, so that no loop or buffer is sized by a stride far beyond the data (2^31 - 1 overflowed the kernels' indices).
        if (outLength <= 1 && stride > padded - effective + 1)
        {
            stride = (int)Math.Max(1, padded - effective + 1);
        }

        Batch = batch;
        Length = length;
        Channels = channels;
        DepthMultiplier = depthMultiplier;
        KernelSize = kernelSize;
        Stride = stride;
        Dilation = dilation;
        PadLeft = padLeft;
        PadRight = padRight;
        DataFormat = dataFormat;
        OutputLength = (int)outLength;
    }

    /// <summary>N.</summary>
    public int Batch { get; }

    /// <summary>L, the input length.</summary>
    public int Length { get; }

    /// <summary>C, the input channels.</summary>
    public int Channels { get; }

    /// <summary>M, the depth multiplier.</summary>
    public int DepthMultiplier { get; }

    /// <summary>k, the kernel size.</summary>
    public int KernelSize { get; }

    /// <summary>s, the stride.</summary>
    /// <remarks>
    /// When the output has at most one step, a stride beyond the padded input changes nothing, and the geometry holds the
    /// smallest stride with the same result (<c>max(1, L + padLeft + padRight - ek + 1)</c>) instead of the one requested.
    /// </remarks>
    public int Stride { get; }

    /// <summary>d, the dilation.</summary>
    public int Dilation { get; }

    /// <summary>Zeros before the sequence.</summary>
    public int PadLeft { get; }

    /// <summary>Zeros after the sequence.</summary>
    public int PadRight { get; }

    /// <summary>The memory layout of input and output.</summary>
    public DataFormat DataFormat { get; }

    /// <summary>Lout.</summary>
    public int OutputLength { get; }

    /// <summary>C * M.</summary>
    public int OutputChannels => Channels * DepthMultiplier;

    /// <summary><c>(k - 1) * d + 1</c>.</summary>
    public int EffectiveKernelSize => (KernelSize - 1) * Dilation + 1;

    /// <summary>
    /// The taps [First, End) of a window starting at input row <paramref name="start"/> (<c>t * stride - padLeft</c>) that
    /// land inside the sequence: tap j reads row <c>start + j * d</c>. End is never below First (an output step wholly in
    /// the padding has none). Without dilation no division is needed: the kernels call this for every edge step, where a
    /// division costs more than the step's few taps.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal (int First, int End) ValidTaps(int start)
    {
        int d = Dilation, l = Length;
        int first = start >= 0 ? 0 : d == 1 ? -start : (-start + d - 1) / d;
        int end = start > l - 1 ? 0 : Math.Min(KernelSize, d == 1 ? l - start : (l - 1 - start) / d + 1);
        return (first, Math.Max(first, end));
    }

    /// <summary>N * L * C.</summary>
    public int InputCount => Batch * Length * Channels;

    /// <summary>N * Lout * C * M.</summary>
    public int OutputCount => Batch * OutputLength * OutputChannels;

    /// <summary>k * C * M.</summary>
    public int KernelCount => KernelSize * Channels * DepthMultiplier;

    /// <summary>The input shape in this geometry's data format.</summary>
    public int[] InputShape => DataFormat == DataFormat.ChannelsLast ? [Batch, Length, Channels] : [Batch, Channels, Length];

    /// <summary>The output shape in this geometry's data format.</summary>
    public int[] OutputShape => DataFormat == DataFormat.ChannelsLast
        ? [Batch, OutputLength, OutputChannels]
        : [Batch, OutputChannels, OutputLength];

    /// <summary>The kernel shape <c>(k, C, M)</c>.</summary>
    public int[] KernelShape => [KernelSize, Channels, DepthMultiplier];

    /// <summary>The layout, the shapes and the convolution's settings, Keras-named.</summary>
    /// <returns>For example <c>&lt;Conv1DGeometry data_format=channels_last, input=(4, 10, 12), kernel=(3, 12, 3), strides=2,
    /// dilation_rate=1, padding=(0, 0), output=(4, 4, 36)&gt;</c>; padding is (zeros before, zeros after).</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"<Conv1DGeometry data_format={DataFormat.ToKeras()}, input={Shapes.Format(InputShape)}, kernel={Shapes.Format(KernelShape)}, "
        + $"strides={Stride}, dilation_rate={Dilation}, padding=({PadLeft}, {PadRight}), output={Shapes.Format(OutputShape)}>");

    /// <summary>Creates a geometry from a Keras padding mode.</summary>
    /// <param name="batch">N.</param>
    /// <param name="length">L.</param>
    /// <param name="channels">C.</param>
    /// <param name="depthMultiplier">M.</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="stride">s.</param>
    /// <param name="dilation">d.</param>
    /// <param name="padding">valid, same (TensorFlow's rule: the odd extra zero at the end) or causal ((k-1)*d zeros on the left).</param>
    /// <param name="dataFormat">The layout.</param>
    /// <returns>The geometry.</returns>
    /// <exception cref="ArgumentException">Keras's "Computed output size would be zero or negative. Received `inputs shape=(2, 3, 4)`,
    /// `kernel shape=(5, 4, 4)`, `dilation_rate=[1]`, `strides=(1,)`, `padding=valid`." for valid padding with L &lt; ek; any invalid size.</exception>
    public static Conv1DGeometry ForPadding(int batch, int length, int channels, int depthMultiplier, int kernelSize, int stride,
        int dilation, Padding padding, DataFormat dataFormat)
    {
        if (padding == Padding.Valid && length >= 0 && kernelSize > 0 && dilation > 0 && length < ((long)kernelSize - 1) * dilation + 1)
        {
            int?[] shape = dataFormat == DataFormat.ChannelsFirst ? [batch, channels, length] : [batch, length, channels];
            throw new KerasArgumentException(OutputSizeError(shape, kernelSize, channels, depthMultiplier, stride, dilation), nameof(length));
        }

        var (left, right) = Pads(length, kernelSize, stride, dilation, padding);
        return new Conv1DGeometry(batch, length, channels, depthMultiplier, kernelSize, stride, dilation, left, right, dataFormat);
    }

    /// <summary>
    /// Keras 3.15.1's whole text for valid padding with an input shorter than the effective kernel (keras/src/ops/
    /// operation_utils.py, <c>compute_conv_output_shape</c>), with Python's reprs: the input shape as a tuple, the kernel shape
    /// Keras builds there, <c>(k, C, C*M)</c> (its <c>filters</c> is C*M), the dilation as a numpy array, the strides as a tuple.
    /// </summary>
    internal static string OutputSizeError(IReadOnlyList<int?> inputShape, int kernelSize, int? channels, int depthMultiplier, int stride, int dilation)
    {
        string c = channels is int ch ? ch.ToString(CultureInfo.InvariantCulture) : "None";
        string filters = channels is int n ? ((long)n * depthMultiplier).ToString(CultureInfo.InvariantCulture) : "None";
        return "Computed output size would be zero or negative. Received "
            + $"`inputs shape={Shapes.Format(inputShape)}`, `kernel shape=({kernelSize.ToString(CultureInfo.InvariantCulture)}, {c}, {filters})`, "
            + $"`dilation_rate=[{dilation.ToString(CultureInfo.InvariantCulture)}]`, `strides=({stride.ToString(CultureInfo.InvariantCulture)},)`, `padding=valid`.";
    }

    /// <summary>The output length for a Keras padding mode, or null when <paramref name="length"/> is unknown.</summary>
    /// <param name="length">L, or null.</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="stride">s.</param>
    /// <param name="dilation">d.</param>
    /// <param name="padding">The padding mode.</param>
    /// <returns>Lout.</returns>
    /// <exception cref="ArgumentException">"Computed output size would be zero or negative." for valid padding with L &lt; ek.</exception>
    public static int? OutputLengthFor(int? length, int kernelSize, int stride, int dilation, Padding padding)
    {
        if (length is not int l)
        {
            return null;
        }

        var (left, right) = Pads(l, kernelSize, stride, dilation, padding);
        long effective = ((long)kernelSize - 1) * dilation + 1;
        long padded = (long)l + left + right;
        return padded >= effective ? (int)((padded - effective) / stride + 1) : 0;
    }

    /// <summary>The left and right zero padding of a Keras padding mode.</summary>
    /// <param name="length">L.</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="stride">s.</param>
    /// <param name="dilation">d.</param>
    /// <param name="padding">The padding mode.</param>
    /// <returns>(padLeft, padRight).</returns>
    /// <exception cref="ArgumentException">"Computed output size would be zero or negative." for valid padding with L &lt; ek.</exception>
    public static (int Left, int Right) Pads(int length, int kernelSize, int stride, int dilation, Padding padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        long effective = ((long)kernelSize - 1) * dilation + 1;
        switch (padding)
        {
            case Padding.Valid:
                if (length < effective)
                {
                    throw new ArgumentException(
                        $"Computed output size would be zero or negative. Received: input length={length}, kernel_size={kernelSize}, dilation_rate={dilation} (effective kernel size {effective}), padding='valid'.",
                        nameof(length));
                }

                return (0, 0);
            case Padding.Same:
                long outLength = ((long)length + stride - 1) / stride;
                long total = Math.Max((outLength - 1) * stride + effective - length, 0);
                CheckPadding(total, length, kernelSize, dilation, effective, padding);
                return ((int)(total / 2), (int)(total - total / 2));
            case Padding.Causal:
                CheckPadding(effective - 1, length, kernelSize, dilation, effective, padding);
                return ((int)(effective - 1), 0);
            default:
                throw new ArgumentOutOfRangeException(nameof(padding), padding, "Unknown padding.");
        }
    }

    // Checked here so that a huge dilation is refused with its reason, not an OverflowException.
    private static void CheckPadding(long totalPad, int length, int kernelSize, int dilation, long effective, Padding padding)
    {
        if (totalPad + length > int.MaxValue)
        {
            throw new ArgumentException(
                $"The padded input would be longer than {int.MaxValue}: input length={length}, kernel_size={kernelSize}, dilation_rate={dilation} (effective kernel size {effective}), padding='{padding.ToKeras()}'.",
                nameof(dilation));
        }
    }

    private static void CheckCount(string what, long a, long b)
    {
        if (a > int.MaxValue || b > int.MaxValue || a * b > int.MaxValue)
        {
            throw new ArgumentException(
                $"The {what} would hold {(decimal)a * b} elements, more than the {int.MaxValue} a .NET array can hold.", what);
        }
    }
}
