using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>
/// Lets TorchSharp 0.107's wrapper, libLibTorchSharp.so, load where libstdc++ predates GCC 13 (Debian 12 stops at
/// GLIBCXX_3.4.30). The wrapper was linked against GCC 13's libstdc++ and names GLIBCXX_3.4.32 for one symbol,
/// <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; references only to pull in the library's stream
/// setup: no relocation uses it, so the loader never looks it up. What fails is the loader's check, at load time, that
/// every version the wrapper names exists. This marks such a version reference weak (VER_FLG_WEAK), which makes a missing
/// version non-fatal, in the copy beside the app only, and only when every symbol that needs the version is one that no
/// relocation uses. libtorch itself needs nothing newer.
/// </summary>
internal static class GlibcxxCompat
{
    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>
    /// Patches <c>libLibTorchSharp.so</c> in <paramref name="directory"/> when it names libstdc++ versions that the
    /// process's libstdc++ lacks; returns what it did, or null when nothing was needed (or not on Linux).
    /// </summary>
    /// <exception cref="NotSupportedException">A missing version is needed by a symbol that a relocation uses: weakening
    /// it would only move the failure to the first call.</exception>
    public static string? Apply(string directory)
    {
        string wrapper = Path.Combine(directory, "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(wrapper))
        {
            return null;
        }

        var defined = LibstdcxxVersions();
        var elf = new Elf(File.ReadAllBytes(wrapper));
        var missing = elf.VersionNeeds("libstdc++.so.6").Where(n => !defined.Contains(n.Name)).ToList();
        if (missing.All(n => (n.Flags & VerFlgWeak) != 0))
        {
            return null;
        }

        var indexes = missing.Select(n => n.Index).ToHashSet();
        var needers = elf.SymbolsWithVersion(indexes);
        var relocated = elf.RelocatedSymbols();
        var used = needers.Where(s => relocated.Contains(s.Index)).Select(s => s.Name).ToList();
        if (used.Count > 0)
        {
            throw new NotSupportedException($"{wrapper} needs {string.Join(", ", missing.Select(n => n.Name))} for {string.Join(", ", used)}, "
                + "which it calls; this libstdc++ lacks them. Install a libstdc++ from GCC 13 or newer.");
        }

        foreach (var need in missing)
        {
            elf.SetFlags(need, (ushort)(need.Flags | VerFlgWeak));
        }

        // A new file renamed over the old one: the build may have hard-linked the copy to NuGet's cache, which stays as it is.
        string temporary = wrapper + ".compat";
        File.WriteAllBytes(temporary, elf.Bytes);
        File.SetUnixFileMode(temporary, File.GetUnixFileMode(wrapper));
        File.Move(temporary, wrapper, overwrite: true);
        return $"{Path.GetFileName(wrapper)}: marked {string.Join(", ", missing.Select(n => n.Name))} weak (this libstdc++ lacks it; "
            + $"needed only by {string.Join(", ", needers.Select(s => s.Name))}, which nothing calls)";
    }

    /// <summary>The version names that the libstdc++ this process binds to defines (GLIBCXX_3.4, ..., CXXABI_1.3, ...).</summary>
    private static HashSet<string> LibstdcxxVersions()
    {
        // Loading it by name gives the file the loader would give the wrapper; /proc/self/maps then names that file.
        NativeLibrary.Load("libstdc++.so.6");
        string path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith("libstdc++.so", StringComparison.Ordinal))
            .Select(fields => fields[5])
            .FirstOrDefault() ?? throw new NotSupportedException("libstdc++.so.6 is loaded but /proc/self/maps does not name it");
        return new Elf(File.ReadAllBytes(path)).VersionDefinitions();
    }

    /// <summary>One version a library needs from another: its name, flags, index and where its flags are in the file.</summary>
    private sealed record VersionNeed(string Name, ushort Flags, ushort Index, int FlagsOffset);

    /// <summary>The few parts of a 64-bit little-endian ELF shared library that the patch reads: sections, dynamic
    /// symbols, version definitions and needs, and relocations.</summary>
    private sealed class Elf
    {
        private readonly (uint Type, long Offset, long Size, uint Link, uint Info, long EntrySize)[] _sections;

        public Elf(byte[] bytes)
        {
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F' || bytes[4] != 2 || bytes[5] != 1)
            {
                throw new NotSupportedException("not a 64-bit little-endian ELF file");
            }

            Bytes = bytes;
            long offset = (long)U64(0x28);
            int size = U16(0x3A), count = U16(0x3C);
            _sections = Enumerable.Range(0, count).Select(i =>
            {
                long at = offset + ((long)i * size);
                return (U32(at + 4), (long)U64(at + 24), (long)U64(at + 32), U32(at + 40), U32(at + 44), (long)U64(at + 56));
            }).ToArray();
        }

        public byte[] Bytes { get; }

        public HashSet<string> VersionDefinitions()
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var section in _sections.Where(s => s.Type == ShtGnuVerdef))
            {
                long strings = _sections[section.Link].Offset;
                long at = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    // Elf64_Verdef: version, flags, index, aux count (u16 each), hash, aux offset, next offset (u32 each).
                    names.Add(String(strings, U32(at + U32(at + 12))));
                    at += U32(at + 16);
                }
            }

            return names;
        }

        public List<VersionNeed> VersionNeeds(string file)
        {
            var needs = new List<VersionNeed>();
            foreach (var section in _sections.Where(s => s.Type == ShtGnuVerneed))
            {
                long strings = _sections[section.Link].Offset;
                long at = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    // Elf64_Verneed: version, aux count (u16), file, aux offset, next offset (u32).
                    if (String(strings, U32(at + 4)) == file)
                    {
                        long aux = at + U32(at + 8);
                        for (int j = 0; j < U16(at + 2); j++)
                        {
                            // Elf64_Vernaux: hash (u32), flags, index (u16), name, next offset (u32).
                            needs.Add(new VersionNeed(String(strings, U32(aux + 8)), U16(aux + 4), U16(aux + 6), (int)(aux + 4)));
                            aux += U32(aux + 12);
                        }
                    }

                    at += U32(at + 12);
                }
            }

            return needs;
        }

        public List<(uint Index, string Name)> SymbolsWithVersion(IReadOnlySet<ushort> versions)
        {
            var dynsym = _sections.Single(s => s.Type == ShtDynsym);
            var versym = _sections.Single(s => s.Type == ShtGnuVersym);
            long strings = _sections[dynsym.Link].Offset;
            var symbols = new List<(uint, string)>();
            for (uint i = 0; i < dynsym.Size / 24; i++)
            {
                // Bit 15 of a versym entry marks a hidden version; the index is the rest.
                if (versions.Contains((ushort)(U16(versym.Offset + (2 * i)) & 0x7fff)))
                {
                    symbols.Add((i, String(strings, U32(dynsym.Offset + (24 * i)))));
                }
            }

            return symbols;
        }

        public HashSet<uint> RelocatedSymbols()
        {
            int dynsym = Array.FindIndex(_sections, s => s.Type == ShtDynsym);
            var used = new HashSet<uint>();
            foreach (var section in _sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsym))
            {
                long entry = section.EntrySize > 0 ? section.EntrySize : section.Type == ShtRela ? 24 : 16;
                for (long at = section.Offset; at + entry <= section.Offset + section.Size; at += entry)
                {
                    used.Add((uint)(U64(at + 8) >> 32));
                }
            }

            return used;
        }

        public void SetFlags(VersionNeed need, ushort flags) => BinaryPrimitives.WriteUInt16LittleEndian(Bytes.AsSpan(need.FlagsOffset), flags);

        private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan((int)at));

        private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan((int)at));

        private ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan((int)at));

        private string String(long table, uint offset)
        {
            var rest = Bytes.AsSpan((int)(table + offset));
            return Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)0)]);
        }
    }
}
