using System.Numerics.Tensors;
using DepthwiseSharp.Kernels;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Tests.Training;

/// <summary>Fitting: regularized gradients against finite differences, recovery of a known kernel, determinism, frozen layers.</summary>
public class TrainerTests
{
    [Theory]
    [InlineData("tanh", "channels_last", "l2", "l1")]
    [InlineData("softmax", "channels_first", "l1_l2", "l2")]
    [InlineData("gelu", "channels_last", "l1", null)]
    public void Regularized_gradients_match_finite_differences(string activation, string format, string kernelReg, string? activityReg)
    {
        var layer = new DepthwiseConv1D(3, 1, "same", 2, format, activation: activation, depthwiseRegularizer: kernelReg,
            biasRegularizer: "l2", activityRegularizer: activityReg, dtype: "float64");
        // Seeded weights (kernel in [-1, 1), bias in [-0.5, 0.5)): an unseeded draw could put a weight or an output at an
        // L1 kink, where a central difference is not the gradient.
        DepthwiseSharp.Tests.Streaming.StreamTestUtil.WithRandomWeights(layer, 3, new Random(30));
        var rng = new Random(3);
        int[] shape = format == "channels_last" ? [2, 6, 3] : [2, 3, 6];
        var x = Tensor.Create(Enumerable.Range(0, 36).Select(_ => rng.NextDouble() - 0.5).ToArray(), [shape[0], shape[1], shape[2]]);
        var pass = layer.Forward(x);
        var dyData = Enumerable.Range(0, (int)pass.Output.FlattenedLength).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var grads = layer.Backward(pass, Tensor.Create(dyData, pass.Output.Lengths), includeRegularization: true);

        // Total = sum(y * dy) + sum(layer.Losses): the quantity whose gradient includeRegularization gives.
        double Total()
        {
            var y = TestData.Flat(layer.Forward(x).Output);
            return y.Select((v, i) => v * dyData[i]).Sum() + layer.Losses.Sum();
        }

        foreach (var (variable, analytic) in new[] { (layer.Kernel, TestData.Flat(grads.Kernel)), (layer.Bias!, TestData.Flat(grads.Bias!)) })
        {
            var w = variable.AsSpan<double>();
            for (int i = 0; i < w.Length; i++)
            {
                double saved = w[i];
                w[i] = saved + 1e-6;
                double plus = Total();
                w[i] = saved - 1e-6;
                double minus = Total();
                w[i] = saved;
                double numeric = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 * (1 + Math.Abs(numeric)), $"{variable.Name}[{i}]: {analytic[i]} vs {numeric}");
            }
        }
    }

    /// <summary>System identification: targets are known FIR filters applied to noise; fitting must recover them.</summary>
    [Fact]
    public void Fit_recovers_a_known_kernel()
    {
        const int n = 64, l = 128, c = 3, k = 5;
        var rng = new Random(9);
        var trueKernel = Enumerable.Range(0, k * c).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var xs = Enumerable.Range(0, n * l * c).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

        // Targets from the float64 reference formula (independent of the layer).
        var g = Conv1DGeometry.ForPadding(n, l, c, 1, k, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var yd = new double[g.OutputCount];
        ReferenceKernel.Forward<double>(g, xs.Select(v => (double)v).ToArray(), trueKernel, default, yd);
        var x = Tensor.Create(xs, [n, l, c]);
        var y = Tensor.Create(yd.Select(v => (float)v).ToArray(), [n, l, c]);

        var layer = new DepthwiseConv1D(k, 1, "same", useBias: false,
            depthwiseInitializer: "zeros");
        var history = Trainer.Fit(layer, x, y, new FitOptions { Epochs = 60, BatchSize = 16, Seed = 1, Optimizer = new Adam(0.02) });
        Assert.True(history.Loss[^1] < history.Loss[0]);
        var learned = layer.Kernel.AsSpan<float>().ToArray();
        double num = 0, den = 0;
        for (int i = 0; i < trueKernel.Length; i++)
        {
            num += (learned[i] - trueKernel[i]) * (learned[i] - trueKernel[i]);
            den += trueKernel[i] * trueKernel[i];
        }

        Assert.True(Math.Sqrt(num / den) <= 1e-3, $"relative kernel error {Math.Sqrt(num / den):E3}, final loss {history.Loss[^1]:E3}");
    }

    [Fact]
    public void Same_seed_same_weights_and_frozen_layers_do_not_move()
    {
        float[] Run(bool freezeSecond, out float[] second)
        {
            var a = new DepthwiseConv1D(3, 1, "same", 2, "channels_last", activation: "tanh", name: "a",
                depthwiseInitializer: "ones", biasInitializer: "zeros");
            var b = new DepthwiseConv1D(3, 1, "same", 1, "channels_last", name: "b", depthwiseInitializer: "ones", trainable: !freezeSecond);
            var rng = new Random(4);
            var x = Tensor.Create(Enumerable.Range(0, 20 * 10 * 2).Select(_ => (float)rng.NextDouble()).ToArray(), [20, 10, 2]);
            var y = Tensor.Create(Enumerable.Range(0, 20 * 10 * 4).Select(_ => (float)rng.NextDouble()).ToArray(), [20, 10, 4]);
            Trainer.Fit([a, b], x, y, new FitOptions { Epochs = 3, BatchSize = 7, Seed = 5, Loss = new Huber(), Optimizer = new Sgd(0.05, 0.9) });
            second = b.Kernel.AsSpan<float>().ToArray();
            return a.Kernel.AsSpan<float>().ToArray();
        }

        var first1 = Run(false, out var s1);
        var first2 = Run(false, out var s2);
        Assert.Equal(first1, first2);
        Assert.Equal(s1, s2);
        Run(true, out var frozen);
        Assert.All(frozen, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Validation_split_takes_the_last_samples_and_early_stopping_stops()
    {
        var layer = new DepthwiseConv1D(1, 1, "valid", useBias: false, depthwiseInitializer: "ones");
        var x = Tensor.Create(Enumerable.Range(0, 10 * 4 * 1).Select(i => (float)(i % 7)).ToArray(), [10, 4, 1]);
        var y = Tensor.Create(new float[40], [10, 4, 1]);
        int epochsSeen = 0;
        var history = Trainer.Fit(layer, x, y, new FitOptions
        {
            Epochs = 200, BatchSize = 4, ValidationSplit = 0.2, Optimizer = new Sgd(0.5), EarlyStoppingPatience = 2, EarlyStoppingMinDelta = 1e-3,
            OnEpochEnd = e => epochsSeen = e.Epoch,
        });
        Assert.True(history.StoppedEarly);
        Assert.Equal(history.Loss.Count, history.ValidationLoss.Count);
        Assert.Equal(epochsSeen, history.Loss.Count);
        Assert.True(history.Loss.Count < 200);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(layer, x, y, new FitOptions { BatchSize = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => Trainer.Fit(layer, x, Tensor.Create(new float[30], [10, 3, 1])));
    }
}
