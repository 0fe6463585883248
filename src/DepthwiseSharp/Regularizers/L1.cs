using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Regularizers;

/// <summary>The L1 regularizer (Keras <c>keras.regularizers.L1</c>): <c>penalty = l1 * sum(|x|)</c>.</summary>
/// <remarks>
/// <para>Formula: <c>l1 * sum_i |x_i|</c>; gradient <c>l1 * sign(x_i)</c> with <c>sign(0) = 0</c>. Config: <c>{"l1": 0.01}</c>.</para>
/// <para>
/// Keras 3.15+ keeps <c>l1</c> as a float32 tensor, so its <c>get_config</c> writes <c>float(float32(l1))</c>
/// (0.009999999776482582 for 0.01) and multiplies float64 inputs by that rounded factor; this class keeps the double given and writes it
/// as given (0.01), which Keras reads back to the same float32 factor.
/// </para>
/// </remarks>
public sealed class L1 : Regularizer
{
    /// <summary>Creates the regularizer.</summary>
    /// <param name="l1">The L1 factor (Keras <c>l1</c>), finite and non-negative. Defaults to 0.01.</param>
    /// <exception cref="ArgumentException">"Invalid value for argument l1: expected a non-negative float.Received: l1=-1.0" (Keras's text).</exception>
    /// <remarks>Penalty: <c>l1 * sum|x|</c>.</remarks>
    public L1(double l1 = 0.01)
    {
        L1Factor = ValidateFactor(l1, "l1");
    }

    /// <summary>The L1 factor (Keras <c>l1</c>).</summary>
    public double L1Factor { get; }

    /// <summary>The Keras class name, <c>L1</c>.</summary>
    public override string ClassName => "L1";

    /// <summary>The Keras config, <c>{"l1": ...}</c> with the factor written as a Python float.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new() { ["l1"] = KerasFloat.Create(L1Factor) };

    /// <summary>The penalty <c>l1 * sum|x|</c>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The tensor, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <returns><c>l1 * sum|x|</c>, accumulated in double.</returns>
    /// <exception cref="ArgumentException">The shape does not match the values.</exception>
    /// <remarks>Formula: <c>l1 * sum_i |x_i|</c>.</remarks>
    public override T Compute<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
    {
        CheckArgs(values.Length, shape);
        return T.CreateTruncating(L1Factor * SumAbs(values));
    }

    /// <summary>Adds <c>scale * l1 * sign(x)</c> to <paramref name="gradient"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The tensor.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="scale">A factor applied to the gradient.</param>
    /// <param name="gradient">Accumulates the gradient.</param>
    /// <exception cref="ArgumentException">The shape or the gradient length does not match the values.</exception>
    /// <remarks>Formula: <c>d/dx_i = l1 * sign(x_i)</c>, <c>sign(0) = 0</c>.</remarks>
    public override void AddGradient<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape, T scale, Span<T> gradient)
    {
        CheckArgs(values.Length, shape, gradient.Length);
        double k = double.CreateTruncating(scale) * L1Factor;
        for (int i = 0; i < values.Length; i++)
        {
            gradient[i] += T.CreateTruncating(k * Sign(double.CreateTruncating(values[i])));
        }
    }

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>L1(l1=0.01)</c>.</returns>
    public override string ToString() => $"L1(l1={KerasFloat.Repr(L1Factor)})";
}
