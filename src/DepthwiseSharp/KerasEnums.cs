namespace DepthwiseSharp;

/// <summary>How the sequence is padded (Keras <c>padding</c>).</summary>
public enum Padding
{
    /// <summary>No padding: <c>Lout = floor((L - ek) / s) + 1</c>.</summary>
    Valid,

    /// <summary>TensorFlow SAME padding: <c>Lout = ceil(L / s)</c>, the odd extra zero goes at the end.</summary>
    Same,

    /// <summary>(k - 1) * d zeros on the left only. Keras's DepthwiseConv1D refuses it; the causal layer uses it.</summary>
    Causal,
}

/// <summary>Where the channel axis sits (Keras <c>data_format</c>).</summary>
public enum DataFormat
{
    /// <summary>Inputs are (N, L, C), outputs (N, Lout, C*M).</summary>
    ChannelsLast,

    /// <summary>Inputs are (N, C, L), outputs (N, C*M, Lout).</summary>
    ChannelsFirst,
}

/// <summary>The floating-point type a layer computes and stores its weights in (Keras <c>dtype</c>).</summary>
public enum DType
{
    /// <summary><c>float32</c>, the Keras default.</summary>
    Float32,

    /// <summary><c>float64</c>.</summary>
    Float64,

    /// <summary><c>float16</c> (IEEE binary16, .NET's <see cref="Half"/>).</summary>
    Float16,

    /// <summary><c>bfloat16</c> (<see cref="DepthwiseSharp.BFloat16"/>).</summary>
    BFloat16,
}

/// <summary>Conversions between the Keras strings and the enums, with Keras's error messages.</summary>
public static class KerasEnums
{
    /// <summary>Parses a Keras padding string, case-insensitively.</summary>
    /// <param name="value">"valid", "same" or "causal".</param>
    /// <returns>The padding.</returns>
    /// <exception cref="ArgumentException">Any other value, naming the <c>padding</c> argument.</exception>
    public static Padding ParsePadding(string value)
    {
        ArgumentNullException.ThrowIfNull(value, "padding");
        string lower = value.ToLowerInvariant();
        return lower switch
        {
            "valid" => Padding.Valid,
            "same" => Padding.Same,
            "causal" => Padding.Causal,
            _ => throw new KerasArgumentException(PaddingError(lower), "padding"),
        };
    }

    /// <summary>
    /// Keras 3.15.1's text for a padding DepthwiseConv1D does not take (<c>standardize_padding</c> in
    /// keras/src/utils/argument_validation.py), which shows the value lower-cased. Keras prints a Python set, whose order
    /// changes with the string hash seed; this is one of its two orders.
    /// </summary>
    internal static string PaddingError(string received) =>
        $"The `padding` argument must be a list/tuple or one of {{'same', 'valid'}}. Received: {received}";

    /// <summary>The Keras string of a padding.</summary>
    /// <param name="value">The padding.</param>
    /// <returns>"valid", "same" or "causal".</returns>
    public static string ToKeras(this Padding value) => value switch
    {
        Padding.Valid => "valid",
        Padding.Same => "same",
        Padding.Causal => "causal",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown padding."),
    };

    /// <summary>Parses a Keras data format string, case-insensitively.</summary>
    /// <param name="value">"channels_last" or "channels_first".</param>
    /// <returns>The data format.</returns>
    /// <exception cref="ArgumentException">Any other value, naming the <c>data_format</c> argument.</exception>
    public static DataFormat ParseDataFormat(string value)
    {
        ArgumentNullException.ThrowIfNull(value, "data_format");
        return value.ToLowerInvariant() switch
        {
            "channels_last" => DataFormat.ChannelsLast,
            "channels_first" => DataFormat.ChannelsFirst,
            _ => throw new KerasArgumentException(DataFormatError(value.ToLowerInvariant()), "data_format"),
        };
    }

    /// <summary>Keras's text (<c>standardize_data_format</c> in keras/src/backend/config.py), which shows the value lower-cased.</summary>
    internal static string DataFormatError(string received) =>
        $"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. Received: data_format={received}";

    /// <summary>The Keras string of a data format.</summary>
    /// <param name="value">The data format.</param>
    /// <returns>"channels_last" or "channels_first".</returns>
    public static string ToKeras(this DataFormat value) => value switch
    {
        DataFormat.ChannelsLast => "channels_last",
        DataFormat.ChannelsFirst => "channels_first",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown data format."),
    };

    /// <summary>Parses a Keras dtype name, case-insensitively.</summary>
    /// <param name="value">"float32", "float64", "float16" or "bfloat16" (also "float" and "double").</param>
    /// <returns>The dtype.</returns>
    /// <exception cref="ArgumentException">Any other value (a policy name such as mixed_float16 included: see
    /// <see cref="DTypePolicy.Get"/>), naming the <c>dtype</c> argument.</exception>
    public static DType ParseDType(string value)
    {
        var policy = DTypePolicy.Get(value);
        if (policy.ComputeDType != policy.VariableDType)
        {
            throw new KerasArgumentException($"Invalid dtype: {value}. '{policy.Name}' is a policy of two dtypes; give it where a dtype policy is taken.", "dtype");
        }

        return policy.ComputeDType;
    }

    /// <summary>The Keras string of a dtype.</summary>
    /// <param name="value">The dtype.</param>
    /// <returns>"float32", "float64", "float16" or "bfloat16".</returns>
    public static string ToKeras(this DType value) => value switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown dtype."),
    };
}
