using System.Numerics.Tensors;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;

namespace DepthwiseSharp.Tests.Training;

/// <summary>Optimizer steps against Keras 3's update formulas written out by hand, and constraints after the step.</summary>
public class OptimizerTests
{
    private static DepthwiseConv1D Layer(Constraint? constraint = null)
    {
        var layer = new DepthwiseConv1D(2, depthMultiplier: 1, dtype: DType.Float64, depthwiseConstraint: constraint);
        layer.SetWeights(Tensor.Create(new[] { 0.5, -1.0, 2.0, 0.25 }, [2, 2, 1]), Tensor.Create(new[] { 0.1, -0.2 }, [2]));
        return layer;
    }

    private static readonly double[] GK = [0.3, -0.6, 1.2, 0.05];
    private static readonly double[] GB = [-0.4, 0.7];

    [Fact]
    public void Sgd_step_is_w_minus_lr_g()
    {
        var layer = Layer();
        new Sgd(0.1).Apply<double>([(layer.Kernel, (double[])GK.Clone()), (layer.Bias!, (double[])GB.Clone())]);
        Assert.Equal([0.5 - 0.1 * 0.3, -1.0 + 0.1 * 0.6, 2.0 - 0.1 * 1.2, 0.25 - 0.1 * 0.05], layer.Kernel.AsSpan<double>().ToArray());
        Assert.Equal([0.1 + 0.1 * 0.4, -0.2 - 0.1 * 0.7], layer.Bias!.AsSpan<double>().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sgd_momentum_two_steps_follow_keras(bool nesterov)
    {
        var layer = Layer();
        var opt = new Sgd(0.1, momentum: 0.9, nesterov: nesterov);
        double w = 0.5, v = 0;
        foreach (double g in (double[])[0.3, -0.2])
        {
            opt.Apply<double>([(layer.Kernel, [g, 0, 0, 0])]);
            v = 0.9 * v - 0.1 * g;
            w += nesterov ? 0.9 * v - 0.1 * g : v;
        }

        Assert.Equal(w, layer.Kernel.AsSpan<double>()[0], 15);
        Assert.Equal(2, opt.Iterations);
    }

    [Fact]
    public void Adam_three_steps_follow_keras_with_epsilon_1e7()
    {
        var layer = Layer();
        var opt = new Adam(0.01);
        Assert.Equal(1e-7, opt.Epsilon);
        double w = 0.5, m = 0, v = 0;
        double[] grads = [0.3, -0.2, 0.05];
        for (int t = 1; t <= grads.Length; t++)
        {
            double g = grads[t - 1];
            opt.Apply<double>([(layer.Kernel, [g, 0, 0, 0])]);
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            w -= alpha * m / (Math.Sqrt(v) + 1e-7);
        }

        Assert.Equal(w, layer.Kernel.AsSpan<double>()[0], 14);
    }

    [Fact]
    public void Max_norm_is_applied_after_the_step()
    {
        var layer = Layer(new MaxNorm(1.0));
        new Sgd(1.0).Apply<double>([(layer.Kernel, [-3.0, 0, 0, 0])]);

        // Kernel (k=2, C=2, M=1): filter c=0 is taps (K[0,0], K[1,0]) = (3.5, 2.0), norm 4.03 > 1, scaled to norm 1.
        var k = layer.Kernel.AsSpan<double>();
        double n0 = Math.Sqrt(3.5 * 3.5 + 2.0 * 2.0);
        Assert.Equal(3.5 / (1e-7 + n0), k[0], 12);
        Assert.Equal(2.0 / (1e-7 + n0), k[2], 12);
        for (int c = 0; c < 2; c++)
        {
            Assert.True(Math.Sqrt(k[c] * k[c] + k[2 + c] * k[2 + c]) <= 1.0 + 1e-9);
        }
    }

    [Fact]
    public void Frozen_weights_are_refused_and_bad_settings_name_the_argument()
    {
        var layer = Layer();
        layer.Trainable = false;
        Assert.Throws<ArgumentException>(() => new Sgd().Apply<double>([(layer.Kernel, (double[])GK.Clone())]));
        Assert.Equal("learning_rate", Assert.ThrowsAny<ArgumentException>(() => new Adam(-1)).ParamName);
        Assert.Equal("momentum", Assert.ThrowsAny<ArgumentException>(() => new Sgd(momentum: 2)).ParamName);
        Assert.Contains("Could not interpret optimizer identifier: rmsprop", Assert.ThrowsAny<ArgumentException>(() => Optimizer.Get("rmsprop")).Message);
    }
}
