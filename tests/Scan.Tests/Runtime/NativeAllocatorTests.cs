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
        bool optedOut = string.Equals(Environment.GetEnvironmentVariable(NativeAllocator.OptOutVariable), "default",
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
}
