using System.Text.Json.Nodes;

namespace DepthwiseSharp.Initializers;

/// <summary>The Glorot (Xavier) normal initializer: truncated normal with variance 2 / (fan_in + fan_out).</summary>
/// <remarks>
/// Keras's <c>GlorotNormal</c> / <c>"glorot_normal"</c>: VarianceScaling(scale=1, mode=fan_avg, distribution=truncated_normal): stddev = sqrt(1 / max(1, (fan_in + fan_out) / 2)) / 0.87962566103423978, cut at +-2 stddev.
/// Config (Keras 3 order): <c>{"seed", "input_axes", "output_axes"}</c>; the tf.keras form <c>{"seed"}</c> is read too.
/// Reference: Glorot et al., 2010.
/// </remarks>
public sealed class GlorotNormal : VarianceScaling
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <param name="inputAxes">Optional axes whose sizes give fan_in; used only together with <paramref name="outputAxes"/>.</param>
    /// <param name="outputAxes">Optional axes whose sizes give fan_out; used only together with <paramref name="inputAxes"/>.</param>
    /// <remarks>Same as <c>new VarianceScaling(1.0, VarianceScalingMode.FanAvg, VarianceScalingDistribution.TruncatedNormal, seed, inputAxes, outputAxes)</c>
    /// except for the class name and the config keys.</remarks>
    public GlorotNormal(long? seed = null, IReadOnlyList<int>? inputAxes = null, IReadOnlyList<int>? outputAxes = null)
        : base(1.0, VarianceScalingMode.FanAvg, VarianceScalingDistribution.TruncatedNormal, seed, inputAxes, outputAxes)
    {
    }

    /// <summary>The Keras class name.</summary>
    /// <value><c>GlorotNormal</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"glorot_normal"</c>.</remarks>
    public override string ClassName => "GlorotNormal";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "input_axes", "output_axes"}</c>, for the defaults <c>{"seed": null, "input_axes": null, "output_axes": null}</c>.</returns>
    /// <remarks>scale, mode and distribution are fixed by the class and not written.</remarks>
    public override JsonObject GetConfig() => NamedConfig();
}
