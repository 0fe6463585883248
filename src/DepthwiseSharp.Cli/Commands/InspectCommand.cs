using System.CommandLine;
using System.Globalization;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary><c>depthwise inspect FILE</c>: the layers of a Keras file, their weights, shapes and dtypes.</summary>
internal static class InspectCommand
{
    /// <summary>The command: its argument and its action.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A Keras file: .keras, .h5 (whole model or legacy weights) or .weights.h5." };
        var command = new Command("inspect", "List a Keras file's layers, weight paths, shapes and dtypes, and a model.summary()-like table when it runs whole.") { file };
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(string path, TextWriter stdout)
    {
        var info = KerasFile.Inspect(path);
        stdout.WriteLine($"file: {info.Path}");
        stdout.WriteLine($"format: {Describe(info.Format)}{(info.KerasVersion is null ? "" : $", Keras {info.KerasVersion}")}{(info.DateSaved is null ? "" : $", saved {info.DateSaved}")}");
        stdout.WriteLine(info.ModelClassName is null
            ? "model: no config (weights only)"
            : $"model: {info.ModelClassName}{(info.ModelName is null ? "" : $" '{info.ModelName}'")}");
        stdout.WriteLine();

        var rows = new List<string[]> { new[] { "index", "name", "class", "weights", "variable", "shape", "dtype" } };
        foreach (var layer in info.Layers)
        {
            string cls = layer.ClassName ?? (layer.IsDepthwiseConv1D ? "DepthwiseConv1D?" : "?");
            if (layer.Variables.Count == 0)
            {
                rows.Add([layer.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer.Name, cls, layer.WeightsPath ?? "-", "", "", ""]);
                continue;
            }

            for (int i = 0; i < layer.Variables.Count; i++)
            {
                var v = layer.Variables[i];
                rows.Add(i == 0
                    ? [layer.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer.Name, cls, layer.WeightsPath ?? "-", v.Name, Shapes.Format(v.Shape), v.DType]
                    : ["", "", "", "", v.Name, Shapes.Format(v.Shape), v.DType]);
            }
        }

        WriteTable(stdout, rows);
        stdout.WriteLine();
        if (info.HasDepthwiseConv1D)
        {
            stdout.WriteLine($"DepthwiseConv1D layers: {info.DepthwiseLayers.Count} ({string.Join(", ", info.DepthwiseLayers.Select(l => l.Name))})");
        }
        else
        {
            stdout.WriteLine("This file holds no DepthwiseConv1D layer.");
        }

        if (info.Layers.Any(l => l.ClassName is null))
        {
            stdout.WriteLine("Classes marked '?' are not in the file (no config for that weight group); 'DepthwiseConv1D?' is inferred from its weight path or names.");
        }

        // Whether `run --model` and `export-onnx --model` can take the whole model, and the order they run it in.
        if (info.ModelClassName is not null)
        {
            try
            {
                var model = KerasFile.LoadModel(path);
                stdout.WriteLine($"runs whole: {string.Join(" -> ", model.Steps)}");
                stdout.WriteLine();
                WriteSummary(model, stdout);
            }
            catch (Exception e) when (e is NotSupportedException or InvalidDataException)
            {
                stdout.WriteLine($"does not run whole: {e.Message.Replace(path + ": ", "", StringComparison.Ordinal)}");
            }
        }

        return Program.Ok;
    }

    /// <summary>Keras's <c>model.summary()</c>: each layer's class, output shape, parameter count and key arguments, then the totals.</summary>
    private static void WriteSummary(KerasModel model, TextWriter stdout)
    {
        var shapes = model.InputShape is { Count: 3 } input ? model.ComputeOutputShapes(input) : null;
        var rows = new List<string[]> { new[] { "Layer (type)", "Output Shape", "Param #", "Arguments" } };
        if (model.InputShape is { } declared)
        {
            rows.Add(["input (InputLayer)", Shapes.Format(declared), "0", ""]);
        }

        long trainable = 0, frozen = 0;
        for (int i = 0; i < model.Steps.Count; i++)
        {
            var step = model.Steps[i];
            string args = "";
            long count = 0;
            if (step.Layer is { } layer)
            {
                count = layer.CountParams();
                (layer.Trainable ? ref trainable : ref frozen) += count;
                args = $"kernel_size={layer.KernelSize}, strides={layer.Strides}, padding={layer.Padding.ToKeras()}, depth_multiplier={layer.DepthMultiplier}, "
                    + $"dilation_rate={layer.DilationRate}, activation={layer.Activation.Name}, use_bias={(layer.UseBias ? "True" : "False")}, {layer.DataFormat.ToKeras()}, {layer.DTypePolicy.Name}";
            }
            else if (step.Activation is { } activation)
            {
                args = $"activation={activation.Name}";
            }

            rows.Add([$"{step.Name} ({step.ClassName})", shapes is null ? "?" : Shapes.Format(shapes[i]), count.ToString(CultureInfo.InvariantCulture), args]);
        }

        stdout.WriteLine($"Model: \"{model.Name}\"");
        WriteTable(stdout, rows);
        stdout.WriteLine($"Total params: {(trainable + frozen).ToString(CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"Trainable params: {trainable.ToString(CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"Non-trainable params: {frozen.ToString(CultureInfo.InvariantCulture)}");
    }

    private static string Describe(KerasFileFormat format) => format switch
    {
        KerasFileFormat.KerasArchive => "Keras 3 archive (.keras)",
        KerasFileFormat.KerasWeights => "Keras 3 weights (.weights.h5)",
        KerasFileFormat.LegacyModel => "tf.keras legacy model (.h5)",
        _ => "tf.keras legacy weights (.h5)",
    };

    private static void WriteTable(TextWriter stdout, List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            var cells = row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]));
            stdout.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
