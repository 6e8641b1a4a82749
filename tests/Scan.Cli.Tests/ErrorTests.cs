namespace Scan.Cli.Tests;

/// <summary>Bad input ends fast with a clear one-line error and the documented exit code, before any training.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly ImageFolders.Temporary _temporary = new();

    [Fact]
    public void A_missing_folder_is_named()
    {
        string missing = _temporary.Sub("no-such-folder");
        var run = CliProcess.Run("cluster", missing, "-k", "2", "--out", _temporary.Sub("out"));
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().StartWith("Error: ").And.Contain("does not exist").And.Contain(missing);
    }

    [Fact]
    public void One_cluster_is_a_usage_error()
    {
        string images = _temporary.Sub("images");
        ImageFolders.WriteStripes(images, perKind: 4);
        var run = CliProcess.Run("cluster", images, "-k", "1", "--out", _temporary.Sub("out"));
        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain("at least 2, got 1");
        Directory.Exists(_temporary.Sub("out")).Should().BeFalse("nothing runs on a wrong command line");
    }

    [Fact]
    public void A_missing_k_is_a_usage_error()
    {
        var run = CliProcess.Run("cluster", _temporary.Path);
        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain("--clusters");
    }

    [Fact]
    public void An_empty_folder_says_it_holds_no_images()
    {
        string empty = _temporary.Sub("empty");
        Directory.CreateDirectory(empty);
        var run = CliProcess.Run("cluster", empty, "-k", "2", "--out", _temporary.Sub("out"));
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().StartWith("Error: ").And.Contain("holds no image files").And.Contain(empty);
    }

    [Fact]
    public void A_folder_of_non_images_says_so()
    {
        string folder = _temporary.Sub("texts");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 10; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"note{i}.txt"), "not an image");
            File.WriteAllText(Path.Combine(folder, $"fake{i}.png"), "not a PNG either");
        }
        var run = CliProcess.Run("cluster", folder, "-k", "2", "--out", _temporary.Sub("out"));
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().StartWith("Error: ").And.Contain("fake0.png").And.Contain(folder);
    }

    [Fact]
    public void Too_few_images_for_k_are_counted()
    {
        string images = _temporary.Sub("few");
        ImageFolders.WriteStripes(images, perKind: 5);
        var run = CliProcess.Run("cluster", images, "-k", "8", "--out", _temporary.Sub("out"));
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().Contain("holds 10 usable image(s); 8 clusters need at least 16");
    }

    [Fact]
    public void An_unwritable_out_is_refused_before_training()
    {
        string images = _temporary.Sub("images");
        ImageFolders.WriteStripes(images, perKind: 6);
        // A folder under a regular file cannot be created, whoever runs the test (root ignores permission bits).
        string file = _temporary.Sub("a-file");
        File.WriteAllText(file, "");
        string output = Path.Combine(file, "out");
        var run = CliProcess.Run("cluster", images, "-k", "2", "--out", output);
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().StartWith("Error: cannot write to --out").And.Contain(output);
        run.Output.Should().NotContain("Fitting", "the check comes before any decoding or training");
    }

    [Fact]
    public void A_bad_budget_is_a_usage_error()
    {
        var run = CliProcess.Run("cluster", _temporary.Path, "-k", "2", "--budget", "soon");
        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain("--budget must be a duration");
    }

    [Fact]
    public void A_missing_model_is_named()
    {
        string model = _temporary.Sub("model.scan");
        var run = CliProcess.Run("predict", model, _temporary.Path);
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().Contain("does not exist").And.Contain(model);
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_named()
    {
        string file = _temporary.Sub("model.scan");
        File.WriteAllText(file, "hello");
        var run = CliProcess.Run("inspect", file);
        run.ExitCode.Should().Be(1, run.ToString());
        run.Error.Should().Contain("not a Scan.NET file").And.Contain(file);
    }

    public void Dispose() => _temporary.Dispose();
}
