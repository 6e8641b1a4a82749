using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Scan.Benchmarks.Losses;

/// <summary>
/// BenchmarkDotNet's ShortRun job (3 warm-up, 3 measured iterations) run inside this process. Out of process,
/// BenchmarkDotNet rebuilds a generated copy of the project outside the repository, where the TorchSharp compat
/// build step (build/Scan.TorchSharpCompat.targets) does not apply, so libtorch fails to load on Debian 12; it also
/// rebuilds the referenced libraries into their default output folders, which parallel builds share.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Assembly)]
public sealed class InProcessShortRunJobAttribute : JobConfigBaseAttribute
{
    public InProcessShortRunJobAttribute()
        : base(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
    {
    }
}
