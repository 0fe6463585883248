using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DepthwiseSharp.Serialization;

/// <summary>
/// Checks on the raw bytes of an HDF5 file, done before PureHDF parses it: PureHDF trusts sizes and links that a damaged or
/// hostile file can make endless (a global-heap object size that sends its decoder reading gigabytes, a soft link that names
/// itself and recurses until the stack overflows, which no catch can stop). Each check rejects such a file with a clear
/// exception instead.
/// </summary>
internal static class Hdf5Guard
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    /// <summary>Where the superblock starts: 0, or 512, 1024, ... after a user block; -1 when the bytes are not HDF5.</summary>
    public static long FindSuperblock(ReadOnlySpan<byte> bytes)
    {
        for (long at = 0; at + 8 <= bytes.Length; at = at == 0 ? 512 : at * 2)
        {
            if (bytes.Slice((int)at, 8).SequenceEqual(Signature))
            {
                return at;
            }
        }

        return -1;
    }

    /// <summary>True when the first bytes are the HDF5 signature (the superblock at offset 0, as Keras and h5py write it).</summary>
    public static bool StartsWithSignature(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..8].SequenceEqual(Signature);

    /// <summary>Validates the superblock sizes, every global heap collection and every version-2 object header.</summary>
    /// <exception cref="InvalidDataException">A structure is inconsistent or fails its checksum.</exception>
    /// <exception cref="NotSupportedException">The file holds soft or external links (Keras never writes them).</exception>
    public static void Check(byte[] bytes, string file)
    {
        long superblock = FindSuperblock(bytes);
        if (superblock < 0)
        {
            throw new InvalidDataException($"{file}: not an HDF5 file (no HDF5 signature).");
        }

        var layout = ReadSuperblock(bytes, (int)superblock, file);
        CheckGlobalHeaps(bytes, layout, file);
        CheckObjectHeaders(bytes, layout, file);
    }

    private readonly record struct Layout(int OffsetSize, int LengthSize, long BaseAddress);

    private static Layout ReadSuperblock(byte[] b, int at, string file)
    {
        if (at + 16 > b.Length)
        {
            throw new InvalidDataException($"{file}: the HDF5 superblock is truncated.");
        }

        int version = b[at + 8];
        int offsetSize, lengthSize;
        long baseAddress;
        if (version is 0 or 1)
        {
            offsetSize = b[at + 13];
            lengthSize = b[at + 14];
            int baseAt = at + 24 + (version == 1 ? 4 : 0);
            RequireSizes(offsetSize, lengthSize, file);
            if (baseAt + offsetSize > b.Length)
            {
                throw new InvalidDataException($"{file}: the HDF5 superblock is truncated.");
            }

            baseAddress = (long)ReadUnsigned(b, baseAt, offsetSize);
            CheckEndOfFile(b, baseAt + (2 * offsetSize), offsetSize, baseAddress, file);
        }
        else if (version is 2 or 3)
        {
            offsetSize = b[at + 9];
            lengthSize = b[at + 10];
            RequireSizes(offsetSize, lengthSize, file);
            int bodyLength = 12 + (4 * offsetSize);
            if (at + bodyLength + 4 > b.Length)
            {
                throw new InvalidDataException($"{file}: the HDF5 superblock is truncated.");
            }

            if (Lookup3(b.AsSpan(at, bodyLength)) != BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + bodyLength)))
            {
                throw new InvalidDataException($"{file}: the HDF5 superblock fails its checksum (the file is corrupt).");
            }

            baseAddress = (long)ReadUnsigned(b, at + 12, offsetSize);
            CheckEndOfFile(b, at + 12 + (2 * offsetSize), offsetSize, baseAddress, file);
        }
        else
        {
            throw new InvalidDataException($"{file}: unknown HDF5 superblock version {version}.");
        }

        if (baseAddress < 0 || baseAddress > b.Length)
        {
            throw new InvalidDataException($"{file}: the HDF5 base address {baseAddress} lies outside the file.");
        }

        return new Layout(offsetSize, lengthSize, baseAddress);
    }

    // libhdf5 refuses a file shorter than the end-of-file address its superblock records ("truncated file"); PureHDF does
    // not, and a truncated file's dangling sizes made it allocate gigabytes before the guarded stream could refuse a read.
    private static void CheckEndOfFile(byte[] b, int at, int offsetSize, long baseAddress, string file)
    {
        if (at + offsetSize > b.Length)
        {
            throw new InvalidDataException($"{file}: the HDF5 superblock is truncated.");
        }

        ulong eof = ReadUnsigned(b, at, offsetSize);
        bool undefined = offsetSize == 8 ? eof == ulong.MaxValue : eof == (1UL << (8 * offsetSize)) - 1;
        // Addresses count from the base address (after any user block).
        if (!undefined && (eof > (ulong)b.Length || eof + (ulong)Math.Max(0, baseAddress) > (ulong)b.Length))
        {
            throw new InvalidDataException(
                $"{file}: the HDF5 file is truncated: its superblock says it ends at address {eof}, but it holds {b.Length} bytes.");
        }
    }

    private static void RequireSizes(int offsetSize, int lengthSize, string file)
    {
        if (offsetSize is not (2 or 4 or 8) || lengthSize is not (2 or 4 or 8))
        {
            throw new InvalidDataException($"{file}: invalid HDF5 address/length sizes ({offsetSize}, {lengthSize}) in the superblock.");
        }
    }

    // A global heap collection ("GCOL") holds the variable-length strings (layer names, configs). PureHDF walks its objects
    // by their declared sizes without checking them against the collection, so a damaged size makes it read far past it.
    private static void CheckGlobalHeaps(byte[] b, Layout layout, string file)
    {
        int l = layout.LengthSize;
        ulong header = 8UL + (ulong)l;
        for (int i = b.AsSpan().IndexOf("GCOL"u8); i >= 0; i = Next(b, i, "GCOL"u8))
        {
            if (i + 8 + l > b.Length || b[i + 4] != 1)
            {
                continue;
            }

            ulong size = ReadUnsigned(b, i + 8, l);
            if (size > (ulong)(b.Length - i))
            {
                throw new InvalidDataException($"{file}: the global heap at byte {i} declares {size} bytes, past the end of the file (the file is truncated or corrupt).");
            }

            ulong remaining = size > header ? size - header : 0;
            long p = i + (long)header;
            while (remaining > header)
            {
                if (p + (long)header > b.Length)
                {
                    throw new InvalidDataException($"{file}: the global heap at byte {i} is truncated.");
                }

                int index = b[p] | (b[p + 1] << 8);
                if (index == 0)
                {
                    break;
                }

                ulong objectSize = ReadUnsigned(b, (int)p + 8, l);
                ulong padded = objectSize > ulong.MaxValue - 7 ? ulong.MaxValue : (objectSize + 7) / 8 * 8;
                if (objectSize > remaining || padded > remaining - header)
                {
                    throw new InvalidDataException($"{file}: object {index} of the global heap at byte {i} declares {objectSize} bytes, more than its collection holds (the file is corrupt).");
                }

                remaining -= header + padded;
                p += (long)(header + padded);
            }
        }
    }

    // Version-2 object headers ("OHDR", with continuation chunks "OCHK") carry a checksum that PureHDF does not verify, and
    // their link messages may be soft or external links that PureHDF follows without a depth limit.
    private static void CheckObjectHeaders(byte[] b, Layout layout, string file)
    {
        var visited = new HashSet<long>();
        for (int i = b.AsSpan().IndexOf("OHDR"u8); i >= 0; i = Next(b, i, "OHDR"u8))
        {
            if (i + 6 > b.Length || b[i + 4] != 2 || (b[i + 5] & 0xC0) != 0)
            {
                continue;
            }

            int flags = b[i + 5];
            int q = i + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
            int sizeBytes = 1 << (flags & 3);
            if (q + sizeBytes > b.Length)
            {
                throw new InvalidDataException($"{file}: the object header at byte {i} is truncated.");
            }

            ulong chunkSize = ReadUnsigned(b, q, sizeBytes);
            q += sizeBytes;
            if (chunkSize > (ulong)(b.Length - q - 4))
            {
                throw new InvalidDataException($"{file}: the object header at byte {i} is truncated or corrupt.");
            }

            int end = q + (int)chunkSize;
            VerifyChecksum(b, i, end, file, "object header");
            ScanMessages(b, q, end, flags, layout, visited, file);
        }
    }

    private static void ScanMessages(byte[] b, int start, int end, int headerFlags, Layout layout, HashSet<long> visited, string file)
    {
        int messageHeader = 4 + ((headerFlags & 0x04) != 0 ? 2 : 0);
        int q = start;
        while (end - q >= messageHeader)
        {
            int type = b[q];
            int size = b[q + 1] | (b[q + 2] << 8);
            q += messageHeader;
            if (size > end - q)
            {
                throw new InvalidDataException($"{file}: an object header message at byte {q} runs past its chunk (the file is corrupt).");
            }

            if (type == 0x06)
            {
                CheckLink(b.AsSpan(q, size), q, file);
            }
            else if (type == 0x10 && size >= layout.OffsetSize + layout.LengthSize)
            {
                ulong address = ReadUnsigned(b, q, layout.OffsetSize);
                ulong length = ReadUnsigned(b, q + layout.OffsetSize, layout.LengthSize);
                CheckContinuation(b, address, length, headerFlags, layout, visited, file);
            }

            q += size;
        }
    }

    private static void CheckContinuation(byte[] b, ulong address, ulong length, int headerFlags, Layout layout, HashSet<long> visited, string file)
    {
        ulong at = address + (ulong)layout.BaseAddress;
        if (at >= (ulong)b.Length || length < 8 || length > (ulong)b.Length - at)
        {
            throw new InvalidDataException($"{file}: an object header continuation points outside the file (the file is truncated or corrupt).");
        }

        int start = (int)at;
        if (!visited.Add(start))
        {
            return;
        }

        if (!b.AsSpan(start, 4).SequenceEqual("OCHK"u8))
        {
            throw new InvalidDataException($"{file}: an object header continuation at byte {start} has no OCHK signature (the file is corrupt).");
        }

        int end = start + (int)length - 4;
        VerifyChecksum(b, start, end, file, "object header continuation");
        ScanMessages(b, start + 4, end, headerFlags, layout, visited, file);
    }

    private static void CheckLink(ReadOnlySpan<byte> body, int at, string file)
    {
        if (body.Length < 2)
        {
            throw new InvalidDataException($"{file}: a link message at byte {at} is truncated.");
        }

        int flags = body[1];
        int linkType = (flags & 0x08) != 0 && body.Length > 2 ? body[2] : 0;
        if (linkType != 0)
        {
            throw new NotSupportedException(
                $"{file}: the HDF5 file holds a {(linkType == 1 ? "soft" : linkType == 64 ? "external" : $"type-{linkType}")} link (at byte {at}); Keras weight files only have hard links, and other links are not followed.");
        }
    }

    private static void VerifyChecksum(byte[] b, int start, int end, string file, string what)
    {
        if (end + 4 > b.Length || end < start)
        {
            throw new InvalidDataException($"{file}: the {what} at byte {start} is truncated.");
        }

        if (Lookup3(b.AsSpan(start, end - start)) != BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(end)))
        {
            throw new InvalidDataException($"{file}: the {what} at byte {start} fails its checksum (the file is corrupt).");
        }
    }

    private static int Next(byte[] b, int from, ReadOnlySpan<byte> needle)
    {
        int k = b.AsSpan(from + 1).IndexOf(needle);
        return k < 0 ? -1 : from + 1 + k;
    }

    private static ulong ReadUnsigned(byte[] b, int at, int size)
    {
        if (at < 0 || at + size > b.Length)
        {
            return ulong.MaxValue;
        }

        ulong value = 0;
        for (int k = size - 1; k >= 0; k--)
        {
            value = (value << 8) | b[at + k];
        }

        return value;
    }

    /// <summary>Bob Jenkins's lookup3 <c>hashlittle</c> with seed 0: the checksum of HDF5's version-2 structures.</summary>
    internal static uint Lookup3(ReadOnlySpan<byte> key)
    {
        uint a, b, c;
        a = b = c = 0xDEADBEEF + (uint)key.Length;
        int i = 0;
        int length = key.Length;
        while (length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(key[i..]);
            b += BinaryPrimitives.ReadUInt32LittleEndian(key[(i + 4)..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(key[(i + 8)..]);
            Mix(ref a, ref b, ref c);
            length -= 12;
            i += 12;
        }

        if (length == 0)
        {
            return c;
        }

        // The tail: bytes 0-3 go to a, 4-7 to b, 8-11 to c, each little-endian, missing bytes being zero.
        Span<byte> tail = stackalloc byte[12];
        tail.Clear();
        key[i..].CopyTo(tail);
        a += BinaryPrimitives.ReadUInt32LittleEndian(tail);
        b += BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        c += BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        Final(ref a, ref b, ref c);
        return c;
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= uint.RotateLeft(c, 4); c += b;
        b -= a; b ^= uint.RotateLeft(a, 6); a += c;
        c -= b; c ^= uint.RotateLeft(b, 8); b += a;
        a -= c; a ^= uint.RotateLeft(c, 16); c += b;
        b -= a; b ^= uint.RotateLeft(a, 19); a += c;
        c -= b; c ^= uint.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= uint.RotateLeft(b, 14);
        a ^= c; a -= uint.RotateLeft(c, 11);
        b ^= a; b -= uint.RotateLeft(a, 25);
        c ^= b; c -= uint.RotateLeft(b, 16);
        a ^= c; a -= uint.RotateLeft(c, 4);
        b ^= a; b -= uint.RotateLeft(a, 14);
        c ^= b; c -= uint.RotateLeft(b, 24);
    }
}

/// <summary>
/// The read-only stream PureHDF parses: it bounds the total bytes and calls a parse may consume (a corrupt structure can
/// loop) and fails before the stack runs out (a corrupt link can recurse), so both surface as exceptions.
/// </summary>
internal sealed class GuardedHdf5Stream : Stream
{
    private readonly byte[] _bytes;
    private long _position;
    private long _byteBudget;
    private long _callBudget;

    public GuardedHdf5Stream(byte[] bytes)
    {
        _bytes = bytes;
        _byteBudget = Math.Max(256L << 20, 64L * bytes.Length);
        _callBudget = Math.Max(4_000_000L, 8L * bytes.Length);
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _bytes.Length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Spend(buffer.Length);
        if (_position < 0 || _position >= _bytes.Length)
        {
            return 0;
        }

        int n = (int)Math.Min(buffer.Length, _bytes.Length - _position);
        _bytes.AsSpan((int)_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int ReadByte()
    {
        Spend(1);
        return _position >= 0 && _position < _bytes.Length ? _bytes[_position++] : -1;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Spend(0);
        _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _bytes.Length + offset,
        };
        return _position;
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Spend(int bytes)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new InvalidDataException("the HDF5 structure nests or links too deeply (a link cycle?)");
        }

        _byteBudget -= bytes;
        if (_byteBudget < 0 || --_callBudget < 0)
        {
            throw new InvalidDataException("the HDF5 structure makes the reader loop (a corrupt size or a cycle)");
        }
    }
}
