using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Constraints;

/// <summary>The non-negativity constraint (Keras <c>keras.constraints.NonNeg</c>): <c>max(w, 0)</c> elementwise.</summary>
/// <remarks>Formula: <c>w_i = max(w_i, 0)</c>; NaN stays NaN (as <c>ops.maximum</c> propagates it). Config: <c>{}</c>.</remarks>
public sealed class NonNeg : Constraint
{
    /// <summary>The Keras class name, <c>NonNeg</c>.</summary>
    public override string ClassName => "NonNeg";

    /// <summary>The Keras config, <c>{}</c>.</summary>
    /// <returns>A new, empty JSON object.</returns>
    public override JsonObject GetConfig() => [];

    /// <summary>Applies <c>max(w, 0)</c> in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The weight, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <exception cref="ArgumentException">The shape does not match the weight.</exception>
    /// <remarks>Formula: <c>w_i = max(w_i, 0)</c>, NaN kept.</remarks>
    public override void Apply<T>(Span<T> weight, ReadOnlySpan<int> shape)
    {
        ConfigReader.CheckShape(weight.Length, shape, "weight");
        for (int i = 0; i < weight.Length; i++)
        {
            T w = weight[i];
            if (w < T.Zero)
            {
                weight[i] = T.Zero;
            }
        }
    }

    /// <summary>Python-style description.</summary>
    /// <returns><c>NonNeg()</c>.</returns>
    public override string ToString() => "NonNeg()";
}
