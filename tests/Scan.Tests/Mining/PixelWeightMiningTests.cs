using Scan.Core.Pipeline;
using Scan.Tests.Pipeline;
using Scan.Tests.Stages;

namespace Scan.Tests.Mining;

/// <summary>
/// <see cref="MiningOptions.PixelWeight"/>: neighbours ranked by pretext plus weighted pixel similarity. A backbone
/// that ignores the image ties every pretext similarity, so whatever order the neighbours have comes from the pixels.
/// </summary>
[Collection(nameof(TrainingCollection))]
public sealed class PixelWeightMiningTests
{
    private static async Task<MiningStageReport> MineWith(double pixelWeight)
    {
        // Four classes told apart only by which horizontal band is bright (SyntheticImages).
        var data = new SyntheticImages(perClass: 16, classes: 4);
        using var result = await ScanPipelineTests.Tiny()
            .WithPretrainedBackbone(() => new ConstantBackbone())
            .Configure(o => o.Mining.PixelWeight = pixelWeight)
            .Build().RunAsync(data);
        return result.Stages.OfType<MiningStageReport>().Single();
    }

    [Fact]
    public async Task With_blind_pretext_features_the_pixel_term_alone_finds_the_classes()
    {
        var mixed = await MineWith(1.0);
        var plain = await MineWith(0.0);

        mixed.NeighborPurity.Should().BeGreaterThan(0.95, "the bands are far apart in pixel space");
        plain.NeighborPurity.Should().BeLessThan(0.6, "tied pretext similarities carry no class information");
    }
}
