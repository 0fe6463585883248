using System.Numerics.Tensors;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Streaming;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>
/// One layer used from 8 threads at once (Tensor calls, span calls, Forward/Backward, streams, config reads) gives exactly
/// the serial results; training and inference of different layers in parallel do not disturb each other.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;

    internal static float[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Runs <paramref name="body"/> on <see cref="Threads"/> threads released together; rethrows the first failure.</summary>
    internal static void OnThreads(Action<int> body)
    {
        using var start = new Barrier(Threads);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(t);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (var th in threads)
        {
            th.Start();
        }

        foreach (var th in threads)
        {
            th.Join();
        }

        if (errors.TryDequeue(out var first))
        {
            throw new AggregateException(first);
        }
    }

    private static DepthwiseConv1D Seeded(string format = "channels_last", string activation = "gelu") =>
        DepthwiseConv1D.FromJson($$$"""
            {"kernel_size": 5, "padding": "same", "depth_multiplier": 2, "data_format": "{{{format}}}", "activation": "{{{activation}}}",
             "depthwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": 7}},
             "bias_initializer": {"class_name": "RandomNormal", "config": {"seed": 8}}, "activity_regularizer": "l2"}
            """);

    [Fact]
    public void An_unbuilt_layer_called_from_8_threads_builds_once_and_matches_serial_calls()
    {
        var inputs = Enumerable.Range(0, Threads).Select(i => Tensor.Create(Noise(3 * 40 * 6, i), [3, 40, 6])).ToArray();
        var serialLayer = Seeded();
        var serial = inputs.Select(x => TestData.Flat(serialLayer.Call(x))).ToArray();

        var shared = Seeded();
        var parallel = new float[Threads][];
        OnThreads(t =>
        {
            for (int rep = 0; rep < 20; rep++)
            {
                parallel[t] = TestData.Flat(shared.Call(inputs[t]));
            }
        });
        Assert.Equal(TestData.Flat(serialLayer.Kernel.ToTensor<float>()), TestData.Flat(shared.Kernel.ToTensor<float>()));
        for (int i = 0; i < Threads; i++)
        {
            Assert.Equal(serial[i], parallel[i]);
        }
    }

    [Theory]
    [InlineData("channels_last", "gelu")]
    [InlineData("channels_first", "softmax")]
    public void Forward_backward_and_span_calls_from_8_threads_match_serial_calls(string format, string activation)
    {
        var layer = Seeded(format, activation);
        int[] shape = format == "channels_last" ? [2, 50, 6] : [2, 6, 50];
        layer.Build([null, shape[1], shape[2]]);
        var inputs = Enumerable.Range(0, Threads).Select(i => Tensor.Create(Noise(600, 100 + i), [shape[0], shape[1], shape[2]])).ToArray();
        var outShape = layer.ComputeOutputShape([shape[0], shape[1], shape[2]]).Select(v => v!.Value).ToArray();
        int outCount = outShape.Aggregate(1, (a, b) => a * b);
        var dys = Enumerable.Range(0, Threads).Select(i => Tensor.Create(Noise(outCount, 200 + i), outShape.Select(v => (nint)v).ToArray())).ToArray();

        (float[] Y, float[] Dx, float[] Dk, float[] Db, float[] Span) Compute(int i)
        {
            var pass = layer.Forward(inputs[i]);
            var g = layer.Backward(pass, dys[i], includeRegularization: true);
            var span = new float[outCount];
            if (activation != "softmax" || format == "channels_last")
            {
                layer.Call<float>(TestData.Flat(inputs[i]), shape, span);
            }

            return (TestData.Flat(pass.Output), TestData.Flat(g.Input), TestData.Flat(g.Kernel), TestData.Flat(g.Bias!), span);
        }

        var serial = Enumerable.Range(0, Threads).Select(Compute).ToArray();
        var parallel = new (float[], float[], float[], float[], float[])[Threads];
        OnThreads(t =>
        {
            for (int rep = 0; rep < 10; rep++)
            {
                parallel[t] = Compute(t);
            }
        });
        for (int i = 0; i < Threads; i++)
        {
            Assert.Equal(serial[i].Y, parallel[i].Item1);
            Assert.Equal(serial[i].Dx, parallel[i].Item2);
            Assert.Equal(serial[i].Dk, parallel[i].Item3);
            Assert.Equal(serial[i].Db, parallel[i].Item4);
            Assert.Equal(serial[i].Span, parallel[i].Item5);
        }
    }

    [Fact]
    public void Streams_of_one_layer_on_8_threads_each_equal_the_whole_sequence()
    {
        var layer = new CausalDepthwiseConv1D(4, dilationRate: 2, depthMultiplier: 2, activation: DepthwiseSharp.Activations.Activation.Get("tanh"),
            depthwiseInitializer: DepthwiseSharp.Initializers.Initializer.FromConfig(System.Text.Json.Nodes.JsonNode.Parse("""{"class_name": "GlorotUniform", "config": {"seed": 3}}""")!));
        layer.Build([null, null, 5]);
        const int length = 60;
        var sequences = Enumerable.Range(0, Threads).Select(i => Noise(2 * length * 5, 300 + i)).ToArray();
        var whole = sequences.Select(x => TestData.Flat(layer.Call(Tensor.Create(x, [2, length, 5])))).ToArray();
        var streamed = new float[Threads][];
        OnThreads(t =>
        {
            var stream = layer.CreateStream<float>(batchSize: 2);
            var y = new float[2 * length * 10];
            var chunk = new float[2 * 7 * 5];
            var output = new float[2 * 7 * 10];
            for (int t0 = 0; t0 < length; t0 += 7)
            {
                int steps = Math.Min(7, length - t0);
                for (int b = 0; b < 2; b++)
                {
                    sequences[t].AsSpan(((b * length) + t0) * 5, steps * 5).CopyTo(chunk.AsSpan(b * steps * 5));
                }

                int produced = stream.Push(chunk.AsSpan(0, 2 * steps * 5), steps, output);
                for (int b = 0; b < 2; b++)
                {
                    output.AsSpan(b * produced * 10, produced * 10).CopyTo(y.AsSpan(((b * length) + t0) * 10));
                }
            }

            streamed[t] = y;
        });
        for (int i = 0; i < Threads; i++)
        {
            Assert.Equal(whole[i], streamed[i]);
        }
    }

    [Fact]
    public void Reading_config_weights_and_losses_while_8_threads_call_is_consistent()
    {
        var layer = Seeded();
        layer.Build([null, null, 6]);
        string config = layer.GetConfig().ToJsonString();
        var x = Tensor.Create(Noise(2 * 30 * 6, 5), [2, 30, 6]);
        var expected = TestData.Flat(layer.Call(x));
        OnThreads(t =>
        {
            for (int rep = 0; rep < 30; rep++)
            {
                if (t % 2 == 0)
                {
                    Assert.Equal(expected, TestData.Flat(layer.Call(x)));
                }
                else
                {
                    Assert.Equal(config, layer.GetConfig().ToJsonString());
                    Assert.Equal(config, DepthwiseConv1D.FromConfig(layer.Serialize()).GetConfig().ToJsonString());
                    Assert.Equal(5 * 6 * 2 + 12, layer.CountParams());
                    Assert.Equal(2, layer.GetWeights<float>().Length);
                    Assert.All(layer.Losses, l => Assert.True(double.IsFinite(l)));
                }
            }
        });
    }

    [Fact]
    public void Training_and_inference_of_different_layers_in_parallel_match_serial_runs()
    {
        var x = Tensor.Create(Noise(24 * 20 * 3, 40), [24, 20, 3]);
        var y = Tensor.Create(Noise(24 * 20 * 3, 41), [24, 20, 3]);
        History Train(DepthwiseConv1D layer) => Trainer.Fit(layer, x, y, new FitOptions
        {
            Epochs = 3, BatchSize = 8, Seed = 5, Optimizer = new Adam(0.01), ValidationSplit = 0.25,
        });

        DepthwiseConv1D Fresh() => DepthwiseConv1D.FromJson("""
            {"kernel_size": 3, "padding": "same", "activation": "tanh", "depthwise_regularizer": "l2",
             "depthwise_initializer": {"class_name": "HeNormal", "config": {"seed": 11}}}
            """);

        var serialLayer = Fresh();
        var serialHistory = Train(serialLayer);
        var inference = Seeded();
        inference.Build([null, null, 3]);
        var expected = TestData.Flat(inference.Call(x));

        var layers = Enumerable.Range(0, Threads).Select(_ => Fresh()).ToArray();
        var histories = new History[Threads];
        OnThreads(t =>
        {
            if (t < 4)
            {
                histories[t] = Train(layers[t]);
            }
            else
            {
                for (int rep = 0; rep < 10; rep++)
                {
                    Assert.Equal(expected, TestData.Flat(inference.Call(x)));
                }
            }
        });
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(serialHistory.Loss, histories[t].Loss);
            Assert.Equal(serialHistory.ValidationLoss, histories[t].ValidationLoss);
            Assert.Equal(TestData.Flat(serialLayer.Kernel.ToTensor<float>()), TestData.Flat(layers[t].Kernel.ToTensor<float>()));
            Assert.Equal(TestData.Flat(serialLayer.Bias!.ToTensor<float>()), TestData.Flat(layers[t].Bias!.ToTensor<float>()));
        }
    }
}
