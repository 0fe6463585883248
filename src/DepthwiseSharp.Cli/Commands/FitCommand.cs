using System.Globalization;
using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise fit --layer LAYER.json --input X.npy --target Y.npy [--weights K.npy [B.npy]] [--epochs E] [--batch-size B]
/// [--optimizer adam|sgd] [--learning-rate LR] [--loss mse|huber] [--validation-split F] [--seed S] (--save OUT.keras | --save-npy DIR)</c>.
/// </summary>
internal static class FitCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        string layerPath = args.Required("layer");
        string inputPath = args.Required("input");
        string targetPath = args.Required("target");
        var weights = args.Values("weights", 1, 2);
        int epochs = args.OptionalInt("epochs", 0) ?? 10;
        int batchSize = args.OptionalInt("batch-size", 1) ?? 32;
        int seed = args.OptionalInt("seed", 0) ?? 0;
        string optimizerName = args.Optional("optimizer") ?? "adam";
        double? learningRate = OptionalDouble(args, "learning-rate");
        double validationSplit = OptionalDouble(args, "validation-split") ?? 0;
        string lossName = args.Optional("loss") ?? "mse";
        string? save = args.Optional("save");
        string? saveNpy = args.Optional("save-npy");
        args.RejectUnknown();
        if (save is null && saveNpy is null)
        {
            throw new CliException("fit needs --save OUT.keras or --save-npy DIR to keep the trained weights");
        }

        var optimizer = Optimizer.Get(optimizerName, learningRate);
        var loss = Loss.Get(lossName);
        var layer = LoadSeeded(layerPath, seed);
        if (weights is not null)
        {
            LayerFiles.SetWeights(layer, weights);
        }

        var x = Npy.Read(inputPath);
        var y = Npy.Read(targetPath);
        var progress = new Progress(stdout, interactive: ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected);
        var options = new FitOptions
        {
            Epochs = epochs, BatchSize = batchSize, Seed = seed, Optimizer = optimizer, Loss = loss,
            ValidationSplit = validationSplit, OnEpochEnd = progress.Report,
        };
        History history;
        try
        {
            history = layer.DType == DType.Float32
                ? Trainer.Fit(layer, x.ToTensorSingle(), y.ToTensorSingle(), options)
                : Trainer.Fit(layer, x.ToTensorDouble(), y.ToTensorDouble(), options);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{inputPath}, {targetPath}: {e.Message}", e);
        }

        progress.Done();
        if (saveNpy is not null)
        {
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
            KerasSaving.Save(save, layer);
            stdout.WriteLine($"saved {save}");
        }

        stdout.WriteLine($"final loss {history.Loss.LastOrDefault().ToString("G6", CultureInfo.InvariantCulture)}"
            + (history.ValidationLoss.Count > 0 ? $", val_loss {history.ValidationLoss[^1].ToString("G6", CultureInfo.InvariantCulture)}" : ""));
        return Program.Ok;
    }

    /// <summary>Loads the layer; an unseeded initializer in the config gets --seed, so the same command gives the same weights.</summary>
    private static DepthwiseConv1D LoadSeeded(string path, int seed)
    {
        JsonNode node = LayerFiles.ReadJson(path);
        try
        {
            var config = (node as JsonObject)?["config"] as JsonObject ?? node as JsonObject;
            foreach (string key in (string[])["depthwise_initializer", "bias_initializer"])
            {
                if (config?[key] is JsonObject init && init["config"] is JsonObject ic && ic.ContainsKey("seed") && ic["seed"] is null)
                {
                    ic["seed"] = seed + (key == "bias_initializer" ? 1 : 0);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // A key that is not valid UTF-16 cannot be looked up; FromConfig below reports it, naming the file.
        }

        try
        {
            return DepthwiseConv1D.FromConfig(node);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    private static double? OptionalDouble(CliArgs args, string name)
    {
        string? text = args.Optional(name);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            throw new CliException($"--{name} must be a number; received '{text}'");
        }

        return v;
    }

    /// <summary>A live bar on a terminal, one plain line per epoch otherwise.</summary>
    private sealed class Progress(TextWriter output, bool interactive)
    {
        public void Report(EpochResult e)
        {
            string val = e.ValidationLoss is double v ? $" - val_loss {v.ToString("G5", CultureInfo.InvariantCulture)}" : "";
            string text = $"epoch {e.Epoch}/{e.Epochs} - loss {e.Loss.ToString("G5", CultureInfo.InvariantCulture)}{val} - {e.Elapsed.TotalSeconds:F1}s";
            if (interactive)
            {
                const int width = 30;
                int filled = e.Epochs == 0 ? width : e.Epoch * width / e.Epochs;
                output.Write($"\r[{new string('=', filled)}{new string(' ', width - filled)}] {text}   ");
            }
            else
            {
                output.WriteLine(text);
            }
        }

        public void Done()
        {
            if (interactive)
            {
                output.WriteLine();
            }
        }
    }
}
