using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Streaming;

/// <summary>Layers with random weights, random inputs, and the concatenation of stream outputs along time.</summary>
internal static class StreamTestUtil
{
    /// <summary>Activations a channels_first stream accepts (elementwise); channels_last also takes the row activations.</summary>
    public static readonly string[] Elementwise =
    [
        "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "softplus", "softsign", "squareplus", "soft_shrink",
        "hard_shrink", "sparse_plus", "silu", "gelu", "tanh", "tanh_shrink", "sigmoid", "sparse_sigmoid", "exponential",
        "hard_sigmoid", "hard_silu", "hard_tanh", "mish", "log_sigmoid",
    ];

    public static readonly string[] RowWise = ["softmax", "log_softmax", "sparsemax", "glu"];

    /// <summary>Builds <paramref name="layer"/> for C channels and gives it uniform random weights (kernel in [-1, 1), bias in [-0.5, 0.5)).</summary>
    public static TLayer WithRandomWeights<TLayer>(TLayer layer, int channels, Random rng)
        where TLayer : DepthwiseConv1D
    {
        layer.Build(layer.DataFormat == DataFormat.ChannelsLast ? [null, null, channels] : [null, channels, null]);
        int cm = channels * layer.DepthMultiplier;
        var kernel = Uniform(rng, layer.KernelSize * cm, 1.0);
        var bias = Uniform(rng, cm, 0.5);
        nint[] kshape = [layer.KernelSize, channels, layer.DepthMultiplier];
        if (layer.DType == DType.Float32)
        {
            var k = Tensor.Create(kernel.Select(v => (float)v).ToArray(), kshape);
            var b = Tensor.Create(bias.Select(v => (float)v).ToArray(), [cm]);
            layer.SetWeights(layer.UseBias ? new[] { k, b } : new[] { k });
        }
        else
        {
            var k = Tensor.Create(kernel, kshape);
            var b = Tensor.Create(bias, [cm]);
            layer.SetWeights(layer.UseBias ? new[] { k, b } : new[] { k });
        }

        return layer;
    }

    public static double[] Uniform(Random rng, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (rng.NextDouble() * 2 - 1) * scale).ToArray();

    public static T[] Input<T>(Random rng, int count, double scale = 2.0)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Uniform(rng, count, scale).Select(T.CreateTruncating).ToArray();

    public static Tensor<T> Whole<T>(DepthwiseConv1D layer, T[] x, int n, int c, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint[] shape = layer.DataFormat == DataFormat.ChannelsLast ? [n, length, c] : [n, c, length];
        if (typeof(T) == typeof(float))
        {
            return (Tensor<T>)(object)layer.Call(Tensor.Create((float[])(object)x, shape));
        }

        return (Tensor<T>)(object)layer.Call(Tensor.Create((double[])(object)x, shape));
    }

    /// <summary>Steps [t0, t0 + steps) of every sequence of x, as a dense chunk in the layer's layout.</summary>
    public static T[] Slice<T>(T[] x, int n, int c, int length, int t0, int steps, bool last)
    {
        var chunk = new T[n * steps * c];
        for (int b = 0; b < n; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    int src = last ? ((b * length) + t0 + t) * c + ch : ((b * c) + ch) * length + t0 + t;
                    int dst = last ? ((b * steps) + t) * c + ch : ((b * c) + ch) * steps + t;
                    chunk[dst] = x[src];
                }
            }
        }

        return chunk;
    }

    /// <summary>Concatenates per-push outputs (each (N, count, CO) or (N, CO, count)) along time.</summary>
    public static T[] Concat<T>(IReadOnlyList<(T[] Values, int Count)> pieces, int n, int co, bool last)
    {
        int total = pieces.Sum(p => p.Count);
        var y = new T[n * total * co];
        int t0 = 0;
        foreach (var (values, count) in pieces)
        {
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < count; t++)
                {
                    for (int o = 0; o < co; o++)
                    {
                        int src = last ? ((b * count) + t) * co + o : ((b * co) + o) * count + t;
                        int dst = last ? ((b * total) + t0 + t) * co + o : ((b * co) + o) * total + t0 + t;
                        y[dst] = values[src];
                    }
                }
            }

            t0 += count;
        }

        return y;
    }

    public static Activation Act(string name) => Activation.Get(name);
}
