using System.Diagnostics;
using System.Numerics.Tensors;
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
    public static DepthwiseConv1D LoadLayer(string path)
    {
        string json = File.ReadAllText(path);
        try
        {
            return DepthwiseConv1D.FromJson(json);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
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
