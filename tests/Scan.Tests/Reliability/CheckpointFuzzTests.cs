using Scan.Core.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Scan.Tests.Reliability;

/// <summary>
/// Damaged training checkpoints against <see cref="TrainingCheckpoint.TryLoad"/>, which documents
/// <see cref="InvalidDataException"/> for a damaged file. Whole-file damage must always be caught by the container's
/// checksum; damage to the payload behind a valid checksum (a writer's bug, a file assembled by hand) reaches the
/// checkpoint's own parsing and TorchSharp's state-dict reader, which must reject it the same way.
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Kind = "checkpoint";
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Damaged_checkpoints_are_rejected_with_InvalidDataException_naming_the_file()
    {
        string path = _folder.File("checkpoint.scan");
        using (var trained = Model())
        {
            // One Adam step, so the optimiser state holds moment buffers too.
            using var optimizer = optim.Adam(trained.parameters(), 0.01);
            using (var scope = NewDisposeScope())
            {
                trained.forward(randn(5, 4, generator: new Generator(1))).square().sum().backward();
                optimizer.step();
            }

            var history = new List<EpochRecord> { new(1, new Dictionary<string, double> { ["loss"] = 1.5 }, 0.5, 200) };
            TrainingCheckpoint.Save(path, ScanStage.Clustering, 1, trained, optimizer, history);
        }

        var seed = File.ReadAllBytes(path);
        using var model = Model();
        using var fresh = optim.Adam(model.parameters(), 0.01);
        void Load()
        {
            var loaded = TrainingCheckpoint.TryLoad(path, ScanStage.Clustering, model, fresh);
            loaded.Should().NotBeNull();
        }

        var fuzzer = new LoaderFuzzer("TrainingCheckpoint.TryLoad", output, typeof(InvalidDataException));
        fuzzer.Run(ReliabilityCaseCounts.CheckpointContainerMutants, new Mutator(801), seed, path, Load, ScanFileLayout.Fields(Kind), everyChangeDetected: true);
        fuzzer.Run(ReliabilityCaseCounts.CheckpointPayloadMutants, new Mutator(802), ScanFileLayout.Payload(seed), path, Load, encode: p => ScanFileLayout.Wrap(Kind, 1, p));
        fuzzer.Finish(ReliabilityCaseCounts.CheckpointContainerMutants + ReliabilityCaseCounts.CheckpointPayloadMutants);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x40, 0x7B })]
    public void A_stage_name_length_that_cannot_be_read_is_refused_naming_the_file(byte[] payload)
    {
        // A negative string length (-1), six continuation bytes, and 64 characters where 1 follows: BinaryReader
        // throws IOException, FormatException and EndOfStreamException, all of which must read as a damaged file.
        string path = _folder.File("checkpoint.scan");
        File.WriteAllBytes(path, ScanFileLayout.Wrap(Kind, 1, payload));
        using var model = Model();

        var act = () => TrainingCheckpoint.TryLoad(path, ScanStage.Clustering, model, null);

        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*damaged*");
    }

    private static nn.Module<Tensor, Tensor> Model() =>
        nn.Sequential(("fc1", nn.Linear(4, 16)), ("bn", nn.BatchNorm1d(16)), ("fc2", nn.Linear(16, 3)));
}
