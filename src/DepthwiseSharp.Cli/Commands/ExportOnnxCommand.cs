using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise export-onnx --layer LAYER.json --weights KERNEL.npy [BIAS.npy] --output M.onnx [--opset N] [--batch N] [--length L]
/// [--input-name NAME] [--output-name NAME]</c>.
/// </summary>
internal static class ExportOnnxCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        // Either a Keras file (--model FILE [--layer NAME]) or a layer config with .npy weights.
        string? model = args.Optional("model");
        string? layerArg = args.Optional("layer");
        var weights = model is null ? args.Values("weights", 1, 2) ?? throw new CliException("missing option --weights KERNEL.npy [BIAS.npy]") : null;
        if (model is null && layerArg is null)
        {
            throw new CliException("missing option --layer LAYER.json (or --model FILE [--layer NAME])");
        }

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
        args.RejectUnknown();

        DepthwiseSharp.Layers.DepthwiseConv1D layer;
        if (model is not null)
        {
            layer = layerArg is null ? KerasFile.LoadLayer(model, 0) : KerasFile.LoadLayer(model, layerArg);
        }
        else
        {
            layer = CliLayers.Load(layerArg!);
            LayerFiles.SetWeights(layer, weights!);
        }
        byte[] bytes = OnnxExporter.ToBytes(layer, options);
        File.WriteAllBytes(outputPath, bytes);
        stdout.WriteLine(
            $"{layer.ClassName} '{layer.Name}' ({layer.Padding.ToKeras()}, {layer.DataFormat.ToKeras()}, activation {layer.Activation.Name}) "
            + $"exported to {outputPath}: opset {options.Opset}, {bytes.Length} bytes, input '{options.InputName}', output '{options.OutputName}'");
        return Program.Ok;
    }
}

/// <summary>Loads the layer files the commands take, Keras's DepthwiseConv1D or DepthwiseSharp's causal layer, naming the file in errors.</summary>
internal static class CliLayers
{
    public static DepthwiseConv1D Load(string path)
    {
        var node = LayerFiles.ReadJson(path);
        try
        {
            return IsCausal(node) ? CausalDepthwiseConv1D.FromConfig(node) : DepthwiseConv1D.FromConfig(node);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    // A layer object names its class; a bare config is causal when its padding says so (Keras's own layer refuses it).
    private static bool IsCausal(JsonNode node)
    {
        if (node is not JsonObject obj)
        {
            return false;
        }

        try
        {
            if (obj["class_name"] is JsonValue cls && cls.GetValueKind() == JsonValueKind.String)
            {
                return cls.GetValue<string>() == CausalDepthwiseConv1D.KerasClassName;
            }

            return obj["padding"] is JsonValue padding && padding.GetValueKind() == JsonValueKind.String
                && string.Equals(padding.GetValue<string>(), "causal", StringComparison.OrdinalIgnoreCase);
        }
        catch (InvalidOperationException)
        {
            // Text that is not valid UTF-16 (a lone surrogate escape): FromConfig reports it, naming the file.
            return false;
        }
    }
}
