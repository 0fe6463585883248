using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>
/// Our span API beside libtorch on the same arrays, per grid shape, layout and thread count: forward
/// (<c>DepthwiseConvolution.Forward</c> against <see cref="TorchConv.Forward"/>) or the three gradients
/// (<c>BackwardInput</c> + <c>BackwardKernel</c> against <c>autograd.grad</c>). Each pair of results is checked to agree
/// before it is timed; each engine is timed in <see cref="Blocks"/> alternating blocks and keeps its lowest block median,
/// as bench/DepthwiseSharp.Bench times ONNX Runtime. The ratio is our time / libtorch's: below 1, ours is faster.
/// </summary>
internal static class LibTorchBench
{
    /// <summary>Blocks per engine, alternating, so that a slow spell of a shared machine does not decide a ratio.</summary>
    private const int Blocks = 2;

    /// <summary>Largest <c>max |ours - libtorch| / max |libtorch|</c> accepted: the forward sums k products; the gradients
    /// sum over batch and time, up to half a million terms, in different orders.</summary>
    private const double ForwardTolerance = 1e-4;
    private const double BackwardTolerance = 1e-3;

    private static readonly int[] ThreadCounts = [1, 2];

    private static readonly DataFormat[] Formats = [DataFormat.ChannelsLast, DataFormat.ChannelsFirst];

    // Kept out of Main: TorchSharp loads its native library on first use, which must come after LibTorchRuntime.Prepare.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Run(LibTorchOptions options, IReadOnlyList<string> notes, string libtorch, TextWriter stdout)
    {
        bool backward = options.Backward;
        var budget = Timing.Budget(options.Quick);
        stdout.WriteLine($"DepthwiseSharp.LibTorch {(backward ? "--backward" : "--forward")}{(options.Quick ? " --quick" : "")}: "
            + $"{(backward ? "dx, dkernel and dbias" : "forward")}, float32, lowest of {Blocks} alternating block medians per engine; "
            + $"{libtorch}; {Environment.ProcessorCount} cores");
        stdout.WriteLine(backward
            ? "libtorch: autograd.grad(y, [x, weight, bias], dy) through a kept graph (forward not timed); ours: BackwardInput + BackwardKernel"
            : "libtorch: channels_first = F.conv1d(groups=C) on (N, C, L); channels_last = F.conv2d on the channels_last (N, C, 1, L) view of (N, L, C), no copies");
        stdout.WriteLine($"buffers: pinned .NET arrays; libtorch reads x{(backward ? " and dy" : "")} in place (torch.frombuffer); each engine writes its own outputs");
        foreach (string note in notes)
        {
            stdout.WriteLine(note);
        }

        stdout.WriteLine("ratio = our time / libtorch's (below 1: ours is faster); err = max |ours - libtorch| / max |libtorch|; "
            + "others = cores that other processes used while the row was timed (of " + Environment.ProcessorCount + ")");
        stdout.WriteLine();
        stdout.WriteLine($"{"shape",-24} {"layout",-14} {"thr",3} {"ours ms",9} {"libtorch ms",11} {"ratio",7} {"err",8} {"others",6}");
        (double Ratio, string Row) worst = (double.NegativeInfinity, "");
        foreach (var shape in options.Shapes)
        {
            foreach (var format in Formats)
            {
                var g = shape.Geometry(format);
                using var pair = new Pair(g, backward);
                foreach (int threads in ThreadCounts)
                {
                    torch.set_num_threads(threads);
                    if (torch.get_num_threads() != threads)
                    {
                        throw new InvalidOperationException($"torch.get_num_threads() is {torch.get_num_threads()} after set_num_threads({threads})");
                    }

                    double err = pair.Check(threads);
                    if (err > (backward ? BackwardTolerance : ForwardTolerance))
                    {
                        throw new InvalidOperationException($"{shape.Name} {format.ToKeras()} {threads} threads: our results and libtorch's differ (err {err:E2})");
                    }

                    double ourMs = double.PositiveInfinity, torchMs = double.PositiveInfinity;
                    var load = OtherLoad.Start();
                    for (int block = 0; block < Blocks; block++)
                    {
                        // libtorch's OpenMP workers spin-wait for a while after a parallel call, and so do .NET's pool
                        // threads: a block that starts among the other engine's spinning threads loses a core.
                        Thread.Sleep(50);
                        ourMs = Math.Min(ourMs, Timing.Median(() => pair.Ours(threads), budget));
                        Thread.Sleep(50);
                        torchMs = Math.Min(torchMs, Timing.Median(pair.Theirs, budget));
                    }

                    double ratio = ourMs / torchMs;
                    string row = string.Create(CultureInfo.InvariantCulture,
                        $"{shape.Name,-24} {format.ToKeras(),-14} {threads,3} {ourMs,9:F3} {torchMs,11:F3} {ratio,6:F2}x {err,8:0.0e+00} {OtherLoad.Since(load),6}");
                    stdout.WriteLine(row);
                    if (ratio > worst.Ratio)
                    {
                        worst = (ratio, row);
                    }
                }
            }
        }

        stdout.WriteLine();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst ours / libtorch: {worst.Ratio:F2}x"));
        stdout.WriteLine(worst.Row);
        return Program.Ok;
    }

    internal static float[] RandomArray(Random rng, int length)
    {
        var array = GC.AllocateUninitializedArray<float>(length, pinned: true);
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return array;
    }

    internal static double MaxRelativeError(ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)ours[i] - theirs[i]));
            scale = Math.Max(scale, Math.Abs((double)theirs[i]));
        }

        return scale == 0 ? diff : diff / scale;
    }

    /// <summary>Both engines' calls for one geometry, forward or backward, on shared inputs.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly Conv1DGeometry _g;
        private readonly float[] _x;
        private readonly float[] _kernel;
        private readonly float[] _bias;
        private readonly float[]? _dy;

        // Forward: y. Backward: dx.
        private readonly float[] _output;
        private readonly float[] _dkernel;
        private readonly float[] _dbias;
        private readonly TorchConv _torch;

        public Pair(Conv1DGeometry g, bool backward)
        {
            var rng = new Random(1);
            _g = g;
            _x = RandomArray(rng, g.InputCount);
            _kernel = RandomArray(rng, g.KernelCount);
            _bias = RandomArray(rng, g.OutputChannels);
            _dy = backward ? RandomArray(rng, g.OutputCount) : null;
            _output = GC.AllocateUninitializedArray<float>(backward ? g.InputCount : g.OutputCount, pinned: true);
            _dkernel = new float[g.KernelCount];
            _dbias = new float[g.OutputChannels];
            _torch = new TorchConv(g, _x, _kernel, _bias, _dy);
        }

        /// <summary>Runs both once and returns how far apart their results are (the largest of the three gradients').</summary>
        public double Check(int threads)
        {
            Ours(threads);
            if (_dy is null)
            {
                return MaxRelativeError(_output, _torch.ForwardOutput());
            }

            var (dx, dkernel, dbias) = _torch.BackwardOutput();
            return Math.Max(MaxRelativeError(_output, dx), Math.Max(MaxRelativeError(_dkernel, dkernel), MaxRelativeError(_dbias, dbias)));
        }

        public void Ours(int threads)
        {
            if (_dy is null)
            {
                DepthwiseConvolution.Forward<float>(_g, _x, _kernel, _bias, _output, threads);
                return;
            }

            DepthwiseConvolution.BackwardInput<float>(_g, _dy, _kernel, _output, threads);
            DepthwiseConvolution.BackwardKernel<float>(_g, _x, _dy, _dkernel, _dbias, threads);
        }

        public void Theirs()
        {
            if (_dy is null)
            {
                _torch.Forward();
            }
            else
            {
                _torch.Backward();
            }
        }

        public void Dispose() => _torch.Dispose();
    }
}
