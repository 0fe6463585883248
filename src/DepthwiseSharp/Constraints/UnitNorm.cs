using System.Numerics;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Constraints;

/// <summary>The unit-norm constraint (Keras <c>keras.constraints.UnitNorm</c>): scales each group of weights to L2 norm 1.</summary>
/// <remarks>
/// <para>Formula: <c>norms = sqrt(sum w^2 over axis)</c>, <c>w / (eps + norms)</c>, <c>eps = 1e-7</c> (a zero group stays zero).</para>
/// <para>Config: <c>{"axis": 0}</c>.</para>
/// </remarks>
public sealed class UnitNorm : Constraint
{
    private readonly NormAxis _axis;

    /// <summary>Creates the constraint with the norms taken over one axis.</summary>
    /// <param name="axis">The axis the norms are taken over (Keras <c>axis</c>); negative counts from the end. Defaults to 0.</param>
    /// <remarks>Formula: <c>w / (eps + norms)</c>.</remarks>
    public UnitNorm(int axis = 0)
        : this(NormAxis.Scalar(axis))
    {
    }

    /// <summary>Creates the constraint with the norms taken over several axes.</summary>
    /// <param name="axis">The axes the norms are taken over; null means all axes (Keras <c>axis=None</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="axis"/> repeats an axis.</exception>
    /// <remarks>Formula: <c>w / (eps + norms)</c>.</remarks>
    public UnitNorm(IReadOnlyList<int>? axis)
        : this(NormAxis.List(axis))
    {
    }

    internal UnitNorm(NormAxis axis)
    {
        _axis = axis;
    }

    /// <summary>The axes the norms are taken over, as given (one element when given as an int); null means all axes.</summary>
    public IReadOnlyList<int>? Axis => _axis.Axes;

    /// <summary>The Keras class name, <c>UnitNorm</c>.</summary>
    public override string ClassName => "UnitNorm";

    /// <summary>The Keras config, <c>{"axis": ...}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new() { ["axis"] = _axis.ToJson() };

    /// <summary>Applies <c>w / (eps + norms)</c> in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The weight, row-major.</param>
    /// <param name="shape">Its shape (any rank).</param>
    /// <exception cref="ArgumentException">The shape does not match, or an axis is out of range for the rank.</exception>
    /// <remarks>Formula: <c>w / (1e-7 + sqrt(sum w^2 over axis))</c>.</remarks>
    public override void Apply<T>(Span<T> weight, ReadOnlySpan<int> shape) => _axis.Rescale(weight, shape, null);

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>UnitNorm(axis=0)</c>.</returns>
    public override string ToString() => $"UnitNorm(axis={_axis})";
}
