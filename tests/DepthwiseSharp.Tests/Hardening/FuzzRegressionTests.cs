using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Text;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Every input the fuzzers found that broke the contract, exactly as found, now checked on every run.</summary>
public class FuzzRegressionTests
{
    // Found by Layer_config_parser_survives_mutated_configs: "\ud800" parses, but reading or printing the string threw
    // System.Text.Json's InvalidOperationException ("Cannot read incomplete UTF-16 JSON text") from deep inside the reader.
    private const string LoneSurrogate = """{"module":"keras.layers","class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_3","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":4,"kernel_size":[31],"strides":[2],"padding":"same","data_format":"channels_last","dilation_rate":[1],"activation":"mish","use_bias":[[{"config":1},"\ud800"]],"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"relu","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":{"module":"keras.constraints","class_name":"NonNeg","config":{},"registered_name":null},"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,18,2]}}""";

    // Found by the same fuzzer: C = 2^31 - 1 channels made BuildForChannels' checked product throw OverflowException.
    private const string HugeBuildShape = """{"module":"keras.layers","class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_1","trainable":true,"dtype":{"module":1,"class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":3,"kernel_size":[15],"strides":[1],"padding":"same","data_format":"channels_last","dilation_rate":[5],"activation":"hard_tanh","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":{"module":"keras.regularizers","class_name":"L2","config":{"l2":0.01},"registered_name":null},"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":null,"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,2147483647,2147483647]}}""";

    // Found by the same fuzzer: dilation 2^31 - 1 with same padding overflowed the pad computation (OverflowException).
    private const string HugeDilation = """{"module":"keras.layers","class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_14","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":1,"kernel_size":[15],"strides":[1],"padding":"same","data_format":"channels_last","dilation_rate":[2147483647],"activation":"relu6","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":-0,"class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":{"module":"keras.constraints","class_name":"NonNeg","config":{},"registered_name":null},"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,31,3]}}""";

    // Found by the same fuzzer: stride 2^31 - 1 on a channels_first input overflowed the kernel's phase arithmetic
    // (IndexOutOfRangeException), and any stride far past the input sized a scratch buffer by the stride.
    private const string HugeStride = """{"module":[null,null,3],"class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_17","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":1,"kernel_size":[3],"strides":[2147483647],"padding":"valid","data_format":"channels_first","dilation_rate":[1],"activation":"hard_shrink","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":{"module":"float16","class_name":"L1L2","config":{"l1":0.001,"l2":0.01},"registered_name":null},"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":null,"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,2,13]}}""";

    [Theory]
    [InlineData(LoneSurrogate, "not valid UTF-16")]
    [InlineData(HugeBuildShape, "more than the limit")]
    [InlineData(HugeDilation, "dilation_rate=2147483647")]
    public void Configs_the_fuzzer_found_are_argument_exceptions(string json, string fragment)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromJson(json));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Fuzz.CheckConfig(json);
    }

    [Fact]
    public void The_huge_stride_config_runs_and_equals_a_small_stride()
    {
        var layer = DepthwiseConv1D.FromJson(HugeStride);
        var reference = new DepthwiseConv1D(3, 3, "valid", 1, "channels_first", activation: "hard_shrink");
        reference.SetWeights(layer.GetWeights<float>());
        var x = Tensor.Create(Enumerable.Range(0, 2 * 2 * 5).Select(i => (float)Math.Sin(i)).ToArray(), [2, 2, 5]);
        Assert.Equal(TestData.Flat(reference.Call(x)), TestData.Flat(layer.Call(x)));
        Fuzz.CheckConfig(HugeStride);
    }

    private static string KerasFile(string name) => Path.Combine(TestData.Root, "keras-files", name);

    /// <summary>A copy of sequential.keras with one entry replaced (stored, with a correct CRC).</summary>
    private static string ArchiveWith(string dir, string entryName, Func<string, string> edit)
    {
        string path = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".keras");
        using (var source = ZipFile.OpenRead(KerasFile("sequential.keras")))
        using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var entry in source.Entries)
            {
                using var reader = entry.Open();
                var content = new MemoryStream();
                reader.CopyTo(content);
                byte[] data = entry.FullName == entryName ? Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(content.ToArray()))) : content.ToArray();
                using var writer = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                writer.Write(data);
            }
        }

        return path;
    }

    private static InvalidDataException KerasFails(string path, string fragment)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Serialization.KerasFile.Inspect(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (64 << 20), "allocated more than 64 MiB");
        return e;
    }

    [Fact]
    public void Keras_archive_with_a_lone_surrogate_in_its_metadata()
    {
        // Found by Keras_reader_survives_mutated_files: metadata.json {"keras_version":"\ud800",...} made the reader's
        // GetValue<string> throw System.Text.Json's InvalidOperationException.
        string dir = Directory.CreateTempSubdirectory("dw_reg").FullName;
        try
        {
            string path = ArchiveWith(dir, "metadata.json", _ => """{"keras_version":"\ud800","date_saved":"2026-11-23@12:00:00"}""");
            KerasFails(path, "not valid UTF-16");
            path = ArchiveWith(dir, "config.json", c => c.Replace("\"name\": \"dw_a\"", "\"name\": \"\\udc00\"", StringComparison.Ordinal)
                .Replace("\"name\":\"dw_a\"", "\"name\":\"\\udc00\"", StringComparison.Ordinal));
            Documented.RunNaming(path, () => Serialization.KerasFile.LoadSequential(path), typeof(InvalidDataException));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Keras_archive_whose_config_names_an_initializer_that_cannot_build()
    {
        // Found by the same fuzzer: an identity initializer cannot fill a (k, C, M) kernel; the build failed with an
        // ArgumentException that did not name the file.
        string dir = Directory.CreateTempSubdirectory("dw_reg").FullName;
        try
        {
            string path = ArchiveWith(dir, "config.json", c => c.Replace(
                "\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null, \"input_axes\": null, \"output_axes\": null}",
                "\"class_name\": \"Identity\", \"config\": {}", StringComparison.Ordinal));
            var e = Assert.Throws<InvalidDataException>(() => Serialization.KerasFile.LoadSequential(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("Identity matrix initializer can only be used for 2D matrices", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Truncated_legacy_h5_is_refused_from_its_superblock()
    {
        // Found by the same fuzzer: legacy_model.h5 cut to 6487 of its 12408 bytes made PureHDF allocate 1.7 GB before the
        // guarded stream stopped it; the superblock's end-of-file address (12408) now refuses it up front, as libhdf5 does.
        string dir = Directory.CreateTempSubdirectory("dw_reg").FullName;
        try
        {
            string path = Path.Combine(dir, "legacy_model.h5");
            File.WriteAllBytes(path, File.ReadAllBytes(KerasFile("legacy_model.h5"))[..6487]);
            KerasFails(path, "truncated");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Legacy_h5_with_a_corrupt_global_heap_index_fails_cleanly()
    {
        // Found by the same fuzzer (exact edits): the error is right, but PureHDF allocated about 1.3 GB while looping
        // before the guard's read budget stopped it (bounded; see SECURITY.md, "not defended against").
        string dir = Directory.CreateTempSubdirectory("dw_reg").FullName;
        try
        {
            byte[] bytes = File.ReadAllBytes(KerasFile("legacy_model.h5"));
            bytes[3003] = 0xFF;
            bytes[3004] = 0xFF;
            bytes[9615] = 0x4D;
            string path = Path.Combine(dir, "legacy_model.h5");
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => Serialization.KerasFile.Inspect(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Keras_archive_that_declares_a_huge_entry_allocates_nothing_for_it()
    {
        // Found while fuzzing the Keras reader's declared sizes: a 2 KB archive whose model.weights.h5 claims 2,000,000,000
        // bytes made the reader allocate 2 GB before finding the entry truncated; the buffer now grows with the data.
        string dir = Directory.CreateTempSubdirectory("dw_reg").FullName;
        try
        {
            string path = Path.Combine(dir, "bomb.keras");
            using (var source = ZipFile.OpenRead(KerasFile("sequential.keras")))
            using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
            {
                foreach (var entry in source.Entries)
                {
                    using var reader = entry.Open();
                    using var writer = target.CreateEntry(entry.FullName, CompressionLevel.Optimal).Open();
                    reader.CopyTo(writer);
                }
            }

            byte[] bytes = File.ReadAllBytes(path);
            KerasMutator.SetDeclaredSize(bytes, "model.weights.h5", 2_000_000_000);
            File.WriteAllBytes(path, bytes);
            KerasFails(path, "is truncated");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
