using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DepthwiseSharp.IO;

/// <summary>Reads and writes NumPy <c>.npy</c> files of float16, float32 and float64 arrays.</summary>
/// <remarks>
/// <para>
/// Format: the magic string <c>\x93NUMPY</c>, a major and minor version byte, the header length
/// (2 bytes little-endian in version 1.0, 4 bytes in versions 2.0 and 3.0), the header — a Python dict literal
/// such as <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>, latin-1 in versions 1 and 2,
/// UTF-8 in version 3 — and then the raw elements.
/// </para>
/// <para>
/// Reading accepts versions 1.0, 2.0 and 3.0; descr <c>f2</c>, <c>f4</c> and <c>f8</c> (also <c>e</c>, <c>f</c>,
/// <c>d</c>) with byte order <c>&lt;</c>, <c>&gt;</c> (byte-swapped while reading), <c>=</c>, <c>|</c> or none
/// (the last three mean the machine's order); and <c>fortran_order</c> True, whose data is transposed to
/// C (row-major) order so that <see cref="NpyArray"/> is always row-major.
/// </para>
/// <para>
/// Reading is hardened against hostile files: the header is limited to <see cref="MaxHeaderLength"/> bytes and
/// its nesting depth is bounded; the element count (the product of the shape) is computed with overflow checks;
/// and before the data array is allocated, count × item size must equal exactly the bytes that follow the
/// header. For a stream that cannot seek, data is read in chunks of at most 1 MiB, so no more than what has
/// actually arrived plus one chunk is ever allocated. Every malformed input is reported as an
/// <see cref="InvalidDataException"/> or <see cref="NotSupportedException"/> whose message names the file.
/// </para>
/// <para>
/// Writing produces what <c>numpy.save</c> produces, byte for byte: version 1.0 (2.0 only when the header
/// exceeds 65535 bytes), descr <c>&lt;f2</c>/<c>&lt;f4</c>/<c>&lt;f8</c>, <c>fortran_order</c> False, the
/// shape in Python tuple notation (<c>()</c>, <c>(5,)</c>, <c>(2, 3)</c>), and the header padded with spaces and
/// a final <c>'\n'</c> so that magic, length and header together are a multiple of 64 bytes.
/// </para>
/// </remarks>
public static class Npy
{
    /// <summary>The largest header length, in bytes, that <see cref="Read(Stream, string)"/> accepts.</summary>
    /// <remarks>Real headers of float arrays are under 1 KiB; the limit stops a hostile length field.</remarks>
    public const int MaxHeaderLength = 1 << 20;

    private const int Alignment = 64;
    private const int GrowthAxisMaxDigits = 21;
    private const int ChunkSize = 1 << 20;
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a <c>.npy</c> file.</summary>
    /// <param name="path">The file path; it is also used in error messages.</param>
    /// <returns>The array, in C order, in the type the file held.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a directory.</exception>
    /// <exception cref="FileNotFoundException">The file (or its directory) does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid <c>.npy</c> file: bad magic, truncated header, header length beyond the file,
    /// malformed header dictionary, negative dimension, element count overflowing 64 bits, or a data size other
    /// than count × item size.
    /// </exception>
    /// <exception cref="NotSupportedException">
    /// The dtype is not float16/32/64 or bfloat16 (ml_dtypes' raw 2-byte values, descr V2, read as float32), the format version is not 1, 2 or 3, or the array is too large for a .NET
    /// array.
    /// </exception>
    /// <exception cref="IOException">Reading the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened for reading.</exception>
    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckFilePath(path);
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"Could not find file '{path}'.", path, e);
        }

        using (stream)
        {
            return Read(stream, path);
        }
    }

    /// <summary>Reads a <c>.npy</c> array from a stream, starting at its current position.</summary>
    /// <param name="stream">The stream; it is read to its end and is not disposed.</param>
    /// <param name="name">The file name to use in error messages.</param>
    /// <returns>The array, in C order, in the type the file held.</returns>
    /// <remarks>
    /// For a seekable stream the data must end exactly at the end of the stream. For a stream that cannot seek,
    /// one byte beyond the declared data is requested to detect trailing bytes.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="InvalidDataException">
    /// The data is not a valid <c>.npy</c> file: bad magic, truncated header, header length beyond the stream,
    /// malformed header dictionary, negative dimension, element count overflowing 64 bits, or a data size other
    /// than count × item size.
    /// </exception>
    /// <exception cref="NotSupportedException">
    /// The dtype is not float16/32/64 or bfloat16 (ml_dtypes' raw 2-byte values, descr V2, read as float32), the format version is not 1, 2 or 3, or the array is too large for a .NET
    /// array.
    /// </exception>
    /// <exception cref="IOException">Reading the stream failed.</exception>
    public static NpyArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(stream));
        }

        var header = ReadHeader(stream, name, out NpyDType dtype, out bool swap);
        long count = ElementCount(header, dtype, name, out long byteCount);
        string declared = string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: header declares shape {Shapes.Tuple(header.Shape)} of {header.Descr} = {byteCount} bytes");

        // The data size is checked (inside ReadData) before anything else about the shape, so that a lying
        // shape is reported as such.
        switch (dtype)
        {
            case NpyDType.Float16 when IsBFloat16(header.Descr):
            {
                // ml_dtypes' bfloat16 (NumPy has no such type, so np.save writes its raw 2-byte values as 'V2'): the
                // values widen exactly to float32, which is how the array is held.
                var raw = ReadData<Half>(stream, name, header, count, byteCount, swap, declared);
                var data = new float[raw.Length];
                for (int i = 0; i < raw.Length; i++)
                {
                    data[i] = (float)BFloat16.FromBits(BitConverter.HalfToUInt16Bits(raw[i]));
                }

                return NpyArray.Own(ToIntShape(header, name), data);
            }

            case NpyDType.Float16:
            {
                var data = ReadData<Half>(stream, name, header, count, byteCount, swap, declared);
                return NpyArray.Own(ToIntShape(header, name), data);
            }

            case NpyDType.Float32:
            {
                var data = ReadData<float>(stream, name, header, count, byteCount, swap, declared);
                return NpyArray.Own(ToIntShape(header, name), data);
            }

            default:
            {
                var data = ReadData<double>(stream, name, header, count, byteCount, swap, declared);
                return NpyArray.Own(ToIntShape(header, name), data);
            }
        }
    }

    /// <summary>Writes a float32 array as a <c>.npy</c> file (descr <c>&lt;f4</c>), replacing any existing file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The product of <paramref name="shape"/> is not <c>data.Length</c>, or <paramref name="path"/> is empty or a directory.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be created.</exception>
    public static void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckShape(data.Length, shape);
        CheckFilePath(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, data, shape);
    }

    /// <summary>Writes a float64 array as a <c>.npy</c> file (descr <c>&lt;f8</c>), replacing any existing file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The product of <paramref name="shape"/> is not <c>data.Length</c>, or <paramref name="path"/> is empty or a directory.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be created.</exception>
    public static void Write(string path, ReadOnlySpan<double> data, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckShape(data.Length, shape);
        CheckFilePath(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, data, shape);
    }

    /// <summary>Writes a float16 array as a <c>.npy</c> file (descr <c>&lt;f2</c>), replacing any existing file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The product of <paramref name="shape"/> is not <c>data.Length</c>, or <paramref name="path"/> is empty or a directory.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be created.</exception>
    public static void Write(string path, ReadOnlySpan<Half> data, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckShape(data.Length, shape);
        CheckFilePath(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, data, shape);
    }

    /// <summary>Writes a float32 array in <c>.npy</c> format (descr <c>&lt;f4</c>) at the stream's position.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The product of <paramref name="shape"/> is not <c>data.Length</c>, or the stream cannot be written.
    /// </exception>
    /// <exception cref="IOException">Writing the stream failed.</exception>
    public static void Write(Stream stream, ReadOnlySpan<float> data, ReadOnlySpan<int> shape) =>
        WriteCore(stream, data, shape, NpyDType.Float32);

    /// <summary>Writes a float64 array in <c>.npy</c> format (descr <c>&lt;f8</c>) at the stream's position.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The product of <paramref name="shape"/> is not <c>data.Length</c>, or the stream cannot be written.
    /// </exception>
    /// <exception cref="IOException">Writing the stream failed.</exception>
    public static void Write(Stream stream, ReadOnlySpan<double> data, ReadOnlySpan<int> shape) =>
        WriteCore(stream, data, shape, NpyDType.Float64);

    /// <summary>Writes a float16 array in <c>.npy</c> format (descr <c>&lt;f2</c>) at the stream's position.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The product of <paramref name="shape"/> is not <c>data.Length</c>, or the stream cannot be written.
    /// </exception>
    /// <exception cref="IOException">Writing the stream failed.</exception>
    public static void Write(Stream stream, ReadOnlySpan<Half> data, ReadOnlySpan<int> shape) =>
        WriteCore(stream, data, shape, NpyDType.Float16);

    /// <summary>Writes a dense float32 tensor as a <c>.npy</c> file (descr <c>&lt;f4</c>, shape = its lengths).</summary>
    /// <param name="path">The file path.</param>
    /// <param name="tensor">The tensor; it must be dense.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The tensor is not dense, a length exceeds <see cref="int.MaxValue"/>, or <paramref name="path"/> is empty or a directory.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be created.</exception>
    public static void Write(string path, Tensor<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        int[] shape = TensorShape(tensor.Lengths, tensor.IsDense, tensor.FlattenedLength);
        Write(path, DenseSpan(tensor), shape);
    }

    /// <summary>Writes a dense float64 tensor as a <c>.npy</c> file (descr <c>&lt;f8</c>, shape = its lengths).</summary>
    /// <param name="path">The file path.</param>
    /// <param name="tensor">The tensor; it must be dense.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The tensor is not dense, a length exceeds <see cref="int.MaxValue"/>, or <paramref name="path"/> is empty or a directory.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be created.</exception>
    public static void Write(string path, Tensor<double> tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        int[] shape = TensorShape(tensor.Lengths, tensor.IsDense, tensor.FlattenedLength);
        Write(path, DenseSpan(tensor), shape);
    }

    /// <summary>Writes a dense float32 tensor in <c>.npy</c> format (descr <c>&lt;f4</c>) at the stream's position.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="tensor">The tensor; it must be dense.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The tensor is not dense, a length exceeds <see cref="int.MaxValue"/>, or the stream cannot be written.
    /// </exception>
    /// <exception cref="IOException">Writing the stream failed.</exception>
    public static void Write(Stream stream, Tensor<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int[] shape = TensorShape(tensor.Lengths, tensor.IsDense, tensor.FlattenedLength);
        Write(stream, DenseSpan(tensor), shape);
    }

    /// <summary>Writes a dense float64 tensor in <c>.npy</c> format (descr <c>&lt;f8</c>) at the stream's position.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="tensor">The tensor; it must be dense.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The tensor is not dense, a length exceeds <see cref="int.MaxValue"/>, or the stream cannot be written.
    /// </exception>
    /// <exception cref="IOException">Writing the stream failed.</exception>
    public static void Write(Stream stream, Tensor<double> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int[] shape = TensorShape(tensor.Lengths, tensor.IsDense, tensor.FlattenedLength);
        Write(stream, DenseSpan(tensor), shape);
    }

    /// <summary>Writes an <see cref="NpyArray"/> as a <c>.npy</c> file in its own element type, replacing any existing file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="array">The array.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be created.</exception>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        CheckFilePath(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, array);
    }

    /// <summary>Writes an <see cref="NpyArray"/> in <c>.npy</c> format, in its own element type, at the stream's position.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="array">The array.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException">The stream cannot be written.</exception>
    /// <exception cref="IOException">Writing the stream failed.</exception>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        switch (array.DType)
        {
            case NpyDType.Float16:
                Write(stream, array.HalfData, array.ShapeSpan);
                break;
            case NpyDType.Float32:
                Write(stream, array.SingleData, array.ShapeSpan);
                break;
            default:
                Write(stream, array.DoubleData, array.ShapeSpan);
                break;
        }
    }

    /// <summary>Refuses an empty path or a directory with a message naming it, instead of the OS's "access denied".</summary>
    /// <param name="path">The path given.</param>
    /// <exception cref="ArgumentException">The path is empty or names a directory.</exception>
    internal static void CheckFilePath(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("The .npy path is empty.", nameof(path));
        }

        if (Directory.Exists(path))
        {
            throw new ArgumentException($"'{path}' is a directory, not a .npy file.", nameof(path));
        }
    }

    /// <summary>Checks that a shape is non-negative and that its product is <paramref name="length"/>.</summary>
    /// <param name="length">The number of elements supplied.</param>
    /// <param name="shape">The dimensions.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">The product of <paramref name="shape"/> is not <paramref name="length"/>.</exception>
    internal static void CheckShape(int length, ReadOnlySpan<int> shape)
    {
        // Dimensions are below 2^31 and the running product stays at most 2^31 * 2^31 before it is compared,
        // so this cannot overflow long; once above int.MaxValue it can never equal a span length.
        long product = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(shape),
                    string.Create(CultureInfo.InvariantCulture, $"Dimension {i} of shape {Shapes.Tuple(shape)} is negative."));
            }

            product = Math.Min(product * shape[i], (long)int.MaxValue + 1);
        }

        if (product != length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Shape {Shapes.Tuple(shape)} needs {product} elements but {length} were given."),
                nameof(shape));
        }
    }

    private static void WriteCore<T>(Stream stream, ReadOnlySpan<T> data, ReadOnlySpan<int> shape, NpyDType dtype)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream cannot be written.", nameof(stream));
        }

        CheckShape(data.Length, shape);
        stream.Write(BuildHeader(dtype.LittleEndianDescr(), shape));

        // A chunk at a time: a byte span over more than 2 GiB of elements cannot be formed, and a big-endian
        // machine swaps each chunk in a bounded buffer.
        int perChunk = ChunkSize / Unsafe.SizeOf<T>();
        T[]? buffer = BitConverter.IsLittleEndian ? null : new T[Math.Min(data.Length, perChunk)];
        for (int offset = 0; offset < data.Length; offset += perChunk)
        {
            ReadOnlySpan<T> slice = data.Slice(offset, Math.Min(perChunk, data.Length - offset));
            if (buffer is null)
            {
                stream.Write(MemoryMarshal.AsBytes(slice));
            }
            else
            {
                slice.CopyTo(buffer);
                SwapBytes(buffer.AsSpan(0, slice.Length));
                stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, slice.Length)));
            }
        }
    }

    /// <summary>Builds magic, version, length and padded header exactly as <c>numpy.lib.format</c> does.</summary>
    private static byte[] BuildHeader(string descr, ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder();
        sb.Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': ")
            .Append(Shapes.Tuple(shape)).Append(", }");

        // numpy leaves room to grow the first axis in place: 21 minus the digits of shape[0].
        if (shape.Length > 0)
        {
            sb.Append(' ', Math.Max(0, GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        }

        string dict = sb.ToString();
        int hlen = dict.Length + 1; // + '\n'
        int major = 1;
        int prefix = Magic.Length + 2 + 2;
        int pad = Alignment - ((prefix + hlen) % Alignment);
        if (hlen + pad > ushort.MaxValue)
        {
            major = 2;
            prefix = Magic.Length + 2 + 4;
            pad = Alignment - ((prefix + hlen) % Alignment);
        }

        var bytes = new byte[prefix + hlen + pad];
        Magic.CopyTo(bytes, 0);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)(hlen + pad));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)(hlen + pad));
        }

        int written = Encoding.ASCII.GetBytes(dict, bytes.AsSpan(prefix));
        bytes.AsSpan(prefix + written, pad).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    private static int[] TensorShape(ReadOnlySpan<nint> lengths, bool isDense, nint flattenedLength)
    {
        if (!isDense)
        {
            throw new ArgumentException("The tensor is not dense; make a dense copy first (for example with ToDenseTensor()).", "tensor");
        }

        var shape = new int[lengths.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (lengths[i] > int.MaxValue)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Tensor length {lengths[i]} in dimension {i} exceeds Int32.MaxValue."), "tensor");
            }

            shape[i] = (int)lengths[i];
        }

        if (flattenedLength > int.MaxValue)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The tensor has {flattenedLength} elements; at most Int32.MaxValue can be written."), "tensor");
        }

        return shape;
    }

    private static ReadOnlySpan<T> DenseSpan<T>(Tensor<T> tensor)
    {
        if (tensor.FlattenedLength == 0)
        {
            return [];
        }

        return MemoryMarshal.CreateReadOnlySpan(ref tensor.GetPinnableReference(), checked((int)tensor.FlattenedLength));
    }

    private static NpyHeader ReadHeader(Stream stream, string name, out NpyDType dtype, out bool swap)
    {
        Span<byte> preamble = stackalloc byte[12];
        int got = stream.ReadAtLeast(preamble[..10], 10, throwOnEndOfStream: false);
        if (got < Magic.Length || !preamble[..Magic.Length].SequenceEqual(Magic))
        {
            string found = Convert.ToHexString(preamble[..Math.Min(got, Magic.Length)]);
            throw new InvalidDataException(got < Magic.Length && preamble[..got].SequenceEqual(Magic.AsSpan(0, got))
                ? string.Create(CultureInfo.InvariantCulture, $"{name}: not a NumPy .npy file: it holds only {got} bytes, fewer than the 6-byte magic string")
                : string.Create(CultureInfo.InvariantCulture, $"{name}: not a NumPy .npy file: the first bytes are {(found.Length == 0 ? "(none)" : found)}, not the magic string 934E554D5059 (\\x93NUMPY)"));
        }

        if (got < 8)
        {
            throw new InvalidDataException($"{name}: truncated .npy file: it ends inside the format version");
        }

        int major = preamble[6], minor = preamble[7];
        if (major is not (1 or 2 or 3) || minor != 0)
        {
            throw new NotSupportedException(string.Create(
                CultureInfo.InvariantCulture, $"{name}: .npy format version {major}.{minor} is not supported (only 1.0, 2.0 and 3.0)"));
        }

        int lengthSize = major == 1 ? 2 : 4;
        if (got < 10 || (lengthSize == 4 && stream.ReadAtLeast(preamble[10..12], 2, throwOnEndOfStream: false) < 2))
        {
            throw new InvalidDataException($"{name}: truncated .npy file: it ends inside the header length field");
        }

        long headerLength = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);

        if (stream.CanSeek)
        {
            long remaining = Math.Max(0, stream.Length - stream.Position);
            if (headerLength > remaining)
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}: truncated .npy header: the header length field says {headerLength} bytes but only {remaining} bytes follow it"));
            }
        }

        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: .npy header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes"));
        }

        var headerBytes = new byte[(int)headerLength];
        int headerGot = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (headerGot < headerBytes.Length)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: truncated .npy header: the header length field says {headerLength} bytes but only {headerGot} bytes follow it"));
        }

        string text;
        if (major == 3)
        {
            try
            {
                text = StrictUtf8.GetString(headerBytes);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{name}: the version 3.0 .npy header is not valid UTF-8", e);
            }
        }
        else
        {
            text = Encoding.Latin1.GetString(headerBytes);
        }

        var header = NpyHeaderParser.Parse(text, name);
        if (!TryParseDescr(header.Descr, out dtype, out bool littleEndian))
        {
            throw new NotSupportedException(
                $"{name}: dtype {header.DescrSource} is not supported; only float16 ('<f2'), float32 ('<f4'), float64 ('<f8'), in either byte order, and ml_dtypes' bfloat16 ('|V2') can be read");
        }

        swap = littleEndian != BitConverter.IsLittleEndian;
        return header;
    }

    /// <summary>Whether the descr is 2-byte raw values (<c>V2</c>), which DepthwiseSharp reads as bfloat16.</summary>
    private static bool IsBFloat16(string? descr) => descr is not null && descr.TrimStart('<', '>', '=', '|') == "V2";

    private static bool TryParseDescr(string? descr, out NpyDType dtype, out bool littleEndian)
    {
        dtype = default;
        littleEndian = BitConverter.IsLittleEndian;
        if (string.IsNullOrEmpty(descr))
        {
            return false;
        }

        ReadOnlySpan<char> type = descr;
        switch (type[0])
        {
            case '<':
                littleEndian = true;
                type = type[1..];
                break;
            case '>':
                littleEndian = false;
                type = type[1..];
                break;
            case '=':
            case '|':
                type = type[1..];
                break;
        }

        switch (type)
        {
            case "f2" or "e" or "V2":
                // V2: 2-byte raw values, as np.save writes ml_dtypes' bfloat16 (see IsBFloat16).
                dtype = NpyDType.Float16;
                return true;
            case "f4" or "f":
                dtype = NpyDType.Float32;
                return true;
            case "f8" or "d":
                dtype = NpyDType.Float64;
                return true;
            default:
                return false;
        }
    }

    private static long ElementCount(NpyHeader header, NpyDType dtype, string name, out long byteCount)
    {
        long count = 1;
        foreach (long dim in header.Shape)
        {
            if (dim != 0 && count > long.MaxValue / dim)
            {
                // A zero anywhere makes the product 0, however large the other dimensions.
                if (Array.IndexOf(header.Shape, 0L) >= 0)
                {
                    count = 0;
                    break;
                }

                throw new InvalidDataException(
                    $"{name}: header declares shape {Shapes.Tuple(header.Shape)} whose element count overflows a 64-bit integer");
            }

            count *= dim;
        }

        int itemSize = dtype.ItemSize();
        if (count > long.MaxValue / itemSize)
        {
            throw new InvalidDataException(
                $"{name}: header declares shape {Shapes.Tuple(header.Shape)} of {header.Descr} whose byte size overflows a 64-bit integer");
        }

        byteCount = count * itemSize;
        return count;
    }

    private static int[] ToIntShape(NpyHeader header, string name)
    {
        var shape = new int[header.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (header.Shape[i] > int.MaxValue)
            {
                throw new NotSupportedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}: dimension {i} of shape {Shapes.Tuple(header.Shape)} exceeds Int32.MaxValue"));
            }

            shape[i] = (int)header.Shape[i];
        }

        return shape;
    }

    private static T[] ReadData<T>(Stream stream, string name, NpyHeader header, long count, long byteCount, bool swap, string declared)
        where T : unmanaged
    {
        bool representable = count <= Array.MaxLength;
        T[] data;
        if (stream.CanSeek)
        {
            long present = stream.Length - stream.Position;
            if (present != byteCount)
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture, $"{declared} but the file holds {Math.Max(0, present)} bytes of data"));
            }

            CheckRepresentable(representable, header, count, name);
            data = new T[count];
            long got = ReadInto(stream, data.AsSpan());
            if (got < byteCount)
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture, $"{declared} but only {got} bytes of data could be read"));
            }
        }
        else
        {
            data = ReadUnseekable<T>(stream, count, byteCount, representable, declared);
            CheckRepresentable(representable, header, count, name);
        }

        if (swap)
        {
            SwapBytes(data.AsSpan());
        }

        return header.FortranOrder ? FortranToC(data, header.Shape) : data;
    }

    private static void CheckRepresentable(bool representable, NpyHeader header, long count, string name)
    {
        if (!representable)
        {
            throw new NotSupportedException(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: shape {Shapes.Tuple(header.Shape)} has {count} elements; a .NET array holds at most {Array.MaxLength}"));
        }
    }

    /// <summary>
    /// Reads exactly <paramref name="byteCount"/> bytes in chunks of at most <see cref="ChunkSize"/>, allocating
    /// a chunk only once the previous one has been filled, then checks that the stream ends there.
    /// </summary>
    private static T[] ReadUnseekable<T>(Stream stream, long count, long byteCount, bool representable, string declared)
        where T : unmanaged
    {
        var chunks = new List<(byte[] Buffer, int Length)>();
        byte[]? scratch = null;
        long received = 0;
        while (received < byteCount)
        {
            int want = (int)Math.Min(ChunkSize, byteCount - received);
            byte[] buffer = representable ? new byte[want] : (scratch ??= new byte[ChunkSize]);
            int got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            received += got;
            if (representable && got > 0)
            {
                chunks.Add((buffer, got));
            }

            if (got < want)
            {
                break;
            }
        }

        if (received < byteCount)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture, $"{declared} but the file holds {received} bytes of data"));
        }

        if (stream.ReadByte() >= 0)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture, $"{declared} but the file holds more than {byteCount} bytes of data"));
        }

        if (!representable)
        {
            return [];
        }

        // Every chunk but the last holds exactly ChunkSize bytes, a whole number of elements.
        var data = new T[count];
        int size = Unsafe.SizeOf<T>();
        int offset = 0;
        foreach (var (buffer, length) in chunks)
        {
            int n = length / size;
            buffer.AsSpan(0, length).CopyTo(MemoryMarshal.AsBytes(data.AsSpan(offset, n)));
            offset += n;
        }

        return data;
    }

    /// <summary>Fills <paramref name="data"/> from the stream a chunk at a time (no span exceeds 2 GiB).</summary>
    /// <returns>The number of bytes read; less than the size of <paramref name="data"/> only at end of stream.</returns>
    private static long ReadInto<T>(Stream stream, Span<T> data)
        where T : unmanaged
    {
        int perChunk = ChunkSize / Unsafe.SizeOf<T>();
        long total = 0;
        for (int offset = 0; offset < data.Length; offset += perChunk)
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(data.Slice(offset, Math.Min(perChunk, data.Length - offset)));
            int got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            total += got;
            if (got < bytes.Length)
            {
                break;
            }
        }

        return total;
    }

    private static void SwapBytes<T>(Span<T> data)
        where T : unmanaged
    {
        switch (Unsafe.SizeOf<T>())
        {
            case 2:
                var u16 = MemoryMarshal.Cast<T, ushort>(data);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<T, uint>(data);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<T, ulong>(data);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
            default:
                throw new InvalidOperationException("Unexpected element size.");
        }
    }

    /// <summary>Reorders column-major (Fortran) data into row-major (C) order.</summary>
    private static T[] FortranToC<T>(T[] source, long[] shape)
    {
        int rank = shape.Length;
        if (rank < 2 || source.Length == 0)
        {
            return source;
        }

        // Fortran strides: the first axis varies fastest.
        var strides = new long[rank];
        strides[0] = 1;
        for (int k = 1; k < rank; k++)
        {
            strides[k] = strides[k - 1] * shape[k - 1];
        }

        var result = new T[source.Length];
        var index = new long[rank];
        long offset = 0;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = source[offset];

            // Advance the C-order index: the last axis varies fastest.
            for (int k = rank - 1; k >= 0; k--)
            {
                index[k]++;
                offset += strides[k];
                if (index[k] < shape[k])
                {
                    break;
                }

                offset -= strides[k] * shape[k];
                index[k] = 0;
            }
        }

        return result;
    }
}
