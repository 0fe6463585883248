using System.Diagnostics;
using System.Numerics.Tensors;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise run --model FILE [--layer NAME] --input X.npy --output Y.npy</c>: one DepthwiseConv1D of a Keras file, or the
/// whole Sequential when all its layers are DepthwiseConv1D; and the <c>.keras</c> saving used by <c>fit --save</c>.
/// </summary>
internal static class ModelCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        string model = args.Required("model");
        string? layer = args.Optional("layer");
        string input = args.Required("input");
        string output = args.Required("output");
        args.RejectUnknown();
        return RunModel(model, layer, input, output, stdout);
    }

    public static int RunModel(string modelPath, string? layerName, string inputPath, string outputPath, TextWriter stdout)
    {
        IReadOnlyList<DepthwiseConv1D> layers = layerName is null
            ? KerasFile.LoadSequential(modelPath)
            : [KerasFile.LoadLayer(modelPath, layerName)];
        var input = Npy.Read(inputPath);
        object x = layers[0].DType == DType.Float32 ? input.ToTensorSingle() : input.ToTensorDouble();
        var stopwatch = Stopwatch.StartNew();
        object y;
        try
        {
            y = KerasSequential.RunNative(layers, x);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{inputPath}: {e.Message}", e);
        }

        stopwatch.Stop();
        int[] shape;
        if (y is Tensor<float> f)
        {
            shape = Shape(f.Lengths);
            Npy.Write(outputPath, f);
        }
        else
        {
            var d = (Tensor<double>)y;
            shape = Shape(d.Lengths);
            Npy.Write(outputPath, d);
        }

        string what = layerName is null
            ? $"{layers.Count} layer{(layers.Count == 1 ? "" : "s")}: {string.Join(", ", layers.Select(l => l.Name))}"
            : $"layer {layers[0].Name}";
        stdout.WriteLine($"output shape {Shapes.Format(shape)} written to {outputPath}");
        stdout.WriteLine($"time {stopwatch.Elapsed.TotalMilliseconds:F3} ms ({what}, first call, including build checks)");
        return Program.Ok;
    }

    /// <summary>Saves trained layers as a <c>.keras</c> archive and says so; the input shape defaults to the first layer's.</summary>
    public static void SaveKeras(string path, IReadOnlyList<DepthwiseConv1D> layers, IReadOnlyList<int?>? inputShape, TextWriter stdout)
    {
        KerasFile.SaveKeras(path, layers, inputShape);
        stdout.WriteLine($"saved {layers.Count} layer{(layers.Count == 1 ? "" : "s")} to {path} (Keras 3 archive)");
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
