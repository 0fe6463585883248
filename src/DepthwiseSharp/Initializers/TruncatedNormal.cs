using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>TruncatedNormal</c> / <c>"truncated_normal"</c>: N(mean, stddev^2) with values beyond 2 stddev redrawn.</summary>
/// <remarks>
/// value = mean + stddev * z, z standard normal conditioned on |z| &lt;= 2, so every value lies in [mean - 2 stddev, mean + 2 stddev]
/// and the variance is (0.87962566103423978 * stddev)^2. Config (Keras 3 order): <c>{"seed", "mean", "stddev"}</c>.
/// </remarks>
public sealed class TruncatedNormal : RandomInitializer
{
    private readonly KerasNumber _mean;
    private readonly KerasNumber _stddev;

    /// <summary>Creates the initializer.</summary>
    /// <param name="mean">The mean, a finite number (default 0).</param>
    /// <param name="stddev">The standard deviation before truncation, finite and &gt;= 0 (default 0.05).</param>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <exception cref="ArgumentException">"Argument `stddev` must be a non-negative float. Received: stddev=-1.0" or a non-finite mean.</exception>
    /// <remarks>value = mean + stddev * z, z ~ N(0, 1) given |z| &lt;= 2.</remarks>
    public TruncatedNormal(double mean = 0.0, double stddev = 0.05, long? seed = null)
        : this(KerasNumber.Float(mean), KerasNumber.Float(stddev), seed)
    {
    }

    /// <summary>The constructor for values read from a config (a Python int stays an int).</summary>
    internal TruncatedNormal(KerasNumber mean, KerasNumber stddev, long? seed)
        : base(seed)
    {
        _mean = InitializerHelpers.RequireFinite(mean, nameof(mean));
        _stddev = RandomNormal.RequireStddev(stddev);
    }

    /// <summary>The mean.</summary>
    /// <value>A finite number.</value>
    /// <remarks>E[value] = Mean (the truncation is symmetric).</remarks>
    public double Mean => _mean.Value;

    /// <summary>The standard deviation of the normal before truncation.</summary>
    /// <value>A finite number &gt;= 0.</value>
    /// <remarks>Values lie within Mean +- 2 Stddev; their standard deviation is 0.87962566103423978 * Stddev.</remarks>
    public double Stddev => _stddev.Value;

    /// <summary>The Keras class name.</summary>
    /// <value><c>TruncatedNormal</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"truncated_normal"</c>.</remarks>
    public override string ClassName => "TruncatedNormal";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "mean", "stddev"}</c>, for the defaults <c>{"seed": null, "mean": 0.0, "stddev": 0.05}</c>.</returns>
    /// <remarks>Floats are written as Python writes them.</remarks>
    public override JsonObject GetConfig() => new()
    {
        ["seed"] = InitializerHelpers.SeedNode(Seed),
        ["mean"] = _mean.ToJson(),
        ["stddev"] = _stddev.ToJson(),
    };

    /// <summary>Fills with truncated normal draws.</summary>
    /// <typeparam name="T">The element type; values are computed in double and rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape (any rank).</param>
    /// <exception cref="ArgumentException">A negative dimension or a length mismatch.</exception>
    /// <remarks>value = mean + stddev * z with z ~ N(0, 1) redrawn until |z| &lt;= 2.</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        InitializerHelpers.FillTruncatedNormal(destination, EffectiveSeed, Mean, Stddev);
    }
}
