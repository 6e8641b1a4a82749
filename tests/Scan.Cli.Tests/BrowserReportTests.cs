using System.Diagnostics;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace Scan.Cli.Tests;

/// <summary>
/// report.html opened in a real browser, Debian's headless Chromium (.ci/run installs it): the page renders (the
/// screenshot is not blank and shows the clusters' colours), the DOM has one section per cluster with images, and
/// every inlined PNG decodes.
/// </summary>
[Collection(ClusteredFolderCollection.Name)]
public sealed class BrowserReportTests(ClusteredFolder run) : IDisposable
{
    private const int Width = 1280, Height = 2400;

    /// <summary>The first two colours of the report's palette: clusters 0 and 1 (borders, navigation, map dots).</summary>
    private static readonly SKColor[] ClusterColours = [SKColor.Parse("#4e79a7"), SKColor.Parse("#f28e2b")];

    private readonly ImageFolders.Temporary _temporary = new();

    [Fact]
    public void Report_renders_in_chromium_as_a_page_that_is_not_blank()
    {
        run.Run.ExitCode.Should().Be(0, run.Run.ToString());
        string screenshot = _temporary.Sub("report.png");
        Chromium($"--window-size={Width},{Height}", "--hide-scrollbars", $"--screenshot={screenshot}", Url(run.OutputFile("report.html")));
        File.Exists(screenshot).Should().BeTrue("Chromium writes the screenshot");

        using var bitmap = SKBitmap.Decode(screenshot);
        bitmap.Should().NotBeNull("the screenshot is a PNG");
        bitmap.Width.Should().Be(Width);
        bitmap.Height.Should().Be(Height);
        var pixels = bitmap.Pixels;
        var counts = new Dictionary<SKColor, int>();
        foreach (var pixel in pixels)
            counts[pixel] = counts.GetValueOrDefault(pixel) + 1;
        var background = counts.MaxBy(c => c.Value).Key;
        double drawn = 1.0 - (double)counts[background] / pixels.Length;
        drawn.Should().BeGreaterThan(0.05, $"text, tables, the map and thumbnails cover the page (background {background})");
        counts.Count.Should().BeGreaterThan(200, "a rendered report has text, greys of the thumbnails and the cluster colours");
        foreach (var colour in ClusterColours)
        {
            int close = counts.Where(c => Near(c.Key, colour)).Sum(c => c.Value);
            close.Should().BeGreaterThan(500, $"the page shows cluster colour {colour} (its section border and navigation)");
        }
    }

    [Fact]
    public void Report_dom_in_chromium_has_a_section_with_decoded_images_per_cluster()
    {
        run.Run.ExitCode.Should().Be(0, run.Run.ToString());
        // A copy with a probe script that records, once the page has loaded, how many <img> the browser decoded;
        // the report itself has no scripts.
        string probe = _temporary.Sub("probe.html");
        const string script = "<script>window.addEventListener('load', () => { const all = [...document.images]; " +
                              "document.body.setAttribute('data-decoded', all.filter(i => i.complete && i.naturalWidth > 0).length + '/' + all.length); });</script>";
        string html = File.ReadAllText(run.OutputFile("report.html"));
        html.Should().NotContain("<script", "the report is plain HTML");
        File.WriteAllText(probe, html.Replace("</body>", script + "</body>"));

        string dom = Chromium("--virtual-time-budget=10000", "--dump-dom", Url(probe));
        var sections = Regex.Matches(dom, "<section class=\"cluster\"[^>]*>(.*?)</section>", RegexOptions.Singleline);
        sections.Should().HaveCount(2, "one section per cluster, K = 2");
        foreach (Match section in sections)
        {
            Regex.Matches(section.Value, "<img ").Should().NotBeEmpty($"each cluster shows its images:\n{section.Value[..Math.Min(300, section.Value.Length)]}");
            section.Value.Should().Contain("<svg class=\"histogram\"");
        }
        int images = sections.Sum(s => Regex.Matches(s.Value, "<img ").Count);
        images.Should().Be(24);
        var decoded = Regex.Match(dom, "<body[^>]*data-decoded=\"(\\d+)/(\\d+)\"");
        decoded.Success.Should().BeTrue("the probe ran after the page loaded");
        decoded.Groups[1].Value.Should().Be(decoded.Groups[2].Value, "every inlined PNG decodes in the browser");
        decoded.Groups[2].Value.Should().Be("24");
    }

    private static bool Near(SKColor a, SKColor b) =>
        Math.Abs(a.Red - b.Red) <= 6 && Math.Abs(a.Green - b.Green) <= 6 && Math.Abs(a.Blue - b.Blue) <= 6;

    private static string Url(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    /// <summary>Runs headless Chromium (as root in CI, hence --no-sandbox) with its own profile; returns its stdout.</summary>
    private string Chromium(params string[] arguments)
    {
        const string chromium = "/usr/bin/chromium";
        File.Exists(chromium).Should().BeTrue("the report test needs Debian's chromium (.ci/run installs it: apt-get install chromium)");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--user-data-dir=" + _temporary.Sub("profile") }.Concat(arguments))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within two minutes");
        }
        process.ExitCode.Should().Be(0, $"chromium {string.Join(' ', arguments)}\n{error.Result}");
        return output;
    }

    public void Dispose() => _temporary.Dispose();
}
