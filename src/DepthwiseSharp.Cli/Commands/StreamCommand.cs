using System.CommandLine;
using System.Diagnostics;
using System.Numerics;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Streaming;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>
/// <c>depthwise stream (--layer LAYER.json --weights KERNEL.npy [BIAS.npy] | --layer LAYER.json --weights FILE.weights.h5 |
/// --model FILE --layer NAME|INDEX) --input X.npy --chunk N --output Y.npy [--check]</c>:
/// feeds the input to a stream N steps at a time, writes the concatenated outputs and reports the throughput.
/// </summary>
internal static class StreamCommand
{
    /// <summary>The command: its options and its action.</summary>
    public static Command Create()
    {
        var layers = new CliLayers.Options();
        var input = CliOptions.Text("--input", "X.npy", "The input batch, fed in chunks along its steps.", required: true);
        var chunk = CliOptions.Int("--chunk", 1, "N", "Input steps per push.", required: true);
        var output = CliOptions.Text("--output", "Y.npy", "Where the concatenated outputs go.", required: true);
        var check = CliOptions.Flag("--check", "Also run the whole input in one call and report the largest difference.");
        var command = new Command("stream", "Feed the input in chunks of N steps through one layer (causal or valid padding).") { input, chunk, output, check };
        layers.AddTo(command);
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(chunk)!.Value, parse.GetValue(check),
            layers.Load(parse).Single("stream"), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string inputPath, string outputPath, int chunk, bool check, DepthwiseConv1D layer, TextWriter stdout)
    {
        OutputFiles.CheckWritable(outputPath, "output");

        var input = Npy.Read(inputPath);
        try
        {
            // A float16 layer streams float16 values (the input rounded to float16, as Keras casts it) and writes float16.
            return layer.ComputeDType == DType.Float16
                ? Stream(layer, input.ToHalfArray(), input.Shape, chunk, check, outputPath, stdout)
                : layer.ComputeDType == DType.BFloat16
                ? Stream(layer, input.ToDoubleArray().Select(v => (BFloat16)v).ToArray(), input.Shape, chunk, check, outputPath, stdout)
                : layer.DType == DType.Float32
                ? Stream(layer, input.ToSingleArray(), input.Shape, chunk, check, outputPath, stdout)
                : Stream(layer, input.ToDoubleArray(), input.Shape, chunk, check, outputPath, stdout);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{inputPath}: {e.Message}", e);
        }
    }

    private static int Stream<T>(DepthwiseConv1D layer, T[] x, int[] shape, int chunk, bool check, string outputPath, TextWriter stdout)
        where T : unmanaged
    {
        if (shape.Length != 3)
        {
            throw new ArgumentException($"The input must have rank 3 (batch, steps, channels) or (batch, channels, steps); received shape {Shapes.Format(shape)}.");
        }

        bool last = layer.DataFormat == DataFormat.ChannelsLast;
        int n = shape[0], c = last ? shape[2] : shape[1], length = last ? shape[1] : shape[2];
        if (n == 0)
        {
            throw new ArgumentException($"The input has batch size 0 (shape {Shapes.Format(shape)}); a stream needs at least one sequence.");
        }

        layer.CheckInput(shape);

        // The stream allocates its (k - 1) * d step history up front; from a layer file that is a number, not data, so it
        // may not exceed what the input itself holds or the limit on weights read from a config.
        long history = (long)n * c * (((long)(layer.KernelSize - 1) * layer.DilationRate) + 1);
        if (history > Math.Max(DepthwiseConv1D.MaxConfigWeightCount, (long)x.Length))
        {
            throw new ArgumentException(
                $"The stream would keep {history} values of history (kernel_size={layer.KernelSize}, dilation_rate={layer.DilationRate}, {n} x {c} channels), more than the input holds and more than {DepthwiseConv1D.MaxConfigWeightCount}.");
        }

        var stream = new DepthwiseStream<T>(layer, n);
        int co = stream.OutputChannels;
        int totalOut = stream.OutputStepsFor(length);
        var y = new T[checked(n * totalOut * co)];
        int maxSteps = Math.Min(chunk, Math.Max(length, 1));
        var inBuffer = new T[checked(n * maxSteps * c)];

        // A push of `steps` inputs completes at most (steps - 1) / s + 1 outputs, whatever the stride phase.
        var outBuffer = new T[checked(n * (((maxSteps - 1) / layer.Strides) + 1) * co)];
        // A few untimed pushes on a throwaway stream, so the reported rate is the steady state rather than JIT compilation.
        if (length > 0)
        {
            var warm = new DepthwiseStream<T>(layer, n);
            Gather(x, inBuffer, n, c, length, 0, maxSteps, last);
            for (int i = 0; i < 3; i++)
            {
                warm.Push(inBuffer.AsSpan(0, n * maxSteps * c), maxSteps, outBuffer);
            }
        }

        int pushes = 0, written = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int t0 = 0; t0 < length; t0 += chunk)
        {
            int steps = Math.Min(chunk, length - t0);
            Gather(x, inBuffer, n, c, length, t0, steps, last);
            int count = stream.Push(inBuffer.AsSpan(0, n * steps * c), steps, outBuffer);
            Scatter(outBuffer, y, n, co, totalOut, written, count, last);
            written += count;
            pushes++;
        }

        stopwatch.Stop();
        int[] outShape = last ? [n, totalOut, co] : [n, co, totalOut];
        if (typeof(T) == typeof(Half))
        {
            Npy.Write(outputPath, (Half[])(object)y, outShape);
        }
        else if (typeof(T) == typeof(BFloat16))
        {
            // NumPy has no bfloat16: the values go out exactly as float32, as depthwise run writes them.
            Npy.Write(outputPath, ((BFloat16[])(object)y).Select(v => (float)v).ToArray(), outShape);
        }
        else if (typeof(T) == typeof(float))
        {
            Npy.Write(outputPath, (float[])(object)y, outShape);
        }
        else
        {
            Npy.Write(outputPath, (double[])(object)y, outShape);
        }

        double seconds = stopwatch.Elapsed.TotalSeconds;
        string rate = seconds > 0 ? $"{length / seconds:F0} steps/s" : "too fast to time";
        stdout.WriteLine($"streamed {length} steps of {n} sequence(s) in {pushes} pushes of up to {chunk} steps through {layer.ClassName} '{layer.Name}'");
        stdout.WriteLine($"output shape {Shapes.Format(outShape)} written to {outputPath}");
        stdout.WriteLine($"time {stopwatch.Elapsed.TotalMilliseconds:F3} ms, {rate}, {(pushes == 0 ? 0 : stopwatch.Elapsed.TotalMicroseconds / pushes):F2} us per push");
        if (check)
        {
            nint[] inLengths = [n, last ? length : c, last ? c : length];
            T[] expected;
            if (typeof(T) == typeof(BFloat16))
            {
                var whole = layer.Call(System.Numerics.Tensors.Tensor.Create((BFloat16[])(object)x, inLengths));
                expected = new T[whole.FlattenedLength];
                whole.FlattenTo((BFloat16[])(object)expected);
            }
            else if (typeof(T) == typeof(Half))
            {
                var whole = layer.Call(System.Numerics.Tensors.Tensor.Create((Half[])(object)x, inLengths));
                expected = new T[whole.FlattenedLength];
                whole.FlattenTo((Half[])(object)expected);
            }
            else if (typeof(T) == typeof(float))
            {
                var whole = layer.Call(System.Numerics.Tensors.Tensor.Create((float[])(object)x, inLengths));
                expected = new T[whole.FlattenedLength];
                whole.FlattenTo((float[])(object)expected);
            }
            else
            {
                var whole = layer.Call(System.Numerics.Tensors.Tensor.Create((double[])(object)x, inLengths));
                expected = new T[whole.FlattenedLength];
                whole.FlattenTo((double[])(object)expected);
            }
            if (expected.Length != y.Length)
            {
                throw new InvalidOperationException($"The stream gave {y.Length} values; the whole-sequence call gives {expected.Length}.");
            }

            double maxDiff = 0;
            bool identical = true;
            for (int i = 0; i < y.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ToDouble(y[i]) - ToDouble(expected[i])));
                identical &= ToDouble(y[i]).Equals(ToDouble(expected[i]));
            }

            stdout.WriteLine(identical
                ? "check: identical to the whole-sequence call"
                : $"check: differs from the whole-sequence call (max abs difference {maxDiff:G6})");
        }

        return Program.Ok;
    }

    private static double ToDouble<T>(T value) => value switch
    {
        float f => f,
        double d => d,
        Half h => (double)h,
        BFloat16 b => (double)b,
        _ => throw new NotSupportedException(typeof(T).Name),
    };

    // Copies steps [t0, t0 + steps) of every sequence into a dense chunk in the layer's layout.
    private static void Gather<T>(T[] x, T[] chunk, int n, int c, int length, int t0, int steps, bool last)
    {
        if (last)
        {
            for (int b = 0; b < n; b++)
            {
                x.AsSpan(((b * length) + t0) * c, steps * c).CopyTo(chunk.AsSpan(b * steps * c));
            }
        }
        else
        {
            for (int r = 0; r < n * c; r++)
            {
                x.AsSpan((r * length) + t0, steps).CopyTo(chunk.AsSpan(r * steps));
            }
        }
    }

    // Places `count` output steps, starting at output step `t0`, into the full output.
    private static void Scatter<T>(T[] chunk, T[] y, int n, int co, int totalOut, int t0, int count, bool last)
    {
        if (count == 0)
        {
            return;
        }

        if (last)
        {
            for (int b = 0; b < n; b++)
            {
                chunk.AsSpan(b * count * co, count * co).CopyTo(y.AsSpan(((b * totalOut) + t0) * co));
            }
        }
        else
        {
            for (int r = 0; r < n * co; r++)
            {
                chunk.AsSpan(r * count, count).CopyTo(y.AsSpan((r * totalOut) + t0));
            }
        }
    }
}
