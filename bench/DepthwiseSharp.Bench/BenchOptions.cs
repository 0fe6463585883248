namespace DepthwiseSharp.Bench;

/// <summary>The bench's parsed command line: what to time, how long, and on which grid shapes.</summary>
internal sealed record BenchOptions(bool Compare, bool Backward, bool Quick, bool Aligned, IReadOnlyList<Shape> Shapes, bool Half = false)
{
    private static readonly string[] Flags = ["compare", "backward", "half", "quick", "aligned"];

    /// <summary>Parses <c>--flag</c>s and <c>--shape TEXT</c> (or <c>--shape=TEXT</c>) as <see cref="CommandLine.Scan"/> reads them.</summary>
    /// <exception cref="BenchException">An unknown or repeated option, a missing or unmatched <c>--shape</c>, or a bad combination.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var (seen, shapeText) = CommandLine.Scan(args, Flags);
        bool compare = seen.Contains("compare");
        bool backward = seen.Contains("backward");
        bool half = seen.Contains("half");
        bool aligned = seen.Contains("aligned");
        if ((compare ? 1 : 0) + (backward ? 1 : 0) + (half ? 1 : 0) != 1)
        {
            throw new BenchException("give one of --compare (forward against ONNX Runtime), --backward (the three gradients) or --half (16-bit against float32 forward); add --quick for a short run");
        }

        if (!compare && aligned)
        {
            throw new BenchException("--aligned applies to --compare only");
        }

        return new BenchOptions(compare, backward, seen.Contains("quick"), aligned, Grid.Select(shapeText), half);
    }
}
