namespace DepthwiseSharp.Cli;

/// <summary>
/// Options of the form <c>--name value [value ...]</c> or <c>--name=value</c>, and flags <c>--name</c>. Values are everything up
/// to the next <c>--option</c>; each command says which options it takes and how many values each has.
/// </summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public static CliArgs Parse(ReadOnlySpan<string> args)
    {
        var result = new CliArgs();
        List<string>? current = null;
        foreach (string arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                // --name=value is --name value (the value may itself hold '=').
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? arg[2..] : arg[2..eq];
                if (name.Length == 0)
                {
                    throw new CliException($"unexpected argument '{arg}'; options look like --name value or --name=value");
                }

                if (result._options.ContainsKey(name))
                {
                    throw new CliException($"option --{name} is given twice");
                }

                current = [];
                result._options[name] = current;
                if (eq >= 0)
                {
                    current.Add(arg[(eq + 1)..]);
                }
            }
            else if (current is null)
            {
                throw new CliException($"unexpected argument '{arg}'; options start with --");
            }
            else
            {
                current.Add(arg);
            }
        }

        return result;
    }

    public string Required(string name)
    {
        var values = Values(name, 1, 1) ?? throw new CliException($"missing option --{name}");
        return values[0];
    }

    public string? Optional(string name) => Values(name, 1, 1)?[0];

    public bool Flag(string name) => Values(name, 0, 0) is not null;

    public int? OptionalInt(string name, int min)
    {
        string? text = Optional(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) || v < min)
        {
            throw new CliException($"--{name} must be an integer >= {min}; received '{text}'");
        }

        return v;
    }

    public IReadOnlyList<string>? Values(string name, int min, int max)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var values))
        {
            return null;
        }

        if (values.Count < min || values.Count > max)
        {
            string expected = min == max ? $"{min}" : $"{min} to {max}";
            throw new CliException($"--{name} takes {expected} value{(max == 1 ? "" : "s")}; received {values.Count}");
        }

        return values;
    }

    /// <summary>Fails on any option the command did not ask for, so a typo is never silently ignored.</summary>
    public void RejectUnknown()
    {
        foreach (string name in _options.Keys)
        {
            if (!_used.Contains(name))
            {
                string? near = _used.OrderBy(u => Distance(u, name)).FirstOrDefault();
                throw new CliException(near is not null && Distance(near, name) <= Math.Max(1, name.Length / 3)
                    ? $"unknown option --{name}; did you mean --{near}?"
                    : $"unknown option --{name}");
            }
        }
    }

    /// <summary>Levenshtein distance, for suggesting the option a typo meant.</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
