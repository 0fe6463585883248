using System.Diagnostics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Serialization;
using static DepthwiseSharp.Tests.KerasFiles.KerasTestFiles;

namespace DepthwiseSharp.Tests.KerasFiles;

/// <summary>
/// Truncated and bit-flipped copies of every Keras test file: each either loads or fails with a documented exception
/// (<see cref="InvalidDataException"/>, <see cref="NotSupportedException"/>, the <see cref="ArgumentException"/> family)
/// whose message names the file; PureHDF, zip, index and null-reference exceptions never escape raw.
/// </summary>
public class KerasCorruptionTests
{
    public static TheoryData<string> Files() =>
    [
        .. SharedFiles,
        "fixtures/legacy_split.h5", "fixtures/chain12.keras",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void Truncated_copies_fail_with_documented_exceptions_naming_the_file(string name)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(File(name));
        var lengths = new SortedSet<int> { 0, 1, 4, 7, 8, 16, 64, 100, 512, 1024, 2048, 4096 };
        for (int i = 1; i < 16; i++)
        {
            lengths.Add(bytes.Length * i / 16);
        }

        lengths.Add(bytes.Length - 1);
        lengths.Add(bytes.Length - 22);
        int failures = 0;
        foreach (int length in lengths.Where(l => l < bytes.Length))
        {
            failures += Exercise(name, bytes[..length], $"truncated at {length}") ? 0 : 1;
        }

        Assert.True(failures > 0, "at least the empty copy must fail");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Bit_flipped_copies_load_or_fail_with_documented_exceptions_naming_the_file(string name)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(File(name));
        var rng = new Random(name.Length * 7919);
        var positions = new SortedSet<int>(Enumerable.Range(0, Math.Min(24, bytes.Length)));
        while (positions.Count < 24 + 72)
        {
            positions.Add(rng.Next(bytes.Length));
        }

        foreach (int position in positions)
        {
            foreach (byte mask in (byte[])[0xFF, (byte)(1 << rng.Next(8))])
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[position] ^= mask;
                Exercise(name, copy, $"byte {position} ^ 0x{mask:X2}");
            }
        }
    }

    [Fact]
    public void Bit_flipped_copies_of_our_own_weights_h5_fail_cleanly()
    {
        // PureHDF writes version-2 object headers, whose checksums and links the loader checks before parsing.
        string saved = TempPath("saved.weights.h5");
        KerasFile.SaveWeightsH5(saved, KerasFile.LoadSequential(File("sequential.keras")));
        byte[] bytes = System.IO.File.ReadAllBytes(saved);
        var rng = new Random(17);
        int failures = 0;
        for (int i = 0; i < 160; i++)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[i < 48 ? i * 8 : rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            failures += Exercise(saved, copy, $"flip {i}") ? 0 : 1;
        }

        Assert.True(failures > 0);
    }

    /// <summary>Inspects and loads a damaged copy; true when everything loaded.</summary>
    private static bool Exercise(string name, byte[] bytes, string what)
    {
        string path = TempPath(Path.GetFileName(name));
        System.IO.File.WriteAllBytes(path, bytes);
        var config = name.Contains("legacy", StringComparison.Ordinal)
            ? (JsonNode)new JsonObject { ["kernel_size"] = 7, ["depth_multiplier"] = 3 }
            : new JsonObject { ["kernel_size"] = 5, ["depth_multiplier"] = 2 };
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var run = Task.Run(() =>
            {
                var info = KerasFile.Inspect(path);
                if (info.ModelClassName == "Sequential")
                {
                    KerasFile.LoadSequential(path);
                }

                if (info.HasDepthwiseConv1D)
                {
                    if (info.DepthwiseLayers[0].ClassName is not null)
                    {
                        KerasFile.LoadLayer(path, info.DepthwiseLayers[0].Name);
                    }

                    KerasFile.LoadLayerWeights(path, config, 0);
                }
            });
            Assert.True(Task.WaitAny([run], TimeSpan.FromSeconds(20)) == 0, $"{name} {what}: still running after 20 s");
            run.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException)
        {
            Assert.True(e.Message.Contains(path, StringComparison.Ordinal), $"{name} {what}: {e.GetType().Name} does not name the file: {e.Message}");
            if (e is InvalidDataException && e.InnerException is { } inner)
            {
                // A wrapped exception is fine; a raw one is not (checked by the filter above).
                Assert.NotNull(inner.Message);
            }

            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name} {what}: undocumented {e.GetType().FullName} escaped: {e.Message}\n{e.StackTrace}");
            return false;
        }
        finally
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20));
            System.IO.File.Delete(path);
        }
    }
}
