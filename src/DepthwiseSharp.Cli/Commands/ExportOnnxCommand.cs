using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise export-onnx (--layer LAYER.json --weights KERNEL.npy [BIAS.npy] | --layer LAYER.json --weights FILE.weights.h5 |
/// --model FILE [--layer NAME|INDEX]) --output M.onnx [--opset N] [--batch N] [--length L] [--input-name NAME] [--output-name NAME]</c>:
/// one layer, or a whole model as one chained graph.
/// </summary>
internal static class ExportOnnxCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        string outputPath = args.Required("output");
        var defaults = new OnnxExportOptions();
        var options = new OnnxExportOptions
        {
            Opset = args.OptionalInt("opset", OnnxExportOptions.MinOpset) ?? defaults.Opset,
            BatchSize = args.OptionalInt("batch", 1),
            Length = args.OptionalInt("length", 1),
            InputName = args.Optional("input-name") ?? defaults.InputName,
            OutputName = args.Optional("output-name") ?? defaults.OutputName,
        };
        var loaded = CliLayers.Load(args);
        args.RejectUnknown();
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
