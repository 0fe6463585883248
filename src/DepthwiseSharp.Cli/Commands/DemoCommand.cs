using System.Diagnostics;
using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Cli.Commands;

/// <summary><c>depthwise demo</c>: the example of the Keras pages, then a short tour.</summary>
internal static class DemoCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        string? plot = args.Optional("plot");
        args.RejectUnknown();
        if (plot is not null)
        {
            Plots.CheckPath(plot);
            OutputFiles.CheckWritable(TapsPath(plot), "plot");
        }

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

        SystemIdentification(stdout, plot);

        // Into a preallocated buffer (no allocation per call), after warm-up: what a serving loop sees.
        var big = new float[32 * 1000 * 128];
        var output = new float[32 * 1000 * 128];
        var conv = new DepthwiseConv1D(9, 1, "same");
        for (int i = 0; i < 3; i++)
        {
            conv.Call<float>(big, [32, 1000, 128], output);
        }

        var stopwatch = Stopwatch.StartNew();
        const int repeats = 20;
        for (int i = 0; i < repeats; i++)
        {
            conv.Call<float>(big, [32, 1000, 128], output);
        }

        stopwatch.Stop();
        stdout.WriteLine($"  speed: (32, 1000, 128), k=9, same: {stopwatch.Elapsed.TotalMilliseconds / repeats:F2} ms per call on this machine ({Environment.ProcessorCount} threads; bench/DepthwiseSharp.Bench --compare compares with ONNX Runtime)");
        return Program.Ok;
    }

    /// <summary>
    /// The main use: recover unknown per-channel FIR filters from input and output signals. Four known filters make
    /// the targets; a fresh layer fitted with Adam must find them again.
    /// </summary>
    /// <summary>Where <c>--plot FILE.svg</c> puts the taps picture: FILE.taps.svg.</summary>
    internal static string TapsPath(string plot) => plot[..^4] + ".taps.svg";

    private static void SystemIdentification(TextWriter stdout, string? plot)
    {
        const int n = 32, l = 256, c = 4, k = 9;
        var filters = new double[c][];
        filters[0] = Enumerable.Repeat(1.0 / k, k).ToArray();                                  // moving average
        filters[1] = Enumerable.Range(0, k).Select(j => j == 3 ? -1.0 : j == 5 ? 1.0 : 0.0).ToArray(); // central difference
        filters[2] = Enumerable.Range(0, k).Select(j =>                                          // windowed-sinc low-pass
        {
            double t = j - (k - 1) / 2.0;
            double sinc = t == 0 ? 0.5 : Math.Sin(Math.PI * 0.5 * t) / (Math.PI * t);
            return sinc * (0.54 - 0.46 * Math.Cos(2 * Math.PI * j / (k - 1)));
        }).ToArray();
        var rng = new Random(7);
        filters[3] = Enumerable.Range(0, k).Select(_ => rng.NextDouble() - 0.5).ToArray();      // an arbitrary echo pattern

        var kernel = new double[k * c];
        for (int j = 0; j < k; j++)
        {
            for (int ci = 0; ci < c; ci++)
            {
                kernel[j * c + ci] = filters[ci][j];
            }
        }

        var xs = Enumerable.Range(0, n * l * c).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var g = Conv1DGeometry.ForPadding(n, l, c, 1, k, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var ys = new double[g.OutputCount];
        DepthwiseConvolution.Forward<double>(g, xs, kernel, default, ys);

        var layer = new DepthwiseConv1D(k, 1, "same", useBias: false, depthwiseInitializer: "zeros");
        var stopwatch = Stopwatch.StartNew();
        var history = DepthwiseSharp.Training.Trainer.Fit(layer,
            Tensor.Create(xs.Select(v => (float)v).ToArray(), [n, l, c]), Tensor.Create(ys.Select(v => (float)v).ToArray(), [n, l, c]),
            new DepthwiseSharp.Training.FitOptions { Epochs = 150, BatchSize = 16, Seed = 1, Optimizer = new DepthwiseSharp.Optimizers.Adam(0.01) });
        stopwatch.Stop();
        var learned = layer.Kernel.AsSpan<float>();
        stdout.WriteLine($"  system identification: fit 4 unknown FIR filters (k=9) from {n} noise signals of {l} steps, Adam, 150 epochs, {stopwatch.Elapsed.TotalSeconds:F1} s");
        stdout.WriteLine($"    loss {history.Loss[0]:0.00e+0} -> {history.Loss[^1]:0.00e+0}");
        string[] names = ["moving average", "central difference", "low-pass (windowed sinc)", "echo pattern"];
        for (int ci = 0; ci < c; ci++)
        {
            double num = 0, den = 0;
            for (int j = 0; j < k; j++)
            {
                double diff = learned[j * c + ci] - filters[ci][j];
                num += diff * diff;
                den += filters[ci][j] * filters[ci][j];
            }

            stdout.WriteLine($"    {names[ci],-26} recovered-vs-true relative error {Math.Sqrt(num / den):0.0e+0}");
        }

        if (plot is not null)
        {
            float[] taps = learned.ToArray();
            var recovered = Enumerable.Range(0, c).Select(ci => Enumerable.Range(0, k).Select(j => (double)taps[j * c + ci]).ToArray()).ToList();
            Plots.LossCurve(plot, "system identification: training loss", history.Loss, history.ValidationLoss);
            Plots.Taps(TapsPath(plot), "system identification: true filters (lines) and recovered taps (dots)", names, filters, recovered);
            stdout.WriteLine($"    pictures: {plot} (loss per epoch), {TapsPath(plot)} (true and recovered taps)");
        }
    }

    private static int[] Shape<T>(Tensor<T> t) => t.Lengths.ToArray().Select(v => (int)v).ToArray();

    private static float[] Flat(Tensor<float> t)
    {
        var a = new float[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }
}
