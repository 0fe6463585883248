using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.Json;

namespace DepthwiseSharp.Cli;

/// <summary>The <c>depthwise</c> command: dispatch, and the one rule for errors (one line on stderr, exit code 2).</summary>
internal static class Program
{
    public const int Ok = 0;
    public const int Failure = 2;

    /// <summary>The exit code of an unexpected exception (a defect), apart from bad input's <see cref="Failure"/>.</summary>
    public const int InternalError = 1;

    /// <summary>The exit codes, as every help page ends.</summary>
    internal const string ExitCodes = "Exit codes: 0 done, 2 bad input (one line on stderr), 1 internal error (a defect: please report it).";

    /// <summary>How the commands that take layers take them, shown in their help.</summary>
    private const string LayerForms = """
        Layers, in one of three forms:
          --layer LAYER.json --weights KERNEL.npy [BIAS.npy]   a layer config (DepthwiseConv1D or CausalDepthwiseConv1D) with .npy weights
          --layer LAYER.json --weights FILE.weights.h5         the same config with its weights from a Keras file
          --model FILE [--layer NAME|INDEX]                    a .keras / .h5 model: all its layers, or one by name or index
        """;

    // Built once: parsing does not change the command tree, so concurrent Run calls (the tests) share it.
    private static readonly Command Root = CreateRoot();

    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return RunUnhandled(args, stdout, stderr);
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
    /// Parses and runs a command, letting its exceptions through (a parse error is a <see cref="CliException"/>):
    /// <see cref="Run"/> turns them into exit codes, tests look at them.
    /// </summary>
    internal static int RunUnhandled(string[] args, TextWriter stdout, TextWriter? stderr = null)
    {
        // `depthwise help [COMMAND]` is `depthwise [COMMAND] --help`.
        if (args.Length > 0 && args[0] == "help")
        {
            args = [.. args[1..], "--help"];
        }

        var parse = Root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction errorAction)
        {
            throw new CliException(ParseErrorLine(args, parse, errorAction));
        }

        // fit handles Ctrl-C itself, so the parser installs no handler.
        return parse.Invoke(new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr ?? TextWriter.Null,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        });
    }

    /// <summary>
    /// The parse errors as one line: each unknown option with the parser's suggestion for it (the values after an unknown
    /// option are not reported again), each stray argument, then the parser's other errors (a required option missing, a
    /// value out of range).
    /// </summary>
    private static string ParseErrorLine(string[] args, ParseResult parse, ParseErrorAction action)
    {
        // The parser's typo corrections come as "'TOKEN' was not matched. Did you mean one of the following?" and then one
        // suggestion per line; only suggested options are kept ('-h' for any stray word helps nobody).
        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        var text = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = text, Error = text });
        var suggestions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (string line in text.ToString().Split('\n', StringSplitOptions.TrimEntries))
        {
            const string Marker = "' was not matched.";
            int at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (line.StartsWith('\'') && at > 0)
            {
                current = suggestions.TryAdd(line[1..at], []) ? suggestions[line[1..at]] : null;
            }
            else if (current is not null && line.StartsWith("--", StringComparison.Ordinal))
            {
                current.Add(line);
            }
            else
            {
                current = null;
            }
        }

        var unmatched = parse.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var parts = new List<string>();
        bool afterUnknownOption = false;
        foreach (string arg in args)
        {
            if (!unmatched.Contains(arg))
            {
                afterUnknownOption = false;
            }
            else if (arg.StartsWith('-'))
            {
                afterUnknownOption = true;
                string name = arg.Split('=', 2)[0];
                parts.Add(suggestions.TryGetValue(arg, out var near) && near.Count > 0
                    ? $"unknown option {name}; did you mean {string.Join(" or ", near)}?"
                    : $"unknown option {name}");
            }
            else if (parts.Count == 0 && ReferenceEquals(arg, args[0]))
            {
                parts.Add($"unknown command '{arg}'; run 'depthwise --help' for the list");
                break;
            }
            else if (!afterUnknownOption)
            {
                parts.Add($"unexpected argument '{arg}'");
            }
        }

        parts.AddRange(parse.Errors.Select(e => e.Message)
            .Where(m => !m.StartsWith("Unrecognized command or argument", StringComparison.Ordinal))
            .Select(m => m.TrimEnd('.')));
        return OneLine(string.Join("; ", parts.Distinct()));
    }

    private static Command CreateRoot()
    {
        // A named command rather than RootCommand, whose name is the host process's (testhost under the tests).
        var root = new Command("depthwise", "depthwise: run, fit, stream, inspect and export Keras DepthwiseConv1D layers and models from .npy arrays and Keras files, without Python.")
        {
            Commands.DemoCommand.Create(),
            Commands.RunCommand.Create(),
            Commands.InspectCommand.Create(),
            Commands.FitCommand.Create(),
            Commands.ExportOnnxCommand.Create(),
            Commands.StreamCommand.Create(),
            new HelpOption(),
            new VersionOption(),
        };

        // Without a command: the help, and exit code 2 (nothing was done).
        root.SetAction(parse =>
        {
            if (parse.Tokens.Count > 0)
            {
                throw new CliException($"no command given; received '{string.Join(' ', parse.Tokens.Select(t => t.Value))}'. Run 'depthwise --help' for the commands");
            }

            root.Parse(["--help"]).Invoke(parse.InvocationConfiguration);
            return Failure;
        });

        root.Options.OfType<VersionOption>().Single().Action = new VersionAction();
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExitCodes((HelpAction)help.Action!);
        return root;
    }

    /// <summary>The parser's help, then how layers are given (for the commands that take them) and the exit codes.</summary>
    private sealed class HelpWithExitCodes(HelpAction parsers) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parsers.MaxWidth = 120;
            int code = parsers.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.CommandResult.Command.Options.Any(o => o.Name == "--model"))
            {
                output.WriteLine(LayerForms);
            }

            output.WriteLine(ExitCodes);
            return code;
        }
    }

    /// <summary><c>--version</c>: the tool's version and the library's.</summary>
    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(
                $"depthwise {Version(typeof(Program))} (DepthwiseSharp {Version(typeof(DepthwiseSharp.Layers.DepthwiseConv1D))})");
            return Ok;
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
