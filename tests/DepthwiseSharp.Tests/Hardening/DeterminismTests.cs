using System.Numerics.Tensors;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Forward, backward and whole fits are bit-identical across thread counts and repeated runs.</summary>
public class DeterminismTests
{
    private static DepthwiseConv1D Layer(string format, string dtype, bool causal)
    {
        string json = $$$"""
            {"kernel_size": 4, "strides": 1, "padding": "{{{(causal ? "causal" : "same")}}}", "depth_multiplier": 2,
             "data_format": "{{{format}}}", "dilation_rate": 2, "activation": "silu", "dtype": "{{{dtype}}}",
             "depthwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": 21}},
             "bias_initializer": {"class_name": "RandomUniform", "config": {"seed": 22}},
             "depthwise_regularizer": {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.01}},
             "activity_regularizer": "l2", "depthwise_constraint": "max_norm"}
            """;
        return causal ? CausalDepthwiseConv1D.FromJson(json) : DepthwiseConv1D.FromJson(json);
    }

    public static TheoryData<string, string, bool> Cases() => new()
    {
        { "channels_last", "float32", false },
        { "channels_first", "float32", false },
        { "channels_last", "float64", true },
        { "channels_first", "float64", false },
    };

    /// <summary>Kernel, bias and the per-epoch losses of one fit, as raw bits.</summary>
    private static (long[] Weights, double[] Loss, double[] ValLoss) Fit(string format, string dtype, bool causal, int threads)
    {
        var layer = Layer(format, dtype, causal);
        layer.MaxDegreeOfParallelism = threads;
        int[] shape = format == "channels_last" ? [40, 64, 6] : [40, 6, 64];
        var rng = new Random(17);
        var xs = Enumerable.Range(0, 40 * 64 * 6).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var ys = Enumerable.Range(0, 40 * 64 * 12).Select(_ => rng.NextDouble() - 0.5).ToArray();
        nint[] outShape = format == "channels_last" ? [40, 64, 12] : [40, 12, 64];
        var options = new FitOptions { Epochs = 3, BatchSize = 16, Seed = 4, ValidationSplit = 0.2, Optimizer = new Adam(0.005) };
        History h;
        long[] bits;
        if (dtype == "float32")
        {
            h = Trainer.Fit(layer, Tensor.Create(xs.Select(v => (float)v).ToArray(), [shape[0], shape[1], shape[2]]),
                Tensor.Create(ys.Select(v => (float)v).ToArray(), outShape), options);
            bits = layer.Weights.SelectMany(w => w.AsSpan<float>().ToArray()).Select(v => (long)BitConverter.SingleToInt32Bits(v)).ToArray();
        }
        else
        {
            h = Trainer.Fit(layer, Tensor.Create(xs, [shape[0], shape[1], shape[2]]), Tensor.Create(ys, outShape), options);
            bits = layer.Weights.SelectMany(w => w.AsSpan<double>().ToArray()).Select(BitConverter.DoubleToInt64Bits).ToArray();
        }

        return (bits, h.Loss.ToArray(), h.ValidationLoss.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_is_bit_identical_for_1_and_2_threads_and_repeated_runs(string format, string dtype, bool causal)
    {
        var one = Fit(format, dtype, causal, threads: 1);
        var two = Fit(format, dtype, causal, threads: 2);
        var again = Fit(format, dtype, causal, threads: 2);
        Assert.Equal(one.Weights, two.Weights);
        Assert.Equal(one.Loss, two.Loss);
        Assert.Equal(one.ValLoss, two.ValLoss);
        Assert.Equal(two.Weights, again.Weights);
        Assert.Equal(two.Loss, again.Loss);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_repeat_bit_for_bit_for_every_thread_count(string format, string dtype, bool causal)
    {
        if (dtype != "float32")
        {
            return;
        }

        var layer = Layer(format, dtype, causal);
        int[] shape = format == "channels_last" ? [5, 333, 24] : [5, 24, 333];
        var x = Tensor.Create(ConcurrencyTests.Noise(5 * 333 * 24, 1), [shape[0], shape[1], shape[2]]);
        layer.Build([null, shape[1], shape[2]]);
        float[]? y0 = null, dx0 = null, dk0 = null, call0 = null;
        foreach (int threads in (int[])[1, 2, 3, 8, 0, 1, 2])
        {
            layer.MaxDegreeOfParallelism = threads;
            var pass = layer.Forward(x);
            var g = layer.Backward(pass, pass.Output, includeRegularization: true);
            var (y, dx, dk) = (TestData.Flat(pass.Output), TestData.Flat(g.Input), TestData.Flat(g.Kernel));
            y0 ??= y;
            dx0 ??= dx;
            dk0 ??= dk;
            Assert.Equal(y0, y);
            Assert.Equal(dx0, dx);
            Assert.Equal(dk0, dk);

            // Call fuses the activation into the kernel's rows; Forward applies it to the whole output at once. With an
            // exp-based activation the two may differ in the last bit at row ends (a vector lane there, a scalar tail here),
            // so each path is compared with itself.
            var call = TestData.Flat(layer.Call(x));
            call0 ??= call;
            Assert.Equal(call0, call);
        }
    }
}
