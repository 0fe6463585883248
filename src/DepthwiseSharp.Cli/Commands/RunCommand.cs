using System.CommandLine;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise run (--layer LAYER.json --weights KERNEL.npy [BIAS.npy] | --layer LAYER.json --weights FILE.weights.h5 |
/// --model FILE [--layer NAME|INDEX]) --input X.npy --output Y.npy</c>: one layer, or every layer of a model in order.
/// </summary>
internal static class RunCommand
{
    /// <summary>The command: its options and its action.</summary>
    public static Command Create()
    {
        var layers = new CliLayers.Options();
        var input = CliOptions.Text("--input", "X.npy", "The input batch.", required: true);
        var output = CliOptions.Text("--output", "Y.npy", "Where the output batch goes.", required: true);
        var command = new Command("run", "Run the layer, or the whole model, on an .npy batch.") { input, output };
        layers.AddTo(command);
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!, layers.Load(parse), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string inputPath, string outputPath, CliLayers.Loaded loaded, TextWriter stdout)
    {
        OutputFiles.CheckWritable(outputPath, "output");

        var model = loaded.Model;
        var input = Npy.Read(inputPath);
        object x = model.Steps[0].DType == DType.Float32 ? input.ToTensorSingle() : input.ToTensorDouble();
        var stopwatch = Stopwatch.StartNew();
        object y;
        try
        {
            y = model.CallNative(x);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{inputPath}: {e.Message}", e);
        }

        stopwatch.Stop();
        int[] shape;
        string? stored = null;
        if (y is Tensor<float> f && model.Steps[^1].Layer?.ComputeDType is DType.Float16)
        {
            // Keras's output under a float16 policy is float16: the values are float16 already, so this loses nothing.
            shape = Shapes.FromLengths(f.Lengths);
            var half = new Half[f.FlattenedLength];
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(f.ToArray(), half);
            Npy.Write(outputPath, half, shape);
            stored = "float16";
        }
        else if (y is Tensor<float> b && model.Steps[^1].Layer?.ComputeDType is DType.BFloat16)
        {
            // NumPy has no bfloat16 (ml_dtypes saves it as raw 2-byte records): the bfloat16 values go out exactly as float32.
            shape = Shapes.FromLengths(b.Lengths);
            Npy.Write(outputPath, b);
            stored = "bfloat16 values as float32 (NumPy has no bfloat16)";
        }
        else if (y is Tensor<float> f32)
        {
            shape = Shapes.FromLengths(f32.Lengths);
            Npy.Write(outputPath, f32);
        }
        else
        {
            var d = (Tensor<double>)y;
            shape = Shapes.FromLengths(d.Lengths);
            Npy.Write(outputPath, d);
        }

        string what = loaded.WholeModel
            ? $"{model.Steps.Count} layer{(model.Steps.Count == 1 ? "" : "s")}: {string.Join(", ", model.Steps.Select(s => s.Name))}"
            : $"layer {model.Steps[0].Name}";
        stdout.WriteLine($"output shape {Shapes.Format(shape)} written to {outputPath}{(stored is null ? "" : $" ({stored})")}");
        stdout.WriteLine($"time {stopwatch.Elapsed.TotalMilliseconds:F3} ms ({what}, first call, including build checks)");
        return Program.Ok;
    }
}

/// <summary>Output paths are checked before any work, so a long run never ends in an error about where to write.</summary>
internal static class OutputFiles
{
    /// <summary>
    /// Fails, naming the option and the path, when <paramref name="path"/> is a directory, its directory does not exist, or
    /// it cannot be opened for writing. A file that did not exist is not left behind.
    /// </summary>
    public static void CheckWritable(string path, string option)
    {
        if (path.Length == 0)
        {
            throw new CliException($"--{option} is empty; give a file path");
        }

        if (Directory.Exists(path))
        {
            throw new CliException($"--{option} {path}: is a directory; give a file path");
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new CliException($"--{option} {path}: the directory {directory} does not exist");
        }

        bool existed = File.Exists(path);
        try
        {
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--{option} {path}: cannot be written: {e.Message}");
        }

        if (!existed)
        {
            File.Delete(path);
        }
    }
}

/// <summary>Loading a layer and its weights from the files the commands take, with the file's name in every error.</summary>
internal static class LayerFiles
{
    /// <summary>The largest layer file read: real ones are a few KiB, and a huge one must not be read into memory whole.</summary>
    public const int MaxLayerFileChars = 16 << 20;

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
