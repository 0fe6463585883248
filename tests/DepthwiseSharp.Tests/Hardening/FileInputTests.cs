using System.Buffers.Binary;
using System.Text;
using NpyFile = DepthwiseSharp.IO.Npy;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>NPY files that lie, truncated or bit-flipped files, and odd paths: refused with the file's name, never a crash.</summary>
public class FileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_files").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A version 1.0 file with the given header dict and data bytes, padded as numpy pads.</summary>
    internal static byte[] NpyBytes(string dict, int dataBytes)
    {
        string header = dict;
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - (total % 64)) % 64) + "\n";
        var bytes = new byte[10 + header.Length + dataBytes];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header).CopyTo(bytes, 10);
        return bytes;
    }

    private static InvalidDataException Invalid(byte[] bytes, string fragment)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(bytes), "lying.npy"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (1 << 20), "a lying header made the reader allocate");
        Assert.Contains("lying.npy", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);

        // Through a pipe (no length to compare against) the answer is the same kind of error, with bounded memory.
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsAny<Exception>(() => NpyFile.Read(new NonSeekableStream(bytes, maxPerRead: 7), "lying.npy"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (3 << 20), "a lying header made the pipe reader allocate");
        return e;
    }

    [Fact]
    public void Headers_that_lie_about_size_are_refused_before_allocating()
    {
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000,), }", 12), "header declares shape (1000000000,)");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20), "but the file holds 20 bytes");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28), "but the file holds 28 bytes");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", 8), "overflows a 64-bit integer");
        Invalid(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }", 8), "overflows");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", 0), "negative dimension");
    }

    [Fact]
    public void Headers_that_lie_about_dtype_and_order_are_refused()
    {
        // 6 float32 values (24 bytes) declared as float64: the size check catches it.
        Invalid(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 24), "48 bytes");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': 'no', 'shape': (2, 3), }", 24), "'fortran_order' must be True or False");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }", 24), "'shape' must be a tuple");
        Invalid(NpyBytes("{'descr': '<f4', 'shape': (2, 3), }", 24), "no 'fortran_order' key");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", 24), "unexpected key 'extra'");
        Invalid(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (6,)}", 24), "duplicate key");
        Invalid(NpyBytes("{'descr': " + new string('[', 5000), 0), "nested");
        var e = Assert.Throws<NotSupportedException>(() => NpyFile.Read(new MemoryStream(NpyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 24)), "int.npy"));
        Assert.Contains("int.npy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_of_a_real_file_is_an_invalid_data_exception()
    {
        byte[] real = File.ReadAllBytes(Path.Combine(TestData.Root, "npy", "fortran_2x3x4_f4.npy"));
        for (int length = 0; length < real.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(real, 0, length), "cut.npy"));
            Assert.Contains("cut.npy", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal([2, 3, 4], NpyFile.Read(new MemoryStream(real), "whole.npy").Shape);
    }

    [Fact]
    public void Every_single_bit_flip_of_a_real_file_is_read_or_refused()
    {
        byte[] real = File.ReadAllBytes(Path.Combine(TestData.Root, "npy", "wr_f4_2x3.npy"));
        for (int bit = 0; bit < real.Length * 8; bit++)
        {
            var flipped = (byte[])real.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Fuzz.CheckNpy(flipped);
        }
    }

    [Fact]
    public void Odd_paths_are_refused_with_their_name()
    {
        var dir = Assert.ThrowsAny<ArgumentException>(() => NpyFile.Read(_dir));
        Assert.Contains(_dir, dir.Message, StringComparison.Ordinal);
        Assert.Contains("directory", dir.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => NpyFile.Write(_dir, new float[1], [1]));
        Assert.ThrowsAny<ArgumentException>(() => NpyFile.Read(""));
        Assert.ThrowsAny<ArgumentException>(() => NpyFile.Write("", new float[1], [1]));

        string missingDir = Path.Combine(_dir, "no", "such", "x.npy");
        var missing = Assert.Throws<FileNotFoundException>(() => NpyFile.Read(missingDir));
        Assert.Contains(missingDir, missing.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => NpyFile.Write(missingDir, new float[1], [1]));
        var nofile = Assert.Throws<FileNotFoundException>(() => NpyFile.Read(Path.Combine(_dir, "x.npy")));
        Assert.Contains("x.npy", nofile.Message, StringComparison.Ordinal);

        // NUL cannot be part of a path: refused by .NET's path checks as an argument error.
        var nul = Documented.Run(() => NpyFile.Read("a\0b.npy"), typeof(ArgumentException), typeof(FileNotFoundException));
        Assert.NotNull(nul);
    }

    [Theory]
    [InlineData("spaces and 'quotes'.npy")]
    [InlineData("ünïcödé 中文 🙂.npy")]
    [InlineData("semi;colon $HOME `x` \\back.npy")]
    [InlineData("-starts-with-dash.npy")]
    [InlineData("..npy")]
    public void Unusual_characters_in_paths_round_trip(string name)
    {
        string path = Path.Combine(_dir, name);
        NpyFile.Write(path, new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var back = NpyFile.Read(path);
        Assert.Equal([2, 3], back.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], back.ToSingleArray());
    }
}
