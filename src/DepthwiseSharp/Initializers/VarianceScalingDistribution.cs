namespace DepthwiseSharp.Initializers;

/// <summary>The distribution <see cref="VarianceScaling"/> draws from (Keras's <c>distribution</c>).</summary>
/// <remarks>With s = scale / n: truncated normal stddev = sqrt(s) / 0.87962566103423978 cut at +-2 stddev;
/// untruncated normal stddev = sqrt(s); uniform on [-sqrt(3 s), sqrt(3 s)).</remarks>
public enum VarianceScalingDistribution
{
    /// <summary><c>"truncated_normal"</c> (also read from <c>"normal"</c>): normal with stddev sqrt(scale/n)/0.87962566103423978, values beyond 2 stddev redrawn, so the variance is scale/n.</summary>
    TruncatedNormal,

    /// <summary><c>"untruncated_normal"</c>: normal with stddev sqrt(scale/n).</summary>
    UntruncatedNormal,

    /// <summary><c>"uniform"</c>: uniform on [-limit, limit), limit = sqrt(3 * scale / n).</summary>
    Uniform,
}
