using System.Globalization;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>
/// The exception contract of issue #7: only documented types leave the library, and each one names the file or the
/// argument it is about. Fuzz and bad-input tests route every call through here.
/// </summary>
internal static class Documented
{
    /// <summary>Every type a public member may throw for bad input or state (subclasses included).</summary>
    public static readonly Type[] Types =
    [
        typeof(ArgumentException), typeof(InvalidDataException), typeof(FileNotFoundException),
        typeof(DirectoryNotFoundException), typeof(NotSupportedException), typeof(InvalidOperationException),
    ];

    public static bool IsDocumented(Exception e) => Types.Any(t => t.IsInstanceOfType(e));

    /// <summary>
    /// An exception of a documented type is only a refusal when our code raised it on purpose: System.Text.Json throws
    /// InvalidOperationException for misuse (indexing an array as an object, a lone surrogate), and .NET throws
    /// ArgumentOutOfRangeException for indices; those leaking out are bugs even though their types are on the list.
    /// File system exceptions legitimately come from System.IO.
    /// </summary>
    public static void AssertRaisedOnPurpose(Exception e)
    {
        if (e is IOException or UnauthorizedAccessException || e.GetType().Name == "CliException")
        {
            return;
        }

        var origin = e.TargetSite?.DeclaringType;
        string full = origin?.FullName ?? "";

        // ThrowIfNegative and friends live on the exception types themselves; System.IO validates paths.
        bool ours = full.StartsWith("DepthwiseSharp", StringComparison.Ordinal)
            || full.StartsWith("System.IO.", StringComparison.Ordinal)
            || (e is ArgumentException && full is "System.ArgumentException" or "System.ArgumentNullException" or "System.ArgumentOutOfRangeException");
        Assert.True(ours, $"{e.GetType().Name} raised inside {origin?.FullName}.{e.TargetSite?.Name}, not by DepthwiseSharp: {e.Message}");
    }

    /// <summary>Runs <paramref name="action"/>; it either succeeds or throws one of <paramref name="allowed"/>.</summary>
    /// <returns>The exception, or null on success.</returns>
    public static Exception? Run(Action action, params Type[] allowed)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e) when (allowed.Any(t => t.IsInstanceOfType(e)))
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{e.GetType().Name} with an empty message");
            AssertRaisedOnPurpose(e);
            return e;
        }
    }

    /// <summary>Like <see cref="Run"/>, and a failure's message must contain <paramref name="name"/> (the file name).</summary>
    public static Exception? RunNaming(string name, Action action, params Type[] allowed)
    {
        var e = Run(action, allowed);
        if (e is not null)
        {
            Assert.True(e.Message.Contains(name, StringComparison.Ordinal), $"{e.GetType().Name} does not name '{name}': {e.Message}");
        }

        return e;
    }

    /// <summary>An ArgumentException must name its argument: a ParamName, or a backquoted Keras argument in the message.</summary>
    public static void AssertNamesArgument(ArgumentException e) =>
        Assert.True(!string.IsNullOrEmpty(e.ParamName) || e.Message.Contains('`'), $"{e.GetType().Name} names no argument: {e.Message}");

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The time each fuzz target runs: <c>FUZZ_SECONDS</c> (default 5), so CI stays short and a long run is one variable away.</summary>
internal static class FuzzBudget
{
    public const int DefaultSeconds = 5;

    public static int Seconds
    {
        get
        {
            string? text = Environment.GetEnvironmentVariable("FUZZ_SECONDS");
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : DefaultSeconds;
        }
    }

    /// <summary>CsCheck's threads: the fuzz bodies are independent and thread-safe; leave a core or two to the rest of the suite.</summary>
    public static int Threads => Math.Max(1, Environment.ProcessorCount - 1);
}
