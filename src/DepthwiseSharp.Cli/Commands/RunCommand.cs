using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Cli.Commands;

/// <summary><c>depthwise run --layer LAYER.json --weights KERNEL.npy [BIAS.npy] --input X.npy --output Y.npy</c>.</summary>
internal static class RunCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        string layerPath = args.Required("layer");
        var weights = args.Values("weights", 1, 2) ?? throw new CliException("missing option --weights KERNEL.npy [BIAS.npy]");
        string inputPath = args.Required("input");
        string outputPath = args.Required("output");
        args.RejectUnknown();

        var layer = LayerFiles.LoadLayer(layerPath);
        LayerFiles.SetWeights(layer, weights);
        var input = Npy.Read(inputPath);
        var stopwatch = Stopwatch.StartNew();
        int[] shape;
        try
        {
            if (layer.DType == DType.Float32)
            {
                var y = layer.Call(input.ToTensorSingle());
                stopwatch.Stop();
                shape = Shape(y.Lengths);
                Npy.Write(outputPath, y);
            }
            else
            {
                var y = layer.Call(input.ToTensorDouble());
                stopwatch.Stop();
                shape = Shape(y.Lengths);
                Npy.Write(outputPath, y);
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{inputPath}: {e.Message}", e);
        }

        stdout.WriteLine($"output shape {Shapes.Format(shape)} written to {outputPath}");
        stdout.WriteLine($"time {stopwatch.Elapsed.TotalMilliseconds:F3} ms (layer {layer.Name}, first call, including build checks)");
        return Program.Ok;
    }

    private static int[] Shape(ReadOnlySpan<nint> lengths)
    {
        var shape = new int[lengths.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = (int)lengths[i];
        }

        return shape;
    }
}

/// <summary>Loading a layer and its weights from the files the commands take, with the file's name in every error.</summary>
internal static class LayerFiles
{
    /// <summary>The largest layer file read: real ones are a few KiB, and a huge one must not be read into memory whole.</summary>
    public const int MaxLayerFileChars = 16 << 20;

    public static DepthwiseConv1D LoadLayer(string path)
    {
        var node = ReadJson(path);
        try
        {
            return DepthwiseConv1D.FromConfig(node);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads a layer JSON file: at most <see cref="MaxLayerFileChars"/> characters, parsed with System.Text.Json's limits
    /// (nesting depth 64); every failure names the file.
    /// </summary>
    public static JsonNode ReadJson(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("The layer path is empty.");
        }

        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{path}: is a directory, not a layer JSON file.");
        }

        string text;
        using (var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true))
        {
            // Read in blocks rather than trusting the file's length: a pipe or a device reports none.
            var sb = new StringBuilder();
            var block = new char[81920];
            int n;
            while ((n = reader.ReadBlock(block, 0, block.Length)) > 0)
            {
                if (sb.Length + n > MaxLayerFileChars)
                {
                    throw new ArgumentException($"{path}: the layer file is larger than {MaxLayerFileChars} characters; a layer config is a few kilobytes.");
                }

                sb.Append(block, 0, n);
            }

            text = sb.ToString();
        }

        try
        {
            return JsonNode.Parse(text) ?? throw new ArgumentException($"{path}: the layer file holds JSON null, not a layer config.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: the layer file is not valid JSON: {e.Message}", e);
        }
    }

    public static void SetWeights(DepthwiseConv1D layer, IReadOnlyList<string> paths)
    {
        var arrays = paths.Select(Npy.Read).ToArray();
        try
        {
            if (layer.DType == DType.Float32)
            {
                layer.SetWeights(arrays.Select(a => a.ToTensorSingle()).ToArray());
            }
            else
            {
                layer.SetWeights(arrays.Select(a => a.ToTensorDouble()).ToArray());
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{string.Join(", ", paths)}: {e.Message}", e);
        }
    }
}
