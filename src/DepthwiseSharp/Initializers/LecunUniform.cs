using System.Text.Json.Nodes;

namespace DepthwiseSharp.Initializers;

/// <summary>The LeCun uniform initializer: uniform on [-limit, limit) with limit = sqrt(3 / fan_in).</summary>
/// <remarks>
/// Keras's <c>LecunUniform</c> / <c>"lecun_uniform"</c>: VarianceScaling(scale=1, mode=fan_in, distribution=uniform): limit = sqrt(3 / max(1, fan_in)).
/// Config (Keras 3 order): <c>{"seed", "input_axes", "output_axes"}</c>; the tf.keras form <c>{"seed"}</c> is read too.
/// Reference: Klambauer et al., 2017.
/// </remarks>
public sealed class LecunUniform : VarianceScaling
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <param name="inputAxes">Optional axes whose sizes give fan_in; used only together with <paramref name="outputAxes"/>.</param>
    /// <param name="outputAxes">Optional axes whose sizes give fan_out; used only together with <paramref name="inputAxes"/>.</param>
    /// <remarks>Same as <c>new VarianceScaling(1.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.Uniform, seed, inputAxes, outputAxes)</c>
    /// except for the class name and the config keys.</remarks>
    public LecunUniform(long? seed = null, IReadOnlyList<int>? inputAxes = null, IReadOnlyList<int>? outputAxes = null)
        : base(1.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.Uniform, seed, inputAxes, outputAxes)
    {
    }

    /// <summary>The Keras class name.</summary>
    /// <value><c>LecunUniform</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"lecun_uniform"</c>.</remarks>
    public override string ClassName => "LecunUniform";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "input_axes", "output_axes"}</c>, for the defaults <c>{"seed": null, "input_axes": null, "output_axes": null}</c>.</returns>
    /// <remarks>scale, mode and distribution are fixed by the class and not written.</remarks>
    public override JsonObject GetConfig() => NamedConfig();
}
