using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using TorchSharp;

namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>Loads libtorch the way the comparison needs it, and says which one it loaded.</summary>
internal static partial class LibTorchRuntime
{
    private const int MallocTrimThreshold = -1;
    private const int MallocMmapMax = -4;

    /// <summary>
    /// Everything before the first libtorch call: the wrapper's libstdc++ patch (<see cref="GlibcxxCompat"/>), which must
    /// happen before TorchSharp loads it, and glibc's malloc told to keep freed memory. Returns the lines to print.
    /// </summary>
    public static IReadOnlyList<string> Prepare()
    {
        var notes = new List<string>();
        if (GlibcxxCompat.Apply(AppContext.BaseDirectory) is string patched)
        {
            notes.Add(patched);
        }

        // libtorch allocates every output (and, for channels_first, oneDNN's blocked copies) anew per call. With glibc's
        // defaults, blocks this large are fresh mmaps, page-faulted in again on every call, which would time the kernel's
        // page faults rather than its convolution; our engine writes into a buffer the caller keeps. Never mmapping and
        // never trimming reuses freed blocks, as the caching allocators that PyTorch recommends for CPU do.
        if (OperatingSystem.IsLinux() && Mallopt(MallocMmapMax, 0) == 1 && Mallopt(MallocTrimThreshold, int.MaxValue) == 1)
        {
            notes.Add("glibc malloc: no mmap, no trim (libtorch's per-call outputs reuse freed memory)");
        }

        return notes;
    }

    /// <summary>
    /// "TorchSharp 0.107.0, libtorch 2.10.0 (path of libtorch_cpu.so)", after the first call into libtorch. The path is
    /// checked: a system libtorch (Debian's python3-torch installs one) must not stand in for the package's.
    /// </summary>
    /// <exception cref="InvalidOperationException">TorchSharp's native library did not load, or libtorch came from elsewhere.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Describe()
    {
        try
        {
            torch.set_num_threads(1);
        }
        catch (TypeInitializationException e)
        {
            throw new InvalidOperationException($"TorchSharp's native library did not load: {Innermost(e).Message}");
        }

        string? loaded = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]) == "libtorch_cpu.so")
            .Select(fields => fields[5])
            .FirstOrDefault();
        if (loaded is null || Path.GetDirectoryName(loaded) != Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory))
        {
            throw new InvalidOperationException($"libtorch_cpu.so was loaded from {loaded ?? "nowhere"}, not from {AppContext.BaseDirectory}");
        }

        return $"TorchSharp {PackageVersion("TorchSharp")}, libtorch {PackageVersion("libtorch-cpu")} ({loaded})";
    }

    /// <summary>A package's version as the app's deps.json records it (libtorch has no version call in TorchSharp).</summary>
    private static string PackageVersion(string id)
    {
        string deps = Path.Combine(AppContext.BaseDirectory, typeof(LibTorchRuntime).Assembly.GetName().Name + ".deps.json");
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        return json.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(library => library.Name.Split('/'))
            .Where(parts => parts.Length == 2 && parts[0].Equals(id, StringComparison.OrdinalIgnoreCase))
            .Select(parts => parts[1])
            .FirstOrDefault() ?? "(version unknown)";
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
