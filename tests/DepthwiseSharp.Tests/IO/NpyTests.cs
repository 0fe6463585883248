using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text;
using CsCheck;
using DepthwiseSharp.IO;

namespace DepthwiseSharp.Tests.IO;

/// <summary>
/// Tests for <see cref="Npy"/> and <see cref="NpyArray"/>. Reference files under TestData/npy were written by
/// numpy 1.24 (see TestData/npy/make_npy.py); expected values are literals printed by numpy, not by the reader.
/// </summary>
public sealed class NpyTests : IDisposable
{
    private const string F4Header23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    private readonly string _dir;

    public NpyTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "npytests_" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---------------------------------------------------------------- reading numpy-written files

    [Fact]
    public void Reads_real_float32_golden_file()
    {
        var a = Npy.Read(Ref("real_x_f4.npy"));
        Assert.Equal(NpyDType.Float32, a.DType);
        Assert.Equal(new[] { 2, 16, 2 }, a.Shape);
        Assert.Equal(3, a.Rank);
        Assert.Equal(64, a.Count);
        float[] v = a.ToSingleArray();
        Assert.Equal(64, v.Length);
        Assert.Equal(0.9139758944511414f, v[0]);
        Assert.Equal(0.603471577167511f, v[1]);
        Assert.Equal(-0.12100588530302048f, v[2]);
        Assert.Equal(0.6495046615600586f, v[63]);
        Assert.Equal(-1.6686089374125004, a.ToDoubleArray().Sum(), 1e-9);
    }

    [Fact]
    public void Reads_real_float64_golden_file()
    {
        var a = Npy.Read(Ref("real_y_f8.npy"));
        Assert.Equal(NpyDType.Float64, a.DType);
        Assert.Equal(new[] { 2, 15, 2 }, a.Shape);
        Assert.Equal(60, a.Count);
        double[] v = a.ToDoubleArray();
        Assert.Equal(-1.5738817274605084, v[0]);
        Assert.Equal(-0.3331042289362056, v[1]);
        Assert.Equal(-2.5983146931243493, v[2]);
        Assert.Equal(-1.4078567357193714, v[59]);
        Assert.Equal(-92.77776817457065, v.Sum(), 1e-9);
        Assert.Equal((float)-1.5738817274605084, a.ToSingleArray()[0]);
    }

    [Fact]
    public void Reads_float16()
    {
        var a = Npy.Read(Ref("f2_2x3.npy"));
        Assert.Equal(NpyDType.Float16, a.DType);
        Assert.Equal(new[] { 2, 3 }, a.Shape);
        double[] v = a.ToDoubleArray();
        Assert.Equal(new[] { 0.5, -1.25, 3.140625, 65504.0, -0.0, 5.960464477539063e-08 }, v);
        Assert.True(double.IsNegative(v[4]));
        Assert.Equal(new ushort[] { 0x3800, 0xbd00, 0x4248, 0x7bff, 0x8000, 0x0001 }, a.ToHalfArray().Select(BitConverter.HalfToUInt16Bits));
        Assert.Equal(new[] { 0.5f, -1.25f, 3.140625f, 65504f, -0f, 5.960464477539063e-08f }, a.ToSingleArray());
    }

    [Fact]
    public void Reads_big_endian_float16_float32_float64()
    {
        var h = Npy.Read(Ref("be_f2.npy"));
        Assert.Equal(NpyDType.Float16, h.DType);
        Assert.Equal(new[] { 3 }, h.Shape);
        Assert.Equal(new[] { 1.0, -0.5, 0.0999755859375 }, h.ToDoubleArray());

        var f = Npy.Read(Ref("be_f4.npy"));
        Assert.Equal(NpyDType.Float32, f.DType);
        Assert.Equal(new[] { 1.5f, -2.25f, 0.0010000000474974513f }, f.ToSingleArray());

        var d = Npy.Read(Ref("be_f8.npy"));
        Assert.Equal(NpyDType.Float64, d.DType);
        Assert.Equal(new[] { 2, 2 }, d.Shape);
        Assert.Equal(new[] { 0.3333333333333333, -2.5, 1e+300, 5e-324 }, d.ToDoubleArray());
    }

    [Fact]
    public void Reads_format_versions_2_and_3()
    {
        Assert.Equal(2, File.ReadAllBytes(Ref("v2_f4.npy"))[6]);
        var v2 = Npy.Read(Ref("v2_f4.npy"));
        Assert.Equal(new[] { 2, 2 }, v2.Shape);
        Assert.Equal(new[] { 1f, 2f, 3f, 4.5f }, v2.ToSingleArray());

        Assert.Equal(3, File.ReadAllBytes(Ref("v3_f8.npy"))[6]);
        var v3 = Npy.Read(Ref("v3_f8.npy"));
        Assert.Equal(new[] { 3 }, v3.Shape);
        Assert.Equal(new[] { 0.25, -8.0, 1e-10 }, v3.ToDoubleArray());
    }

    [Fact]
    public void Reads_scalar_and_one_dimensional_and_empty()
    {
        var s = Npy.Read(Ref("scalar_f8.npy"));
        Assert.Empty(s.Shape);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Count);
        Assert.Equal(new[] { 3.25 }, s.ToDoubleArray());

        var v = Npy.Read(Ref("vec5_f4.npy"));
        Assert.Equal(new[] { 5 }, v.Shape);
        Assert.Equal(new[] { 0.0f, 0.10000000149011612f, 0.20000000298023224f, 0.30000001192092896f, 0.4000000059604645f }, v.ToSingleArray());

        var e = Npy.Read(Ref("empty_0x3_f4.npy"));
        Assert.Equal(new[] { 0, 3 }, e.Shape);
        Assert.Equal(0, e.Count);
        Assert.Empty(e.ToSingleArray());
    }

    [Fact]
    public void Fortran_order_is_transposed_to_c_order()
    {
        var a = Npy.Read(Ref("fortran_2x3_f8.npy"));
        Assert.Equal(new[] { 2, 3 }, a.Shape);
        Assert.Equal(new[] { 0.0, 1, 2, 3, 4, 5 }, a.ToDoubleArray());

        var b = Npy.Read(Ref("fortran_2x3x4_f4.npy"));
        Assert.Equal(new[] { 2, 3, 4 }, b.Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i), b.ToSingleArray());
    }

    [Theory]
    [InlineData("i4.npy", "'<i4'")]
    [InlineData("c16.npy", "'<c16'")]
    [InlineData("object.npy", "'|O'")]
    [InlineData("structured.npy", "[('a', '<f4')]")]
    public void Unsupported_dtypes_throw_NotSupportedException_naming_file_and_descr(string file, string descr)
    {
        var e = Assert.Throws<NotSupportedException>(() => Npy.Read(Ref(file)));
        Assert.Contains(file, e.Message);
        Assert.Contains(descr, e.Message);
    }

    [Fact]
    public void Tensor_conversions_keep_shape_and_values()
    {
        var a = Npy.Read(Ref("real_x_f4.npy"));
        Tensor<float> t = a.ToTensorSingle();
        Assert.Equal(new nint[] { 2, 16, 2 }, t.Lengths.ToArray());
        Assert.Equal(0.9139758944511414f, t[0, 0, 0]);
        Assert.Equal(0.6495046615600586f, t[1, 15, 1]);

        Tensor<double> d = Npy.Read(Ref("real_y_f8.npy")).ToTensorDouble();
        Assert.Equal(new nint[] { 2, 15, 2 }, d.Lengths.ToArray());
        Assert.Equal(-1.5738817274605084, d[0, 0, 0]);
        Assert.Equal(-1.4078567357193714, d[1, 14, 1]);

        Tensor<double> scalar = Npy.Read(Ref("scalar_f8.npy")).ToTensorDouble();
        Assert.Equal(new nint[] { 1 }, scalar.Lengths.ToArray());
        Assert.Equal(3.25, scalar[0]);

        Tensor<float> empty = Npy.Read(Ref("empty_0x3_f4.npy")).ToTensorSingle();
        Assert.Equal(new nint[] { 0, 3 }, empty.Lengths.ToArray());

        Tensor<double> f = Npy.Read(Ref("fortran_2x3_f8.npy")).ToTensorDouble();
        Assert.Equal(5.0, f[1, 2]);
        Assert.Equal(3.0, f[1, 0]);
    }

    [Fact]
    public void Returned_arrays_and_shape_are_copies()
    {
        var a = Npy.Read(Ref("vec5_f4.npy"));
        a.ToSingleArray()[0] = 42f;
        a.Shape[0] = 42;
        Assert.Equal(0f, a.ToSingleArray()[0]);
        Assert.Equal(5, a.Shape[0]);
        Assert.Equal("NpyArray(Float32, (5,))", a.ToString());
    }

    // ---------------------------------------------------------------- robust header parsing

    [Theory]
    [InlineData("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}")]
    [InlineData("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3)}")]
    [InlineData("  {  'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }  \n")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }")]
    [InlineData("{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{'descr': '|f4', 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{'descr': '<f', 'fortran_order': False, 'shape': (2, 3)}\0\0\0")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (+2, 3,), }\t\r\n")]
    public void Accepts_header_variants(string header)
    {
        Assert.True(BitConverter.IsLittleEndian);
        float[] values = [1, 2, 3, 4, 5, 6];
        string path = Temp("variant.npy", MakeNpy(header, F32Bytes(values)));
        var a = Npy.Read(path);
        Assert.Equal(new[] { 2, 3 }, a.Shape);
        Assert.Equal(values, a.ToSingleArray());
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", new[] { 6 })]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", new[] { 6 })]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 6, 1), }", new[] { 1, 6, 1 })]
    public void Accepts_other_shapes_of_six(string header, int[] shape)
    {
        string path = Temp("six.npy", MakeNpy(header, F32Bytes([1, 2, 3, 4, 5, 6])));
        Assert.Equal(shape, Npy.Read(path).Shape);
    }

    [Fact]
    public void Accepts_scalar_header_with_empty_tuple()
    {
        string path = Temp("scalar.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", F32Bytes([7.5f])));
        var a = Npy.Read(path);
        Assert.Empty(a.Shape);
        Assert.Equal(new[] { 7.5f }, a.ToSingleArray());
    }

    // ---------------------------------------------------------------- error cases

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ")]
    [InlineData("not a dict")]
    [InlineData("")]
    [InlineData("{'descr': '<f4'}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': maybe, 'shape': (2, 3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5, 3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': 6, }")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{descr: '<f4', 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } trailing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ('2', 3), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3x), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\x01")]
    public void Malformed_header_throws_InvalidDataException_naming_file(string header)
    {
        string path = Temp("bad_header.npy", MakeNpy(header, F32Bytes([1, 2, 3, 4, 5, 6])));
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("bad_header.npy", e.Message);
    }

    [Fact]
    public void Deeply_nested_header_is_rejected_without_stack_overflow()
    {
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + new string('(', 200_000) + new string(')', 200_000) + "}";
        string path = Temp("deep.npy", MakeNpy(header, [], major: 2));
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("deep.npy", e.Message);
        Assert.Contains("nested", e.Message);
    }

    [Fact]
    public void Truncated_data_throws_with_declared_and_present_bytes()
    {
        byte[] good = File.ReadAllBytes(Ref("real_x_f4.npy"));
        string path = Temp("x.npy", good[..^4]);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("x.npy", e.Message);
        Assert.Contains("(2, 16, 2)", e.Message);
        Assert.Contains("256 bytes", e.Message);
        Assert.Contains("252 bytes", e.Message);
    }

    [Fact]
    public void Extra_data_throws_with_declared_and_present_bytes()
    {
        byte[] good = File.ReadAllBytes(Ref("real_y_f8.npy"));
        string path = Temp("y.npy", [.. good, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("y.npy", e.Message);
        Assert.Contains("480 bytes", e.Message);
        Assert.Contains("483 bytes", e.Message);
    }

    [Fact]
    public void Lying_huge_shape_on_tiny_file_throws_quickly_without_allocating()
    {
        string path = Temp("x.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 3), }", new byte[48]));
        Npy.Read(Ref("vec5_f4.npy")); // warm up code paths so the allocation count is the read's own
        var sw = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        sw.Stop();
        Assert.Equal(path + ": header declares shape (1000000, 3) of <f4 = 12000000 bytes but the file holds 48 bytes of data", e.Message);
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    [Theory]
    [InlineData("(1073741824, 1048576)")] // 2^50 elements, 2^52 bytes: no overflow, just a lie
    [InlineData("(2000000000,)")]
    [InlineData("(3000000000,)")] // beyond Int32 and beyond .NET array limits
    public void Huge_declared_shapes_are_data_size_mismatches(string shape)
    {
        string path = Temp("huge.npy", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", new byte[24]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256 * 1024);
        Assert.Contains("huge.npy", e.Message);
        Assert.Contains("holds 24 bytes of data", e.Message);
    }

    [Theory]
    [InlineData("(1099511627776, 1099511627776)")] // (2**40, 2**40)
    [InlineData("(9223372036854775807, 2)")]
    [InlineData("(4611686018427387904,)")] // count fits, count * 8 bytes does not
    public void Overflowing_shape_product_throws_InvalidDataException(string shape)
    {
        string path = Temp("overflow.npy", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", new byte[16]));
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("overflow.npy", e.Message);
        Assert.Contains("overflow", e.Message);
    }

    [Fact]
    public void Zero_dimension_makes_count_zero_even_with_overflowing_other_dimensions()
    {
        string path = Temp("zero.npy", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776, 0), }", []));
        var e = Assert.Throws<NotSupportedException>(() => Npy.Read(path));
        Assert.Contains("zero.npy", e.Message);
        Assert.Contains("Int32.MaxValue", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x58, 1, 0, 0, 0 })] // "\x93NUMPX"
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0 })] // a zip (.npz) file
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x93, 0x4E, 0x55 })]
    [InlineData(new byte[] { 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59 })]
    [InlineData(new byte[] { 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1 })]
    [InlineData(new byte[] { 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0x76 })]
    [InlineData(new byte[] { 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 0x76, 0, 0 })]
    public void Bad_magic_or_truncated_preamble_throws_InvalidDataException(byte[] bytes)
    {
        string path = Temp("magic.npy", bytes);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("magic.npy", e.Message);
    }

    [Fact]
    public void Truncated_header_throws_InvalidDataException()
    {
        byte[] good = File.ReadAllBytes(Ref("vec5_f4.npy"));
        string path = Temp("trunc_header.npy", good[..60]);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("trunc_header.npy", e.Message);
        Assert.Contains("118 bytes", e.Message);
    }

    [Fact]
    public void Header_length_beyond_file_throws_InvalidDataException()
    {
        byte[] bytes = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 0xF0, 0xFF, 0xFF, 0xFF, (byte)'{', (byte)'}'];
        string path = Temp("hlen.npy", bytes);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("hlen.npy", e.Message);
        Assert.Contains("4294967280", e.Message);

        // The same on a stream that cannot seek: the header length limit stops it before any allocation.
        var e2 = Assert.Throws<InvalidDataException>(() => Npy.Read(new NonSeekableStream(bytes), "hlen_stream.npy"));
        Assert.Contains("hlen_stream.npy", e2.Message);
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public void Unknown_format_version_throws_NotSupportedException(byte major, byte minor)
    {
        byte[] bytes = File.ReadAllBytes(Ref("vec5_f4.npy"));
        bytes[6] = major;
        bytes[7] = minor;
        string path = Temp("version.npy", bytes);
        var e = Assert.Throws<NotSupportedException>(() => Npy.Read(path));
        Assert.Contains("version.npy", e.Message);
        Assert.Contains($"{major}.{minor}", e.Message);
    }

    [Fact]
    public void Invalid_utf8_in_version3_header_throws_InvalidDataException()
    {
        byte[] bytes = File.ReadAllBytes(Ref("v3_f8.npy"));
        bytes[13] = 0xFF; // inside 'descr'
        string path = Temp("utf8.npy", bytes);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("utf8.npy", e.Message);
    }

    [Fact]
    public void Unsupported_dtype_in_handmade_header_names_file_and_descr()
    {
        string path = Temp("ints.npy", MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", new byte[24]));
        var e = Assert.Throws<NotSupportedException>(() => Npy.Read(path));
        Assert.Contains("ints.npy", e.Message);
        Assert.Contains("'<i4'", e.Message);
    }

    [Fact]
    public void Missing_file_throws_FileNotFoundException()
    {
        Assert.Throws<FileNotFoundException>(() => Npy.Read(Path.Combine(_dir, "missing.npy")));
        Assert.Throws<FileNotFoundException>(() => Npy.Read(Path.Combine(_dir, "no_such_dir", "missing.npy")));
    }

    // ---------------------------------------------------------------- streams that cannot seek

    [Fact]
    public void Reads_from_non_seekable_stream_delivering_a_few_bytes_at_a_time()
    {
        byte[] bytes = File.ReadAllBytes(Ref("real_x_f4.npy"));
        var a = Npy.Read(new NonSeekableStream(bytes, maxPerRead: 3), "x.npy");
        Assert.Equal(new[] { 2, 16, 2 }, a.Shape);
        Assert.Equal(Npy.Read(Ref("real_x_f4.npy")).ToSingleArray(), a.ToSingleArray());
    }

    [Fact]
    public void Non_seekable_truncated_and_extra_data_throw()
    {
        byte[] bytes = File.ReadAllBytes(Ref("real_x_f4.npy"));
        var e1 = Assert.Throws<InvalidDataException>(() => Npy.Read(new NonSeekableStream(bytes[..^1]), "short.npy"));
        Assert.Contains("short.npy", e1.Message);
        Assert.Contains("255 bytes", e1.Message);

        var e2 = Assert.Throws<InvalidDataException>(() => Npy.Read(new NonSeekableStream([.. bytes, 1]), "long.npy"));
        Assert.Contains("long.npy", e2.Message);
        Assert.Contains("more than 256 bytes", e2.Message);
    }

    [Theory]
    [InlineData("(1000000, 3)")]
    [InlineData("(1073741824, 1048576)")]
    public void Non_seekable_huge_declared_shape_allocates_at_most_one_chunk(string shape)
    {
        byte[] bytes = MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", new byte[48]);
        Npy.Read(new NonSeekableStream(File.ReadAllBytes(Ref("vec5_f4.npy"))), "warmup.npy");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(new NonSeekableStream(bytes), "stream.npy"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("stream.npy", e.Message);
        Assert.Contains("holds 48 bytes of data", e.Message);
        Assert.True(allocated < (1 << 20) + (256 * 1024), $"allocated {allocated} bytes");
    }

    // ---------------------------------------------------------------- writing

    [Fact]
    public void Writes_the_same_bytes_as_numpy_save()
    {
        AssertSameAsNumpy("wr_f4_2x3.npy", p => Npy.Write(p, Enumerable.Range(0, 6).Select(i => i * 0.5f).ToArray(), [2, 3]));
        AssertSameAsNumpy("wr_f8_5.npy", p => Npy.Write(p, Enumerable.Range(0, 5).Select(i => i / 3.0).ToArray(), [5]));
        AssertSameAsNumpy("wr_f8_scalar.npy", p => Npy.Write(p, [-1.5], ReadOnlySpan<int>.Empty));
        AssertSameAsNumpy("wr_f4_1x2x3x4.npy", p => Npy.Write(p, Enumerable.Range(0, 24).Select(i => i - 7.25f).ToArray(), [1, 2, 3, 4]));
        AssertSameAsNumpy("wr_f4_pad64.npy", p => Npy.Write(p, ReadOnlySpan<float>.Empty, [0, 0, 0, 100, 100, 100, 100, 100, 100, 100]));
        AssertSameAsNumpy("real_x_f4.npy", p => Npy.Write(p, Npy.Read(Ref("real_x_f4.npy")).ToTensorSingle()));
        AssertSameAsNumpy("real_y_f8.npy", p => Npy.Write(p, Npy.Read(Ref("real_y_f8.npy")).ToTensorDouble()));
        AssertSameAsNumpy("real_y_f8.npy", p => Npy.Write(p, Npy.Read(Ref("real_y_f8.npy"))));
    }

    [Fact]
    public void Header_is_64_byte_aligned_for_any_shape()
    {
        var genShape = Gen.Int[0, 8].SelectMany(rank => Gen.Int[0, int.MaxValue].Array[rank]).Select(s =>
        {
            if (s.Length > 0)
            {
                s[^1] = 0; // keep the data empty
            }

            return s;
        });
        genShape.Sample(shape =>
        {
            var ms = new MemoryStream();
            int[] writeShape = shape.Length == 0 ? [] : shape;
            float[] data = shape.Length == 0 ? [1f] : [];
            Npy.Write(ms, data, writeShape);
            byte[] bytes = ms.ToArray();
            int headerEnd = bytes.Length - (data.Length * 4);
            Assert.Equal(0, headerEnd % 64);
            Assert.Equal((byte)'\n', bytes[headerEnd - 1]);
            Assert.Equal(1, bytes[6]);
            Assert.Equal(headerEnd - 10, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
            ms.Position = 0;
            Assert.Equal(writeShape, Npy.Read(ms, "aligned.npy").Shape);
        }, iter: 500);
    }

    [Fact]
    public void Float32_round_trip_is_bit_exact()
    {
        var gen = Gen.Int[0, 4].SelectMany(rank => Gen.Int[0, 5].Array[rank])
            .SelectMany(shape => Gen.UInt.Array[shape.Aggregate(1, (a, b) => a * b)].Select(bits => (shape, bits)));
        gen.Sample(t =>
        {
            float[] data = t.bits.Select(BitConverter.UInt32BitsToSingle).ToArray();
            var ms = new MemoryStream();
            Npy.Write(ms, data, t.shape);
            ms.Position = 0;
            var a = Npy.Read(ms, "rt.npy");
            Assert.Equal(NpyDType.Float32, a.DType);
            Assert.Equal(t.shape, a.Shape);
            Assert.Equal(t.bits, a.ToSingleArray().Select(BitConverter.SingleToUInt32Bits));
        }, iter: 300);
    }

    [Fact]
    public void Float64_round_trip_is_bit_exact()
    {
        var gen = Gen.Int[0, 4].SelectMany(rank => Gen.Int[0, 5].Array[rank])
            .SelectMany(shape => Gen.ULong.Array[shape.Aggregate(1, (a, b) => a * b)].Select(bits => (shape, bits)));
        gen.Sample(t =>
        {
            double[] data = t.bits.Select(BitConverter.UInt64BitsToDouble).ToArray();
            var ms = new MemoryStream();
            Npy.Write(ms, data, t.shape);
            var a = Npy.Read(new NonSeekableStream(ms.ToArray(), maxPerRead: 7), "rt.npy");
            Assert.Equal(NpyDType.Float64, a.DType);
            Assert.Equal(t.shape, a.Shape);
            Assert.Equal(t.bits, a.ToDoubleArray().Select(BitConverter.DoubleToUInt64Bits));
        }, iter: 300);
    }

    [Fact]
    public void Float16_round_trip_is_bit_exact()
    {
        var gen = Gen.UShort.Array[0, 40];
        gen.Sample(bits =>
        {
            Half[] data = bits.Select(BitConverter.UInt16BitsToHalf).ToArray();
            var ms = new MemoryStream();
            Npy.Write(ms, data, [data.Length]);
            ms.Position = 0;
            var a = Npy.Read(ms, "rt.npy");
            Assert.Equal(NpyDType.Float16, a.DType);
            Assert.Equal(bits, a.ToHalfArray().Select(BitConverter.HalfToUInt16Bits));
        }, iter: 200);
    }

    [Fact]
    public void File_and_tensor_round_trips()
    {
        string pf = Path.Combine(_dir, "t.npy");
        var tf = Tensor.Create(Enumerable.Range(0, 30).Select(i => i * 1.25f - 3f).ToArray(), [2, 3, 5]);
        Npy.Write(pf, tf);
        var back = Npy.Read(pf).ToTensorSingle();
        Assert.Equal(tf.Lengths.ToArray(), back.Lengths.ToArray());
        Assert.Equal(tf.ToArray(), back.ToArray());

        var td = Tensor.Create(Enumerable.Range(0, 12).Select(i => Math.Sqrt(i)).ToArray(), [4, 3]);
        var ms = new MemoryStream();
        Npy.Write(ms, td);
        ms.Position = 0;
        var backD = Npy.Read(ms, "td.npy");
        Assert.Equal(new[] { 4, 3 }, backD.Shape);
        Assert.Equal(td.ToArray(), backD.ToDoubleArray());

        Npy.Write(pf, Enumerable.Range(0, 6).Select(i => (double)i).ToArray(), [3, 2]);
        Assert.Equal(new[] { 3, 2 }, Npy.Read(pf).Shape);

        Npy.Write(pf, NpyArray.FromHalf([(Half)1.5, (Half)(-2)], [2, 1]));
        var h = Npy.Read(pf);
        Assert.Equal(NpyDType.Float16, h.DType);
        Assert.Equal(new[] { 1.5, -2.0 }, h.ToDoubleArray());
    }

    [Fact]
    public void Very_long_header_is_written_as_version_2()
    {
        int[] shape = Enumerable.Repeat(1, 22_000).ToArray();
        var ms = new MemoryStream();
        Npy.Write(ms, [2.5f], shape);
        byte[] bytes = ms.ToArray();
        Assert.Equal(2, bytes[6]);
        Assert.Equal(0, (bytes.Length - 4) % 64);
        ms.Position = 0;
        var a = Npy.Read(ms, "long.npy");
        Assert.Equal(22_000, a.Rank);
        Assert.Equal(new[] { 2.5f }, a.ToSingleArray());
    }

    [Fact]
    public void Write_rejects_bad_arguments_before_creating_the_file()
    {
        string path = Path.Combine(_dir, "not_created.npy");
        Assert.Throws<ArgumentException>(() => Npy.Write(path, new float[5], [2, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Npy.Write(path, new double[0], [2, -3]));
        Assert.Throws<ArgumentException>(() => Npy.Write(path, new float[1], [65536, 65536]));
        Assert.False(File.Exists(path));
        Assert.Throws<ArgumentException>(() => Npy.Write(new MemoryStream(new byte[4], writable: false), new float[1], [1]));
        Assert.Throws<ArgumentException>(() => NpyArray.FromSingle(new float[4], [5]));
    }

    [Fact]
    public void Write_rejects_non_dense_tensor()
    {
        var t = Tensor.Create(Enumerable.Range(0, 6).Select(i => (float)i).ToArray(), [2, 3]);
        var slice = t.Slice([new NRange(0, 2), new NRange(0, 2)]);
        Assert.False(slice.IsDense);
        Assert.Throws<ArgumentException>(() => Npy.Write(Path.Combine(_dir, "slice.npy"), slice));
    }

    // ---------------------------------------------------------------- fuzzing

    [Fact]
    public void Corrupted_files_only_throw_documented_exceptions()
    {
        byte[] good = File.ReadAllBytes(Ref("f2_2x3.npy"));
        var gen = Gen.Select(Gen.Int[0, good.Length - 1].Array[1, 4], Gen.Byte.Array[4], Gen.Int[0, good.Length + 2], Gen.Bool);
        gen.Sample(t =>
        {
            var (positions, values, length, seekable) = t;
            byte[] bytes = new byte[length];
            good.AsSpan(0, Math.Min(length, good.Length)).CopyTo(bytes);
            for (int i = 0; i < positions.Length; i++)
            {
                if (positions[i] < bytes.Length)
                {
                    bytes[positions[i]] = values[i];
                }
            }

            ReadOnlyOrDocumented(bytes, seekable);
        }, iter: 3000);
    }

    [Fact]
    public void Random_headers_only_throw_documented_exceptions()
    {
        string[] pieces = ["{", "}", "(", ")", "[", "]", ",", ":", " ", "'", "\"", "\\", "\n", "descr", "'descr'", "'shape'", "'fortran_order'",
            "'<f4'", "'>f8'", "'<f2'", "'<i4'", "True", "False", "None", "0", "3", "-1", "2L", "99999999999999999999", "9223372036854775807", "(2, 3)", "()", "(6,)"];
        var gen = Gen.Int[0, pieces.Length - 1].Array[0, 30].Select(ix => string.Concat(ix.Select(i => pieces[i])));
        gen.Sample(header =>
        {
            ReadOnlyOrDocumented(MakeNpy(header, F32Bytes([1, 2, 3, 4, 5, 6])), seekable: true);
            ReadOnlyOrDocumented(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': " + header + "}", F32Bytes([1, 2, 3, 4, 5, 6])), seekable: false);
        }, iter: 3000);
    }

    // ---------------------------------------------------------------- helpers

    private static void ReadOnlyOrDocumented(byte[] bytes, bool seekable)
    {
        Stream s = seekable ? new MemoryStream(bytes) : new NonSeekableStream(bytes);
        try
        {
            Npy.Read(s, "fuzz.npy");
        }
        catch (InvalidDataException e)
        {
            Assert.Contains("fuzz.npy", e.Message);
        }
        catch (NotSupportedException e)
        {
            Assert.Contains("fuzz.npy", e.Message);
        }
    }

    private void AssertSameAsNumpy(string referenceFile, Action<string> write)
    {
        string path = Path.Combine(_dir, "same_" + referenceFile);
        write(path);
        Assert.Equal(File.ReadAllBytes(Ref(referenceFile)), File.ReadAllBytes(path));
    }

    private static string Ref(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "npy", name);

    private string Temp(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] F32Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>Builds a .npy file from raw header text (no padding added) and raw data bytes.</summary>
    private static byte[] MakeNpy(string header, byte[] data, int major = 1)
    {
        byte[] h = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(header);
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        Span<byte> len = stackalloc byte[4];
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(len, checked((ushort)h.Length));
            ms.Write(len[..2]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)h.Length);
            ms.Write(len);
        }

        ms.Write(h);
        ms.Write(data);
        return ms.ToArray();
    }
}
