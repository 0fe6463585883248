using System.CommandLine;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise export-onnx (--layer LAYER.json --weights KERNEL.npy [BIAS.npy] | --layer LAYER.json --weights FILE.weights.h5 |
/// --model FILE [--layer NAME|INDEX]) --output M.onnx [--opset N] [--batch N] [--length L] [--input-name NAME] [--output-name NAME]</c>:
/// one layer, or a whole model as one chained graph.
/// </summary>
internal static class ExportOnnxCommand
{
    /// <summary>The command: its options and its action.</summary>
    public static Command Create()
    {
        var defaults = new OnnxExportOptions();
        var layers = new CliLayers.Options();
        var output = CliOptions.Text("--output", "M.onnx", "Where the ONNX model goes.", required: true);
        var opset = CliOptions.Int("--opset", OnnxExportOptions.MinOpset, "N", $"The ONNX opset (default {defaults.Opset}).");
        var batch = CliOptions.Int("--batch", 1, "N", "A fixed batch size in the graph's input shape (default: symbolic).");
        var length = CliOptions.Int("--length", 1, "L", "A fixed number of steps in the graph's input shape (default: symbolic).");
        var inputName = CliOptions.Text("--input-name", "NAME", $"The graph input's name (default '{defaults.InputName}').");
        var outputName = CliOptions.Text("--output-name", "NAME", $"The graph output's name (default '{defaults.OutputName}').");
        var command = new Command("export-onnx", "Write the layer, or the whole model as one graph, as an ONNX model.")
        {
            output, opset, batch, length, inputName, outputName,
        };
        layers.AddTo(command);
        command.SetAction(parse => Run(parse.GetValue(output)!, new OnnxExportOptions
        {
            Opset = parse.GetValue(opset) ?? defaults.Opset,
            BatchSize = parse.GetValue(batch),
            Length = parse.GetValue(length),
            InputName = parse.GetValue(inputName) ?? defaults.InputName,
            OutputName = parse.GetValue(outputName) ?? defaults.OutputName,
        }, layers.Load(parse), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string outputPath, OnnxExportOptions options, CliLayers.Loaded loaded, TextWriter stdout)
    {
        OutputFiles.CheckWritable(outputPath, "output");

        var model = loaded.Model;
        byte[] bytes = OnnxExporter.ToBytes(model, options);
        File.WriteAllBytes(outputPath, bytes);
        foreach (var step in model.Steps)
        {
            stdout.WriteLine(step.Layer is { } layer
                ? $"{layer.ClassName} '{layer.Name}' ({layer.Padding.ToKeras()}, {layer.DataFormat.ToKeras()}, activation {layer.Activation.Name})"
                : step.ToString());
        }

        string what = model.Steps.Count == 1 ? "exported" : $"exported as one graph of {model.Steps.Count} layers";
        stdout.WriteLine(
            $"{what} to {outputPath}: opset {options.Opset}, {bytes.Length} bytes, input '{options.InputName}', output '{options.OutputName}'");
        return Program.Ok;
    }
}
