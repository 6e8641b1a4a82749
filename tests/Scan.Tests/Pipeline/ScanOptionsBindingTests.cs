using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scan.Core.Pipeline;

namespace Scan.Tests.Pipeline;

public class ScanOptionsBindingTests
{
    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

    [Fact]
    public void Options_bind_from_an_appsettings_section_and_build_a_pipeline()
    {
        var configuration = Json("""
            { "Scan": { "Preset": "fashion-mnist-quick", "Seed": 42, "Device": "cpu", "Mining": { "NumNeighbors": 5 },
                        "Clustering": { "Clusters": 20, "EntropyWeight": 2.0, "Heads": 3 },
                        "SelfLabeling": { "ConfidenceThreshold": 0.95 },
                        "Augmentation": { "Mean": [0.5], "Std": [0.25] } } }
            """);
        using var provider = new ServiceCollection().AddScan(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ScanOptions>>().Value;
        options.Seed.Should().Be(42);
        options.Mining.NumNeighbors.Should().Be(5);
        options.Clustering.Clusters.Should().Be(20);
        options.Clustering.Heads.Should().Be(3);
        options.SelfLabeling.ConfidenceThreshold.Should().Be(0.95);
        options.Augmentation.Std.Should().Equal(0.25f);
        provider.GetRequiredService<ScanPipeline>().Options.Clustering.EntropyWeight.Should().Be(2.0);
    }

    [Fact]
    public void Invalid_configuration_fails_validation_naming_the_values()
    {
        var configuration = Json("""{ "Scan": { "Preset": "quick", "Clustering": { "Clusters": 1 }, "SelfLabeling": { "ConfidenceThreshold": 0 } } }""");
        using var provider = new ServiceCollection().AddScan(configuration).BuildServiceProvider();
        var act = () => provider.GetRequiredService<IOptions<ScanOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Contain(f => f.Contains("Clusters")).And.Contain(f => f.Contains("ConfidenceThreshold"));
    }

    [Fact]
    public void A_partial_section_is_applied_on_top_of_the_named_preset()
    {
        var configuration = Json("""{ "Scan": { "Preset": "fashion-mnist-quick", "Clustering": { "Clusters": 5 } } }""");
        using var provider = new ServiceCollection().AddScan(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ScanOptions>>().Value;

        var expected = ScanPresets.FashionMnistQuick();
        expected.Clustering.Clusters = 5;
        options.Should().BeEquivalentTo(expected);
        options.Pretext.Epochs.Should().Be(ScanPresets.FashionMnistQuick().Pretext.Epochs).And.NotBe(new ScanOptions().Pretext.Epochs);
    }

    [Fact]
    public void A_configured_array_replaces_the_presets_array()
    {
        var configuration = Json("""{ "Scan": { "Preset": "fashion-mnist-quick", "Augmentation": { "Mean": [0.5], "Std": [0.25] } } }""");
        using var provider = new ServiceCollection().AddScan(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ScanOptions>>().Value;
        options.Augmentation.Mean.Should().Equal(0.5f);
        options.Augmentation.Std.Should().Equal(0.25f);
    }

    [Fact]
    public void A_section_without_a_preset_fails_start_up_naming_the_key()
    {
        var configuration = Json("""{ "Scan": { "Clustering": { "Clusters": 5 } } }""");
        using var provider = new ServiceCollection().AddScan(configuration).BuildServiceProvider();
        var act = () => provider.GetRequiredService<IOptions<ScanOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Contain(f => f.Contains("'Scan:Preset' is required") && f.Contains("500 SimCLR epochs"));
    }

    [Fact]
    public void An_unknown_preset_fails_start_up_naming_the_key_and_the_value()
    {
        var configuration = Json("""{ "Scan": { "Preset": "mnist" } }""");
        using var provider = new ServiceCollection().AddScan(configuration).BuildServiceProvider();
        var act = () => provider.GetRequiredService<IOptions<ScanOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Contain(f => f.Contains("'Scan:Preset'") && f.Contains("'mnist'") && f.Contains("fashion-mnist-quick"));
    }

    [Fact]
    public void Mean_without_std_is_rejected()
    {
        var options = ScanPresets.FashionMnistQuick();
        options.Augmentation.Std = null;
        Scan.Core.Training.OptionsValidation.Failures(options).Should().ContainSingle().Which.Should().Contain("Mean and Augmentation.Std");
    }
}
