using System.IO.Compression;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json.Nodes;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;
using static DepthwiseSharp.Tests.KerasFiles.KerasTestFiles;

namespace DepthwiseSharp.Tests.KerasFiles;

/// <summary>Saving .keras and .weights.h5: Keras's layout, and bit-exact round trips through our own loader.</summary>
public class KerasSaveTests
{
    private static string EntryText(string archive, string entry)
    {
        using var zip = ZipFile.OpenRead(archive);
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Fact]
    public void Saved_archive_reproduces_the_keras_config_json_byte_for_byte()
    {
        var layers = KerasFile.LoadSequential(File("sequential.keras"));
        string path = TempPath("resaved.keras");
        KerasFile.SaveKeras(path, layers, [null, 50, 8]);
        Assert.Equal(EntryText(File("sequential.keras"), "config.json"), EntryText(path, "config.json"));
    }

    [Fact]
    public void Saved_archive_has_keras_entries_stored_and_metadata()
    {
        var layers = KerasFile.LoadSequential(File("sequential.keras"));
        string path = TempPath("resaved.keras");
        KerasFile.SaveKeras(path, layers, [null, 50, 8]);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["metadata.json", "config.json", "model.weights.h5"], zip.Entries.Select(e => e.FullName));
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
        }

        var metadata = JsonNode.Parse(EntryText(path, "metadata.json"))!.AsObject();
        Assert.Equal(["keras_version", "date_saved"], metadata.Select(p => p.Key));
        Assert.StartsWith("3.", metadata["keras_version"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$", metadata["date_saved"]!.GetValue<string>());
        Assert.Matches("""^\{"keras_version": "[^"]+", "date_saved": "[^"]+"\}$""", EntryText(path, "metadata.json"));
    }

    [Fact]
    public void Saved_archive_lists_like_the_keras_one()
    {
        var layers = KerasFile.LoadSequential(File("sequential.keras"));
        string path = TempPath("resaved.keras");
        KerasFile.SaveKeras(path, layers, [null, 50, 8]);
        var ours = KerasFile.Inspect(path);
        var keras = KerasFile.Inspect(File("sequential.keras"));
        Assert.Equal(Describe(keras), Describe(ours));
        Assert.Equal(KerasFile.SavedKerasVersion, ours.KerasVersion);
    }

    [Fact]
    public void Saved_weights_h5_has_the_keras_groups_and_name_attributes()
    {
        var layers = KerasFile.LoadSequential(File("sequential.keras"));
        string path = TempPath("resaved.weights.h5");
        KerasFile.SaveWeightsH5(path, layers);
        Assert.Equal(Describe(KerasFile.Inspect(File("sequential.weights.h5"))), Describe(KerasFile.Inspect(path)));
        Assert.Equal(Groups(File("sequential.weights.h5")), Groups(path));
    }

    private static string[] Groups(string path)
    {
        using var r = Hdf5Reader.Open(System.IO.File.ReadAllBytes(path), path);
        var result = new List<string>();
        Walk("");
        return [.. result];

        void Walk(string p)
        {
            var (groups, datasets) = r.Children(p);
            string name = r.AttributeExists(p, "name") ? "@name=" + r.ReadStrings(p, "name")[0] : "";
            result.Add($"{(p.Length == 0 ? "/" : p)}{name} [{string.Join(",", datasets.Select(d => $"{d}:{r.DatasetInfo(KerasWeightsH5.Join(p, d)).DType}"))}]");
            foreach (var g in groups)
            {
                Walk(KerasWeightsH5.Join(p, g));
            }
        }
    }

    private static string[] Describe(KerasModelInfo info) =>
        [.. info.Layers.Select(l => $"{l.Name}|{l.ClassName}|{l.WeightsPath}|{string.Join(";", l.Variables.Select(v => v.ToString()))}")];

    [Fact]
    public void Float32_layers_round_trip_bit_exact_through_keras_and_weights_h5()
    {
        var a = new DepthwiseConv1D(4, 1, "same", depthMultiplier: 3, activation: "gelu", name: "rt_a");
        var b = new DepthwiseConv1D(2, 2, "valid", useBias: false, depthwiseRegularizer: "l2", name: "rt_b");
        a.Build([null, 9, 5]);
        b.Build([null, 9, 15]);
        SetRandom(a, 1);
        SetRandom(b, 2);
        string keras = TempPath("rt.keras");
        string weights = TempPath("rt.weights.h5");
        KerasFile.SaveKeras(keras, [a, b]);
        KerasFile.SaveWeightsH5(weights, [a, b]);

        var loaded = KerasFile.LoadSequential(keras);
        Assert.Equal(a.GetConfig().ToJsonString(), loaded[0].GetConfig().ToJsonString());
        Assert.Equal(b.GetConfig().ToJsonString(), loaded[1].GetConfig().ToJsonString());
        AssertSameBits(a, loaded[0]);
        AssertSameBits(b, loaded[1]);
        AssertSameBits(a, KerasFile.LoadLayerWeights(weights, a.GetConfig(), 0));
        AssertSameBits(b, KerasFile.LoadLayerWeights(weights, b.Serialize(), 1));

        var x = Tensor.Create(Enumerable.Range(0, 2 * 9 * 5).Select(i => MathF.Sin(i)).ToArray(), [2, 9, 5]);
        Assert.Equal(TestData.Flat(b.Call(a.Call(x))), TestData.Flat(KerasSequential.Run(loaded, x)));
    }

    [Fact]
    public void Float64_layers_round_trip_bit_exact_and_store_float64()
    {
        var a = new DepthwiseConv1D(3, 1, "valid", depthMultiplier: 2, dataFormat: "channels_first", name: "f64_a", dtype: "float64");
        a.Build([null, 4, 7]);
        SetRandom(a, 3);
        string keras = TempPath("f64.keras");
        string weights = TempPath("f64.weights.h5");
        KerasFile.SaveKeras(keras, [a]);
        KerasFile.SaveWeightsH5(weights, [a]);
        Assert.All(KerasFile.Inspect(keras).Layers.SelectMany(l => l.Variables), v => Assert.Equal("float64", v.DType));
        var loaded = KerasFile.LoadLayer(keras, "f64_a");
        Assert.Equal(DType.Float64, loaded.DType);
        AssertSameBits(a, loaded);
        AssertSameBits(a, KerasFile.LoadLayerWeights(weights, a.GetConfig()));
        var info = KerasFile.Inspect(keras);
        Assert.Equal([null, 4, null], ShapeOf(info.Layers[0].GetConfig()!["config"]!["batch_shape"]!));
    }

    [Fact]
    public void Saving_checks_its_arguments()
    {
        var unbuilt = new DepthwiseConv1D(3, name: "unbuilt");
        Assert.Throws<ArgumentException>(() => KerasFile.SaveKeras(TempPath("x.keras"), [unbuilt]));
        Assert.Throws<ArgumentException>(() => KerasFile.SaveKeras(TempPath("x.keras"), []));
        var a = new DepthwiseConv1D(3, name: "same_name");
        var b = new DepthwiseConv1D(3, name: "same_name2");
        a.Build([null, 8, 4]);
        b.Build([null, 8, 5]);
        var chain = Assert.Throws<ArgumentException>(() => KerasFile.SaveKeras(TempPath("x.keras"), [a, b]));
        Assert.Contains("same_name2", chain.Message);
        var dup = Assert.Throws<ArgumentException>(() => KerasFile.SaveWeightsH5(TempPath("x.weights.h5"), [a, a]));
        Assert.Contains("unique names", dup.Message);
        Assert.Throws<ArgumentException>(() => KerasFile.SaveKeras(TempPath("x.keras"), [a], [null, 8, 6]));
    }

    [Fact]
    public void Config_listing_a_layer_the_weights_lack_reports_zero_variables()
    {
        // sequential.keras's config (dw_a, dw_b) over weights holding only one group.
        var dw = KerasFile.LoadLayer(File("sequential.keras"), "dw_a");
        string single = TempPath("single.keras");
        KerasFile.SaveKeras(single, [dw], [null, 50, 8]);
        string mixed = TempPath("mixed.keras");
        using (var zip = ZipFile.Open(mixed, ZipArchiveMode.Create))
        {
            foreach (var (name, source) in new[] { ("metadata.json", single), ("config.json", File("sequential.keras")), ("model.weights.h5", single) })
            {
                var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
                using var to = entry.Open();
                using var from = ZipFile.OpenRead(source);
                using var s = from.GetEntry(name)!.Open();
                s.CopyTo(to);
            }
        }

        var e = Assert.Throws<InvalidDataException>(() => KerasFile.LoadLayer(mixed, "dw_b"));
        Assert.Contains("Layer 'dw_b' expected 1 variables, but received 0 variables during loading", e.Message);
        Assert.Contains("mixed.keras", e.Message);
    }

    private static int?[] ShapeOf(JsonNode node) => [.. node.AsArray().Select(n => n is null ? (int?)null : n.GetValue<int>())];

    private static void SetRandom(DepthwiseConv1D layer, int seed)
    {
        var rng = new Random(seed);
        foreach (var w in layer.Weights)
        {
            if (w.DType == DType.Float32)
            {
                var span = w.AsSpan<float>();
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = (float)(rng.NextDouble() * 2 - 1) * MathF.PI;
                }
            }
            else
            {
                var span = w.AsSpan<double>();
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = (rng.NextDouble() * 2 - 1) * Math.PI;
                }
            }
        }
    }

    private static void AssertSameBits(DepthwiseConv1D expected, DepthwiseConv1D actual)
    {
        Assert.Equal(expected.Weights.Count, actual.Weights.Count);
        for (int i = 0; i < expected.Weights.Count; i++)
        {
            Assert.Equal(expected.Weights[i].Shape, actual.Weights[i].Shape);
            Assert.Equal(expected.Weights[i].DType, actual.Weights[i].DType);
            if (expected.DType == DType.Float32)
            {
                Assert.Equal(Values(expected.Weights[i]).Select(BitConverter.SingleToInt32Bits), Values(actual.Weights[i]).Select(BitConverter.SingleToInt32Bits));
            }
            else
            {
                Assert.Equal(ValuesDouble(expected.Weights[i]).Select(BitConverter.DoubleToInt64Bits), ValuesDouble(actual.Weights[i]).Select(BitConverter.DoubleToInt64Bits));
            }
        }
    }
}
