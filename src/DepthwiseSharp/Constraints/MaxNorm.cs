using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Constraints;

/// <summary>The max-norm constraint (Keras <c>keras.constraints.MaxNorm</c>): rescales each group of weights whose L2 norm exceeds <c>max_value</c>.</summary>
/// <remarks>
/// <para>Formula: <c>norms = sqrt(sum w^2 over axis)</c>, <c>w * clip(norms, 0, max_value) / (eps + norms)</c>, <c>eps = 1e-7</c>.
/// Groups with a smaller norm are left (almost) unchanged: they are multiplied by <c>norm / (eps + norm)</c>, as in Keras.</para>
/// <para>Config (Keras order): <c>{"max_value": 2, "axis": 0}</c>. Keras's default <c>max_value</c> is the Python int 2, written <c>2</c>;
/// a value given to the <see cref="MaxNorm(double, int)"/> constructor is a float (<c>3.0</c>); a value read from a config keeps its form.</para>
/// <para>Validation (Keras checks nothing): <c>max_value</c> must be finite and non-negative.</para>
/// </remarks>
public sealed class MaxNorm : Constraint
{
    private readonly KerasNumber _maxValue;
    private readonly NormAxis _axis;

    /// <summary>Creates the constraint with Keras's defaults, <c>max_value = 2</c>, <c>axis = 0</c>.</summary>
    /// <remarks>Formula: <c>w * clip(norms, 0, 2) / (eps + norms)</c>, norms over axis 0.</remarks>
    public MaxNorm()
        : this(new KerasNumber(2, true), NormAxis.Scalar(0))
    {
    }

    /// <summary>Creates the constraint with the norms taken over one axis.</summary>
    /// <param name="maxValue">The maximum norm (Keras <c>max_value</c>), finite and non-negative.</param>
    /// <param name="axis">The axis the norms are taken over (Keras <c>axis</c>); negative counts from the end. Defaults to 0.</param>
    /// <exception cref="ArgumentException"><paramref name="maxValue"/> is negative or not finite.</exception>
    /// <remarks>Formula: <c>w * clip(norms, 0, max_value) / (eps + norms)</c>.</remarks>
    public MaxNorm(double maxValue, int axis = 0)
        : this(KerasNumber.Float(maxValue), NormAxis.Scalar(axis))
    {
    }

    /// <summary>Creates the constraint with the norms taken over several axes.</summary>
    /// <param name="maxValue">The maximum norm (Keras <c>max_value</c>), finite and non-negative.</param>
    /// <param name="axis">The axes the norms are taken over (negative count from the end); null means all axes (Keras <c>axis=None</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="maxValue"/> is negative or not finite, or <paramref name="axis"/> repeats an axis.</exception>
    /// <remarks>Formula: <c>w * clip(norms, 0, max_value) / (eps + norms)</c>.</remarks>
    public MaxNorm(double maxValue, IReadOnlyList<int>? axis)
        : this(KerasNumber.Float(maxValue), NormAxis.List(axis))
    {
    }

    internal MaxNorm(KerasNumber maxValue, NormAxis axis)
    {
        if (!double.IsFinite(maxValue.Value) || maxValue.Value < 0)
        {
            throw InvalidNumber("max_value", "expected a finite number >= 0", maxValue.ToString());
        }

        _maxValue = maxValue;
        _axis = axis;
    }

    /// <summary>The maximum norm (Keras <c>max_value</c>).</summary>
    public double MaxValue => _maxValue.Value;

    /// <summary>The axes the norms are taken over, as given (one element when given as an int); null means all axes.</summary>
    public IReadOnlyList<int>? Axis => _axis.Axes;

    /// <summary>The Keras class name, <c>MaxNorm</c>.</summary>
    public override string ClassName => "MaxNorm";

    /// <summary>The Keras config, <c>{"max_value": ..., "axis": ...}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new()
    {
        ["max_value"] = _maxValue.ToJson(),
        ["axis"] = _axis.ToJson(),
    };

    /// <summary>Applies <c>w * clip(norms, 0, max_value) / (eps + norms)</c> in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The weight, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <exception cref="ArgumentException">The shape does not match, or an axis is out of range for the rank.</exception>
    /// <remarks>Formula: <c>norms = sqrt(sum w^2 over axis)</c>; <c>w * clip(norms, 0, max_value) / (1e-7 + norms)</c>.</remarks>
    public override void Apply<T>(Span<T> weight, ReadOnlySpan<int> shape)
    {
        double max = _maxValue.Value;
        _axis.Rescale(weight, shape, n => Math.Clamp(n, 0.0, max));
    }

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>MaxNorm(max_value=2, axis=0)</c>.</returns>
    public override string ToString() => $"MaxNorm(max_value={_maxValue}, axis={_axis})";
}
