using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>RandomUniform</c> / <c>"random_uniform"</c> (alias <c>"uniform"</c>): draws from U[minval, maxval).</summary>
/// <remarks>value = minval + (maxval - minval) * u, u uniform in [0, 1) (53 random bits). Config (Keras 3 order): <c>{"seed", "minval", "maxval"}</c>.</remarks>
public sealed class RandomUniform : RandomInitializer
{
    private readonly KerasNumber _minval;
    private readonly KerasNumber _maxval;

    /// <summary>Creates the initializer.</summary>
    /// <param name="minval">The lower bound (inclusive), finite (default -0.05).</param>
    /// <param name="maxval">The upper bound (exclusive), finite and &gt;= minval (default 0.05).</param>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <exception cref="ArgumentException">"Argument `minval` must be less than or equal to `maxval`. Received: minval=1.0, maxval=0.0",
    /// a non-finite bound, or a range wider than the largest double.</exception>
    /// <remarks>value = minval + (maxval - minval) * u, u ~ U[0, 1); mean (minval + maxval)/2, variance (maxval - minval)^2 / 12.</remarks>
    public RandomUniform(double minval = -0.05, double maxval = 0.05, long? seed = null)
        : this(KerasNumber.Float(minval), KerasNumber.Float(maxval), seed)
    {
    }

    /// <summary>The constructor for values read from a config (a Python int stays an int).</summary>
    internal RandomUniform(KerasNumber minval, KerasNumber maxval, long? seed)
        : base(seed)
    {
        InitializerHelpers.RequireFinite(minval, nameof(minval));
        InitializerHelpers.RequireFinite(maxval, nameof(maxval));
        if (minval.Value > maxval.Value)
        {
            throw new KerasArgumentException(
                $"Argument `minval` must be less than or equal to `maxval`. Received: minval={minval}, maxval={maxval}", nameof(minval));
        }

        if (!double.IsFinite(maxval.Value - minval.Value))
        {
            throw new KerasArgumentException(
                $"The range `maxval - minval` must be a finite float. Received: minval={minval}, maxval={maxval}", nameof(maxval));
        }

        _minval = minval;
        _maxval = maxval;
    }

    /// <summary>The lower bound.</summary>
    /// <value>A finite number &lt;= Maxval.</value>
    /// <remarks>Every value is &gt;= Minval.</remarks>
    public double Minval => _minval.Value;

    /// <summary>The upper bound.</summary>
    /// <value>A finite number &gt;= Minval.</value>
    /// <remarks>Values are &lt; Maxval in double; rounding to float can reach it.</remarks>
    public double Maxval => _maxval.Value;

    /// <summary>The Keras class name.</summary>
    /// <value><c>RandomUniform</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"random_uniform"</c> and <c>"uniform"</c>.</remarks>
    public override string ClassName => "RandomUniform";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "minval", "maxval"}</c>, for the defaults <c>{"seed": null, "minval": -0.05, "maxval": 0.05}</c>.</returns>
    /// <remarks>Floats are written as Python writes them.</remarks>
    public override JsonObject GetConfig() => new()
    {
        ["seed"] = InitializerHelpers.SeedNode(Seed),
        ["minval"] = _minval.ToJson(),
        ["maxval"] = _maxval.ToJson(),
    };

    /// <summary>Fills with uniform draws.</summary>
    /// <typeparam name="T">The element type; values are computed in double and rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape (any rank).</param>
    /// <exception cref="ArgumentException">A negative dimension or a length mismatch.</exception>
    /// <remarks>value = minval + (maxval - minval) * u, u ~ U[0, 1).</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        InitializerHelpers.FillUniform(destination, EffectiveSeed, Minval, Maxval);
    }
}
