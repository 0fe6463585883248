namespace DepthwiseSharp.Bench;

/// <summary>The bench's parsed command line: what to time, how long, and on which grid shapes.</summary>
internal sealed record BenchOptions(bool Compare, bool Backward, bool Quick, bool Aligned, IReadOnlyList<Shape> Shapes)
{
    private static readonly string[] Flags = ["compare", "backward", "quick", "aligned"];

    /// <summary>Parses <c>--flag</c>s and <c>--shape TEXT</c> (or <c>--shape=TEXT</c>).</summary>
    /// <exception cref="BenchException">An unknown or repeated option, a missing or unmatched <c>--shape</c>, or a bad combination.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
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
            else if (!Flags.Contains(name))
            {
                throw new BenchException($"unknown option --{name}; run with --help for the options");
            }
            else if (eq >= 0)
            {
                throw new BenchException($"--{name} takes no value; received '{arg[(eq + 1)..]}'");
            }
        }

        bool compare = seen.Contains("compare");
        bool backward = seen.Contains("backward");
        bool aligned = seen.Contains("aligned");
        if (compare == backward)
        {
            throw new BenchException("give one of --compare (forward against ONNX Runtime) or --backward (the three gradients); add --quick for a short run");
        }

        if (backward && aligned)
        {
            throw new BenchException("--aligned applies to --compare only");
        }

        return new BenchOptions(compare, backward, seen.Contains("quick"), aligned, Select(shapeText));
    }

    /// <summary>The grid shapes whose name contains <paramref name="text"/> (case-insensitive); all of them for null.</summary>
    private static Shape[] Select(string? text)
    {
        if (text is null)
        {
            return Bench.Grid;
        }

        var shapes = Bench.Grid.Where(s => text.Trim().Length > 0 && s.Name.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)).ToArray();
        if (shapes.Length == 0)
        {
            throw new BenchException($"--shape '{text}' matches no grid shape; the shapes are '{string.Join("', '", Bench.Grid.Select(s => s.Name))}'");
        }

        return shapes;
    }
}
