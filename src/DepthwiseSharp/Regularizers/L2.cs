using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Regularizers;

/// <summary>The L2 regularizer (Keras <c>keras.regularizers.L2</c>): <c>penalty = l2 * sum(x^2)</c>.</summary>
/// <remarks>Formula: <c>l2 * sum_i x_i^2</c>; gradient <c>2 * l2 * x_i</c>. Config: <c>{"l2": 0.01}</c>. No division by anything.</remarks>
public sealed class L2 : Regularizer
{
    /// <summary>Creates the regularizer.</summary>
    /// <param name="l2">The L2 factor (Keras <c>l2</c>), finite and non-negative. Defaults to 0.01.</param>
    /// <exception cref="ArgumentException">"Invalid value for argument l2: expected a non-negative float.Received: l2=-1.0" (Keras's text).</exception>
    /// <remarks>Penalty: <c>l2 * sum x^2</c>.</remarks>
    public L2(double l2 = 0.01)
    {
        L2Factor = ValidateFactor(l2, "l2");
    }

    /// <summary>The L2 factor (Keras <c>l2</c>).</summary>
    public double L2Factor { get; }

    /// <summary>The Keras class name, <c>L2</c>.</summary>
    public override string ClassName => "L2";

    /// <summary>The Keras config, <c>{"l2": ...}</c> with the factor written as a Python float.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new() { ["l2"] = KerasFloat.Create(L2Factor) };

    /// <summary>The penalty <c>l2 * sum x^2</c>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The tensor, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <returns><c>l2 * sum x^2</c>, accumulated in double.</returns>
    /// <exception cref="ArgumentException">The shape does not match the values.</exception>
    /// <remarks>Formula: <c>l2 * sum_i x_i^2</c>.</remarks>
    public override T Compute<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
    {
        CheckArgs(values.Length, shape);
        return T.CreateTruncating(L2Factor * SumSquares(values));
    }

    /// <summary>Adds <c>scale * 2 * l2 * x</c> to <paramref name="gradient"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The tensor.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="scale">A factor applied to the gradient.</param>
    /// <param name="gradient">Accumulates the gradient.</param>
    /// <exception cref="ArgumentException">The shape or the gradient length does not match the values.</exception>
    /// <remarks>Formula: <c>d/dx_i = 2 * l2 * x_i</c>.</remarks>
    public override void AddGradient<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape, T scale, Span<T> gradient)
    {
        CheckArgs(values.Length, shape, gradient.Length);
        double k = double.CreateTruncating(scale) * 2.0 * L2Factor;
        for (int i = 0; i < values.Length; i++)
        {
            gradient[i] += T.CreateTruncating(k * double.CreateTruncating(values[i]));
        }
    }

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>L2(l2=0.01)</c>.</returns>
    public override string ToString() => $"L2(l2={KerasFloat.Repr(L2Factor)})";
}
