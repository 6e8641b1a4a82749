namespace Scan.Cli.Tests;

public sealed class SuggestKTests : IDisposable
{
    private readonly ImageFolders.Temporary _temporary = new();

    [Fact]
    public void Suggest_k_scores_every_k_of_the_range_and_recommends_one_of_them()
    {
        string images = _temporary.Sub("images");
        ImageFolders.WriteStripes(images, perKind: 12, seed: 5);
        string output = _temporary.Sub("out");
        var run = CliProcess.Run("suggest-k", images, "--range", "2..3", "--seeds", "2", "--budget", "15s", "--out", output);
        run.ExitCode.Should().Be(0, run.ToString());

        var lines = File.ReadAllLines(Path.Combine(output, "suggest-k.csv"));
        lines[0].Should().Be("k,scan_loss,entropy_ratio,smallest_share,silhouette,stability,eligible,score,recommended");
        lines.Skip(1).Select(l => l.Split(',')[0]).Should().Equal("2", "3");
        foreach (var fields in lines.Skip(1).Select(l => l.Split(',')))
        {
            double.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(0, 1.0000001, "entropy / ln K");
            double.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(-1, 1, "silhouette");
            double.Parse(fields[5], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(-1, 1, "ARI between the two seeds");
        }
        int recommended = lines.Skip(1).Count(l => l.EndsWith(",true"));
        recommended.Should().BeLessThanOrEqualTo(1);
        if (recommended == 1)
            run.Output.Should().Contain("Recommended K = ");
        else
            run.Output.Should().Contain("no recommendation");
        File.ReadAllText(Path.Combine(output, "suggest-k.svg")).Should().StartWith("<svg").And.Contain("polyline");
    }

    [Fact]
    public void A_range_that_is_not_min_dot_dot_max_is_a_usage_error()
    {
        var run = CliProcess.Run("suggest-k", _temporary.Path, "--range", "2-30");
        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain("--range must be MIN..MAX");
    }

    public void Dispose() => _temporary.Dispose();
}
