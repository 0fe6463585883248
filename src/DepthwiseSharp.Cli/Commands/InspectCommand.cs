using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary><c>depthwise inspect FILE</c> (or <c>--file FILE</c>): the layers of a Keras file, their weights, shapes and dtypes.</summary>
internal static class InspectCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        string path = args.Required("file");
        args.RejectUnknown();
        return Run(path, stdout);
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
            }
            catch (Exception e) when (e is NotSupportedException or InvalidDataException)
            {
                stdout.WriteLine($"does not run whole: {e.Message.Replace(path + ": ", "", StringComparison.Ordinal)}");
            }
        }

        return Program.Ok;
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
