using System.CommandLine;
using System.Globalization;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise fit (--layer LAYER.json [--weights K.npy [B.npy] | --weights FILE.weights.h5] | --model FILE [--layer NAME|INDEX])
/// --input X.npy --target Y.npy [--epochs E] [--batch-size B]
/// [--optimizer adam|sgd] [--learning-rate LR] [--loss mse|huber] [--validation-split F] [--seed S] (--save OUT.keras | --save-npy DIR)</c>.
/// </summary>
internal static class FitCommand
{
    /// <summary>The command's options, one home for their names, defaults and help.</summary>
    private sealed class Options
    {
        public CliLayers.Options Layers { get; } = new();
        public Option<string> Input { get; } = CliOptions.Text("--input", "X.npy", "The training inputs.", required: true);
        public Option<string> Target { get; } = CliOptions.Text("--target", "Y.npy", "The targets, shaped as the model's output.", required: true);
        public Option<int?> Epochs { get; } = CliOptions.Int("--epochs", 1, "E", "Passes over the data (default 10).");
        public Option<int?> BatchSize { get; } = CliOptions.Int("--batch-size", 1, "B", "Samples per step (default 32).");
        public Option<string> Optimizer { get; } = CliOptions.Text("--optimizer", "NAME", $"The optimizer: {string.Join(" or ", DepthwiseSharp.Optimizers.Optimizer.Names)} (default adam).");
        public Option<double?> LearningRate { get; } = CliOptions.Number("--learning-rate", "LR", "The optimizer's learning rate (default: Keras's for that optimizer).");
        public Option<string> Loss { get; } = CliOptions.Text("--loss", "NAME", $"The loss: {string.Join(", ", DepthwiseSharp.Training.Loss.Names)} (default mse).");
        public Option<double?> ValidationSplit { get; } = CliOptions.Number("--validation-split", "F", "The last fraction F of the samples is held out for val_loss, as in Keras (default 0).");
        public Option<int?> Seed { get; } = CliOptions.Int("--seed", 0, "S", "Seeds the shuffling and, without --weights, the initializers (default 0).");
        public Option<int?> EarlyStopping { get; } = CliOptions.Int("--early-stopping", 0, "PATIENCE", "Stop when the monitored loss (val_loss if any) has not improved for PATIENCE epochs.");
        public Option<int?> Threads { get; } = CliOptions.Int("--threads", 1, "N", "Threads for the kernels (default: every core).");
        public Option<bool> Quiet { get; } = CliOptions.Flag("--quiet", "Print only the final line, no per-epoch lines.");
        public Option<string> Plot { get; } = CliOptions.Text("--plot", "LOSS.svg", "Draw loss (and val_loss) per epoch as an SVG picture.");
        public Option<string> Save { get; } = CliOptions.Text("--save", "OUT.keras", "Save the trained layer or model as a Keras file (.keras, .h5 or .weights.h5).");
        public Option<string> SaveNpy { get; } = CliOptions.Text("--save-npy", "DIR", "Save the trained layer as layer.json and one .npy per weight in DIR.");
    }

    /// <summary>The command: its options and its action.</summary>
    public static Command Create()
    {
        var o = new Options();
        var command = new Command("fit", "Train on .npy arrays and save. Without --weights the initializers draw, seeded by --seed; Ctrl-C stops after the current batch and still saves.")
        {
            o.Input, o.Target, o.Epochs, o.BatchSize, o.Optimizer, o.LearningRate, o.Loss, o.ValidationSplit, o.Seed, o.EarlyStopping,
            o.Threads, o.Quiet, o.Plot, o.Save, o.SaveNpy,
        };
        o.Layers.AddTo(command);
        command.SetAction(parse => Run(parse, o));
        return command;
    }

    private static int Run(ParseResult parse, Options o)
    {
        var stdout = parse.InvocationConfiguration.Output;
        string inputPath = parse.GetValue(o.Input)!;
        string targetPath = parse.GetValue(o.Target)!;
        int epochs = parse.GetValue(o.Epochs) ?? 10;
        int batchSize = parse.GetValue(o.BatchSize) ?? 32;
        int seed = parse.GetValue(o.Seed) ?? 0;
        string optimizerName = parse.GetValue(o.Optimizer) ?? "adam";
        double? learningRate = parse.GetValue(o.LearningRate);
        double validationSplit = parse.GetValue(o.ValidationSplit) ?? 0;
        string lossName = parse.GetValue(o.Loss) ?? "mse";
        string? save = parse.GetValue(o.Save);
        string? saveNpy = parse.GetValue(o.SaveNpy);
        bool quiet = parse.GetValue(o.Quiet);
        int? patience = parse.GetValue(o.EarlyStopping);
        int? threads = parse.GetValue(o.Threads);
        string? plot = parse.GetValue(o.Plot);
        var loaded = o.Layers.Load(parse, weightsRequired: false);
        if (save is null && saveNpy is null)
        {
            throw new CliException("fit needs --save OUT.keras or --save-npy DIR to keep the trained weights");
        }

        // Where the result goes is checked before the first epoch, not after the last.
        if (plot is not null)
        {
            Plots.CheckPath(plot);
        }

        if (save is not null)
        {
            OutputFiles.CheckWritable(save, "save");
        }

        if (saveNpy is not null)
        {
            _ = loaded.Single("fit --save-npy");
            if (File.Exists(saveNpy))
            {
                throw new CliException($"--save-npy {saveNpy}: is a file; give a directory");
            }
        }

        var optimizer = Optimizer.Get(optimizerName, learningRate);
        var loss = Loss.Get(lossName);
        var layers = loaded.OnlyLayers("fit");
        var x = Npy.Read(inputPath);
        var y = Npy.Read(targetPath);
        var first = layers[0];

        // Weights the initializers drew (no --weights, no --model): build from the input now if the config did not, and let
        // --seed refill every unseeded random initializer, so the same command starts from the same weights.
        if (loaded.FromInitializers && x.Shape.Length == 3)
        {
            if (!first.Built)
            {
                int channels = x.Shape[first.DataFormat == DataFormat.ChannelsLast ? 2 : 1];
                try
                {
                    first.Build(first.DataFormat == DataFormat.ChannelsLast ? [null, null, channels] : [null, channels, null]);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{inputPath}: {e.Message}", e);
                }
            }

            CliLayers.SeedWeights(first, seed);
        }

        if (threads is int t)
        {
            foreach (var layer in layers)
            {
                layer.MaxDegreeOfParallelism = t;
            }
        }

        var progress = new Progress(stdout, interactive: ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected, quiet);

        // Ctrl-C stops after the current batch; what has been trained is still saved (a second Ctrl-C ends the process).
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        };
        Console.CancelKeyPress += onCancel;
        var options = new FitOptions
        {
            Epochs = epochs, BatchSize = batchSize, Seed = seed, Optimizer = optimizer, Loss = loss,
            ValidationSplit = validationSplit, EarlyStoppingPatience = patience, OnEpochEnd = progress.Report,
            OnBatchEnd = progress.Batch, Cancellation = cancel.Token,
        };
        History history;
        try
        {
            // The .npy arrays are dropped once converted, so fit holds the data once (plus a batch at a time).
            if (first.DType == DType.Float32)
            {
                var xt = x.ToTensorSingle();
                x = null!;
                var yt = y.ToTensorSingle();
                y = null!;
                history = Trainer.Fit(layers, xt, yt, options);
            }
            else
            {
                var xt = x.ToTensorDouble();
                x = null!;
                var yt = y.ToTensorDouble();
                y = null!;
                history = Trainer.Fit(layers, xt, yt, options);
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{inputPath}, {targetPath}: {e.Message}", e);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        progress.Done();
        if (history.Cancelled)
        {
            stdout.WriteLine($"stopped by Ctrl-C after {history.Loss.Count} full epoch{(history.Loss.Count == 1 ? "" : "s")}; saving what was trained");
        }
        else if (history.StoppedEarly)
        {
            stdout.WriteLine($"early stopping after epoch {history.Loss.Count}: no improvement for {patience} epochs");
        }
        if (saveNpy is not null)
        {
            var layer = layers[0];
            Directory.CreateDirectory(saveNpy);
            File.WriteAllText(Path.Combine(saveNpy, "layer.json"), layer.Serialize().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            foreach (var w in layer.Weights)
            {
                string path = Path.Combine(saveNpy, w.Name + ".npy");
                if (w.DType == DType.Float32)
                {
                    Npy.Write(path, w.AsSpan<float>(), [.. w.Shape]);
                }
                else
                {
                    Npy.Write(path, w.AsSpan<double>(), [.. w.Shape]);
                }
            }

            stdout.WriteLine($"saved layer.json, {string.Join(", ", layer.Weights.Select(w => w.Name + ".npy"))} to {saveNpy}");
        }

        if (save is not null)
        {
            try
            {
                KerasFile.SaveKeras(save, layers);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"{save}: the trained model could not be saved: {e.Message}", e);
            }

            stdout.WriteLine($"saved {save}");
        }

        if (plot is not null)
        {
            Plots.LossCurve(plot, $"fit: {string.Join(", ", layers.Select(l => l.Name))}", history.Loss, history.ValidationLoss);
            stdout.WriteLine($"loss curve drawn to {plot}");
        }

        stdout.WriteLine($"final loss {history.Loss.LastOrDefault().ToString("G6", CultureInfo.InvariantCulture)}"
            + (history.ValidationLoss.Count > 0 ? $", val_loss {history.ValidationLoss[^1].ToString("G6", CultureInfo.InvariantCulture)}" : ""));
        return Program.Ok;
    }

    /// <summary>
    /// Keras's fit output: "Epoch e/E", then "steps/steps - Ns - Nms/step - loss: v - val_loss: v" (verbose=2's line; values
    /// as Keras's progress bar formats them, invariant culture). On a terminal a bar also moves within the epoch.
    /// </summary>
    private sealed class Progress(TextWriter output, bool interactive, bool quiet)
    {
        public void Batch(int step, int steps)
        {
            if (interactive && !quiet)
            {
                const int width = 30;
                int filled = steps == 0 ? width : step * width / steps;
                output.Write($"\r{step}/{steps} [{new string('=', filled)}{new string(' ', width - filled)}]");
            }
        }

        public void Report(EpochResult e)
        {
            if (quiet)
            {
                return;
            }

            if (interactive)
            {
                output.Write("\r");
            }

            double ms = e.Steps == 0 ? 0 : e.EpochTime.TotalMilliseconds / e.Steps;
            string val = e.ValidationLoss is double v ? $" - val_loss: {Format(v)}" : "";
            output.WriteLine($"Epoch {e.Epoch}/{e.Epochs}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{e.Steps}/{e.Steps} - {Math.Round(e.EpochTime.TotalSeconds):F0}s - {Math.Round(ms):F0}ms/step - loss: {Format(e.Loss)}{val}"));
        }

        public void Done()
        {
        }

        /// <summary>Keras's progress-bar number format: 4 decimals, or 4-digit scientific for magnitudes up to 1e-3.</summary>
        public static string Format(double value) => Math.Abs(value) > 1e-3
            ? value.ToString("F4", CultureInfo.InvariantCulture)
            : value.ToString("0.0000e+00", CultureInfo.InvariantCulture);
    }
}
