namespace DepthwiseSharp.Initializers;

/// <summary>Which fan <see cref="VarianceScaling"/> divides the scale by (Keras's <c>mode</c>).</summary>
/// <remarks>n = max(1, fan_in), max(1, fan_out) or max(1, (fan_in + fan_out) / 2).</remarks>
public enum VarianceScalingMode
{
    /// <summary><c>"fan_in"</c>: n = max(1, fan_in).</summary>
    FanIn,

    /// <summary><c>"fan_out"</c>: n = max(1, fan_out).</summary>
    FanOut,

    /// <summary><c>"fan_avg"</c>: n = max(1, (fan_in + fan_out) / 2).</summary>
    FanAvg,
}
