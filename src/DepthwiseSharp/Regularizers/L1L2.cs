using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Regularizers;

/// <summary>The combined regularizer (Keras <c>keras.regularizers.L1L2</c>): <c>penalty = l1 * sum|x| + l2 * sum x^2</c>.</summary>
/// <remarks>
/// Formula: <c>l1 * sum_i |x_i| + l2 * sum_i x_i^2</c>, a term being skipped when its factor is 0 (as in Keras, so a zero factor never
/// turns an infinite input into NaN); gradient <c>l1 * sign(x_i) + 2 * l2 * x_i</c>. Config: <c>{"l1": 0.0, "l2": 0.0}</c>.
/// The class defaults are 0 for both; the string identifier <c>"l1_l2"</c> means 0.01 for both.
/// </remarks>
public sealed class L1L2 : Regularizer
{
    /// <summary>Creates the regularizer.</summary>
    /// <param name="l1">The L1 factor (Keras <c>l1</c>), finite and non-negative. Defaults to 0.</param>
    /// <param name="l2">The L2 factor (Keras <c>l2</c>), finite and non-negative. Defaults to 0.</param>
    /// <exception cref="ArgumentException">"Invalid value for argument l1: expected a non-negative float.Received: l1=-1.0" (or l2; Keras's text).</exception>
    /// <remarks>Penalty: <c>l1 * sum|x| + l2 * sum x^2</c>.</remarks>
    public L1L2(double l1 = 0.0, double l2 = 0.0)
    {
        L1Factor = ValidateFactor(l1, "l1");
        L2Factor = ValidateFactor(l2, "l2");
    }

    /// <summary>The L1 factor (Keras <c>l1</c>).</summary>
    public double L1Factor { get; }

    /// <summary>The L2 factor (Keras <c>l2</c>).</summary>
    public double L2Factor { get; }

    /// <summary>The Keras class name, <c>L1L2</c>.</summary>
    public override string ClassName => "L1L2";

    /// <summary>The Keras config, <c>{"l1": ..., "l2": ...}</c> with the factors written as Python floats.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new()
    {
        ["l1"] = KerasFloat.Create(L1Factor),
        ["l2"] = KerasFloat.Create(L2Factor),
    };

    /// <summary>The penalty <c>l1 * sum|x| + l2 * sum x^2</c>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The tensor, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <returns>The penalty, accumulated in double.</returns>
    /// <exception cref="ArgumentException">The shape does not match the values.</exception>
    /// <remarks>Formula: <c>l1 * sum_i |x_i| + l2 * sum_i x_i^2</c>; a zero factor's term is left out.</remarks>
    public override T Compute<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
    {
        CheckArgs(values.Length, shape);
        double penalty = 0.0;
        if (L1Factor != 0.0)
        {
            penalty += L1Factor * SumAbs(values);
        }

        if (L2Factor != 0.0)
        {
            penalty += L2Factor * SumSquares(values);
        }

        return T.CreateTruncating(penalty);
    }

    /// <summary>Adds <c>scale * (l1 * sign(x) + 2 * l2 * x)</c> to <paramref name="gradient"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The tensor.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="scale">A factor applied to the gradient.</param>
    /// <param name="gradient">Accumulates the gradient.</param>
    /// <exception cref="ArgumentException">The shape or the gradient length does not match the values.</exception>
    /// <remarks>Formula: <c>d/dx_i = l1 * sign(x_i) + 2 * l2 * x_i</c>, <c>sign(0) = 0</c>; a zero factor's term is left out.</remarks>
    public override void AddGradient<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape, T scale, Span<T> gradient)
    {
        CheckArgs(values.Length, shape, gradient.Length);
        double s = double.CreateTruncating(scale);
        double k1 = s * L1Factor;
        double k2 = s * 2.0 * L2Factor;
        bool useL1 = L1Factor != 0.0;
        bool useL2 = L2Factor != 0.0;
        for (int i = 0; i < values.Length; i++)
        {
            double x = double.CreateTruncating(values[i]);
            double g = 0.0;
            if (useL1)
            {
                g += k1 * Sign(x);
            }

            if (useL2)
            {
                g += k2 * x;
            }

            gradient[i] += T.CreateTruncating(g);
        }
    }

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>L1L2(l1=0.01, l2=0.01)</c>.</returns>
    public override string ToString() => $"L1L2(l1={KerasFloat.Repr(L1Factor)}, l2={KerasFloat.Repr(L2Factor)})";
}
