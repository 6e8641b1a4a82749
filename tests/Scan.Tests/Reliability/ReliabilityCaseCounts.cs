namespace Scan.Tests.Reliability;

/// <summary>
/// Case counts that RELIABILITY.md quotes, read both by the tests that run the cases and by
/// <see cref="ReliabilityTableTests"/>, which checks the table against them.
/// </summary>
internal static class ReliabilityCaseCounts
{
    /// <summary>Kill points in one run of <see cref="InterruptionKillTests"/> (one complete run per test run).</summary>
    public const int KillPoints = 8;

    /// <summary>Kills that must land (the host may finish before the last one).</summary>
    public const int KillsRequired = KillPoints - 1;

    /// <summary>Crafted model files in <see cref="HostileFileTests"/>.</summary>
    public const int HostileModelCases = 5;

    /// <summary>Crafted PyTorch weight files in <see cref="HostileFileTests"/>.</summary>
    public const int HostileWeightCases = 6;

    /// <summary>Cross-process lock cases in <see cref="RunDirectoryProcessTests"/>: child holds, this process holds, released.</summary>
    public const int CrossProcessLockCases = 3;

    /// <summary>Unwritable run directory cases in <see cref="RunDirectoryProcessTests"/>: read-only folder, unopenable run.lock.</summary>
    public const int UnwritableRunDirectoryCases = 2;

    /// <summary>Kinds of damage done to a decoded-image cache in <see cref="Scan.Tests.Data.DecodedImageCacheTests"/>.</summary>
    public const int CacheDamageCases = 8;

    /// <summary>100-megapixel PNGs (RGB, RGBA, gray, palette) decoded in one child by <see cref="HugeImageTests"/>.</summary>
    public const int HugePngImages = 4;

    /// <summary>PNG colour type and bit depth pairs the row reader is checked on in <see cref="HugeImageTests"/>.</summary>
    public const int PngRowReaderFormats = 15;

    /// <summary>Kinds of unreadable image file in <see cref="UnreadableImageTests"/>: no permission, 0 bytes, FIFO, directory.</summary>
    public const int UnreadableImageKinds = 4;

    /// <summary>Folders loaded by <see cref="ImageFolderLinkTests"/> (links of 7 kinds among them).</summary>
    public const int ImageFolderLinkCases = 3;

    /// <summary>Settable leaf options below ScanOptions, each covered by <see cref="OptionsCoverageTests"/>.</summary>
    public const int SettableOptions = 78;

    /// <summary>Building blocks <see cref="ThreadCountDeterminismTests"/> compares between 1 and 2 threads
    /// (<see cref="Scan.ReliabilityHost.ThreadBlocks"/>: every initial weight, gradient and batch-norm buffer counts as one).</summary>
    public const int ThreadBlocks = 175;


    // Mutated files per fuzz test (LoaderFuzzer.Finish fails a test that runs another number).

    /// <summary><see cref="IdxFuzzTests"/>: damaged image files (1,200 raw, 400 gzip with header damage, 400 gzip of damaged content).</summary>
    public const int IdxImageMutants = 2000;

    /// <summary><see cref="IdxFuzzTests"/>: damaged label files (500 raw, 250 + 250 gzip).</summary>
    public const int IdxLabelMutants = 1000;

    /// <summary><see cref="CifarFuzzTests"/>: CIFAR-10 files.</summary>
    public const int Cifar10Mutants = 1000;

    /// <summary><see cref="CifarFuzzTests"/>: CIFAR-100 files read with coarse labels.</summary>
    public const int Cifar100CoarseMutants = 500;

    /// <summary><see cref="CifarFuzzTests"/>: CIFAR-100 files read with fine labels.</summary>
    public const int Cifar100FineMutants = 500;

    /// <summary><see cref="Stl10FuzzTests"/>: image files.</summary>
    public const int Stl10ImageMutants = 800;

    /// <summary><see cref="Stl10FuzzTests"/>: label files.</summary>
    public const int Stl10LabelMutants = 1200;

    /// <summary><see cref="ImageDecoderFuzzTests"/>: per format (PNG: half with repaired CRCs).</summary>
    public const int ImageMutantsPerFormat = 500;

    /// <summary><see cref="ImageFolderFuzzTests"/>: folders with one damaged image, per setting of SkipUndecodable.</summary>
    public const int ImageFolderMutants = 300;

    /// <summary><see cref="ScanFileFuzzTests"/>.</summary>
    public const int ScanFileMutants = 2000;

    /// <summary><see cref="NeighborSetFileFuzzTests"/>: damaged files.</summary>
    public const int NeighborFileMutants = 1200;

    /// <summary><see cref="NeighborSetFileFuzzTests"/>: damaged content behind a valid checksum.</summary>
    public const int NeighborFileValidChecksumMutants = 800;

    /// <summary><see cref="CheckpointFuzzTests"/>: damaged containers.</summary>
    public const int CheckpointContainerMutants = 1000;

    /// <summary><see cref="CheckpointFuzzTests"/>: damaged payloads behind a valid checksum.</summary>
    public const int CheckpointPayloadMutants = 1000;

    /// <summary><see cref="ScanModelFuzzTests"/>: damaged containers.</summary>
    public const int ModelContainerMutants = 1000;

    /// <summary><see cref="ScanModelFuzzTests"/>: damaged payload heads behind a valid checksum.</summary>
    public const int ModelPayloadMutants = 1000;

    /// <summary><see cref="RunDirectoryJsonFuzzTests"/>: damaged report.json files.</summary>
    public const int RunReportMutants = 1000;

    /// <summary><see cref="RunDirectoryJsonFuzzTests"/>: damaged options.json files.</summary>
    public const int RunOptionsMutants = 1000;

    /// <summary><see cref="InterruptionWriteTests"/>: kills of the writing host per run.</summary>
    public const int WriteKills = 30;

    // Generated cases (CsCheck iterations) of the options property tests.

    /// <summary><see cref="OptionsPropertyTests"/>: options with one out-of-range value.</summary>
    public const int InvalidOptionCases = 3000;

    /// <summary><see cref="OptionsPropertyTests"/>: in-range options.</summary>
    public const int ValidOptionCases = 2000;

    /// <summary><see cref="OptionsPropertyTests"/>: out-of-range values bound through dependency injection.</summary>
    public const int BoundOptionCases = 200;

    /// <summary><see cref="OptionsCoverageTests"/>: one settable option out of its range.</summary>
    public const int SingleOutOfRangeOptionCases = 2000;

    /// <summary><see cref="OptionsCoverageTests"/>: every ranged option drawn at once.</summary>
    public const int AllInRangeOptionCases = 1000;

    /// <summary>Single-byte flips of a torchvision state dict in <c>PyTorchWeightsTests</c> (20 in the pickle, 61 spread over the file).</summary>
    public const int PyTorchWeightFlips = 81;
}
