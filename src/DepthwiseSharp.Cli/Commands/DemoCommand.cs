using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.Regularizers;
using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Cli.Commands;

/// <summary><c>depthwise demo</c>: the example of the Keras pages, then a short tour.</summary>
internal static class DemoCommand
{
    /// <summary>The command: its option and its action.</summary>
    public static Command Create()
    {
        var plotOption = CliOptions.Text("--plot", "FILE.svg", "Also draw the fit's loss per epoch to FILE.svg and its true and recovered taps to FILE.taps.svg.");
        var command = new Command("demo", "The Keras pages' example and a short tour of the library.") { plotOption };
        command.SetAction(parse => Run(parse.GetValue(plotOption), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string? plot, TextWriter stdout)
    {
        if (plot is not null)
        {
            Plots.CheckPath(plot);
            OutputFiles.CheckWritable(TapsPath(plot), "plot");
        }

        var rng = new Random(2024);
        var x = Tensor.Create(Enumerable.Range(0, 4 * 10 * 12).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), [4, 10, 12]);

        // Every initializer is seeded, as is the data, so two runs print the same; only the lines marked 'time' vary.
        stdout.WriteLine("The Keras pages' example:");
        stdout.WriteLine("  x = keras.random.normal((4, 10, 12))");
        stdout.WriteLine("  y = keras.layers.DepthwiseConv1D(kernel_size=3, strides=2, depth_multiplier=3, activation='relu')(x)");
        var layer = new DepthwiseConv1D(3, 2, Padding.Valid, depthMultiplier: 3, activation: Activation.Get("relu"), depthwiseInitializer: new GlorotUniform(seed: 1),
            name: "depthwise_conv1d"); // named: a second demo in one process would otherwise print depthwise_conv1d_1
        var y = layer.Call(x);
        stdout.WriteLine($"  print(y.shape)  ->  {Shapes.Format(Shape(y))}");
        stdout.WriteLine("    steps: 'valid' leaves 10 - 3 + 1 = 8 positions, strides=2 keeps every other one: 4;");
        stdout.WriteLine("    channels: each of the 12 input channels gets depth_multiplier=3 filters of its own: 36.");
        stdout.WriteLine();

        stdout.WriteLine("A short tour (seeded: two runs print the same, except the lines marked 'time'):");
        stdout.WriteLine($"  weights: {string.Join(", ", layer.Weights.Select(w => $"{w.Name} {Shapes.Format(w.Shape)}"))}; CountParams() = {layer.CountParams()}");
        stdout.WriteLine("    kernel_size * channels * depth_multiplier = 3 * 12 * 3 = 108 taps, plus one bias per output channel (36).");
        var same = new DepthwiseConv1D(3, 2, "same", depthMultiplier: 3);
        stdout.WriteLine($"  padding='same': {Shapes.Format(Shape(same.Call(x)))}; ceil(10 / 2) = 5 steps, zero padding placed as TensorFlow places it.");
        var first = new DepthwiseConv1D(3, 1, "same", dataFormat: "channels_first", dilationRate: 2);
        var xf = Tensor.Create(new float[4 * 12 * 10], [4, 12, 10]);
        stdout.WriteLine($"  channels_first (4, 12, 10), dilation_rate=2, same: {Shapes.Format(Shape(first.Call(xf)))}; the taps are 2 steps apart, so they span 5 steps.");
        var regularized = new DepthwiseConv1D(3, 1, Padding.Valid, depthwiseInitializer: new GlorotUniform(seed: 2),
            depthwiseRegularizer: Regularizer.Get("l2"), activityRegularizer: Regularizer.Get("l1"));
        regularized.Call(x);
        stdout.WriteLine($"  regularizers: Losses = [{string.Join(", ", regularized.Losses.Select(l => l.ToString("G6", CultureInfo.InvariantCulture)))}], what Keras's layer.losses holds after a call:");
        stdout.WriteLine("    first, activity_regularizer='l1' on the output: 0.01 * sum |y| over the batch, divided by the batch size (4);");
        stdout.WriteLine("    then, depthwise_regularizer='l2' on the kernel: 0.01 * sum of its 36 squared taps. fit adds both to the loss.");
        var copy = DepthwiseConv1D.FromConfig(layer.GetConfig());
        copy.SetWeights(layer.GetWeights<float>());
        bool identical = Flat(copy.Call(x)).AsSpan().SequenceEqual(Flat(y));
        stdout.WriteLine($"  GetConfig() -> FromConfig() -> SetWeights(GetWeights()): same output bit for bit: {identical}");
        string config = layer.GetConfig().ToJsonString();
        stdout.WriteLine($"  Keras 3 config (the JSON keras.layers.deserialize reads): {config[..Math.Min(config.Length, 80)]}...");

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
        stdout.WriteLine($"  time: (32, 1000, 128), k=9, same: {(stopwatch.Elapsed.TotalMilliseconds / repeats).ToString("F2", CultureInfo.InvariantCulture)} ms per call into a preallocated output, {Environment.ProcessorCount} threads");
        stdout.WriteLine("    (bench/ in the repository compares this engine with libtorch and ONNX Runtime on the same buffers).");
        return Program.Ok;
    }

    /// <summary>Where <c>--plot FILE.svg</c> puts the taps picture: FILE.taps.svg.</summary>
    internal static string TapsPath(string plot) => plot[..^4] + ".taps.svg";

    /// <summary>What the system identification found: the true and recovered filters, the loss per epoch, the time.</summary>
    internal sealed record Identification(string[] Names, double[][] Filters, double[][] Recovered, IReadOnlyList<double> Loss, TimeSpan Time)
    {
        /// <summary>|recovered - true| / |true| per filter.</summary>
        public double[] RelativeErrors => [.. Filters.Zip(Recovered, (t, r) =>
            Math.Sqrt(t.Zip(r, (a, b) => (a - b) * (a - b)).Sum() / t.Sum(a => a * a)))];
    }

    /// <summary>
    /// The main use: recover unknown per-channel FIR filters from input and output signals. Four known filters make the
    /// targets (the central difference's taps are <paramref name="centralTap"/> and its negative); a layer starting from
    /// zeros, fitted with Adam under the dtype <paramref name="policy"/>, must find them again.
    /// </summary>
    internal static Identification Identify(double centralTap = 1.0, int epochs = 150, string policy = "float32")
    {
        const int n = 32, l = 256, c = 4, k = 9;
        var filters = new double[c][];
        filters[0] = Enumerable.Repeat(1.0 / k, k).ToArray();                                  // moving average
        filters[1] = Enumerable.Range(0, k).Select(j => j == 3 ? -centralTap : j == 5 ? centralTap : 0.0).ToArray(); // central difference
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

        // The targets come from the float64 engine, then are rounded to float32 as the layer trains in float32.
        var xs = Enumerable.Range(0, n * l * c).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var g = Conv1DGeometry.ForPadding(n, l, c, 1, k, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var ys = new double[g.OutputCount];
        DepthwiseConvolution.Forward<double>(g, xs, kernel, default, ys);

        var layer = new DepthwiseConv1D(k, 1, "same", useBias: false, depthwiseInitializer: "zeros", dtype: policy);
        var stopwatch = Stopwatch.StartNew();
        var history = DepthwiseSharp.Training.Trainer.Fit(layer,
            Tensor.Create(xs.Select(v => (float)v).ToArray(), [n, l, c]), Tensor.Create(ys.Select(v => (float)v).ToArray(), [n, l, c]),
            new DepthwiseSharp.Training.FitOptions { Epochs = epochs, BatchSize = 16, Seed = 1, Optimizer = new DepthwiseSharp.Optimizers.Adam(0.01) });
        stopwatch.Stop();
        float[] taps = layer.Kernel.AsSpan<float>().ToArray();
        var recovered = Enumerable.Range(0, c).Select(ci => Enumerable.Range(0, k).Select(j => (double)taps[j * c + ci]).ToArray()).ToArray();
        return new(["moving average", "central difference", "low-pass (windowed sinc)", "echo pattern"], filters, recovered, history.Loss, stopwatch.Elapsed);
    }

    private static void SystemIdentification(TextWriter stdout, string? plot)
    {
        var found = Identify();
        stdout.WriteLine("  system identification: recover 4 FIR filters (k=9) from 32 noise signals of 256 steps and their filtered outputs,");
        stdout.WriteLine("    a layer starting from zeros, Adam(learning_rate=0.01), batch 16, 150 epochs (300 steps):");
        stdout.WriteLine($"    loss (mean squared error) {Sci(found.Loss[0], "0.00e+0")} -> {Sci(found.Loss[^1], "0.00e+0")}");
        for (int ci = 0; ci < found.Names.Length; ci++)
        {
            stdout.WriteLine($"    {found.Names[ci],-26} |recovered - true| / |true| = {Sci(found.RelativeErrors[ci], "0.0e+0")}");
        }

        stdout.WriteLine("    About 1e-7 is float32's own rounding: each target is rounded to within 6e-8 of its size.");
        stdout.WriteLine("    The central difference is further off because Adam moves a tap by at most about the learning rate per step:");
        stdout.WriteLine("    its taps of -1 and +1 need 100 of the 300 steps just to get there from zero, leaving fewer to settle");
        stdout.WriteLine("    (with taps of +-0.5 it reaches the others' 1e-7 in the same 150 epochs).");
        stdout.WriteLine($"  time: the fit took {found.Time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");

        if (plot is not null)
        {
            Plots.LossCurve(plot, "system identification: training loss", found.Loss, []);
            Plots.Taps(TapsPath(plot), "system identification: true filters (lines) and recovered taps (dots)", found.Names, found.Filters, [.. found.Recovered]);
            stdout.WriteLine($"    pictures: {plot} (loss per epoch), {TapsPath(plot)} (true and recovered taps)");
        }
    }

    private static string Sci(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static int[] Shape<T>(Tensor<T> t) => t.Lengths.ToArray().Select(v => (int)v).ToArray();

    private static float[] Flat(Tensor<float> t)
    {
        var a = new float[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }
}
