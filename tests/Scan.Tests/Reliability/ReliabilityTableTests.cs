using System.Globalization;
using System.Reflection;

namespace Scan.Tests.Reliability;

/// <summary>The counts RELIABILITY.md quotes are the ones the tests run (<see cref="ReliabilityCaseCounts"/>).</summary>
public sealed class ReliabilityTableTests
{
    [Fact]
    public void The_kill_test_row_quotes_the_kill_points_the_test_runs()
    {
        var row = Row("SIGKILL during training, then resume");
        row.Should().Contain($"{ReliabilityCaseCounts.KillPoints} kill points per test run");
        row.Should().Contain($"at least {ReliabilityCaseCounts.KillsRequired} must land");
    }

    [Fact]
    public void The_hostile_file_rows_quote_the_cases_the_tests_run()
    {
        Row("Crafted model files (every checksum valid, every size a lie)").Should().Contain($"| {ReliabilityCaseCounts.HostileModelCases} crafted files |");
        Row("Crafted PyTorch weight files (valid CRC-32s)").Should().Contain($"| {ReliabilityCaseCounts.HostileWeightCases} crafted files |");
    }

    [Fact]
    public void The_run_directory_rows_quote_the_cases_the_tests_run()
    {
        Row("Two processes on one run directory").Should().Contain($"| {ReliabilityCaseCounts.CrossProcessLockCases} cross-process cases");
        Row("Run directory that cannot be written").Should().Contain($"| {ReliabilityCaseCounts.UnwritableRunDirectoryCases} cases");
    }

    [Fact]
    public void The_options_coverage_row_quotes_the_options_the_test_finds()
    {
        Row("Every settable option (property-based, CsCheck)").Should().Contain($"| {ReliabilityCaseCounts.SettableOptions} settable options");
    }

    [Fact]
    public void The_image_folder_cache_row_quotes_the_cases_the_tests_run()
    {
        var row = Row("Folders larger than memory (decoded-image cache)");
        row.Should().Contain($"| {ImageFolderCacheProcessTests.Images.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} images in 5 child loads");
        row.Should().Contain($"{ReliabilityCaseCounts.CacheDamageCases} kinds of damage");
        Scan.Tests.Data.DecodedImageCacheTests.Damage.Count.Should().Be(ReliabilityCaseCounts.CacheDamageCases);
    }

    [Fact]
    public void The_image_file_rows_quote_the_cases_the_tests_run()
    {
        HugeImageTests.PngFormats().Count.Should().Be(ReliabilityCaseCounts.PngRowReaderFormats);
        typeof(UnreadableImageTests).GetMethods().Count(m => m.GetCustomAttributes(typeof(FactAttribute), false).Length > 0)
            .Should().Be(ReliabilityCaseCounts.UnreadableImageKinds, "one test per kind of unreadable file");
        Row("Huge but legal images (100 megapixels, below `MaxPixels`)").Should().Contain($"| {ReliabilityCaseCounts.HugePngImages} PNGs of 100 megapixels")
            .And.Contain($"{ReliabilityCaseCounts.PngRowReaderFormats} PNG formats");
        Row("Image files that cannot be read").Should().Contain($"| {ReliabilityCaseCounts.UnreadableImageKinds} kinds");
        Row("Symbolic links in image folders").Should().Contain($"| {ReliabilityCaseCounts.ImageFolderLinkCases} folders");
    }

    [Fact]
    public void The_determinism_row_quotes_the_blocks_the_thread_count_test_compares()
    {
        Row("Determinism across processes").Should().Contain($"| 2 processes; {ReliabilityCaseCounts.ThreadBlocks} blocks in 3 processes");
    }

    [Fact]
    public void The_fuzz_rows_quote_the_mutants_the_tests_run()
    {
        // LoaderFuzzer.Finish fails a fuzz test that runs another number of mutants than these constants.
        Row("Corrupt IDX files (raw and gzip, images and labels)").Should()
            .Contain(N($"| {ReliabilityCaseCounts.IdxImageMutants:N0} image + {ReliabilityCaseCounts.IdxLabelMutants:N0} label mutants; "))
            .And.Contain($"; {Cases<IdxFuzzTests>("A_header_claiming_two_gigabytes_of_images_is_rejected_before_allocating_them")} header cases; ")
            .And.Contain($"; {Cases<IdxFuzzTests>("A_gzip_file_whose_trailer_length_disagrees_with_its_header_still_reads_exactly")} trailer case |");
        Row("Corrupt CIFAR-10/100 files").Should().Contain(N(
            $"| {ReliabilityCaseCounts.Cifar10Mutants:N0} + {ReliabilityCaseCounts.Cifar100CoarseMutants:N0} + {ReliabilityCaseCounts.Cifar100FineMutants:N0} mutants |"));
        Row("Corrupt STL-10 files").Should().Contain(N($"| {ReliabilityCaseCounts.Stl10ImageMutants:N0} image + {ReliabilityCaseCounts.Stl10LabelMutants:N0} label mutants |"));
        int formats = ImageDecoderFuzzTests.Formats.Count();
        Row("Corrupt image files (SkiaSharp decoder)").Should()
            .Contain(N($"| {ReliabilityCaseCounts.ImageMutantsPerFormat:N0} mutants for each of PNG (half with repaired CRCs), JPEG, WebP, BMP and GIF: {formats * ReliabilityCaseCounts.ImageMutantsPerFormat:N0}; "))
            .And.Contain($"; {Cases<ImageDecoderFuzzTests>("A_png_header_declaring_more_than_MaxPixels_is_refused_before_allocating")} + " +
                         $"{Cases<ImageDecoderFuzzTests>("A_bmp_whose_pixel_data_offset_is_past_4_GB_is_rejected_without_ending_the_process")} header cases |");
        Row("A damaged image inside an image folder").Should().Contain(N(
            $"| {Cases<ImageFolderFuzzTests>("A_damaged_image_in_a_class_folder_fails_the_load_or_is_skipped")} x {ReliabilityCaseCounts.ImageFolderMutants:N0} folders"));
        Row("Our container (`ScanFile`: magic, kind, format version, length, SHA-256)").Should().Contain(N($"| {ReliabilityCaseCounts.ScanFileMutants:N0} mutants |"));
        Row("Neighbour files").Should().Contain(N($"| {ReliabilityCaseCounts.NeighborFileMutants:N0} + {ReliabilityCaseCounts.NeighborFileValidChecksumMutants:N0} mutants |"));
        Row("Training checkpoints").Should().Contain(N($"| {ReliabilityCaseCounts.CheckpointContainerMutants:N0} container + {ReliabilityCaseCounts.CheckpointPayloadMutants:N0} payload mutants"));
        Row("Saved `ScanModel` files").Should().Contain(N(
            $"| {ReliabilityCaseCounts.ModelContainerMutants:N0} + {ReliabilityCaseCounts.ModelPayloadMutants:N0} mutants; {Cases<ScanModelFuzzTests>("A_description_behind_a_valid_checksum_that_does_not_fit_its_weights_is_refused_before_building")} descriptions |"));
        Row("Run directory JSON (`options.json`, stage `report.json`)").Should().Contain(N(
            $"| {ReliabilityCaseCounts.RunReportMutants:N0} report + {ReliabilityCaseCounts.RunOptionsMutants:N0} options mutants; {Cases<RunDirectoryJsonFuzzTests>("A_report_with_a_changed_figure_is_named_as_damaged")} changed figure |"));
    }

    [Fact]
    public void The_write_kill_and_options_rows_quote_the_cases_the_tests_run()
    {
        Row("SIGKILL during checkpoint and report writes").Should().Contain($"| {ReliabilityCaseCounts.WriteKills} kills per run (");
        Row("Invalid options (property-based, CsCheck)").Should().Contain(N(
            $"| {ReliabilityCaseCounts.InvalidOptionCases:N0} + {ReliabilityCaseCounts.ValidOptionCases:N0} + {ReliabilityCaseCounts.BoundOptionCases:N0} generated cases |"));
        Row("Every settable option (property-based, CsCheck)").Should().Contain(N(
            $"; {ReliabilityCaseCounts.SingleOutOfRangeOptionCases:N0} + {ReliabilityCaseCounts.AllInRangeOptionCases:N0} generated cases |"));
    }

    [Fact]
    public void The_pytorch_weights_and_tensor_leak_rows_quote_the_cases_the_tests_run()
    {
        Row("PyTorch state dicts").Should().Contain($"| {ReliabilityCaseCounts.PyTorchWeightFlips} single-byte flips");
        Row("Tensor leaks").Should().Contain($"| {Scan.Tests.Stages.LiveTensorTests.Stages().Cast<object>().Count()} stage cases + the pipeline |");
    }

    /// <summary>Formats with invariant thousands separators, as the table writes them (2,000).</summary>
    private static string N(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>How many cases xUnit runs for a test method: one per InlineData row of a theory, one for a fact.</summary>
    private static int Cases<T>(string method)
    {
        var info = typeof(T).GetMethod(method) ?? throw new InvalidOperationException($"{typeof(T).Name}.{method} not found.");
        int rows = info.GetCustomAttributes<InlineDataAttribute>().Count();
        return rows > 0 ? rows : info.GetCustomAttribute<FactAttribute>() is not null ? 1 : 0;
    }

    internal static string Row(string faultClass) => Scan.Tests.Shared.ReliabilityTable.Row(faultClass);
}

/// <summary>Undefined enum values in options are refused naming the property and the value.</summary>
public sealed class OptionsEnumValidationTests
{
    [Fact]
    public void An_undefined_backbone_architecture_fails_validation_naming_the_property_and_the_value()
    {
        var options = new Scan.Core.Models.BackboneOptions { Architecture = (Scan.Core.Models.BackboneArchitecture)99 };
        Scan.Core.Training.OptionsValidation.Failures(options).Should().ContainSingle()
            .Which.Should().Contain("Architecture").And.Contain("99");
    }
}
