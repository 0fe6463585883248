using System.Globalization;

namespace DepthwiseSharp.Bench;

/// <summary>
/// <c>--half [--quick]</c>: the 16-bit forward (<see cref="Half"/> and <see cref="BFloat16"/> spans: 16-bit memory, float32
/// arithmetic) beside the float32 forward on the same values, per shape, layout and thread count, each engine timed in
/// alternating blocks. The ratio is the 16-bit time over the float32 time (below 1: the 16-bit pass is faster).
/// </summary>
internal static class HalfBench
{
    private const int Blocks = 2;

    /// <summary>Prints one row per shape, layout and thread count; the last lines are the worst ratios.</summary>
    public static int Run(BenchOptions options, TextWriter stdout)
    {
        var budget = Timing.Budget(options.Quick);
        stdout.WriteLine($"DepthwiseSharp.Bench --half{(options.Quick ? " --quick" : "")}: forward through DepthwiseConvolution.Forward, float32 against float16 and bfloat16 storage (float32 arithmetic), lowest of {Blocks} alternating block medians, {Environment.ProcessorCount} cores");
        stdout.WriteLine();
        stdout.WriteLine($"{"shape",-24} {"layout",-14} {"thr",3} {"f32 ms",9} {"f16 ms",9} {"f16/f32",8} {"bf16 ms",9} {"bf16/f32",9}");
        double worstHalf = 0, worstBf = 0;
        foreach (var shape in options.Shapes)
        {
            foreach (var format in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
            {
                var g = shape.Geometry(format);
                var rng = new Random(1);
                float[] x = [.. Enumerable.Range(0, g.InputCount).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
                float[] k = [.. Enumerable.Range(0, g.KernelCount).Select(_ => (float)(rng.NextDouble() - 0.5))];
                float[] b = new float[g.OutputChannels];
                var y = new float[g.OutputCount];
                Half[] xh = [.. x.Select(v => (Half)v)], kh = [.. k.Select(v => (Half)v)], bh = [.. b.Select(v => (Half)v)];
                BFloat16[] xb = [.. x.Select(v => (BFloat16)v)], kb = [.. k.Select(v => (BFloat16)v)], bb = [.. b.Select(v => (BFloat16)v)];
                var yh = new Half[g.OutputCount];
                var yb = new BFloat16[g.OutputCount];
                foreach (int threads in (int[])[1, 2])
                {
                    Timing.Warm(() => DepthwiseConvolution.Forward<float>(g, x, k, b, y, threads));
                    Timing.Warm(() => DepthwiseConvolution.Forward(g, (ReadOnlySpan<Half>)xh, kh, bh, yh, threads));
                    Timing.Warm(() => DepthwiseConvolution.Forward(g, (ReadOnlySpan<BFloat16>)xb, kb, bb, yb, threads));
                    double f32 = double.PositiveInfinity, f16 = double.PositiveInfinity, bf16 = double.PositiveInfinity;
                    for (int block = 0; block < Blocks; block++)
                    {
                        f32 = Math.Min(f32, Timing.Median(() => DepthwiseConvolution.Forward<float>(g, x, k, b, y, threads), budget));
                        f16 = Math.Min(f16, Timing.Median(() => DepthwiseConvolution.Forward(g, (ReadOnlySpan<Half>)xh, kh, bh, yh, threads), budget));
                        bf16 = Math.Min(bf16, Timing.Median(() => DepthwiseConvolution.Forward(g, (ReadOnlySpan<BFloat16>)xb, kb, bb, yb, threads), budget));
                    }

                    worstHalf = Math.Max(worstHalf, f16 / f32);
                    worstBf = Math.Max(worstBf, bf16 / f32);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{shape.Name,-24} {format.ToKeras(),-14} {threads,3} {f32,9:F3} {f16,9:F3} {f16 / f32,7:F2}x {bf16,9:F3} {bf16 / f32,8:F2}x"));
                }
            }
        }

        stdout.WriteLine();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst f16/f32: {worstHalf:F2}x, worst bf16/f32: {worstBf:F2}x"));
        return Program.Ok;
    }
}
