using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Damages a Keras file: raw byte edits (HDF5 headers, zip records), or, for a .keras archive, a rewritten config.json.</summary>
internal static class KerasMutator
{
    private static readonly ulong[] Interesting = [0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x100000000, ulong.MaxValue, 1UL << 40];

    public static byte[] Mutate(byte[] original, Random rng)
    {
        bool zip = original.Length > 4 && original[0] == (byte)'P' && original[1] == (byte)'K';
        if (zip && rng.Next(4) == 0)
        {
            // The sizes a zip declares for an entry, in both its local header and the central directory.
            byte[] copy = (byte[])original.Clone();
            string[] names = ["model.weights.h5", "config.json", "metadata.json"];
            SetDeclaredSize(copy, names[rng.Next(names.Length)], (uint)Interesting[rng.Next(Interesting.Length)], compressed: rng.Next(3) == 0);
            return copy;
        }

        if (zip && rng.Next(3) == 0)
        {
            var rewritten = RewriteConfig(original, rng);
            if (rewritten is not null)
            {
                return rewritten;
            }
        }

        byte[] bytes = (byte[])original.Clone();
        int edits = 1 + rng.Next(4);
        for (int i = 0; i < edits && bytes.Length > 0; i++)
        {
            int at = rng.Next(bytes.Length);
            switch (rng.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 2 when at + 8 <= bytes.Length:
                    // Sizes, offsets and counts in HDF5 and zip headers are 2-, 4- and 8-byte little-endian integers.
                    ulong v = Interesting[rng.Next(Interesting.Length)];
                    switch (rng.Next(3))
                    {
                        case 0:
                            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)v);
                            break;
                        case 1:
                            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), (uint)v);
                            break;
                        default:
                            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), v);
                            break;
                    }

                    break;
                case 3:
                    bytes = bytes[..at];
                    break;
                case 4:
                {
                    int count = Math.Min(rng.Next(1, 64), bytes.Length - at);
                    bytes = [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + count)];
                    break;
                }

                default:
                {
                    int count = Math.Min(rng.Next(1, 64), bytes.Length - at);
                    int to = rng.Next(bytes.Length - count + 1);
                    bytes.AsSpan(at, count).ToArray().CopyTo(bytes.AsSpan(to));
                    break;
                }
            }
        }

        return bytes;
    }

    /// <summary>Overwrites the uncompressed (or compressed) size of an entry in its local header and central directory record.</summary>
    public static void SetDeclaredSize(byte[] bytes, string entry, uint size, bool compressed = false)
    {
        for (int i = 0; i + 46 <= bytes.Length; i++)
        {
            if (bytes[i] != (byte)'P' || bytes[i + 1] != (byte)'K' || bytes[i + 2] != 1 || bytes[i + 3] != 2)
            {
                continue;
            }

            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28));
            if (i + 46 + nameLength > bytes.Length || System.Text.Encoding.ASCII.GetString(bytes, i + 46, nameLength) != entry)
            {
                continue;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + (compressed ? 20 : 24)), size);
            long local = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i + 42));
            if (local + 30 <= bytes.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)local + (compressed ? 18 : 22)), size);
            }
        }
    }

    /// <summary>The same archive with config.json (and metadata.json) edited as JSON, so that the zip itself stays valid.</summary>
    private static byte[]? RewriteConfig(byte[] original, Random rng)
    {
        try
        {
            var output = new MemoryStream();
            using (var source = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read))
            using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var entry in source.Entries)
                {
                    using var reader = entry.Open();
                    var content = new MemoryStream();
                    reader.CopyTo(content);
                    byte[] data = content.ToArray();
                    if (entry.FullName is "config.json" or "metadata.json" && rng.Next(4) != 0)
                    {
                        data = System.Text.Encoding.UTF8.GetBytes(JsonMutator.Mutate(System.Text.Encoding.UTF8.GetString(data), rng));
                    }

                    var copy = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression);
                    using var writer = copy.Open();
                    writer.Write(data);
                }
            }

            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
