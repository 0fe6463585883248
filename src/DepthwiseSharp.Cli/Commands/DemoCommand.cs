using System.Diagnostics;
using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Cli.Commands;

/// <summary><c>depthwise demo</c>: the example of the Keras pages, then a short tour.</summary>
internal static class DemoCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        args.RejectUnknown();
        var rng = new Random(2024);
        var x = Tensor.Create(Enumerable.Range(0, 4 * 10 * 12).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), [4, 10, 12]);

        stdout.WriteLine("The Keras pages' example:");
        stdout.WriteLine("  x = keras.random.normal((4, 10, 12))");
        stdout.WriteLine("  y = keras.layers.DepthwiseConv1D(kernel_size=3, strides=2, depth_multiplier=3, activation='relu')(x)");
        var layer = new DepthwiseConv1D(3, 2, "valid", depthMultiplier: 3, activation: "relu");
        var y = layer.Call(x);
        stdout.WriteLine($"  print(y.shape)  ->  {Shapes.Format(Shape(y))}");
        stdout.WriteLine();

        stdout.WriteLine("A short tour:");
        stdout.WriteLine($"  weights: {string.Join(", ", layer.Weights.Select(w => $"{w.Name} {Shapes.Format(w.Shape)}"))}; CountParams() = {layer.CountParams()} (k*C*M + C*M)");
        var same = new DepthwiseConv1D(3, 2, "same", depthMultiplier: 3);
        stdout.WriteLine($"  padding='same' keeps ceil(L/s) steps: {Shapes.Format(Shape(same.Call(x)))}");
        var first = new DepthwiseConv1D(3, 1, "same", dataFormat: "channels_first", dilationRate: 2);
        var xf = Tensor.Create(new float[4 * 12 * 10], [4, 12, 10]);
        stdout.WriteLine($"  channels_first (4, 12, 10), dilation_rate=2, same: {Shapes.Format(Shape(first.Call(xf)))}");
        var regularized = new DepthwiseConv1D(3, 1, "valid", depthwiseRegularizer: "l2", activityRegularizer: "l1");
        regularized.Call(x);
        stdout.WriteLine($"  regularizers: Losses = [{string.Join(", ", regularized.Losses.Select(l => l.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}] (activity/N, then L2 of the kernel)");
        var copy = DepthwiseConv1D.FromConfig(layer.GetConfig());
        copy.SetWeights(layer.GetWeights<float>());
        bool identical = Flat(copy.Call(x)).AsSpan().SequenceEqual(Flat(y));
        stdout.WriteLine($"  GetConfig() -> FromConfig() -> SetWeights(GetWeights()): same output bit for bit: {identical}");
        string config = layer.GetConfig().ToJsonString();
        stdout.WriteLine($"  Keras 3 config: {config[..Math.Min(config.Length, 110)]}...");

        var big = Tensor.Create(new float[32 * 1000 * 128], [32, 1000, 128]);
        var conv = new DepthwiseConv1D(9, 1, "same");
        conv.Call(big);
        var stopwatch = Stopwatch.StartNew();
        const int repeats = 5;
        for (int i = 0; i < repeats; i++)
        {
            conv.Call(big);
        }

        stopwatch.Stop();
        stdout.WriteLine($"  speed: (32, 1000, 128), k=9, same: {stopwatch.Elapsed.TotalMilliseconds / repeats:F2} ms per call on this machine");
        return Program.Ok;
    }

    private static int[] Shape<T>(Tensor<T> t) => t.Lengths.ToArray().Select(v => (int)v).ToArray();

    private static float[] Flat(Tensor<float> t)
    {
        var a = new float[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }
}
