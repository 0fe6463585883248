using System.Text.Json.Nodes;

namespace DepthwiseSharp.Initializers;

/// <summary>The Glorot (Xavier) uniform initializer: uniform on [-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)).</summary>
/// <remarks>
/// Keras's <c>GlorotUniform</c> / <c>"glorot_uniform"</c>: VarianceScaling(scale=1, mode=fan_avg, distribution=uniform): limit = sqrt(3 / max(1, (fan_in + fan_out) / 2)). The default depthwise_initializer of DepthwiseConv1D.
/// Config (Keras 3 order): <c>{"seed", "input_axes", "output_axes"}</c>; the tf.keras form <c>{"seed"}</c> is read too.
/// Reference: Glorot et al., 2010.
/// </remarks>
public sealed class GlorotUniform : VarianceScaling
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <param name="inputAxes">Optional axes whose sizes give fan_in; used only together with <paramref name="outputAxes"/>.</param>
    /// <param name="outputAxes">Optional axes whose sizes give fan_out; used only together with <paramref name="inputAxes"/>.</param>
    /// <remarks>Same as <c>new VarianceScaling(1.0, VarianceScalingMode.FanAvg, VarianceScalingDistribution.Uniform, seed, inputAxes, outputAxes)</c>
    /// except for the class name and the config keys.</remarks>
    public GlorotUniform(long? seed = null, IReadOnlyList<int>? inputAxes = null, IReadOnlyList<int>? outputAxes = null)
        : base(1.0, VarianceScalingMode.FanAvg, VarianceScalingDistribution.Uniform, seed, inputAxes, outputAxes)
    {
    }

    /// <summary>The Keras class name.</summary>
    /// <value><c>GlorotUniform</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"glorot_uniform"</c>.</remarks>
    public override string ClassName => "GlorotUniform";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "input_axes", "output_axes"}</c>, for the defaults <c>{"seed": null, "input_axes": null, "output_axes": null}</c>.</returns>
    /// <remarks>scale, mode and distribution are fixed by the class and not written.</remarks>
    public override JsonObject GetConfig() => NamedConfig();
}
