using System.CommandLine;
using System.Globalization;

namespace DepthwiseSharp.Cli;

/// <summary>
/// The option shapes the commands share, on System.CommandLine: every value is parsed in the invariant culture, and a
/// value out of range fails the parse with a message that names the option, the rule and the value (so no command starts
/// work on it).
/// </summary>
internal static class CliOptions
{
    /// <summary>A text value (a path or a name); <paramref name="helpName"/> is what help shows after the option.</summary>
    public static Option<string> Text(string name, string helpName, string description, bool required = false) =>
        new(name) { HelpName = helpName, Description = description, Required = required };

    /// <summary>An integer of at least <paramref name="min"/>; null when absent (the command knows its default).</summary>
    public static Option<int?> Int(string name, int min, string helpName, string description, bool required = false) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            Required = required,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min)
                {
                    return v;
                }

                result.AddError($"{name} must be an integer >= {min}; received '{text}'");
                return null;
            },
        };

    /// <summary>A finite number in invariant culture (<c>1e-3</c>, <c>0.2</c>); null when absent.</summary>
    public static Option<double?> Number(string name, string helpName, string description) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
                {
                    return v;
                }

                result.AddError($"{name} must be a number; received '{text}'");
                return null;
            },
        };

    /// <summary>A switch without a value.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };
}
