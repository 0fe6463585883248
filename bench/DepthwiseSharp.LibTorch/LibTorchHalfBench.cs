using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>
/// <c>--half</c>: our 16-bit forward (<c>DepthwiseConvolution.Forward</c> on <see cref="BFloat16"/> and <see cref="Half"/>
/// spans: 16-bit memory, float32 sums, one rounding) beside libtorch's convolution on bfloat16 and float16 tensors of
/// the same values, per grid shape, layout and thread count. A type libtorch's CPU build cannot convolve is reported
/// on its row, not timed. Ratio = our time / libtorch's.
/// </summary>
internal static class LibTorchHalfBench
{
    private const int Blocks = 2;

    // Both round each output to the 16-bit type once or twice; a few units of bfloat16's 2^-8 relative step apart at most.
    private const double Tolerance = 3e-2;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Run(LibTorchOptions options, IReadOnlyList<string> notes, string libtorch, TextWriter stdout)
    {
        var budget = Timing.Budget(options.Quick);
        stdout.WriteLine($"DepthwiseSharp.LibTorch --half{(options.Quick ? " --quick" : "")}: forward in bfloat16 and float16, lowest of {Blocks} alternating block medians per engine; {libtorch}; {Environment.ProcessorCount} cores");
        stdout.WriteLine("ours: DepthwiseConvolution.Forward on 16-bit spans (float32 sums); libtorch: the --forward calls on 16-bit copies of the same values");
        foreach (string note in notes)
        {
            stdout.WriteLine(note);
        }

        stdout.WriteLine("ratio = our time / libtorch's (below 1: ours is faster); err = max |ours - libtorch| / max |libtorch|");
        stdout.WriteLine();
        stdout.WriteLine($"{"shape",-24} {"layout",-14} {"type",-8} {"thr",3} {"ours ms",9} {"libtorch ms",11} {"ratio",7} {"err",8}");
        double worst = double.NegativeInfinity;
        foreach (var shape in options.Shapes)
        {
            foreach (var format in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
            {
                var g = shape.Geometry(format);
                var rng = new Random(1);
                float[] x = LibTorchBench.RandomArray(rng, g.InputCount), kernel = LibTorchBench.RandomArray(rng, g.KernelCount),
                    bias = LibTorchBench.RandomArray(rng, g.OutputChannels);
                foreach (var type in (torch.ScalarType[])[torch.ScalarType.BFloat16, torch.ScalarType.Float16])
                {
                    bool bf = type == torch.ScalarType.BFloat16;
                    string name = bf ? "bfloat16" : "float16";

                    // Our inputs: the float values rounded to the type, as libtorch's .to(type) rounds them.
                    BFloat16[] xb = [.. x.Select(v => (BFloat16)v)], kb = [.. kernel.Select(v => (BFloat16)v)], bb = [.. bias.Select(v => (BFloat16)v)];
                    Half[] xh = [.. x.Select(v => (Half)v)], kh = [.. kernel.Select(v => (Half)v)], bh = [.. bias.Select(v => (Half)v)];
                    var yb = new BFloat16[g.OutputCount];
                    var yh = new Half[g.OutputCount];
                    void Ours(int threads)
                    {
                        if (bf)
                        {
                            DepthwiseConvolution.Forward(g, (ReadOnlySpan<BFloat16>)xb, kb, bb, yb, threads);
                        }
                        else
                        {
                            DepthwiseConvolution.Forward(g, (ReadOnlySpan<Half>)xh, kh, bh, yh, threads);
                        }
                    }

                    using var theirs = new TorchConv(g, x, kernel, bias, compute: type);
                    foreach (int threads in (int[])[1, 2])
                    {
                        torch.set_num_threads(threads);
                        float[] reference;
                        try
                        {
                            reference = theirs.ForwardOutput();
                        }
                        catch (Exception e) when (e is ExternalException or InvalidOperationException or NotImplementedException)
                        {
                            stdout.WriteLine($"{shape.Name,-24} {format.ToKeras(),-14} {name,-8} {threads,3} libtorch has no {name} CPU convolution here: {e.Message.Split('\n')[0]}");
                            continue;
                        }

                        Ours(threads);
                        float[] ours = bf ? [.. yb.Select(v => (float)v)] : [.. yh.Select(v => (float)v)];
                        double err = LibTorchBench.MaxRelativeError(ours, reference);
                        if (err > Tolerance)
                        {
                            throw new InvalidOperationException($"{shape.Name} {format.ToKeras()} {name}: ours and libtorch's differ (err {err:E2})");
                        }

                        Timing.Warm(() => Ours(threads));
                        Timing.Warm(theirs.Forward);
                        double ourMs = double.PositiveInfinity, torchMs = double.PositiveInfinity;
                        for (int block = 0; block < Blocks; block++)
                        {
                            Thread.Sleep(50);
                            ourMs = Math.Min(ourMs, Timing.Median(() => Ours(threads), budget));
                            Thread.Sleep(50);
                            torchMs = Math.Min(torchMs, Timing.Median(theirs.Forward, budget));
                        }

                        worst = Math.Max(worst, ourMs / torchMs);
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{shape.Name,-24} {format.ToKeras(),-14} {name,-8} {threads,3} {ourMs,9:F3} {torchMs,11:F3} {ourMs / torchMs,6:F2}x {err,8:0.0e+00}"));
                    }
                }
            }
        }

        stdout.WriteLine();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst ours / libtorch: {worst:F2}x"));
        return Program.Ok;
    }
}
