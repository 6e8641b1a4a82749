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
    public void The_determinism_row_quotes_the_blocks_the_thread_count_test_compares()
    {
        Row("Determinism across processes").Should().Contain($"| 2 processes; {ReliabilityCaseCounts.ThreadBlocks} blocks in 3 processes");
    }

    internal static string Row(string faultClass)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RELIABILITY.md")))
            dir = dir.Parent;
        dir.Should().NotBeNull("RELIABILITY.md is at the repository root above the test binaries");
        var lines = File.ReadAllLines(Path.Combine(dir!.FullName, "RELIABILITY.md"));
        return lines.Single(l => l.StartsWith("| " + faultClass + " |", StringComparison.Ordinal));
    }
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
