using System.Text.Json;

namespace DepthwiseSharp.Cli;

/// <summary>The <c>depthwise</c> command: dispatch, and the one rule for errors (one line on stderr, exit code 2).</summary>
internal static class Program
{
    public const int Ok = 0;
    public const int Failure = 2;

    /// <summary>The exit code of an unexpected exception (a defect), apart from bad input's <see cref="Failure"/>.</summary>
    public const int InternalError = 1;

    private const string Usage = """
        usage: depthwise <command> [options]

        commands:
          demo [--plot FILE.svg]                 the Keras pages' example and a short tour of the library (--plot also draws
                                                 the fit's loss to FILE.svg and its true and recovered taps to FILE.taps.svg)
          Layers (LAYERS below), for every command that takes them:
            --layer LAYER.json --weights KERNEL.npy [BIAS.npy]    a layer config (DepthwiseConv1D or CausalDepthwiseConv1D) with .npy weights
            --layer LAYER.json --weights FILE.weights.h5          the same config with its weights from a Keras file
            --model FILE [--layer NAME|INDEX]                     a .keras / .h5 model: all its layers, or one by name or index

          run LAYERS --input X.npy --output Y.npy
                                                 run the layer, or the whole model, on an .npy batch
          inspect FILE                           list a Keras file's layers, weight paths, shapes and dtypes
          fit LAYERS --input X.npy --target Y.npy [--epochs 10] [--batch-size 32] [--optimizer adam|sgd]
              [--learning-rate LR] [--loss mse|huber] [--validation-split F] [--seed S] [--early-stopping PATIENCE]
              [--threads N] [--quiet] [--plot LOSS.svg] (--save OUT.keras | --save-npy DIR)
                                                 train on .npy arrays and save (without --weights the initializers draw,
                                                 seeded by --seed; Ctrl-C stops after the current batch and still saves)
          export-onnx LAYERS --output M.onnx [--opset 17]
                                                 write the layer, or the whole model as one graph, as an ONNX model
          stream LAYERS --input X.npy --chunk N --output Y.npy [--check]
                                                 feed the input in chunks of N steps through one layer (causal or valid)
          help                                   this text

        Options take --name value or --name=value. 'depthwise COMMAND --help' shows one command; 'depthwise --version'.
        Exit codes: 0 done, 2 bad input (one line on stderr), 1 internal error (a defect: please report it).
        """;

    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.WriteLine(args.Length > 1 && CommandUsage(args[1]) is { } one ? one : Usage);
            return args.Length == 0 ? Failure : Ok;
        }

        if (args[0] is "--version" or "version")
        {
            stdout.WriteLine($"depthwise {Version(typeof(Program))} (DepthwiseSharp {Version(typeof(DepthwiseSharp.Layers.DepthwiseConv1D))})");
            return Ok;
        }

        // `depthwise fit --help` (or -h anywhere after a command): that command's part of the usage.
        if (args.Length > 1 && args.Skip(1).Any(a => a is "--help" or "-h") && CommandUsage(args[0]) is { } usage)
        {
            stdout.WriteLine(usage);
            return Ok;
        }

        try
        {
            // `inspect FILE` takes its file positionally; every other command takes --options only.
            if (args[0] == "inspect" && args.Length >= 2 && !args[1].StartsWith("--", StringComparison.Ordinal))
            {
                if (args.Length > 2)
                {
                    throw new CliException($"inspect takes one file; received {args.Length - 1} arguments ('{string.Join("', '", args[1..])}')");
                }

                return Commands.InspectCommand.Run(args[1], stdout);
            }

            var options = CliArgs.Parse(args.AsSpan(1));
            return args[0] switch
            {
                "demo" => Commands.DemoCommand.Run(options, stdout),
                "run" => Commands.RunCommand.Run(options, stdout),
                "inspect" => Commands.InspectCommand.Run(options, stdout),
                "fit" => Commands.FitCommand.Run(options, stdout),
                "export-onnx" => Commands.ExportOnnxCommand.Run(options, stdout),
                "stream" => Commands.StreamCommand.Run(options, stdout),
                _ => throw new CliException($"unknown command '{args[0]}'; run 'depthwise help' for the list"),
            };
        }
        catch (Exception e) when (e is CliException or ArgumentException or InvalidDataException or IOException
                                      or NotSupportedException or InvalidOperationException or UnauthorizedAccessException
                                      or JsonException or OverflowException or OutOfMemoryException)
        {
            ErrorObserver.Value?.Invoke(e);
            stderr.WriteLine($"depthwise: error: {OneLine(UserMessage(e))}");
            return Failure;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else is a defect of ours, not the user's input: a distinct exit code and the exception's type.
            stderr.WriteLine($"depthwise: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            return InternalError;
        }
    }

    /// <summary>
    /// Sees each exception that became exit code 2, in the async flow that set it: the fuzz tests check where each one came
    /// from, which the one-line message cannot show.
    /// </summary>
    internal static readonly AsyncLocal<Action<Exception>?> ErrorObserver = new();

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static string Version(Type type) =>
        (type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "?").Split('+')[0];

    /// <summary>One command's lines of <see cref="Usage"/> (with the LAYERS forms for the commands that take them), or null.</summary>
    internal static string? CommandUsage(string command)
    {
        var lines = Usage.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int start = lines.FindIndex(l => l.TrimStart().StartsWith(command + " ", StringComparison.Ordinal) || l.Trim() == command);
        if (start < 0 || command.StartsWith('-'))
        {
            return null;
        }

        int indent = lines[start].Length - lines[start].TrimStart().Length;
        var result = new List<string> { "usage: depthwise " + lines[start].Trim() };
        for (int i = start + 1; i < lines.Count && lines[i].Trim().Length > 0 && lines[i].Length - lines[i].TrimStart().Length > indent; i++)
        {
            result.Add(lines[i]);
        }

        if (result[0].Contains("LAYERS", StringComparison.Ordinal))
        {
            int layers = lines.FindIndex(l => l.TrimStart().StartsWith("Layers (LAYERS below)", StringComparison.Ordinal));
            result.Add("");
            for (int i = layers; i >= 0 && i < lines.Count && lines[i].Trim().Length > 0; i++)
            {
                result.Add(lines[i]);
            }
        }

        result.Add("");
        result.Add("Exit codes: 0 done, 2 bad input (one line on stderr), 1 internal error.");
        return string.Join(Environment.NewLine, result);
    }

    /// <summary>
    /// The message a user reads: .NET appends <c>" (Parameter 'x')"</c> to an ArgumentException's text and
    /// <c>"Actual value was v."</c> to an ArgumentOutOfRangeException's; the Keras-worded text already names the argument and
    /// the value, so the tails are dropped.
    /// </summary>
    internal static string UserMessage(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentOutOfRangeException range && range.ActualValue is not null)
        {
            string tail = $"Actual value was {range.ActualValue}.";
            int at = message.LastIndexOf(tail, StringComparison.Ordinal);
            if (at >= 0)
            {
                message = message[..at].TrimEnd();
            }
        }

        if (e is ArgumentException { ParamName: { } name })
        {
            string tail = $" (Parameter '{name}')";
            if (message.EndsWith(tail, StringComparison.Ordinal))
            {
                message = message[..^tail.Length];
            }
        }

        return message;
    }
}

/// <summary>A usage error of the command line itself.</summary>
internal sealed class CliException(string message) : Exception(message);
