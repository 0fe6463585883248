namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>The libtorch comparison: dispatch, usage, and one line on stderr with exit code 2 for any error.</summary>
internal static class Program
{
    public const int Ok = 0;
    public const int Failure = 2;

    private static readonly string Usage = $"""
        usage: dotnet run --project bench/DepthwiseSharp.LibTorch -c Release -- (--forward | --backward | --half) [--quick] [--shape TEXT]

          --forward      time our forward against libtorch's (TorchSharp-cpu) depthwise convolution on the speed grid, in
                         the same process, on the same input arrays; fails if the two outputs differ; ends with the worst
                         ratio (our time / libtorch's) and its row
          --backward     the same for the three gradients (dx, dkernel, dbias) against autograd.grad
          --half         the forward in bfloat16 and float16 (ours: 16-bit storage, float32 sums) against libtorch's
                         convolution on 16-bit tensors, where libtorch's CPU build has one
        {CommandLine.CommonHelp}
        """;

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args is ["--help" or "-h" or "help"])
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? Failure : Ok;
        }

        try
        {
            var options = LibTorchOptions.Parse(args);
            var notes = LibTorchRuntime.Prepare();
            return options.Half
                ? LibTorchHalfBench.Run(options, notes, LibTorchRuntime.Describe(), Console.Out)
                : LibTorchBench.Run(options, notes, LibTorchRuntime.Describe(), Console.Out);
        }
        // IOException and UnauthorizedAccessException: the wrapper's patch could not write beside the app.
        catch (Exception e) when (e is BenchException or NotSupportedException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"DepthwiseSharp.LibTorch: error: {e.Message.ReplaceLineEndings(" ").Trim()}");
            return Failure;
        }
    }
}

/// <summary>The command line: forward or backward, how long, and on which grid shapes.</summary>
internal sealed record LibTorchOptions(bool Backward, bool Quick, IReadOnlyList<Shape> Shapes, bool Half = false)
{
    private static readonly string[] Flags = ["forward", "backward", "half", "quick"];

    /// <exception cref="BenchException">An option <see cref="CommandLine.Scan"/> rejects, an unmatched <c>--shape</c>, or
    /// not exactly one of <c>--forward</c> and <c>--backward</c>.</exception>
    public static LibTorchOptions Parse(IReadOnlyList<string> args)
    {
        var (given, shape) = CommandLine.Scan(args, Flags);
        bool backward = given.Contains("backward");
        bool half = given.Contains("half");
        if ((given.Contains("forward") ? 1 : 0) + (backward ? 1 : 0) + (half ? 1 : 0) != 1)
        {
            throw new BenchException("give one of --forward, --backward (the three gradients) or --half (bfloat16 and float16 forward); add --quick for a short run");
        }

        return new LibTorchOptions(backward, given.Contains("quick"), Grid.Select(shape), half);
    }
}
