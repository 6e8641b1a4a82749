using FluentAssertions;
using Scan.Core.Runtime;
using Xunit;

namespace Scan.Tests.Runtime;

/// <summary>The allocator tuning that keeps libtorch's activations out of fresh mmaps (see NativeAllocator).</summary>
public class NativeAllocatorTests
{
    [Fact]
    public void Tuning_takes_effect_on_linux_with_glibc_and_is_idempotent()
    {
        bool optedOut = string.Equals(Environment.GetEnvironmentVariable(NativeAllocator.ModeVariable), "default",
            StringComparison.OrdinalIgnoreCase);
        bool glibc = OperatingSystem.IsLinux() && (File.Exists("/usr/lib/x86_64-linux-gnu/libc.so.6") || File.Exists("/lib64/libc.so.6"));

        bool first = NativeAllocator.Tune();
        bool second = NativeAllocator.Tune();

        second.Should().Be(first);
        NativeAllocator.IsTuned.Should().Be(first);
        if (glibc && !optedOut)
            first.Should().BeTrue("mallopt(M_MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD) accept 1 GiB under glibc");
        if (!OperatingSystem.IsLinux() || optedOut)
            first.Should().BeFalse();
    }

    [Fact]
    public void Inference_tunes_only_when_the_environment_asks_for_it()
    {
        string? before = Environment.GetEnvironmentVariable(NativeAllocator.ModeVariable);
        if (string.Equals(before, "default", StringComparison.OrdinalIgnoreCase))
            return;   // opted out of every tuning: nothing for inference to ask
        try
        {
            // Harmless to tests running meanwhile: unset and "tuned" tune training alike; only inference differs.
            Environment.SetEnvironmentVariable(NativeAllocator.ModeVariable, null);
            NativeAllocator.TunesInference.Should().BeFalse();
            NativeAllocator.TuneForInference().Should().Be(NativeAllocator.IsTuned, "unasked, inference changes nothing");

            Environment.SetEnvironmentVariable(NativeAllocator.ModeVariable, "tuned");
            NativeAllocator.TunesInference.Should().BeTrue();
            NativeAllocator.TuneForInference().Should().Be(NativeAllocator.Tune());
            NativeAllocator.IsTuned.Should().Be(NativeAllocator.Tune());
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeAllocator.ModeVariable, before);
        }
    }
}
