namespace DepthwiseSharp.Serialization;

/// <summary>Choices for <see cref="OnnxExporter"/>: the opset, the names of the graph's input and output, and its dimensions.</summary>
/// <remarks>
/// The defaults give a graph with one float input <c>input</c> of shape <c>(batch, length, C)</c> (channels_last) or
/// <c>(batch, C, length)</c> (channels_first) and one output <c>output</c>, batch and length symbolic, for opset 17.
/// </remarks>
public sealed class OnnxExportOptions
{
    /// <summary>The lowest opset the exporter writes.</summary>
    public const int MinOpset = 14;

    /// <summary>The highest opset the exporter writes.</summary>
    public const int MaxOpset = 22;

    /// <summary>
    /// The ONNX opset version, from <see cref="MinOpset"/> to <see cref="MaxOpset"/>. Default 17, which every current runtime
    /// reads; from 18 on mish is the Mish operator and from 20 on gelu is the Gelu operator (below, both are decomposed
    /// into Softplus/Tanh and Erf exactly as their formulas).
    /// </summary>
    public int Opset { get; init; } = 17;

    /// <summary>The graph input's name. Default <c>input</c>.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The graph output's name. Default <c>output</c>.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>The batch size, or null (default) for the symbolic dimension <see cref="BatchDimension"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// The input length, or null (default) for the symbolic dimension <see cref="LengthDimension"/>. A fixed length lets
    /// <c>same</c> padding with a stride above 1 use constant pads (otherwise they are computed from the input's shape in the graph).
    /// </summary>
    public int? Length { get; init; }

    /// <summary>The name of the symbolic batch dimension. Default <c>batch</c>.</summary>
    public string BatchDimension { get; init; } = "batch";

    /// <summary>The name of the symbolic input length. Default <c>length</c>.</summary>
    public string LengthDimension { get; init; } = "length";

    /// <summary>The name of the symbolic output length. Default <c>output_length</c>.</summary>
    public string OutputLengthDimension { get; init; } = "output_length";
}
