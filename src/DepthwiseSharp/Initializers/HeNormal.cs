using System.Text.Json.Nodes;

namespace DepthwiseSharp.Initializers;

/// <summary>The He normal initializer: truncated normal with variance 2 / fan_in.</summary>
/// <remarks>
/// Keras's <c>HeNormal</c> / <c>"he_normal"</c>: VarianceScaling(scale=2, mode=fan_in, distribution=truncated_normal): stddev = sqrt(2 / max(1, fan_in)) / 0.87962566103423978, cut at +-2 stddev.
/// Config (Keras 3 order): <c>{"seed", "input_axes", "output_axes"}</c>; the tf.keras form <c>{"seed"}</c> is read too.
/// Reference: He et al., 2015.
/// </remarks>
public sealed class HeNormal : VarianceScaling
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <param name="inputAxes">Optional axes whose sizes give fan_in; used only together with <paramref name="outputAxes"/>.</param>
    /// <param name="outputAxes">Optional axes whose sizes give fan_out; used only together with <paramref name="inputAxes"/>.</param>
    /// <remarks>Same as <c>new VarianceScaling(2.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.TruncatedNormal, seed, inputAxes, outputAxes)</c>
    /// except for the class name and the config keys.</remarks>
    public HeNormal(long? seed = null, IReadOnlyList<int>? inputAxes = null, IReadOnlyList<int>? outputAxes = null)
        : base(2.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.TruncatedNormal, seed, inputAxes, outputAxes)
    {
    }

    /// <summary>The Keras class name.</summary>
    /// <value><c>HeNormal</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"he_normal"</c>.</remarks>
    public override string ClassName => "HeNormal";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "input_axes", "output_axes"}</c>, for the defaults <c>{"seed": null, "input_axes": null, "output_axes": null}</c>.</returns>
    /// <remarks>scale, mode and distribution are fixed by the class and not written.</remarks>
    public override JsonObject GetConfig() => NamedConfig();
}
