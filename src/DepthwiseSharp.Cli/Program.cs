using System.Text.Json;

namespace DepthwiseSharp.Cli;

/// <summary>The <c>depthwise</c> command: dispatch, and the one rule for errors (one line on stderr, exit code 2).</summary>
internal static class Program
{
    public const int Ok = 0;
    public const int Failure = 2;

    private const string Usage = """
        usage: depthwise <command> [options]

        commands:
          demo                                   the Keras pages' example and a short tour of the library
          run --layer LAYER.json --weights KERNEL.npy [BIAS.npy] --input X.npy --output Y.npy
                                                 run a serialized Keras DepthwiseConv1D on an .npy batch
          run --model FILE [--layer NAME] --input X.npy --output Y.npy
                                                 run one layer, or the whole model, of a .keras / .weights.h5 / .h5 file
          inspect FILE                           list a Keras file's layers, weight paths, shapes and dtypes
          fit --layer LAYER.json --input X.npy --target Y.npy [--weights K.npy [B.npy]] [--epochs 10]
              [--batch-size 32] [--optimizer adam|sgd] [--learning-rate LR] [--loss mse|huber]
              [--validation-split F] [--seed S] (--save OUT.keras | --save-npy DIR)
                                                 train a layer on .npy arrays and save it
          export-onnx (--layer LAYER.json --weights KERNEL.npy [BIAS.npy] | --model FILE [--layer NAME]) --output M.onnx [--opset 17]
                                                 write the layer as an ONNX model (Conv group=C + activation)
          stream --layer LAYER.json --weights KERNEL.npy [BIAS.npy] --input X.npy --chunk N --output Y.npy
                                                 feed the input in chunks of N steps (causal or valid layers)
          bench --compare [--quick] [--aligned] [--shape TEXT]
                                                 time the forward pass against ONNX Runtime on the speed grid
          bench --backward [--quick] [--shape TEXT]
                                                 time the three gradients on the same grid
          help                                   this text

        Errors print one line on stderr and exit with code 2.
        """;

    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? Failure : Ok;
        }

        try
        {
            // `inspect FILE` takes its file positionally; every other command takes --options only.
            if (args[0] == "inspect" && args.Length == 2 && !args[1].StartsWith("--", StringComparison.Ordinal))
            {
                return Commands.InspectCommand.Run(args[1], stdout);
            }

            var options = CliArgs.Parse(args.AsSpan(1));
            return args[0] switch
            {
                "demo" => Commands.DemoCommand.Run(options, stdout),
                "run" => args.Contains("--model") ? Commands.ModelCommand.Run(options, stdout) : Commands.RunCommand.Run(options, stdout),
                "inspect" => Commands.InspectCommand.Run(options, stdout),
                "fit" => Commands.FitCommand.Run(options, stdout),
                "export-onnx" => Commands.ExportOnnxCommand.Run(options, stdout),
                "stream" => Commands.StreamCommand.Run(options, stdout),
                "bench" => Commands.BenchCommand.Run(options, stdout),
                _ => throw new CliException($"unknown command '{args[0]}'; run 'depthwise help' for the list"),
            };
        }
        catch (Exception e) when (e is CliException or ArgumentException or InvalidDataException or IOException
                                      or NotSupportedException or InvalidOperationException or UnauthorizedAccessException
                                      or JsonException or OverflowException or OutOfMemoryException)
        {
            ErrorObserver.Value?.Invoke(e);
            stderr.WriteLine($"depthwise: error: {OneLine(e.Message)}");
            return Failure;
        }
    }

    /// <summary>
    /// Sees each exception that became exit code 2, in the async flow that set it: the fuzz tests check where each one came
    /// from, which the one-line message cannot show.
    /// </summary>
    internal static readonly AsyncLocal<Action<Exception>?> ErrorObserver = new();

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>A usage error of the command line itself.</summary>
internal sealed class CliException(string message) : Exception(message);
