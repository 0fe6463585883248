using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Streaming;

/// <summary>
/// Runs a causal or valid depthwise convolution layer over a sequence that arrives in chunks: each <see cref="Push(ReadOnlySpan{T}, int, Span{T})"/>
/// returns exactly the outputs the whole sequence would give for the positions the chunk completes.
/// </summary>
/// <typeparam name="T">float for a float32 layer, double for a float64 layer.</typeparam>
/// <remarks>
/// <para>With <c>H = (k - 1) * d</c>, output step <c>t</c> is <c>act(b + sum_{j&lt;k} xpad[t*s + j*d] * K[j])</c> and needs padded
/// inputs <c>t*s .. t*s + H</c>, so it is emitted as soon as they have all arrived. The stream keeps the last <c>H</c> inputs of
/// every (batch row, channel) and the phase of the stride (where the next output's window starts), nothing else.
/// A causal layer (<see cref="CausalDepthwiseConv1D"/>) starts with <c>H</c> zeros of padding and emits one output every
/// <c>s</c> inputs from the first one; a valid layer emits its first output once <c>H + 1</c> inputs have arrived.
/// <c>same</c> padding needs inputs from the future and is refused.</para>
/// <para>The result of any chunking is the layer's <see cref="DepthwiseConv1D.Call(Tensor{float})"/> on the whole sequence, bit
/// for bit, for every activation: each push runs the layer's one forward composition over a window of the sequence, the same
/// kernel over the same taps in the same order (padding taps are skipped, not multiplied by zero), and an activation
/// computes an element the same way wherever it sits in a row. Chunks of 0 steps are allowed and return nothing.</para>
/// <para>Bias and activation are applied. channels_last: any activation (softmax-like ones and glu act on the channel axis of
/// each step, as in the layer). channels_first: the layer's activation runs over the last axis, which is time, so only
/// elementwise activations can be streamed. The activity regularizer is not computed.</para>
/// <para>The stream reads the layer's weights when it computes, so weight updates take effect on the next push. Its buffers are
/// sized for one step at creation and grow to the largest chunk pushed, so the one-step path, and any push no longer than
/// an earlier one, allocates nothing once the convolution kernel is warm. A stream is not thread-safe; use one per
/// sequence or decoder.</para>
/// </remarks>
public sealed class DepthwiseStream<T>
    where T : unmanaged
{
    private readonly int _batch;
    private readonly int _channels;
    private readonly int _multiplier;
    private readonly int _kernelSize;
    private readonly int _stride;
    private readonly int _dilation;
    private readonly int _history;
    private readonly int _outChannels;
    private readonly bool _channelsLast;
    private readonly bool _activationResizes;
    private readonly int _initialPhase;

    // (N, H, C) for channels_last, (N, C, H) for channels_first: the last H inputs of each row, oldest first.
    private readonly T[] _state;
    private int _phase;
    private int _filled;
    private long _inputSteps;
    private long _outputSteps;
    private T[] _window;
    private T[] _preActivation;

    /// <summary>Creates a stream for a built layer.</summary>
    /// <param name="layer">A built layer with causal or valid padding, of dtype float32 (for float) or float64 (for double).</param>
    /// <param name="batchSize">N, the number of sequences streamed side by side (&gt; 0).</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">
    /// The layer has <c>same</c> padding (it needs future inputs), or is channels_first with a non-elementwise activation, or
    /// the history <c>N * ((k - 1) * d + 1) * C</c> would not fit in an array.
    /// </exception>
    /// <exception cref="InvalidOperationException">The layer is not built, or its dtype does not match <typeparamref name="T"/>.</exception>
    /// <exception cref="NotSupportedException">The layer overrides <see cref="DepthwiseConv1D.ConvolutionOp{T}"/>.</exception>
    /// <remarks>
    /// The state starts empty: as <see cref="Reset"/> leaves it (history <c>H = (k - 1) * d</c> per row and channel). It is
    /// allocated up front, so its size comes from the layer's kernel size and dilation, not from the data streamed.
    /// </remarks>
    public DepthwiseStream(DepthwiseConv1D layer, int batchSize = 1)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (layer.Padding == Padding.Same)
        {
            throw new ArgumentException(
                $"Layer '{layer.Name}' has padding='same', which cannot be streamed: each output step needs inputs from the future "
                + "(the right half of the padding). Stream a CausalDepthwiseConv1D, or a layer with padding='valid'.", nameof(layer));
        }

        if (!layer.Built)
        {
            throw new InvalidOperationException(
                $"Layer '{layer.Name}' is not built, so it has no weights to stream with. Call it once, or call Build(inputShape) or SetWeights(...) first.");
        }

        // A stream carries the layer's compute dtype: float, double, Half (float16 policies) or BFloat16 (bfloat16 policies).
        var wanted = typeof(T) == typeof(float) ? DType.Float32 : typeof(T) == typeof(double) ? DType.Float64
            : typeof(T) == typeof(Half) ? DType.Float16 : typeof(T) == typeof(BFloat16) ? DType.BFloat16 : (DType)(-1);
        if (layer.ComputeDType != wanted)
        {
            string type = layer.ComputeDType switch
            {
                DType.Float32 => "float",
                DType.Float64 => "double",
                DType.Float16 => "Half",
                _ => "BFloat16",
            };
            throw new InvalidOperationException(
                $"Layer '{layer.Name}' computes in {layer.ComputeDType.ToKeras()} (policy {layer.DTypePolicy.Name}); stream it as DepthwiseStream<{type}> (received {typeof(T).Name}).");
        }

        if (layer.GetType().GetMethod(nameof(DepthwiseConv1D.ConvolutionOp))!.DeclaringType != typeof(DepthwiseConv1D))
        {
            throw new NotSupportedException(
                $"{layer.GetType().Name} overrides ConvolutionOp; a stream runs the plain depthwise convolution and would not match its Call.");
        }

        _channelsLast = layer.DataFormat == DataFormat.ChannelsLast;
        var activation = layer.Activation;
        if (!_channelsLast && !activation.IsElementwise)
        {
            throw new ArgumentException(
                $"Layer '{layer.Name}' is channels_first with activation '{activation.Name}', which acts along the last axis (time): "
                + "each output would depend on the whole sequence. Only elementwise activations can be streamed in channels_first; "
                + "use channels_last (where the last axis is the channels) or an elementwise activation.", nameof(layer));
        }

        Layer = layer;
        _batch = batchSize;
        _channels = layer.InputChannels;
        _multiplier = layer.DepthMultiplier;
        _kernelSize = layer.KernelSize;
        _stride = layer.Strides;
        _dilation = layer.DilationRate;
        // The stream keeps (k - 1) * d past steps of every sequence and channel; a size beyond an array is refused with
        // its reason (these products threw OverflowException from `checked`).
        long history = (long)(_kernelSize - 1) * _dilation;
        long window = (long)batchSize * (history + 1) * _channels;
        if (window > Array.MaxLength)
        {
            throw new ArgumentException(
                $"A stream of layer '{layer.Name}' would keep {history} past steps (kernel_size={_kernelSize}, dilation_rate={_dilation}) of {batchSize} x {_channels} channels: {window} values, more than an array holds.",
                nameof(batchSize));
        }

        _history = (int)history;
        int cm = _channels * _multiplier;
        _outChannels = _channelsLast ? activation.OutputLastAxisLength(cm) : cm;
        _activationResizes = _outChannels != cm;
        _initialPhase = layer.Padding == Padding.Causal ? 0 : _history;
        _state = new T[_batch * _channels * _history];

        // Sized for one step, so the one-step path allocates nothing even on its first push.
        _window = new T[(int)window];
        _preActivation = _activationResizes ? new T[_batch * cm] : [];
        Reset();
    }

    /// <summary>The layer whose weights, activation and geometry the stream uses.</summary>
    public DepthwiseConv1D Layer { get; }

    /// <summary>N, the number of sequences streamed side by side.</summary>
    public int BatchSize => _batch;

    /// <summary>C, the input channels of each step.</summary>
    public int Channels => _channels;

    /// <summary>The output channels of each step: <c>C * M</c>, or half of it for glu.</summary>
    public int OutputChannels => _outChannels;

    /// <summary>The layout of chunks and outputs: the layer's data format.</summary>
    public DataFormat DataFormat => _channelsLast ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;

    /// <summary><c>H = (k - 1) * d</c>: the inputs kept per batch row and channel.</summary>
    public int HistoryLength => _history;

    /// <summary>Input steps pushed since creation or the last <see cref="Reset"/>.</summary>
    public long InputSteps => _inputSteps;

    /// <summary>Output steps returned since creation or the last <see cref="Reset"/>.</summary>
    public long OutputSteps => _outputSteps;

    /// <summary>The number of output steps the next push of <paramref name="steps"/> input steps returns.</summary>
    /// <param name="steps">The chunk length (&gt;= 0).</param>
    /// <returns>
    /// <c>floor((steps - 1 - phase) / s) + 1</c> when <c>steps &gt; phase</c>, else 0, where phase is the offset of the next output's
    /// window in the buffer <c>[last H inputs, chunk]</c>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative.</exception>
    /// <remarks>Use it to size the output span of <see cref="Push(ReadOnlySpan{T}, int, Span{T})"/>: <c>N * count * OutputChannels</c> elements.</remarks>
    public int OutputStepsFor(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        return steps > _phase ? (steps - 1 - _phase) / _stride + 1 : 0;
    }

    /// <summary>Feeds <paramref name="steps"/> input steps and writes the outputs they complete.</summary>
    /// <param name="chunk">
    /// <c>N * steps * C</c> values: shape <c>(N, steps, C)</c> for channels_last, <c>(N, C, steps)</c> for channels_first.
    /// </param>
    /// <param name="steps">The chunk length (&gt;= 0; 0 returns 0 and changes nothing).</param>
    /// <param name="output">
    /// Receives <c>N * count * OutputChannels</c> values, shape <c>(N, count, OutputChannels)</c> or <c>(N, OutputChannels, count)</c>;
    /// it may be longer (the rest is left alone). See <see cref="OutputStepsFor"/>.
    /// </param>
    /// <returns>count, the number of output steps written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="chunk"/> has the wrong length, or <paramref name="output"/> is too short.</exception>
    /// <remarks>
    /// Output <c>t</c> (counting from the stream's start) is <c>act(b + sum_j xpad[t*s + j*d] * K[j])</c>, identical to the whole-sequence call.
    /// Allocates nothing once a push of at least this size has been made (one-step buffers exist from the start).
    /// </remarks>
    public int Push(ReadOnlySpan<T> chunk, int steps, Span<T> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        long expected = (long)_batch * steps * _channels;
        if (chunk.Length != expected)
        {
            throw new ArgumentException(
                $"The chunk holds {chunk.Length} values; {steps} steps of batch {_batch} with {_channels} channels are {expected}.", nameof(chunk));
        }

        int count = OutputStepsFor(steps);
        long needed = (long)_batch * count * _outChannels;
        if (output.Length < needed)
        {
            throw new ArgumentException(
                $"The output holds {output.Length} values; {count} output steps of batch {_batch} with {_outChannels} channels need {needed}.", nameof(output));
        }

        if (steps == 0)
        {
            return 0;
        }

        if (count > 0)
        {
            Compute(chunk, steps, count, output[..(int)needed]);
        }

        Remember(chunk, steps);

        // The next window starts count strides after this one; relative to the new buffer [last H inputs, next chunk] that is
        // `steps` positions earlier. It never goes below 0: every window that fitted has been emitted.
        _phase = checked((int)(_phase + (long)count * _stride - steps));
        _filled = (int)Math.Min(_history, (long)_filled + steps);
        _inputSteps += steps;
        _outputSteps += count;
        return count;
    }

    /// <summary>Feeds a chunk given as a tensor and returns the outputs it completes as a new tensor.</summary>
    /// <param name="chunk">Rank 3: <c>(N, steps, C)</c> for channels_last, <c>(N, C, steps)</c> for channels_first.</param>
    /// <returns><c>(N, count, OutputChannels)</c> or <c>(N, OutputChannels, count)</c>; count may be 0.</returns>
    /// <exception cref="ArgumentException">The chunk's rank, batch or channel count differs from the stream's.</exception>
    /// <remarks>Same values as <see cref="Push(ReadOnlySpan{T}, int, Span{T})"/>; this overload allocates its result.</remarks>
    public Tensor<T> Push(Tensor<T> chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var lengths = chunk.Lengths;
        int channelAxis = _channelsLast ? 2 : 1;
        if (lengths.Length != 3 || lengths[0] != _batch || lengths[channelAxis] != _channels)
        {
            string expected = _channelsLast ? $"({_batch}, steps, {_channels})" : $"({_batch}, {_channels}, steps)";
            throw new ArgumentException(
                $"The chunk has shape {Shapes.Format(Shapes.FromLengths(lengths))}; this stream takes {expected}.", nameof(chunk));
        }

        int steps = checked((int)lengths[_channelsLast ? 1 : 2]);
        ReadOnlySpan<T> data;
        if (chunk.IsDense)
        {
            data = MemoryMarshal.CreateReadOnlySpan(ref chunk.GetPinnableReference(), checked((int)chunk.FlattenedLength));
        }
        else
        {
            var copy = new T[checked((int)chunk.FlattenedLength)];
            chunk.FlattenTo(copy);
            data = copy;
        }

        int count = OutputStepsFor(steps);
        var output = new T[checked(_batch * count * _outChannels)];
        Push(data, steps, output);
        nint[] shape = _channelsLast ? [_batch, count, _outChannels] : [_batch, _outChannels, count];
        return Tensor.Create(output, shape);
    }

    /// <summary>Forgets everything pushed: the next push starts a new sequence.</summary>
    /// <remarks>Causal layers start again from <c>H</c> zeros of padding; valid layers wait again for <c>H + 1</c> inputs.</remarks>
    public void Reset()
    {
        Array.Clear(_state);
        _phase = _initialPhase;
        _filled = 0;
        _inputSteps = 0;
        _outputSteps = 0;
    }

    /// <summary>A snapshot of the stream's state, to restore later with <see cref="SetState"/> (also on another stream of the same layer).</summary>
    /// <returns>A new, immutable snapshot; <see cref="StreamState{T}.ToBytes"/> serializes it.</returns>
    /// <remarks>The snapshot holds the last <c>H</c> inputs per row and channel, the stride phase and the step counters.</remarks>
    public StreamState<T> GetState() =>
        new(_batch, _channels, _history, _stride, DataFormat, _phase, _filled, _inputSteps, _outputSteps, (T[])_state.Clone());

    /// <summary>Restores a snapshot taken by <see cref="GetState"/>.</summary>
    /// <param name="state">A snapshot from a stream with the same batch size, channels, history length, stride and data format.</param>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is null.</exception>
    /// <exception cref="ArgumentException">The snapshot was taken from an incompatible stream, naming what differs.</exception>
    /// <remarks>After the call, pushes continue exactly as they would have after the snapshot was taken.</remarks>
    public void SetState(StreamState<T> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.BatchSize != _batch || state.Channels != _channels || state.HistoryLength != _history || state.Stride != _stride
            || state.DataFormat != DataFormat)
        {
            throw new ArgumentException(
                $"The state is for batch {state.BatchSize}, {state.Channels} channels, history {state.HistoryLength}, stride {state.Stride}, "
                + $"{state.DataFormat.ToKeras()}; this stream has batch {_batch}, {_channels} channels, history {_history}, stride {_stride}, "
                + $"{DataFormat.ToKeras()}.", nameof(state));
        }

        state.History.CopyTo(_state);
        _phase = state.Phase;
        _filled = state.Filled;
        _inputSteps = state.InputSteps;
        _outputSteps = state.OutputSteps;
    }

    private void Compute(ReadOnlySpan<T> chunk, int steps, int count, Span<T> output)
    {
        // The buffer is [last H inputs, chunk]; the next window starts at _phase. The first H - _filled positions of a causal
        // stream are its left padding: they are handed to the kernel as padding, so it skips their taps as the layer does.
        int realStart = _history - _filled;
        int start = Math.Max(_phase, realStart);
        int padLeft = start - _phase;
        int length = _history + steps - start;
        int size = checked(_batch * length * _channels);
        if (_window.Length < size)
        {
            _window = new T[size];
        }

        Span<T> window = _window.AsSpan(0, size);
        int fromState = Math.Max(0, _history - start);
        int fromChunk = Math.Max(0, start - _history);
        int c = _channels;
        if (_channelsLast)
        {
            for (int b = 0; b < _batch; b++)
            {
                Span<T> dst = window.Slice(b * length * c, length * c);
                _state.AsSpan((b * _history + Math.Min(start, _history)) * c, fromState * c).CopyTo(dst);
                chunk.Slice((b * steps + fromChunk) * c, (steps - fromChunk) * c).CopyTo(dst[(fromState * c)..]);
            }
        }
        else
        {
            for (int row = 0; row < _batch * c; row++)
            {
                Span<T> dst = window.Slice(row * length, length);
                _state.AsSpan(row * _history + Math.Min(start, _history), fromState).CopyTo(dst);
                chunk.Slice(row * steps + fromChunk, steps - fromChunk).CopyTo(dst[fromState..]);
            }
        }

        var g = new Conv1DGeometry(_batch, length, _channels, _multiplier, _kernelSize, _stride, _dilation, padLeft, 0, DataFormat);
        int cm = _channels * _multiplier;
        Span<T> z = output;
        if (_activationResizes)
        {
            int zsize = checked(_batch * count * cm);
            if (_preActivation.Length < zsize)
            {
                _preActivation = new T[zsize];
            }

            z = _preActivation.AsSpan(0, zsize);
        }

        // The layer's own forward composition on the window, so a stream gives the whole-sequence call's bits. channels_first
        // streams only take elementwise activations, for which the row length (count, not the sequence's) does not matter.
        Layer.ComposeAny<T>(g, window, z, output);
    }

    private void Remember(ReadOnlySpan<T> chunk, int steps)
    {
        int h = _history;
        if (h == 0)
        {
            return;
        }

        int keep = Math.Max(0, h - steps);
        int fresh = h - keep;
        int c = _channels;
        if (_channelsLast)
        {
            for (int b = 0; b < _batch; b++)
            {
                Span<T> row = _state.AsSpan(b * h * c, h * c);
                row.Slice((h - keep) * c, keep * c).CopyTo(row);
                chunk.Slice((b * steps + steps - fresh) * c, fresh * c).CopyTo(row[(keep * c)..]);
            }
        }
        else
        {
            for (int r = 0; r < _batch * c; r++)
            {
                Span<T> row = _state.AsSpan(r * h, h);
                row.Slice(h - keep, keep).CopyTo(row);
                chunk.Slice(r * steps + steps - fresh, fresh).CopyTo(row[keep..]);
            }
        }
    }
}
