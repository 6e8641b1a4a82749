using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Scan.Cli.Tests;

[Collection(ClusteredFolderCollection.Name)]
public sealed class ClusterCommandTests(ClusteredFolder run)
{
    [Fact]
    public void Cluster_succeeds_and_writes_its_four_files()
    {
        run.Run.ExitCode.Should().Be(0, run.Run.ToString());
        foreach (string name in new[] { "clusters.csv", "model.scan", "embeddings.npy", "report.html" })
            File.Exists(run.OutputFile(name)).Should().BeTrue($"{name} is written\n{run.Run}");
        File.Exists(Path.Combine(run.Output, "run", "options.json")).Should().BeTrue("the run directory lives inside --out");
        Directory.GetFiles(run.Output, "*.tmp").Should().BeEmpty("files are written atomically");
    }

    [Fact]
    public void Clusters_csv_has_one_row_per_image_with_cluster_name_and_confidence()
    {
        var lines = File.ReadAllLines(run.OutputFile("clusters.csv"));
        lines[0].Should().Be("file,cluster,name,confidence");
        lines.Skip(1).Should().HaveCount(24);
        foreach (string line in lines.Skip(1))
        {
            var fields = line.Split(',');
            fields.Should().HaveCount(4, line);
            fields[0].Should().MatchRegex(@"^[hv]\d\d\.png$", "files are relative to the folder");
            int.Parse(fields[1]).Should().BeInRange(0, 1);
            double.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(0.5, 1.0, "the top of two probabilities");
        }
    }

    [Fact]
    public void Embeddings_npy_is_a_float32_matrix_with_one_row_per_image()
    {
        byte[] file = File.ReadAllBytes(run.OutputFile("embeddings.npy"));
        file.AsSpan(0, 6).ToArray().Should().Equal(0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y');
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        ((10 + headerLength) % 64).Should().Be(0, "numpy aligns the data to 64 bytes");
        string header = Encoding.ASCII.GetString(file, 10, headerLength);
        header.Should().Contain("'descr': '<f4'").And.Contain("'fortran_order': False");
        var shape = Regex.Match(header, @"'shape': \((\d+), (\d+)\)");
        shape.Success.Should().BeTrue(header);
        int rows = int.Parse(shape.Groups[1].Value), columns = int.Parse(shape.Groups[2].Value);
        rows.Should().Be(24);
        columns.Should().BeGreaterThan(1);
        file.Length.Should().Be(10 + headerLength + 4 * rows * columns);
        // The features are the L2-normalised projections the neighbours were mined from: every row has norm 1.
        var first = Enumerable.Range(0, columns).Select(j => BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(10 + headerLength + 4 * j))).ToArray();
        Math.Sqrt(first.Sum(v => (double)v * v)).Should().BeApproximately(1.0, 1e-3);
    }

    [Fact]
    public void Embeddings_npy_loads_in_numpy_when_python3_is_here()
    {
        // .ci/run installs Debian's python3-torch (with numpy); elsewhere, without python3 and numpy, nothing to check.
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
            return;
        var (exitCode, output, error) = Python(python, "import sys\ntry:\n    import numpy\nexcept ImportError:\n    print('no numpy'); sys.exit(0)\n" +
            "a = numpy.load(sys.argv[1])\nprint(a.dtype, a.shape[0], a.shape[1], '%.4f' % numpy.linalg.norm(a, axis=1).min(), '%.4f' % numpy.linalg.norm(a, axis=1).max())",
            run.OutputFile("embeddings.npy"));
        exitCode.Should().Be(0, error);
        if (output == "no numpy")
            return;
        var fields = output.Split(' ');
        fields[0].Should().Be("float32", output);
        fields[1].Should().Be("24", "one row per image");
        int.Parse(fields[2]).Should().BeGreaterThan(1);
        fields[3].Should().Be("1.0000", "every row is L2-normalised");
        fields[4].Should().Be("1.0000");
    }

    [Fact]
    public void Report_has_a_section_per_cluster_with_inlined_images_health_and_a_map()
    {
        string html = File.ReadAllText(run.OutputFile("report.html"));
        Regex.Matches(html, "<section class=\"cluster\"").Should().HaveCount(2);
        html.Should().Contain("data:image/png;base64,");
        html.Should().NotContain("src=\"http", "the report is self-contained");
        html.Should().Contain("Health checks").And.Contain("<svg class=\"map\"").And.Contain("<svg class=\"histogram\"");
        int images = Regex.Matches(html, "<img ").Count;
        images.Should().Be(24, "each of 24 images is among its cluster's 16 most or 8 least confident exactly once");
    }

    [Fact]
    public void Redirected_output_is_plain_lines_at_most_eleven_per_stage()
    {
        run.Run.Output.Should().NotContain("\u001b[", "no terminal escape codes when output is redirected");
        var progress = run.Run.Output.Split('\n').Where(l => Regex.IsMatch(l, @"^\s+Pretext\s+\d+%")).ToList();
        progress.Should().NotBeEmpty(run.Run.Output).And.HaveCountLessThanOrEqualTo(11);
    }

    [Fact]
    public void Running_again_on_the_same_out_without_resume_is_refused_before_training()
    {
        var again = CliProcess.Run("cluster", run.Images, "-k", "2", "--out", run.Output);
        again.ExitCode.Should().Be(1, again.ToString());
        again.Error.Should().Contain("--resume");
    }

    [Fact]
    public void Resume_of_a_finished_run_loads_every_stage_and_rewrites_the_outputs()
    {
        run.Run.ExitCode.Should().Be(0, run.Run.ToString());
        var resumed = CliProcess.Run("cluster", run.Images, "-k", "2", "--out", run.Output, "--resume");
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Output.Should().Contain("Resuming the run");
        File.ReadAllLines(run.OutputFile("clusters.csv")).Should().HaveCount(25);
    }

    [Fact]
    public void Predict_gives_each_file_its_cluster_and_confidence()
    {
        string h = Path.Combine(run.Images, "h00.png"), v = Path.Combine(run.Images, "v00.png");
        var predicted = CliProcess.Run("predict", run.OutputFile("model.scan"), h, v, "--csv");
        predicted.ExitCode.Should().Be(0, predicted.ToString());
        var lines = predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        lines[0].Should().Be("file,cluster,name,confidence");
        lines.Should().HaveCount(3);
        // The model predicts the training images as the run assigned them (where the run was confident, so that
        // rounding differences between batch sizes cannot flip a near tie).
        var assigned = File.ReadAllLines(run.OutputFile("clusters.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => f[0], f => (Cluster: f[1], Confidence: double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var (line, name) in new[] { (lines[1], "h00.png"), (lines[2], "v00.png") })
        {
            line.Split(',')[0].Should().EndWith(name);
            if (assigned[name].Confidence >= 0.6)
                line.Split(',')[1].Should().Be(assigned[name].Cluster, line);
        }
    }

    [Fact]
    public void Predict_names_a_missing_image()
    {
        string missing = Path.Combine(run.Images, "nope.png");
        var predicted = CliProcess.Run("predict", run.OutputFile("model.scan"), missing);
        predicted.ExitCode.Should().Be(1, predicted.ToString());
        predicted.Error.Should().Contain("nope.png");
    }

    [Fact]
    public void Name_stores_cluster_names_that_predict_then_shows()
    {
        using var temporary = new ImageFolders.Temporary();
        string model = temporary.Sub("model.scan");
        File.Copy(run.OutputFile("model.scan"), model);
        var named = CliProcess.Run("name", model, "0=stripes across", "1=up, down");
        named.ExitCode.Should().Be(0, named.ToString());

        var predicted = CliProcess.Run("predict", model, run.Images, "--csv");
        predicted.ExitCode.Should().Be(0, predicted.ToString());
        var rows = predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        rows.Should().HaveCount(24, "a folder is searched for images");
        rows.Should().OnlyContain(r => r.Contains(",0,stripes across,") || r.Contains(",1,\"up, down\","));

        var wrong = CliProcess.Run("name", model, "2=three");
        wrong.ExitCode.Should().Be(1, wrong.ToString());
        wrong.Error.Should().Contain("clusters 0 to 1");
    }

    [Fact]
    public void Inspect_shows_the_run_stages_and_the_model()
    {
        var inspected = CliProcess.Run("inspect", run.Output);
        inspected.ExitCode.Should().Be(0, inspected.ToString());
        inspected.Output.Should().Contain("pretext").And.Contain("finished").And.Contain("scan-model format 2")
            .And.Contain("2 clusters");

        var model = CliProcess.Run("inspect", run.OutputFile("model.scan"));
        model.ExitCode.Should().Be(0, model.ToString());
        model.Output.Should().Contain("Input 1x16x16");
    }

    private static (int ExitCode, string Output, string Error) Python(string python, string script, string argument)
    {
        var start = new System.Diagnostics.ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit(TimeSpan.FromMinutes(1)).Should().BeTrue("python3 finishes within a minute");
        return (process.ExitCode, output, error.Result);
    }
}
