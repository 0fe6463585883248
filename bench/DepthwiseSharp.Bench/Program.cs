namespace DepthwiseSharp.Bench;

/// <summary>The ONNX Runtime comparison and the backward timings: dispatch, usage, and one line on stderr with exit code 2 for any error.</summary>
internal static class Program
{
    public const int Ok = 0;
    public const int Failure = 2;

    private static readonly string Usage = $"""
        usage: dotnet run --project bench/DepthwiseSharp.Bench -c Release -- (--compare [--aligned] | --backward | --half) [--quick] [--shape TEXT]

          --compare      time our forward against ONNX Runtime's Conv (group = C) on the speed grid, in the same process,
                         on the same buffers; fails if the two outputs differ; the last line is the smallest speed-up
          --backward     time our three gradients (dx, dkernel, dbias) on the same grid
          --half         time the forward with float16 and bfloat16 storage (float32 arithmetic) against float32
          --aligned      --compare on 64-byte-aligned native buffers instead of pinned .NET arrays
        {CommandLine.CommonHelp}
        """;

    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args is ["--help" or "-h" or "help"])
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? Failure : Ok;
        }

        try
        {
            var options = BenchOptions.Parse(args);
            return options.Backward ? Bench.Backward(options, stdout) : options.Half ? HalfBench.Run(options, stdout) : Bench.Compare(options, stdout);
        }
        catch (Exception e) when (e is BenchException or NotSupportedException or InvalidOperationException)
        {
            stderr.WriteLine($"DepthwiseSharp.Bench: error: {e.Message.ReplaceLineEndings(" ").Trim()}");
            return Failure;
        }
    }
}
