using System.Numerics;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Streaming;

/// <summary>Creating streams from layers.</summary>
public static class StreamExtensions
{
    /// <summary>Creates a stream that runs <paramref name="layer"/> over sequences arriving in chunks.</summary>
    /// <typeparam name="T">The layer's compute type: float (float32), double (float64), Half (float16 and mixed_float16) or
    /// BFloat16 (bfloat16 and mixed_bfloat16).</typeparam>
    /// <param name="layer">A built layer with causal or valid padding.</param>
    /// <param name="batchSize">N, the number of sequences streamed side by side.</param>
    /// <returns>A new stream (see <see cref="DepthwiseStream{T}"/>).</returns>
    /// <exception cref="ArgumentException">Same padding, or channels_first with a non-elementwise activation.</exception>
    /// <exception cref="InvalidOperationException">The layer is not built or its dtype is not <typeparamref name="T"/>.</exception>
    /// <exception cref="NotSupportedException">The layer overrides its convolution.</exception>
    /// <remarks>Each push returns <c>act(b + sum_j xpad[t*s + j*d] * K[j])</c> for the output steps the chunk completes.</remarks>
    public static DepthwiseStream<T> CreateStream<T>(this DepthwiseConv1D layer, int batchSize = 1)
        where T : unmanaged => new(layer, batchSize);
}
