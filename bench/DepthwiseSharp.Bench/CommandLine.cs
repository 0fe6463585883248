namespace DepthwiseSharp.Bench;

/// <summary>
/// The benches' command-line syntax: <c>--flag</c>s and <c>--shape TEXT</c> (or <c>--shape=TEXT</c>), each at most once.
/// bench/DepthwiseSharp.LibTorch compiles this file too, so both benches take their options the same way.
/// </summary>
internal static class CommandLine
{
    /// <summary>The end of both benches' help: <c>--quick</c>, <c>--shape</c>, <c>--help</c>, the grid and the syntax.</summary>
    public static readonly string CommonHelp = $"""
          --quick        150 ms of runs per median instead of 1 s (at least 5 runs, at most 200)
          --shape TEXT   only the grid shapes whose name contains TEXT (case-insensitive, e.g. 1x128x64, "k7 d4", M4);
                         TEXT that matches none is an error
          --help         this text

        grid shapes (N x L x C, kernel k, multiplier M, stride s, dilation d, padding):
          {string.Join(Environment.NewLine + "  ", Grid.Shapes.Select(s => s.Name))}

        Options take --name value or --name=value. Errors print one line on stderr and exit with code 2.
        """;

    /// <summary>The options given (names without the dashes) and the <c>--shape</c> text, if any.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="flags">The flags this bench knows, besides <c>shape</c>.</param>
    /// <exception cref="BenchException">A bare word, a repeated or unknown option, a flag with a value, or <c>--shape</c> without one.</exception>
    public static (HashSet<string> Given, string? Shape) Scan(IReadOnlyList<string> args, IReadOnlyCollection<string> flags)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? shapeText = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new BenchException($"unexpected argument '{arg}'; options start with --");
            }

            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? arg[2..] : arg[2..eq];
            if (!seen.Add(name))
            {
                throw new BenchException($"option --{name} is given twice");
            }

            if (name == "shape")
            {
                if (eq >= 0)
                {
                    shapeText = arg[(eq + 1)..];
                }
                else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    shapeText = args[++i];
                }
                else
                {
                    throw new BenchException("--shape takes 1 value (TEXT, part of a grid shape's name)");
                }
            }
            else if (!flags.Contains(name))
            {
                throw new BenchException($"unknown option --{name}; run with --help for the options");
            }
            else if (eq >= 0)
            {
                throw new BenchException($"--{name} takes no value; received '{arg[(eq + 1)..]}'");
            }
        }

        return (seen, shapeText);
    }
}

/// <summary>A usage error of the bench's command line.</summary>
internal sealed class BenchException(string message) : Exception(message);
