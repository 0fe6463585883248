using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DepthwiseSharp.Bench;

/// <summary>
/// <c>--compare [--quick] [--aligned]</c>: our forward against ONNX Runtime's Conv (group = C) on the same data in the same
/// process, per shape and layout, for 1 and 2 threads, next to the machine's measured memory floor. Both engines read and
/// write the same buffers: pinned .NET arrays (element 0 only 8-byte aligned, as .NET allocates), or with <c>--aligned</c>
/// 64-byte-aligned native memory (as ONNX Runtime allocates its own tensors). Each engine is timed in <see cref="Blocks"/>
/// alternating blocks and keeps its lowest block median. <c>--backward [--quick]</c>: our three gradients on the same grid.
/// </summary>
internal static class Bench
{
    /// <summary>Forward against ONNX Runtime on <paramref name="options"/>' shapes; the last line is the smallest ratio.</summary>
    public static int Compare(BenchOptions options, TextWriter stdout)
    {
        bool quick = options.Quick;
        bool aligned = options.Aligned;
        var budget = Timing.Budget(options.Quick);
        stdout.WriteLine($"DepthwiseSharp.Bench --compare{(quick ? " --quick" : "")}{(aligned ? " --aligned" : "")}: forward, float32, lowest of {Blocks} alternating block medians per engine; ONNX Runtime {OrtVersion()} (CPU, Conv group=C), {Environment.ProcessorCount} cores");
        stdout.WriteLine("ratio = ONNX Runtime time / our time (higher is better for us); floor = time to read the input once and write the output once with as many threads (the faster of cached and non-temporal stores)");
        stdout.WriteLine(aligned
            ? "buffers: 64-byte-aligned native memory, shared by both engines"
            : "buffers: pinned .NET arrays (8-byte aligned), shared by both engines; --aligned uses 64-byte-aligned native memory");
        stdout.WriteLine();
        stdout.WriteLine($"{"shape",-24} {"layout",-14} {"thr",3} {"ours ms",9} {"ORT ms",9} {"ratio",7} {"GB/s",7} {"GFLOP/s",8} {"floor ms",9} {"x floor",8}");
        double worst = double.PositiveInfinity;
        foreach (var shape in options.Shapes)
        {
            foreach (string format in (string[])["channels_last", "channels_first"])
            {
                var layer = new DepthwiseConv1D(shape.K, shape.S, shape.Padding, shape.M, format, shape.D, name: "bench");
                int[] inShape = format == "channels_last" ? [shape.N, shape.L, shape.C] : [shape.N, shape.C, shape.L];
                var outShape = layer.ComputeOutputShape([inShape[0], inShape[1], inShape[2]]).Select(v => v!.Value).ToArray();
                var rng = new Random(1);
                using var x = BenchBuffer.Allocate(inShape[0] * inShape[1] * inShape[2], aligned);
                for (int i = 0; i < x.Length; i++)
                {
                    x.Span[i] = (float)(rng.NextDouble() * 2 - 1);
                }

                layer.Build([null, inShape[1], inShape[2]]);
                using var ours = BenchBuffer.Allocate(outShape[0] * outShape[1] * outShape[2], aligned);
                using var theirs = BenchBuffer.Allocate(ours.Length, aligned);
                byte[] model = OnnxExporter.ToBytes(layer, new OnnxExportOptions { BatchSize = shape.N, Length = shape.L });
                // A two-thread kernel may also run on one, so the two-thread floor is the better of both.
                double floor1 = double.PositiveInfinity;
                double gflop = 2.0 * ours.Length * shape.K / 1e9;
                double gbytes = (x.Length + (double)ours.Length) * sizeof(float) / 1e9;
                foreach (int threads in (int[])[1, 2])
                {
                    layer.MaxDegreeOfParallelism = threads;
                    double ourMs = double.PositiveInfinity, ortMs = double.PositiveInfinity, floorMs = threads == 1 ? double.PositiveInfinity : floor1;
                    using (var ort = new OrtRunner(model, threads, x, inShape, theirs, outShape))
                    {
                        // The floor's passes run beside ours, block by block, so that the machine's memory rate (other
                        // tenants move it by a third over minutes) is the same for both; before ours, which then
                        // overwrites what the floor wrote into its output buffer.
                        for (int block = 0; block < Blocks; block++)
                        {
                            floorMs = Math.Min(floorMs, MemoryFloor(x, ours, threads, budget));
                            ourMs = Math.Min(ourMs, Timing.Median(() => layer.Call<float>(x.Span, inShape, ours.Span), budget));
                            ortMs = Math.Min(ortMs, Timing.Median(ort.Run, budget));
                        }
                    }

                    if (threads == 1)
                    {
                        floor1 = floorMs;
                    }

                    double err = RelativeError(ours.Span, theirs.Span);
                    if (err > 1e-5)
                    {
                        throw new InvalidOperationException($"{shape.Name} {format}: our output and ONNX Runtime's differ (normwise relative error {err:E2})");
                    }

                    double ratio = ortMs / ourMs;
                    worst = Math.Min(worst, ratio);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{shape.Name,-24} {format,-14} {threads,3} {ourMs,9:F3} {ortMs,9:F3} {ratio,6:F2}x {gbytes / ourMs * 1e3,7:F1} {gflop / ourMs * 1e3,8:F1} {floorMs,9:F3} {ourMs / floorMs,7:F2}x"));
                }
            }
        }

        stdout.WriteLine();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"min speedup vs ONNX Runtime: {worst:F2}x"));
        return Program.Ok;
    }

    /// <summary>Our three gradients (input, kernel, bias) per shape, layout and thread count; bench/DepthwiseSharp.LibTorch --backward times libtorch's beside them.</summary>
    public static int Backward(BenchOptions options, TextWriter stdout)
    {
        var budget = Timing.Budget(options.Quick);
        stdout.WriteLine($"DepthwiseSharp.Bench --backward{(options.Quick ? " --quick" : "")}: dx, dkernel and dbias, float32, medians");
        stdout.WriteLine($"{"shape",-24} {"layout",-14} {"thr",3} {"backward ms",12} {"forward ms",11}");
        foreach (var shape in options.Shapes)
        {
            foreach (var format in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
            {
                var g = shape.Geometry(format);
                var rng = new Random(1);
                var x = Enumerable.Range(0, g.InputCount).Select(_ => (float)rng.NextDouble()).ToArray();
                var k = Enumerable.Range(0, g.KernelCount).Select(_ => (float)rng.NextDouble()).ToArray();
                var dz = Enumerable.Range(0, g.OutputCount).Select(_ => (float)rng.NextDouble()).ToArray();
                var b = new float[g.OutputChannels];
                var y = new float[g.OutputCount];
                var dx = new float[g.InputCount];
                var dk = new float[g.KernelCount];
                var db = new float[g.OutputChannels];
                foreach (int threads in (int[])[1, 2])
                {
                    double bwd = Timing.Median(() =>
                    {
                        DepthwiseConvolution.BackwardInput<float>(g, dz, k, dx, threads);
                        DepthwiseConvolution.BackwardKernel<float>(g, x, dz, dk, db, threads);
                    }, budget);
                    double fwd = Timing.Median(() => DepthwiseConvolution.Forward<float>(g, x, k, b, y, threads), budget);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{shape.Name,-24} {format.ToKeras(),-14} {threads,3} {bwd,12:F3} {fwd,11:F3}"));
                }
            }
        }

        return Program.Ok;
    }

    /// <summary>
    /// Blocks of runs per engine, alternating (ours, ONNX Runtime, ours, ...); each engine's time is its lowest block
    /// median, so a slow spell of this shared machine that falls on one engine's block does not decide the ratio. Whole
    /// blocks, not alternating single runs: after a run ONNX Runtime's worker threads spin for a while, and measured
    /// right after them our two-thread runs got one core (1.5x to 2x slower).
    /// </summary>
    private const int Blocks = 2;

    /// <summary>
    /// The memory floor for a thread count: read the input once and write the output once, each thread its share, the
    /// fastest of three passes: reads and writes interleaved in chunks (<see cref="FloorChunk"/>) with non-temporal stores
    /// of whole 64-byte lines (as the engine writes large channels_last outputs: no read for ownership), and a copy of x
    /// into y (the longer one's rest read or written alone) by the runtime's memory copy (fastest for data that fits a
    /// core's caches, where an interleaved pass's loads wait behind its stores: 1x128x64 takes 2.7 us interleaved, 0.8 us
    /// as a copy, a call our kernel does in 1.8 us) or by 512-bit loads and non-temporal stores (fastest from DRAM with
    /// two threads: 8x4096x1536 took the interleaved pass 7.8 ms, and our kernel 7.5). A kernel must read x and write y
    /// at least once, so none can run below it; the fastest run of each pass (not the median, as for the engines: the
    /// floor must hold even against an engine's lucky block), on the engines' own buffers, the lowest; the caller takes
    /// the lowest over its blocks.
    /// </summary>
    private static double MemoryFloor(BenchBuffer src, BenchBuffer dst, int threads, TimeSpan budget) =>
        Math.Min(Timing.Fastest(() => OnThreads(threads, p => FloorPart(src, dst, p, threads)), budget),
            Math.Min(Timing.Fastest(() => OnThreads(threads, p => CopyPart(src, dst, p, threads, streaming: false)), budget),
                Timing.Fastest(() => OnThreads(threads, p => CopyPart(src, dst, p, threads, streaming: true)), budget)));

    /// <summary>Runs a floor pass's parts 0 .. threads - 1, each on its own thread (one: on the calling thread).</summary>
    private static void OnThreads(int threads, Action<int> part)
    {
        if (threads == 1)
        {
            part(0);
            return;
        }

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part);
    }

    /// <summary>The floor's copy pass, one thread's part: its share of x copied into its share of y (see <see cref="MemoryFloor"/>).</summary>
    // Lane layout: with streaming, one Vector512 load (any alignment) and one non-temporal store of a whole 64-byte line
    // per 16 floats; the elements before the destination's first line boundary and after its last whole line are copied
    // one by one.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CopyPart(BenchBuffer src, BenchBuffer dst, int part, int parts, bool streaming)
    {
        long s0 = src.Length * part / parts, s1 = src.Length * (part + 1) / parts;
        long d0 = dst.Length * part / parts, d1 = dst.Length * (part + 1) / parts;
        long common = Math.Min(s1 - s0, d1 - d0);
        float* from = src.Pointer + s0, to = dst.Pointer + d0;
        if (streaming && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            long i = Math.Min(common, (long)(((64 - ((nuint)to % 64)) % 64) / sizeof(float)));
            for (long j = 0; j < i; j++)
            {
                to[j] = from[j];
            }

            for (; i + 16 <= common; i += 16)
            {
                System.Runtime.Intrinsics.X86.Avx512F.StoreAlignedNonTemporal(to + i, System.Runtime.Intrinsics.Vector512.Load(from + i));
            }

            for (; i < common; i++)
            {
                to[i] = from[i];
            }

            System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
        else
        {
            Buffer.MemoryCopy(from, to, common * sizeof(float), common * sizeof(float));
        }

        float sum = Read(from + common, (int)(s1 - s0 - common));
        new Span<float>(to + common, (int)(d1 - d0 - common)).Fill(sum);
    }

    /// <summary>
    /// Elements of x per step of a floor pass: reads and writes interleave in chunks of 4 KiB of input, as a kernel's do
    /// row by row. With 64 KiB chunks the pass ran 1.3x-2x slower than our kernels from DRAM (64x8192x256: 37-41 ms
    /// against 36 ms with 1 thread, 29-33 against 24 with 2), so it was no floor; with 4 KiB it took 29 and 16 ms.
    /// </summary>
    private const int FloorChunk = 1 << 10;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void FloorPart(BenchBuffer src, BenchBuffer dst, int part, int parts)
    {
        long n = src.Length, m = dst.Length;
        long s0 = n * part / parts, s1 = n * (part + 1) / parts;
        long d0 = m * part / parts, d1 = m * (part + 1) / parts;
        long steps = Math.Max(1, (s1 - s0 + FloorChunk - 1) / FloorChunk);
        float sum = 0;
        for (long step = 0; step < steps; step++)
        {
            long a0 = s0 + (s1 - s0) * step / steps, a1 = s0 + (s1 - s0) * (step + 1) / steps;
            long b0 = d0 + (d1 - d0) * step / steps, b1 = d0 + (d1 - d0) * (step + 1) / steps;
            sum += Read(src.Pointer + a0, (int)(a1 - a0));
            Write(dst.Pointer + b0, (int)(b1 - b0), sum);
        }

        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
    }

    // Reads every element once: four Vector256 accumulators (32 floats per step), the remainder one at a time. Our own
    // loop, optimized from the first call (TensorPrimitives.Sum is tier-0 code for the small shapes' few runs).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Read(float* p, int count)
    {
        var a0 = System.Runtime.Intrinsics.Vector256<float>.Zero;
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        int i = 0;
        for (; i + 32 <= count; i += 32)
        {
            a0 += System.Runtime.Intrinsics.Vector256.Load(p + i);
            a1 += System.Runtime.Intrinsics.Vector256.Load(p + i + 8);
            a2 += System.Runtime.Intrinsics.Vector256.Load(p + i + 16);
            a3 += System.Runtime.Intrinsics.Vector256.Load(p + i + 24);
        }

        float sum = System.Runtime.Intrinsics.Vector256.Sum(a0 + a1 + a2 + a3);
        for (; i < count; i++)
        {
            sum += p[i];
        }

        return sum;
    }

    // Lane layout: one Vector512 (16 floats, one cache line) per non-temporal store; the elements before the first 64-byte
    // boundary and after the last whole line take ordinary stores. Without AVX-512 every store is ordinary.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Write(float* p, int count, float value)
    {
        var span = new Span<float>(p, count);
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            span.Fill(value);
            return;
        }

        int head = Math.Min(count, (int)(((64 - ((nuint)p % 64)) % 64) / sizeof(float)));
        span[..head].Fill(value);
        var v = System.Runtime.Intrinsics.Vector512.Create(value);
        int i = head;
        for (; i + 16 <= count; i += 16)
        {
            System.Runtime.Intrinsics.X86.Avx512F.StoreAlignedNonTemporal(p + i, v);
        }

        span[i..].Fill(value);
    }

    private static double RelativeError(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            num += d * d;
            den += (double)b[i] * b[i];
        }

        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }

    private static string OrtVersion()
    {
        try
        {
            return OrtEnv.Instance().GetVersionString();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or OnnxRuntimeException)
        {
            throw new NotSupportedException($"ONNX Runtime's native library could not be loaded: {e.Message}");
        }
    }

    /// <summary>
    /// A float buffer at a fixed address that both engines share: a pinned .NET array (aligned as .NET aligns arrays), or
    /// 64-byte-aligned native memory.
    /// </summary>
    private sealed unsafe class BenchBuffer : IDisposable
    {
        private readonly float[]? _array;
        private float* _native;

        private BenchBuffer(int length, bool aligned)
        {
            Length = length;
            if (aligned)
            {
                _native = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), 64);
                Pointer = _native;
            }
            else
            {
                _array = GC.AllocateArray<float>(length, pinned: true);
                Pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            }
        }

        public int Length { get; }

        public float* Pointer { get; }

        public Span<float> Span => new(Pointer, Length);

        public static BenchBuffer Allocate(int length, bool aligned) => new(length, aligned);

        public void Dispose()
        {
            if (_native is not null)
            {
                NativeMemory.AlignedFree(_native);
                _native = null;
            }
        }
    }

    /// <summary>One ONNX Runtime session with its input and output bound to our buffers, so a run measures only the Conv.</summary>
    private sealed class OrtRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly SessionOptions _options;
        private readonly RunOptions _run = new();
        private readonly OrtValue _input;
        private readonly OrtValue _output;
        private readonly string[] _inputNames = ["input"];
        private readonly string[] _outputNames = ["output"];
        private readonly OrtValue[] _inputs;
        private readonly OrtValue[] _outputs;

        public unsafe OrtRunner(byte[] model, int threads, BenchBuffer x, int[] inShape, BenchBuffer y, int[] outShape)
        {
            _options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(model, _options);
            _input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                inShape.Select(v => (long)v).ToArray(), (IntPtr)x.Pointer, (long)x.Length * sizeof(float));
            _output = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                outShape.Select(v => (long)v).ToArray(), (IntPtr)y.Pointer, (long)y.Length * sizeof(float));
            _inputs = [_input];
            _outputs = [_output];
        }

        public void Run() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

        public void Dispose()
        {
            _input.Dispose();
            _output.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
