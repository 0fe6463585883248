using System.Buffers.Binary;
using System.Text;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Turns a real .npy file into a plausible hostile one: bit flips, truncations and header edits that lie.</summary>
internal static class NpyMutator
{
    private static readonly string[] Dims =
    [
        "0", "1", "2", "3", "5", "24", "-1", "-0", "2147483647", "2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "99999999999999999999", "1e3", "2.0", "True", "None", "'3'", "(2,)", "0x10", "3L",
    ];

    private static readonly string[] Descrs =
    [
        "'<f4'", "'>f4'", "'<f8'", "'>f8'", "'<f2'", "'|f4'", "'=f8'", "'f'", "'d'", "'e'", "'<i4'", "'<c16'", "'|O'", "'<f16'",
        "'<'", "''", "[('a', '<f4')]", "None", "4", "'<f4' '<f8'",
    ];

    public static byte[] Mutate(byte[] original, Random rng)
    {
        byte[] bytes = original;
        int edits = 1 + rng.Next(3);
        for (int i = 0; i < edits; i++)
        {
            bytes = rng.Next(9) switch
            {
                0 => FlipBit(bytes, rng),
                1 => SetByte(bytes, rng),
                2 => bytes[..rng.Next(bytes.Length + 1)],
                3 => [.. bytes, .. RandomBytes(rng, rng.Next(1, 17))],
                4 => EditHeader(bytes, rng, keepLengthField: rng.Next(4) == 0),
                5 => SetLengthField(bytes, rng),
                6 => SetVersion(bytes, rng),
                7 => DeleteRange(bytes, rng),
                _ => EditHeader(bytes, rng, keepLengthField: false),
            };
        }

        return bytes;
    }

    private static byte[] FlipBit(byte[] bytes, Random rng)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        // Most flips land in the header, where the interesting parsing is.
        int at = rng.Next(3) != 0 ? rng.Next(Math.Min(copy.Length, 128)) : rng.Next(copy.Length);
        copy[at] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    private static byte[] SetByte(byte[] bytes, Random rng)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        byte[] interesting = [0, 0xFF, 0x7F, 0x80, (byte)'(', (byte)')', (byte)',', (byte)'{', (byte)'}', (byte)'\'', (byte)'\n', (byte)'\\', (byte)'9'];
        copy[rng.Next(Math.Min(copy.Length, 128))] = rng.Next(2) == 0 ? interesting[rng.Next(interesting.Length)] : (byte)rng.Next(256);
        return copy;
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static byte[] DeleteRange(byte[] bytes, Random rng)
    {
        if (bytes.Length < 2)
        {
            return bytes;
        }

        int start = rng.Next(bytes.Length);
        int count = rng.Next(1, Math.Min(16, bytes.Length - start) + 1);
        return [.. bytes.AsSpan(0, start), .. bytes.AsSpan(start + count)];
    }

    private static byte[] SetVersion(byte[] bytes, Random rng)
    {
        if (bytes.Length < 8)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        copy[6] = (byte)(rng.Next(3) == 0 ? rng.Next(256) : rng.Next(0, 5));
        copy[7] = (byte)(rng.Next(4) == 0 ? rng.Next(256) : 0);
        return copy;
    }

    private static byte[] SetLengthField(byte[] bytes, Random rng)
    {
        if (bytes.Length < 12 || bytes[6] == 0)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        uint value = rng.Next(5) switch
        {
            0 => 0,
            1 => uint.MaxValue,
            2 => (uint)rng.Next(),
            3 => (uint)(1 << 20) + 1,
            _ => (uint)Math.Max(0, ReadLength(copy) + rng.Next(-8, 9)),
        };
        if (copy[6] == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(8), (ushort)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8), value);
        }

        return copy;
    }

    private static int ReadLength(byte[] bytes) => bytes[6] == 1
        ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
        : (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));

    /// <summary>Rewrites the header dict (shape, descr, fortran_order, keys), then either fixes the length field or leaves it stale.</summary>
    private static byte[] EditHeader(byte[] bytes, Random rng, bool keepLengthField)
    {
        if (bytes.Length < 10 || bytes[6] is not (1 or 2 or 3))
        {
            return bytes;
        }

        int prefix = bytes[6] == 1 ? 10 : 12;
        if (bytes.Length < prefix)
        {
            return bytes;
        }

        int length = ReadLength(bytes);
        if ((long)prefix + length > bytes.Length)
        {
            return bytes;
        }

        string header = Encoding.Latin1.GetString(bytes, prefix, length);
        byte[] data = bytes[(prefix + length)..];
        header = rng.Next(6) switch
        {
            0 or 1 => ReplaceValue(header, "shape", RandomShape(rng)),
            2 => ReplaceValue(header, "descr", Descrs[rng.Next(Descrs.Length)]),
            3 => ReplaceValue(header, "fortran_order", rng.Next(3) switch { 0 => "True", 1 => "1", _ => "'False'" }),
            4 => header.Replace(rng.Next(3) switch { 0 => "'descr'", 1 => "'shape'", _ => "'fortran_order'" }, rng.Next(2) == 0 ? "'extra'" : "'shape'"),
            _ => new string('{', rng.Next(1, 200)) + header,
        };
        byte[] text = Encoding.Latin1.GetBytes(header);
        var result = new byte[prefix + text.Length + data.Length];
        bytes.AsSpan(0, prefix).CopyTo(result);
        text.CopyTo(result, prefix);
        data.CopyTo(result, prefix + text.Length);
        if (!keepLengthField)
        {
            if (bytes[6] == 1)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)Math.Min(text.Length, ushort.MaxValue));
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)text.Length);
            }
        }

        return result;
    }

    private static string RandomShape(Random rng)
    {
        int rank = rng.Next(6);
        var dims = Enumerable.Range(0, rank).Select(_ => rng.Next(3) == 0 ? Dims[rng.Next(Dims.Length)] : rng.Next(0, 40).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return rng.Next(8) switch
        {
            0 => "[" + string.Join(", ", dims) + "]",
            1 => "(" + string.Join(", ", dims),
            _ => rank == 1 ? "(" + dims[0] + ",)" : "(" + string.Join(", ", dims) + ")",
        };
    }

    private static string ReplaceValue(string header, string key, string value)
    {
        int at = header.IndexOf("'" + key + "':", StringComparison.Ordinal);
        if (at < 0)
        {
            return header;
        }

        int start = at + key.Length + 3;
        // The value ends at the next top-level ", '" or "}"; shapes contain commas, so skip over brackets.
        int depth = 0, end = start;
        for (; end < header.Length; end++)
        {
            char c = header[end];
            if (c is '(' or '[')
            {
                depth++;
            }
            else if (c is ')' or ']')
            {
                depth--;
            }
            else if (depth <= 0 && (c == '}' || (c == ',' && end + 2 < header.Length && header[end + 2] == '\'')))
            {
                break;
            }
        }

        return header[..start] + " " + value + header[end..];
    }
}
