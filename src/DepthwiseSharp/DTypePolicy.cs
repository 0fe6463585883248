using System.Text.Json.Nodes;

namespace DepthwiseSharp;

/// <summary>
/// Keras's dtype policy (<c>keras.DTypePolicy</c>): the dtype a layer computes in and the dtype of its weights.
/// <c>float32</c>, <c>float64</c>, <c>float16</c> and <c>bfloat16</c> use one dtype for both; <c>mixed_float16</c> and
/// <c>mixed_bfloat16</c> keep float32 weights and compute in the 16-bit type (inputs and weights are rounded to it when used,
/// and the output is in it), as Keras's mixed precision does.
/// </summary>
/// <remarks>
/// A <see cref="DType"/> converts to the policy of that name, so <c>dtype: DType.Float64</c> still reads as before.
/// DepthwiseSharp computes every 16-bit policy with float32 products and sums and rounds once per output (see
/// <see cref="DepthwiseConvolution.Forward(in Conv1DGeometry, ReadOnlySpan{Half}, ReadOnlySpan{Half}, ReadOnlySpan{Half}, Span{Half}, int)"/>).
/// </remarks>
public sealed class DTypePolicy : IEquatable<DTypePolicy>
{
    private DTypePolicy(string name, DType compute, DType variable)
    {
        Name = name;
        ComputeDType = compute;
        VariableDType = variable;
    }

    /// <summary><c>float32</c>, Keras's default.</summary>
    public static DTypePolicy Float32 { get; } = new("float32", DType.Float32, DType.Float32);

    /// <summary><c>float64</c>.</summary>
    public static DTypePolicy Float64 { get; } = new("float64", DType.Float64, DType.Float64);

    /// <summary><c>float16</c>: float16 weights (rounded to float16 whenever they change) and float16 outputs.</summary>
    public static DTypePolicy Float16 { get; } = new("float16", DType.Float16, DType.Float16);

    /// <summary><c>bfloat16</c>: bfloat16 weights (rounded to bfloat16 whenever they change) and bfloat16 outputs.</summary>
    public static DTypePolicy BFloat16 { get; } = new("bfloat16", DType.BFloat16, DType.BFloat16);

    /// <summary><c>mixed_float16</c>: float32 weights, float16 compute and outputs.</summary>
    public static DTypePolicy MixedFloat16 { get; } = new("mixed_float16", DType.Float16, DType.Float32);

    /// <summary><c>mixed_bfloat16</c>: float32 weights, bfloat16 compute and outputs.</summary>
    public static DTypePolicy MixedBFloat16 { get; } = new("mixed_bfloat16", DType.BFloat16, DType.Float32);

    /// <summary>The policies DepthwiseSharp runs, by name.</summary>
    public static IReadOnlyList<DTypePolicy> All { get; } = [Float32, Float64, Float16, BFloat16, MixedFloat16, MixedBFloat16];

    /// <summary>The policy's Keras name, as configs store it.</summary>
    public string Name { get; }

    /// <summary>The dtype of the inputs (after Keras's cast), the arithmetic's storage and the outputs.</summary>
    public DType ComputeDType { get; }

    /// <summary>The dtype of the weights (Keras's <c>layer.dtype</c>).</summary>
    public DType VariableDType { get; }

    /// <summary>Whether the compute dtype is a 16-bit type.</summary>
    public bool Is16Bit => ComputeDType is DType.Float16 or DType.BFloat16;

    /// <summary>The float type the weights are kept in: float64 for <c>float64</c>, float32 for every other policy.</summary>
    internal DType StorageDType => VariableDType == DType.Float64 ? DType.Float64 : DType.Float32;

    /// <summary>The policy of a Keras name (case-insensitive; also <c>float</c> and <c>double</c>).</summary>
    /// <param name="name">A policy name.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="KerasArgumentException">An unknown name (Keras's text), or a Keras dtype DepthwiseSharp does not compute in.</exception>
    public static DTypePolicy Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name, "dtype");
        string lower = name.ToLowerInvariant();
        lower = lower switch
        {
            "float" => "float32",
            "double" => "float64",
            _ => lower,
        };
        if (All.FirstOrDefault(p => p.Name == lower) is { } policy)
        {
            return policy;
        }

        if (lower is "int8" or "int16" or "int32" or "int64" or "uint8" or "uint16" or "uint32" or "uint64" or "bool" or "float8_e4m3fn" or "float8_e5m2")
        {
            throw new KerasArgumentException(
                $"Invalid dtype: {name}. Keras accepts it, but DepthwiseSharp computes in {string.Join(", ", All.Select(p => $"'{p.Name}'"))}.", "dtype");
        }

        throw new KerasArgumentException(
            $"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include 'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'.",
            "dtype");
    }

    /// <summary>The policy that computes and keeps weights in <paramref name="dtype"/>.</summary>
    /// <param name="dtype">The dtype.</param>
    public static implicit operator DTypePolicy(DType dtype) => dtype switch
    {
        DType.Float32 => Float32,
        DType.Float64 => Float64,
        DType.Float16 => Float16,
        DType.BFloat16 => BFloat16,
        _ => throw new KerasArgumentException($"Invalid dtype: {dtype}.", "dtype"),
    };

    /// <summary>The Keras 3 config object: <c>{"module": "keras", "class_name": "DTypePolicy", "config": {"name": ...}, "registered_name": null}</c>.</summary>
    public JsonObject ToConfig() => new()
    {
        ["module"] = "keras",
        ["class_name"] = "DTypePolicy",
        ["config"] = new JsonObject { ["name"] = Name },
        ["registered_name"] = null,
    };

    /// <inheritdoc/>
    public bool Equals(DTypePolicy? other) => other is not null && other.Name == Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DTypePolicy);

    /// <inheritdoc/>
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    /// <summary>Keras's repr: <c>&lt;DTypePolicy "mixed_float16"&gt;</c>.</summary>
    public override string ToString() => $"<DTypePolicy \"{Name}\">";
}
