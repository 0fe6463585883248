using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>RandomNormal</c> / <c>"random_normal"</c> (alias <c>"normal"</c>): draws from N(mean, stddev^2).</summary>
/// <remarks>value = mean + stddev * z, z standard normal. Config (Keras 3 order): <c>{"seed", "mean", "stddev"}</c>.</remarks>
public sealed class RandomNormal : RandomInitializer
{
    private readonly KerasNumber _mean;
    private readonly KerasNumber _stddev;

    /// <summary>Creates the initializer.</summary>
    /// <param name="mean">The mean, a finite number (default 0).</param>
    /// <param name="stddev">The standard deviation, finite and &gt;= 0 (default 0.05).</param>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <exception cref="ArgumentException">"Argument `stddev` must be a non-negative float. Received: stddev=-1.0" or a non-finite mean.</exception>
    /// <remarks>value = mean + stddev * z, z ~ N(0, 1).</remarks>
    public RandomNormal(double mean = 0.0, double stddev = 0.05, long? seed = null)
        : this(KerasNumber.Float(mean), KerasNumber.Float(stddev), seed)
    {
    }

    /// <summary>The constructor for values read from a config (a Python int stays an int).</summary>
    internal RandomNormal(KerasNumber mean, KerasNumber stddev, long? seed)
        : base(seed)
    {
        _mean = InitializerHelpers.RequireFinite(mean, nameof(mean));
        _stddev = RequireStddev(stddev);
    }

    /// <summary>The mean.</summary>
    /// <value>A finite number.</value>
    /// <remarks>E[value] = Mean.</remarks>
    public double Mean => _mean.Value;

    /// <summary>The standard deviation.</summary>
    /// <value>A finite number &gt;= 0.</value>
    /// <remarks>Var[value] = Stddev^2.</remarks>
    public double Stddev => _stddev.Value;

    /// <summary>The Keras class name.</summary>
    /// <value><c>RandomNormal</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"random_normal"</c> and <c>"normal"</c>.</remarks>
    public override string ClassName => "RandomNormal";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "mean", "stddev"}</c>, for the defaults <c>{"seed": null, "mean": 0.0, "stddev": 0.05}</c>.</returns>
    /// <remarks>Floats are written as Python writes them.</remarks>
    public override JsonObject GetConfig() => new()
    {
        ["seed"] = InitializerHelpers.SeedNode(Seed),
        ["mean"] = _mean.ToJson(),
        ["stddev"] = _stddev.ToJson(),
    };

    /// <summary>Fills with draws from N(mean, stddev^2).</summary>
    /// <typeparam name="T">The element type; values are computed in double and rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape (any rank).</param>
    /// <exception cref="ArgumentException">A negative dimension or a length mismatch.</exception>
    /// <remarks>value = mean + stddev * z, z ~ N(0, 1) by Marsaglia's polar method.</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        InitializerHelpers.FillNormal(destination, EffectiveSeed, Mean, Stddev);
    }

    internal static KerasNumber RequireStddev(KerasNumber stddev)
    {
        if (!(stddev.Value >= 0.0) || double.IsInfinity(stddev.Value))
        {
            throw new KerasArgumentException($"Argument `stddev` must be a non-negative float. Received: stddev={stddev}", nameof(stddev));
        }

        return stddev;
    }
}
