using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Numerics;

namespace DepthwiseSharp.Streaming;

/// <summary>An immutable snapshot of a <see cref="DepthwiseStream{T}"/>: the inputs it remembers and where its stride stands.</summary>
/// <typeparam name="T">float, double, Half or BFloat16, as the stream.</typeparam>
/// <remarks>
/// <para>The history holds the last <c>H = (k - 1) * d</c> inputs of every batch row and channel, oldest first, laid out
/// <c>(N, H, C)</c> for channels_last and <c>(N, C, H)</c> for channels_first. <see cref="Phase"/> is the offset of the next
/// output's window in the buffer <c>[history, next chunk]</c>; <see cref="Filled"/> counts how many history positions hold
/// real inputs (the rest are a causal stream's left padding, or unused by a valid one).</para>
/// <para><see cref="ToBytes"/> / <see cref="FromBytes"/> give a portable little-endian form: the magic <c>DWSS</c>, a format
/// version, the element size, the integers above, then the history values.</para>
/// </remarks>
public sealed class StreamState<T>
    where T : unmanaged
{
    private const int Version = 1;
    private const int HeaderSize = 4 + (9 * 4) + (2 * 8);
    private static ReadOnlySpan<byte> Magic => "DWSS"u8;

    private readonly T[] _history;

    internal StreamState(int batchSize, int channels, int historyLength, int stride, DataFormat dataFormat, int phase, int filled,
        long inputSteps, long outputSteps, T[] history)
    {
        BatchSize = batchSize;
        Channels = channels;
        HistoryLength = historyLength;
        Stride = stride;
        DataFormat = dataFormat;
        Phase = phase;
        Filled = filled;
        InputSteps = inputSteps;
        OutputSteps = outputSteps;
        _history = history;
    }

    /// <summary>N.</summary>
    public int BatchSize { get; }

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary><c>H = (k - 1) * d</c>.</summary>
    public int HistoryLength { get; }

    /// <summary>s.</summary>
    public int Stride { get; }

    /// <summary>The layout of the history.</summary>
    public DataFormat DataFormat { get; }

    /// <summary>The offset of the next output's window in <c>[history, next chunk]</c>.</summary>
    public int Phase { get; }

    /// <summary>History positions that hold real inputs (at most <see cref="HistoryLength"/>).</summary>
    public int Filled { get; }

    /// <summary>Input steps pushed before the snapshot.</summary>
    public long InputSteps { get; }

    /// <summary>Output steps returned before the snapshot.</summary>
    public long OutputSteps { get; }

    /// <summary>The remembered inputs, <c>N * C * H</c> values (see the class remarks for the layout).</summary>
    public ReadOnlySpan<T> History => _history;

    /// <summary>Serializes the snapshot.</summary>
    /// <returns>A new byte array (little-endian, see the class remarks).</returns>
    /// <remarks><c>FromBytes(ToBytes())</c> restores an equal snapshot.</remarks>
    public byte[] ToBytes()
    {
        int code = ElementCode, size = Math.Abs(code);
        var bytes = new byte[checked(HeaderSize + (_history.Length * size))];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        int o = 4;
        foreach (int v in (ReadOnlySpan<int>)[Version, code, BatchSize, Channels, HistoryLength, Stride, (int)DataFormat, Phase, Filled])
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[o..], v);
            o += 4;
        }

        BinaryPrimitives.WriteInt64LittleEndian(span[o..], InputSteps);
        BinaryPrimitives.WriteInt64LittleEndian(span[(o + 8)..], OutputSteps);
        o += 16;
        // Each value's own bits, little-endian: the state restores exactly what the stream remembered.
        foreach (T v in _history)
        {
            T value = v;
            switch (size)
            {
                case 2:
                    BinaryPrimitives.WriteUInt16LittleEndian(span[o..], Unsafe.As<T, ushort>(ref value));
                    break;
                case 4:
                    BinaryPrimitives.WriteUInt32LittleEndian(span[o..], Unsafe.As<T, uint>(ref value));
                    break;
                default:
                    BinaryPrimitives.WriteUInt64LittleEndian(span[o..], Unsafe.As<T, ulong>(ref value));
                    break;
            }

            o += size;
        }

        return bytes;
    }

    /// <summary>Reads a snapshot written by <see cref="ToBytes"/>.</summary>
    /// <param name="bytes">The serialized snapshot.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">
    /// The bytes are not a stream state, are truncated, hold another element type than <typeparamref name="T"/>, or carry
    /// inconsistent sizes.
    /// </exception>
    /// <remarks>Every size is checked against the byte count before anything is allocated.</remarks>
    public static StreamState<T> FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize || !bytes[..4].SequenceEqual(Magic))
        {
            throw new ArgumentException("The bytes are not a DepthwiseSharp stream state (no 'DWSS' header).", nameof(bytes));
        }

        Span<int> h = stackalloc int[9];
        for (int i = 0; i < h.Length; i++)
        {
            h[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 + (i * 4))..]);
        }

        int version = h[0], code = h[1], batch = h[2], channels = h[3], history = h[4], stride = h[5], format = h[6], phase = h[7], filled = h[8];
        if (version != Version)
        {
            throw new ArgumentException($"Stream state format version {version} is not supported (this library writes {Version}).", nameof(bytes));
        }

        if (code != ElementCode)
        {
            throw new ArgumentException(
                $"The stream state holds {Describe(code)} values; StreamState<{typeof(T).Name}> needs {Describe(ElementCode)} values.", nameof(bytes));
        }

        int size = Math.Abs(code);
        if (batch <= 0 || channels <= 0 || history < 0 || stride <= 0 || format is not (0 or 1) || phase < 0 || filled < 0 || filled > history)
        {
            throw new ArgumentException(
                $"The stream state has invalid sizes: batch {batch}, channels {channels}, history {history}, stride {stride}, format {format}, phase {phase}, filled {filled}.",
                nameof(bytes));
        }

        // batch * channels * history can exceed a long: compare with what the bytes can hold before multiplying.
        long rows = (long)batch * channels;
        long available = (bytes.Length - HeaderSize) / size;
        if ((history != 0 && rows > available / history) || HeaderSize + (rows * history * size) != bytes.Length)
        {
            throw new ArgumentException(
                $"The stream state declares {batch} x {channels} x {history} values but holds {bytes.Length - HeaderSize} bytes of values "
                + $"({available} values of {size} bytes).", nameof(bytes));
        }

        long count = rows * history;
        int o = 4 + (9 * 4);
        long inputSteps = BinaryPrimitives.ReadInt64LittleEndian(bytes[o..]);
        long outputSteps = BinaryPrimitives.ReadInt64LittleEndian(bytes[(o + 8)..]);
        o += 16;
        var values = new T[count];
        for (int i = 0; i < values.Length; i++, o += size)
        {
            switch (size)
            {
                case 2:
                    ushort bits16 = BinaryPrimitives.ReadUInt16LittleEndian(bytes[o..]);
                    values[i] = Unsafe.As<ushort, T>(ref bits16);
                    break;
                case 4:
                    uint bits32 = BinaryPrimitives.ReadUInt32LittleEndian(bytes[o..]);
                    values[i] = Unsafe.As<uint, T>(ref bits32);
                    break;
                default:
                    ulong bits64 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[o..]);
                    values[i] = Unsafe.As<ulong, T>(ref bits64);
                    break;
            }
        }

        return new StreamState<T>(batch, channels, history, stride, (DataFormat)format, phase, filled, inputSteps, outputSteps, values);
    }

    /// <summary>
    /// The element code the bytes carry: the value size in bytes (float 4, double 8, Half 2), negated for bfloat16, which
    /// has Half's size but not its meaning.
    /// </summary>
    private static int ElementCode => typeof(T) == typeof(float) ? 4 : typeof(T) == typeof(double) ? 8 : typeof(T) == typeof(Half) ? 2
        : typeof(T) == typeof(BFloat16) ? -2
        : throw new NotSupportedException($"Stream states hold float, double, Half or BFloat16; received {typeof(T).Name}.");

    private static string Describe(int code) => code switch
    {
        2 => "float16",
        -2 => "bfloat16",
        4 => "float32",
        8 => "float64",
        _ => $"{code}-byte",
    };
}
