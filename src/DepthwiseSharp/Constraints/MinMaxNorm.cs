using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Constraints;

/// <summary>The min-max-norm constraint (Keras <c>keras.constraints.MinMaxNorm</c>): moves each group's L2 norm into <c>[min_value, max_value]</c>.</summary>
/// <remarks>
/// <para>Formula: <c>norms = sqrt(sum w^2 over axis)</c>,
/// <c>w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (eps + norms)</c>, <c>eps = 1e-7</c>. <c>rate = 1</c> enforces the
/// bounds strictly; a smaller rate moves the norm part of the way at each step.</para>
/// <para>Config (Keras order): <c>{"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}</c>; numbers read from a config keep their
/// int or float form.</para>
/// <para>Validation (Keras checks nothing): all three numbers finite, <c>0 &lt;= min_value &lt;= max_value</c>, <c>0 &lt;= rate &lt;= 1</c>.</para>
/// </remarks>
public sealed class MinMaxNorm : Constraint
{
    private readonly KerasNumber _minValue;
    private readonly KerasNumber _maxValue;
    private readonly KerasNumber _rate;
    private readonly NormAxis _axis;

    /// <summary>Creates the constraint with the norms taken over one axis.</summary>
    /// <param name="minValue">The minimum norm (Keras <c>min_value</c>). Defaults to 0.0.</param>
    /// <param name="maxValue">The maximum norm (Keras <c>max_value</c>). Defaults to 1.0.</param>
    /// <param name="rate">How far to move toward the bounds at each application (Keras <c>rate</c>). Defaults to 1.0.</param>
    /// <param name="axis">The axis the norms are taken over; negative counts from the end. Defaults to 0.</param>
    /// <exception cref="ArgumentException">A number is not finite, <c>min_value &lt; 0</c>, <c>max_value &lt; min_value</c>, or <c>rate</c> outside [0, 1].</exception>
    /// <remarks>Formula: <c>w * (rate * clip(norms, min, max) + (1 - rate) * norms) / (eps + norms)</c>.</remarks>
    public MinMaxNorm(double minValue = 0.0, double maxValue = 1.0, double rate = 1.0, int axis = 0)
        : this(KerasNumber.Float(minValue), KerasNumber.Float(maxValue), KerasNumber.Float(rate), NormAxis.Scalar(axis))
    {
    }

    /// <summary>Creates the constraint with the norms taken over several axes.</summary>
    /// <param name="minValue">The minimum norm (Keras <c>min_value</c>).</param>
    /// <param name="maxValue">The maximum norm (Keras <c>max_value</c>).</param>
    /// <param name="rate">How far to move toward the bounds at each application (Keras <c>rate</c>).</param>
    /// <param name="axis">The axes the norms are taken over; null means all axes (Keras <c>axis=None</c>).</param>
    /// <exception cref="ArgumentException">A number is invalid (see the other constructor), or <paramref name="axis"/> repeats an axis.</exception>
    /// <remarks>Formula: <c>w * (rate * clip(norms, min, max) + (1 - rate) * norms) / (eps + norms)</c>.</remarks>
    public MinMaxNorm(double minValue, double maxValue, double rate, IReadOnlyList<int>? axis)
        : this(KerasNumber.Float(minValue), KerasNumber.Float(maxValue), KerasNumber.Float(rate), NormAxis.List(axis))
    {
    }

    internal MinMaxNorm(KerasNumber minValue, KerasNumber maxValue, KerasNumber rate, NormAxis axis)
    {
        if (!double.IsFinite(minValue.Value) || minValue.Value < 0)
        {
            throw InvalidNumber("min_value", "expected a finite number >= 0", minValue.ToString());
        }

        if (!double.IsFinite(maxValue.Value) || maxValue.Value < minValue.Value)
        {
            throw InvalidNumber("max_value", $"expected a finite number >= min_value ({minValue})", maxValue.ToString());
        }

        if (!(rate.Value >= 0 && rate.Value <= 1))
        {
            throw InvalidNumber("rate", "expected a number in [0, 1]", rate.ToString());
        }

        _minValue = minValue;
        _maxValue = maxValue;
        _rate = rate;
        _axis = axis;
    }

    /// <summary>The minimum norm (Keras <c>min_value</c>).</summary>
    public double MinValue => _minValue.Value;

    /// <summary>The maximum norm (Keras <c>max_value</c>).</summary>
    public double MaxValue => _maxValue.Value;

    /// <summary>The enforcement rate (Keras <c>rate</c>).</summary>
    public double Rate => _rate.Value;

    /// <summary>The axes the norms are taken over, as given (one element when given as an int); null means all axes.</summary>
    public IReadOnlyList<int>? Axis => _axis.Axes;

    /// <summary>The Keras class name, <c>MinMaxNorm</c>.</summary>
    public override string ClassName => "MinMaxNorm";

    /// <summary>The Keras config, <c>{"min_value", "max_value", "rate", "axis"}</c> in that order.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new()
    {
        ["min_value"] = _minValue.ToJson(),
        ["max_value"] = _maxValue.ToJson(),
        ["rate"] = _rate.ToJson(),
        ["axis"] = _axis.ToJson(),
    };

    /// <summary>Applies the min-max rescaling in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The weight, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <exception cref="ArgumentException">The shape does not match, or an axis is out of range for the rank.</exception>
    /// <remarks>Formula: <c>w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (1e-7 + norms)</c>.</remarks>
    public override void Apply<T>(Span<T> weight, ReadOnlySpan<int> shape)
    {
        double min = _minValue.Value;
        double max = _maxValue.Value;
        double rate = _rate.Value;
        _axis.Rescale(weight, shape, n => (rate * Math.Clamp(n, min, max)) + ((1 - rate) * n));
    }

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)</c>.</returns>
    public override string ToString() =>
        $"MinMaxNorm(min_value={_minValue}, max_value={_maxValue}, rate={_rate}, axis={_axis})";
}
