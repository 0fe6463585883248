using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Serialization;

/// <summary>The parts of a <c>.keras</c> archive that matter for loading.</summary>
internal sealed record KerasArchiveContents(JsonObject Config, JsonObject? Metadata, byte[] Weights);

/// <summary>Reads and writes the Keras 3 <c>.keras</c> zip archive (<c>saving_lib</c>).</summary>
internal static class KerasArchive
{
    public const string ConfigEntry = "config.json";
    public const string MetadataEntry = "metadata.json";
    public const string WeightsEntry = "model.weights.h5";

    // A config of a few hundred layers is well under a megabyte; the caps stop a zip bomb before anything is inflated.
    public const long MaxConfigBytes = 16L << 20;
    public const long MaxMetadataBytes = 1L << 20;
    public static readonly long MaxWeightsBytes = Array.MaxLength;

    public static bool LooksLikeZip(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));

    public static KerasArchiveContents Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            var configEntry = zip.GetEntry(ConfigEntry)
                ?? throw new KerasFormatException($"the archive has no {ConfigEntry} (entries: {Describe(zip)})");
            var weightsEntry = zip.GetEntry(WeightsEntry);
            if (weightsEntry is null)
            {
                if (zip.GetEntry("model.weights.npz") is not null)
                {
                    throw new NotSupportedException($"{path}: the archive stores its weights as model.weights.npz; only model.weights.h5 is supported.");
                }

                throw new KerasFormatException($"the archive has no {WeightsEntry} (entries: {Describe(zip)})");
            }

            var config = ParseObject(ReadEntry(configEntry, MaxConfigBytes, stream.Length), ConfigEntry);
            var metadataEntry = zip.GetEntry(MetadataEntry);
            var metadata = metadataEntry is null ? null : ParseObject(ReadEntry(metadataEntry, MaxMetadataBytes, stream.Length), MetadataEntry);
            var weights = ReadEntry(weightsEntry, MaxWeightsBytes, stream.Length);
            return new KerasArchiveContents(config, metadata, weights);
        }
        catch (KerasFormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}.", e);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or JsonException or NotImplementedException
                                      or IndexOutOfRangeException or NullReferenceException or OverflowException or FormatException)
        {
            if (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new FileNotFoundException($"Keras file not found: {path}", path, e);
            }

            throw new InvalidDataException($"{path}: not a valid .keras archive (corrupt or truncated zip): {e.Message}", e);
        }
    }

    private static string Describe(ZipArchive zip) =>
        zip.Entries.Count == 0 ? "none" : string.Join(", ", zip.Entries.Take(10).Select(e => e.FullName)) + (zip.Entries.Count > 10 ? ", ..." : "");

    private static byte[] ReadEntry(ZipArchiveEntry entry, long cap, long archiveLength)
    {
        if (entry.Length > cap || entry.Length < 0)
        {
            throw new KerasFormatException($"the entry {entry.FullName} declares {entry.Length} bytes, more than the {cap} allowed");
        }

        // The declared size is a number in the archive, not data: the buffer grows with what actually inflates, so a
        // 2 KB archive that declares a 2 GB entry costs 2 KB, not a 2 GB allocation (found by the hardening fuzzer).
        long start = Math.Min(entry.Length, Math.Min(Math.Max(4096L, entry.CompressedLength), Math.Max(4096L, archiveLength)));
        var buffer = new MemoryStream((int)start);
        using (var s = entry.Open())
        {
            var chunk = new byte[81920];
            int n;
            while ((n = s.Read(chunk, 0, chunk.Length)) > 0)
            {
                // The declared size may lie (a bomb inflates past it): one byte more is enough to know.
                if (buffer.Length + n > entry.Length)
                {
                    throw new KerasFormatException($"the entry {entry.FullName} holds more data than its declared {entry.Length} bytes");
                }

                buffer.Write(chunk, 0, n);
            }
        }

        if (buffer.Length < entry.Length)
        {
            throw new KerasFormatException($"the entry {entry.FullName} is truncated ({buffer.Length} of {entry.Length} bytes)");
        }

        byte[] bytes = buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        if (Crc32(bytes) != entry.Crc32)
        {
            throw new KerasFormatException($"the entry {entry.FullName} fails its CRC check (the archive is corrupt)");
        }

        return bytes;
    }

    private static JsonObject ParseObject(byte[] bytes, string entry)
    {
        try
        {
            var node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
                ?? throw new KerasFormatException($"{entry} is not a JSON object");

            // A lone surrogate escape parses, then throws InvalidOperationException wherever the string is read.
            KerasObjects.CheckWellFormed(node, entry, maxDepth: 256);
            return node;
        }
        catch (JsonException e)
        {
            throw new KerasFormatException($"{entry} is not valid JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new KerasFormatException(e.Message.TrimEnd('.'));
        }
    }

    /// <summary>Writes the archive, entries stored uncompressed as Keras writes them, through a temporary file.</summary>
    public static void Write(string path, string configJson, string metadataJson, byte[] weights)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                var now = DateTimeOffset.Now;
                Add(zip, MetadataEntry, Encoding.UTF8.GetBytes(metadataJson), now);
                Add(zip, ConfigEntry, Encoding.UTF8.GetBytes(configJson), now);
                Add(zip, WeightsEntry, weights, now);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes, DateTimeOffset time)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = time;
        using var s = entry.Open();
        s.Write(bytes);
    }

    /// <summary>The <c>config.json</c> of a Keras 3 Sequential of <paramref name="layers"/>, as <c>saving_lib</c> writes it.</summary>
    public static JsonObject SequentialConfig(IReadOnlyList<DepthwiseConv1D> layers, int?[] inputShape, string modelName)
    {
        var layerObjects = new JsonArray
        {
            new JsonObject
            {
                ["module"] = "keras.layers",
                ["class_name"] = "InputLayer",
                ["registered_name"] = null,
                ["config"] = new JsonObject
                {
                    ["batch_shape"] = ShapeArray(inputShape),
                    ["dtype"] = layers[0].DType.ToKeras(),
                    ["sparse"] = false,
                    ["ragged"] = false,
                    ["name"] = "input_layer",
                    ["optional"] = false,
                },
            },
        };

        int?[] shape = inputShape;
        foreach (var layer in layers)
        {
            layerObjects.Add(new JsonObject
            {
                ["module"] = "keras.layers",
                ["class_name"] = layer.ClassName,
                ["registered_name"] = null,
                ["config"] = layer.GetConfig(),
                ["build_config"] = new JsonObject { ["input_shape"] = ShapeArray(shape) },
            });
            shape = layer.ComputeOutputShape(shape);
        }

        return new JsonObject
        {
            ["module"] = "keras",
            ["class_name"] = "Sequential",
            ["registered_name"] = null,
            ["config"] = new JsonObject
            {
                ["name"] = modelName,
                ["trainable"] = true,
                ["dtype"] = DTypePolicy.Float32.ToConfig(),
                ["layers"] = layerObjects,
                ["build_input_shape"] = ShapeArray(inputShape),
            },
            ["build_config"] = new JsonObject { ["input_shape"] = ShapeArray(inputShape) },
        };
    }

    public static JsonObject Metadata(string kerasVersion, DateTime now) => new()
    {
        ["keras_version"] = kerasVersion,
        ["date_saved"] = now.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
    };

    private static JsonArray ShapeArray(IReadOnlyList<int?> shape)
    {
        var arr = new JsonArray();
        foreach (int? d in shape)
        {
            arr.Add(d is int v ? JsonValue.Create(v) : null);
        }

        return arr;
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>The zip CRC-32 (IEEE 802.3, reflected).</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }
}
