using FluentAssertions;
using Xunit;

namespace Scan.Tests.Build;

/// <summary>The ELF patch that lets TorchSharp 0.107 load where libstdc++ stops before GLIBCXX_3.4.32.</summary>
public class ElfVersionNeedsTests
{
    private const string Version = "GLIBCXX_3.4.32";

    private static string ShippedLibrary()
    {
        // Built for linux-x64 (the repository's lean outputs) the native libraries sit next to the assemblies;
        // a portable build (-p:ScanLeanOutput=false) keeps them under runtimes/linux-x64/native.
        string flat = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        string portable = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string path = File.Exists(flat) ? flat : portable;
        File.Exists(path).Should().BeTrue($"the test build output should hold {flat} or {portable}");
        return path;
    }

    /// <summary>The original bytes from the NuGet cache, with the need still strong.</summary>
    private static byte[] OriginalLibrary()
    {
        byte[] bytes = File.ReadAllBytes(ShippedLibrary());
        foreach (var need in ElfVersionNeeds.ReadNeeds(bytes))
        {
            if (need.Name == Version)
                bytes[need.FlagsOffset] &= unchecked((byte)~ElfVersionNeeds.VerFlagWeak);
        }
        return bytes;
    }

    [Fact]
    public void The_shipped_library_needs_exactly_that_version_from_libstdcxx()
    {
        var needs = ElfVersionNeeds.ReadNeeds(OriginalLibrary());
        needs.Should().ContainSingle(n => n.Name == Version).Which.File.Should().Be("libstdc++.so.6");
        needs.Should().Contain(n => n.Name == "GLIBC_2.2.5");
    }

    [Fact]
    public void Patching_weakens_only_that_need_and_is_idempotent()
    {
        byte[] bytes = OriginalLibrary();
        byte[] original = (byte[])bytes.Clone();

        ElfVersionNeeds.MarkWeak(bytes, Version).Should().Be(ElfPatchOutcome.Patched);
        var needs = ElfVersionNeeds.ReadNeeds(bytes);
        needs.Single(n => n.Name == Version).Flags.Should().Be(ElfVersionNeeds.VerFlagWeak);
        needs.Where(n => n.Name != Version).Should().OnlyContain(n => n.Flags == 0);

        int changed = Enumerable.Range(0, bytes.Length).Count(i => bytes[i] != original[i]);
        changed.Should().Be(1, "only the low byte of one vna_flags changes");

        byte[] again = (byte[])bytes.Clone();
        ElfVersionNeeds.MarkWeak(again, Version).Should().Be(ElfPatchOutcome.AlreadyWeak);
        again.Should().Equal(bytes);
    }

    [Fact]
    public void A_library_without_that_need_is_left_alone()
    {
        byte[] bytes = OriginalLibrary();
        byte[] original = (byte[])bytes.Clone();
        ElfVersionNeeds.MarkWeak(bytes, "GLIBCXX_9.9.99").Should().Be(ElfPatchOutcome.NotNeeded);
        bytes.Should().Equal(original);
    }

    [Fact]
    public void Patching_a_file_replaces_it_by_rename_so_a_hard_linked_cache_copy_keeps_its_bytes()
    {
        string dir = Directory.CreateTempSubdirectory("scan-elf-").FullName;
        try
        {
            string cacheCopy = Path.Combine(dir, "cache-libLibTorchSharp.so");
            string output = Path.Combine(dir, "libLibTorchSharp.so");
            byte[] original = OriginalLibrary();
            File.WriteAllBytes(cacheCopy, original);
            // What MSBuild does with CreateHardLinksForCopyLocalIfPossible: the output shares the cache's inode.
            link(cacheCopy, output).Should().Be(0);

            ElfVersionNeeds.MarkWeakInFile(output, Version).Should().Be(ElfPatchOutcome.Patched);
            ElfVersionNeeds.MarkWeakInFile(output, Version).Should().Be(ElfPatchOutcome.AlreadyWeak);

            ElfVersionNeeds.ReadNeeds(File.ReadAllBytes(output)).Single(n => n.Name == Version).Flags
                .Should().Be(ElfVersionNeeds.VerFlagWeak);
            File.ReadAllBytes(cacheCopy).Should().Equal(original, "the NuGet cache is never modified");
            File.Exists(output + ".scan-compat.tmp").Should().BeFalse();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);

    [Theory]
    [InlineData("magic", "ELF magic number")]
    [InlineData("class32", "64-bit")]
    [InlineData("bigendian", "little-endian")]
    [InlineData("truncated", "64 bytes")]
    [InlineData("sections", "section headers")]
    [InlineData("noverneed", "SHT_GNU_verneed")]
    public void Unexpected_layouts_are_rejected_with_a_message_naming_the_problem(string damage, string expected)
    {
        byte[] bytes = OriginalLibrary();
        switch (damage)
        {
            case "magic": bytes[1] = (byte)'X'; break;
            case "class32": bytes[4] = 1; break;
            case "bigendian": bytes[5] = 2; break;
            case "truncated": bytes = bytes[..40]; break;
            case "sections": bytes[0x3C] = 0xff; bytes[0x3D] = 0xff; break;
            case "noverneed":
                foreach (int i in SectionTypeOffsets(bytes))
                {
                    if (BitConverter.ToUInt32(bytes, i) == 0x6ffffffe)
                        BitConverter.GetBytes(1u).CopyTo(bytes, i);
                }
                break;
        }

        var act = () => ElfVersionNeeds.MarkWeak(bytes, Version);
        act.Should().Throw<ElfLayoutException>().WithMessage($"*{expected}*");
    }

    private static IEnumerable<int> SectionTypeOffsets(byte[] elf)
    {
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
            yield return (int)shoff + i * 64 + 4;
    }

    [Fact]
    public void This_machine_is_detected_correctly()
    {
        string? providing = LibStdCxx.FindProviding(Version, out var inspected);
        inspected.Should().NotBeEmpty("a glibc Linux machine has a libstdc++.so.6");
        bool has = File.ReadAllText(inspected[0]).Contains(Version + "\0");
        (providing != null).Should().Be(has);
    }
}
