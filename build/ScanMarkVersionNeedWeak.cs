// Compiled by MSBuild's RoslynCodeTaskFactory (see Scan.TorchSharpCompat.targets) and, with SCAN_ELF_TESTS
// defined, by the test project, which exercises ElfVersionNeeds directly. RoslynCodeTaskFactory compiles against
// netstandard2.0, so only APIs available there are used.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
#if !SCAN_ELF_TESTS
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

#if !SCAN_ELF_TESTS
/// <summary>
/// Marks one symbol-version need (e.g. GLIBCXX_3.4.32) as weak in ELF shared libraries, when the machine's
/// libstdc++ does not provide that version. Idempotent; a no-op off Linux or where libstdc++ is new enough.
/// </summary>
public sealed class ScanMarkVersionNeedWeak : Task
{
    /// <summary>The copies of libLibTorchSharp.so in the build or publish output.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version need to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        string? providing = LibStdCxx.FindProviding(VersionName, out var inspected);
        if (providing != null)
        {
            Log.LogMessage(MessageImportance.Low,
                "Scan.NET TorchSharp compat: {0} provides {1}; nothing to do.", providing, VersionName);
            return true;
        }

        Log.LogMessage(MessageImportance.Normal,
            "Scan.NET TorchSharp compat: no libstdc++ provides {0} (inspected: {1}); marking the need weak.",
            VersionName, inspected.Count == 0 ? "none found" : string.Join(", ", inspected));

        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            try
            {
                var outcome = ElfVersionNeeds.MarkWeakInFile(path, VersionName);
                Log.LogMessage(MessageImportance.Normal, "Scan.NET TorchSharp compat: {0}: {1}.", path, outcome);
            }
            catch (ElfLayoutException e)
            {
                Log.LogError("Scan.NET TorchSharp compat: {0}: {1} Switch the step off with -p:ScanTorchSharpCompat=false " +
                             "if your libstdc++ is new enough, or report the TorchSharp version in use.", path, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }
}
#endif

/// <summary>What <see cref="ElfVersionNeeds.MarkWeak"/> did.</summary>
public enum ElfPatchOutcome
{
    /// <summary>The version need was strong and is now weak.</summary>
    Patched,

    /// <summary>The version need was already weak (an earlier build patched it).</summary>
    AlreadyWeak,

    /// <summary>The library does not need that version at all (a newer TorchSharp, say).</summary>
    NotNeeded,
}

/// <summary>The ELF file is not laid out the way the patcher expects.</summary>
public sealed class ElfLayoutException : Exception
{
    /// <summary>Creates the exception with a message saying what was expected and what was found.</summary>
    public ElfLayoutException(string message) : base(message) { }
}

/// <summary>Reads and edits the version-needs section (.gnu.version_r) of a little-endian ELF64 file.</summary>
public static class ElfVersionNeeds
{
    /// <summary>VER_FLG_WEAK from elf.h: a missing version is not an error for the loader.</summary>
    public const ushort VerFlagWeak = 0x2;

    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>Patches the file in place by writing a temporary sibling and renaming it over the original.</summary>
    public static ElfPatchOutcome MarkWeakInFile(string path, string versionName)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var outcome = MarkWeak(bytes, versionName);
        if (outcome != ElfPatchOutcome.Patched)
            return outcome;

        // Rename rather than write in place: if the output file is a hard link into the NuGet cache,
        // the cache keeps its original bytes.
        string temp = path + ".scan-compat.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Replace(temp, path, null);
        return outcome;
    }

    /// <summary>Sets <see cref="VerFlagWeak"/> on every Vernaux entry named <paramref name="versionName"/>.</summary>
    /// <exception cref="ElfLayoutException">The bytes are not a little-endian ELF64 file with a sane version-needs section.</exception>
    public static ElfPatchOutcome MarkWeak(byte[] elf, string versionName)
    {
        var entries = ReadNeeds(elf);
        bool any = false, patched = false;
        foreach (var e in entries)
        {
            if (e.Name != versionName) continue;
            any = true;
            ushort flags = ReadU16(elf, e.FlagsOffset);
            if ((flags & VerFlagWeak) == 0)
            {
                WriteU16(elf, e.FlagsOffset, (ushort)(flags | VerFlagWeak));
                patched = true;
            }
        }

        if (!any) return ElfPatchOutcome.NotNeeded;
        return patched ? ElfPatchOutcome.Patched : ElfPatchOutcome.AlreadyWeak;
    }

    /// <summary>One Vernaux entry: the library file it belongs to, the version name, its flags and where they live.</summary>
    public readonly struct VersionNeed
    {
        /// <summary>Creates an entry.</summary>
        public VersionNeed(string file, string name, ushort flags, int flagsOffset)
        {
            File = file; Name = name; Flags = flags; FlagsOffset = flagsOffset;
        }

        /// <summary>The needed library, e.g. libstdc++.so.6.</summary>
        public string File { get; }
        /// <summary>The version, e.g. GLIBCXX_3.4.32.</summary>
        public string Name { get; }
        /// <summary>vna_flags.</summary>
        public ushort Flags { get; }
        /// <summary>File offset of vna_flags.</summary>
        public int FlagsOffset { get; }
    }

    /// <summary>Lists every version need of the file.</summary>
    /// <exception cref="ElfLayoutException">The bytes are not a little-endian ELF64 file with a sane version-needs section.</exception>
    public static List<VersionNeed> ReadNeeds(byte[] elf)
    {
        Require(elf.Length >= 64, $"expected an ELF header of 64 bytes, found a file of {elf.Length} bytes.");
        Require(elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F',
            "expected the ELF magic number 7f 45 4c 46 at offset 0.");
        Require(elf[4] == 2, $"expected a 64-bit ELF file (EI_CLASS 2), found EI_CLASS {elf[4]}.");
        Require(elf[5] == 1, $"expected a little-endian ELF file (EI_DATA 1), found EI_DATA {elf[5]}.");

        ulong shoff = ReadU64(elf, 0x28);
        ushort shentsize = ReadU16(elf, 0x3A);
        ushort shnum = ReadU16(elf, 0x3C);
        Require(shentsize == 64, $"expected section headers of 64 bytes, found {shentsize}.");
        Require(shnum > 0 && shoff + (ulong)shnum * 64 <= (ulong)elf.Length,
            $"expected {shnum} section headers at offset {shoff} inside the file of {elf.Length} bytes.");

        int verneed = -1;
        for (int i = 0; i < shnum; i++)
        {
            if (ReadU32(elf, (int)shoff + i * 64 + 4) == ShtGnuVerneed)
            {
                verneed = i;
                break;
            }
        }
        Require(verneed >= 0, "expected a .gnu.version_r (SHT_GNU_verneed) section, found none.");

        int sh = (int)shoff + verneed * 64;
        ulong secOffset = ReadU64(elf, sh + 24);
        ulong secSize = ReadU64(elf, sh + 32);
        uint link = ReadU32(elf, sh + 40);
        uint count = ReadU32(elf, sh + 44);
        Require(secOffset + secSize <= (ulong)elf.Length, ".gnu.version_r extends past the end of the file.");
        Require(link < shnum, $".gnu.version_r links string table {link}, but there are {shnum} sections.");

        int str = (int)shoff + (int)link * 64;
        ulong strOffset = ReadU64(elf, str + 24);
        ulong strSize = ReadU64(elf, str + 32);
        Require(strOffset + strSize <= (ulong)elf.Length, "the version string table extends past the end of the file.");

        var result = new List<VersionNeed>();
        ulong need = secOffset;
        for (uint n = 0; n < count; n++)
        {
            Require(need + 16 <= secOffset + secSize, $"Verneed entry {n} lies outside .gnu.version_r.");
            ushort version = ReadU16(elf, (int)need);
            Require(version == 1, $"expected Verneed version 1 in entry {n}, found {version}.");
            ushort cnt = ReadU16(elf, (int)need + 2);
            string file = ReadString(elf, strOffset, strSize, ReadU32(elf, (int)need + 4));
            ulong aux = need + ReadU32(elf, (int)need + 8);
            for (int a = 0; a < cnt; a++)
            {
                Require(aux + 16 <= secOffset + secSize, $"Vernaux entry {a} of {file} lies outside .gnu.version_r.");
                ushort flags = ReadU16(elf, (int)aux + 4);
                string name = ReadString(elf, strOffset, strSize, ReadU32(elf, (int)aux + 8));
                result.Add(new VersionNeed(file, name, flags, (int)aux + 4));
                uint nextAux = ReadU32(elf, (int)aux + 12);
                if (nextAux == 0) break;
                aux += nextAux;
            }
            uint next = ReadU32(elf, (int)need + 12);
            if (next == 0) break;
            need += next;
        }
        return result;
    }

    private static string ReadString(byte[] elf, ulong tableOffset, ulong tableSize, uint index)
    {
        Require(index < tableSize, $"string index {index} lies outside the string table of {tableSize} bytes.");
        int start = (int)(tableOffset + index);
        int end = start;
        int limit = (int)(tableOffset + tableSize);
        while (end < limit && elf[end] != 0) end++;
        Require(end < limit, $"string at index {index} is not terminated inside the string table.");
        return Encoding.ASCII.GetString(elf, start, end - start);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ElfLayoutException("Unexpected ELF layout: " + message);
    }

    private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | b[o + 1] << 8);
    private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
    private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | (ulong)ReadU32(b, o + 4) << 32;
    private static void WriteU16(byte[] b, int o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
}

/// <summary>Finds the machine's libstdc++.so.6 and tells whether it defines a symbol version.</summary>
public static class LibStdCxx
{
    private static readonly string[] WellKnownDirectories =
    {
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64", "/lib64", "/usr/lib", "/lib",
    };

    /// <summary>
    /// Returns the path of a libstdc++.so.6 the loader would use that defines <paramref name="versionName"/>,
    /// or null when the ones found do not (or none is found: then weakening the need is the safe choice).
    /// </summary>
    public static string? FindProviding(string versionName, out List<string> inspected)
    {
        inspected = new List<string>();
        byte[] needle = Encoding.ASCII.GetBytes(versionName + "\0");
        foreach (string path in Candidates())
        {
            inspected.Add(path);
            if (Contains(File.ReadAllBytes(path), needle))
                return path;
            // The loader takes the first match of ldconfig's cache; later candidates do not matter.
            return null;
        }
        return null;
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (string path in FromLdconfig())
            if (File.Exists(path)) { yield return path; yield break; }
        foreach (string dir in WellKnownDirectories)
        {
            string path = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(path)) { yield return path; yield break; }
        }
    }

    private static List<string> FromLdconfig()
    {
        var paths = new List<string>();
        foreach (string ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig)) continue;
            try
            {
                var psi = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                using var process = Process.Start(psi);
                if (process == null) continue;
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                string arch = Environment.Is64BitOperatingSystem ? "64" : "";
                foreach (string line in output.Split('\n'))
                {
                    string t = line.Trim();
                    if (!t.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal)) continue;
                    int arrow = t.IndexOf("=> ", StringComparison.Ordinal);
                    if (arrow < 0 || (arch.Length > 0 && !t.Contains(arch))) continue;
                    paths.Add(t.Substring(arrow + 3).Trim());
                }
            }
            catch (Exception)
            {
                // ldconfig is only a hint; the well-known directories follow.
            }
            break;
        }
        return paths;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
