using System.Diagnostics;
using Scan.Core.Data;
using Scan.ReliabilityHost;
using SkiaSharp;
using Xunit.Abstractions;

namespace Scan.Tests.Reliability;

/// <summary>
/// Image files that cannot be read (issue 18, item 4): no read permission, 0 bytes, a FIFO, a directory with an image
/// name. Each gives an exception naming the file, from the decoder and from an image folder, and nothing blocks.
/// </summary>
public sealed class UnreadableImageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteImage(string relative)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(10, 20, 30));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        string path = _folder.File(relative);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static readonly ImageFolderOptions Size4 = new() { Height = 4, Width = 4 };

    [Fact]
    public void A_0_byte_image_file_is_refused_naming_it_and_skipped_on_request()
    {
        WriteImage("cat/good.png");
        string empty = _folder.File("cat/empty.png");
        File.WriteAllBytes(empty, []);

        var decode = () => ImageDecoder.DecodePixels(empty, 4, 4);
        decode.Should().Throw<InvalidDataException>().WithMessage($"*'{empty}'*0 bytes*");
        var load = () => ImageFolderDataset.Load(_folder.Path, Size4);
        load.Should().Throw<InvalidDataException>().WithMessage($"*'{empty}'*");
        using var skipped = ImageFolderDataset.Load(_folder.Path, Size4 with { SkipUndecodable = true });
        skipped.Skipped.Select(s => s.Path).Should().Equal(empty);
    }

    [Fact]
    public async Task A_fifo_named_like_an_image_is_refused_without_being_opened()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        WriteImage("cat/good.png");
        string fifo = _folder.File("cat/pipe.png");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
            await mkfifo.WaitForExitAsync();
        File.Exists(fifo).Should().BeTrue();

        try
        {
            var decode = Task.Run(() => ImageDecoder.DecodePixels(fifo, 4, 4));
            var completed = await Task.WhenAny(decode, Task.Delay(HangGuard));
            completed.Should().BeSameAs(decode, $"opening a FIFO blocks until a writer comes; the decoder must not open it (waited {HangGuard.TotalSeconds} s)");
            var error = await decode.ContinueWith(t => t.Exception?.InnerException);
            error.Should().BeOfType<InvalidDataException>().Which.Message.Should().Contain($"'{fifo}'").And.Contain("FIFO");

            var load = Task.Run(() => ImageFolderDataset.Load(_folder.Path, Size4));
            (await Task.WhenAny(load, Task.Delay(HangGuard))).Should().BeSameAs(load, "the folder load must not open the FIFO either");
            var loadError = await load.ContinueWith(t => t.Exception?.InnerException);
            loadError.Should().BeOfType<InvalidDataException>().Which.Message.Should().Contain($"'{fifo}'");

            var survey = Task.Run(() => ImageFolderDataset.SuggestOptions(_folder.Path));
            (await Task.WhenAny(survey, Task.Delay(HangGuard))).Should().BeSameAs(survey, "the header survey must not open the FIFO either");
            (await survey).Options.Height.Should().Be(16);
        }
        finally
        {
            // Should a reader hang in open(2), a writer releases it (and the test's threads).
            _ = Task.Run(() =>
            {
                try
                {
                    using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                }
                catch (IOException)
                {
                }
            }).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        }
    }

    [Fact]
    public void A_directory_named_like_an_image_is_refused_naming_it()
    {
        string directory = Directory.CreateDirectory(_folder.File("photo.png")).FullName;

        var decode = () => ImageDecoder.DecodePixels(directory, 4, 4);
        decode.Should().Throw<InvalidDataException>().WithMessage($"*'{directory}'*is a directory*");
        var tensor = () => ImageDecoder.Decode(directory);
        tensor.Should().Throw<InvalidDataException>().WithMessage($"*'{directory}'*is a directory*");

        // In a folder of images it is a sub-folder, which the error names when images sit beside it.
        WriteImage("a.png");
        var load = () => ImageFolderDataset.Load(_folder.Path, Size4);
        load.Should().Throw<InvalidDataException>().WithMessage($"*sub-folder '{directory}'*");
    }

    [Fact]
    public async Task An_image_file_without_read_permission_fails_with_an_IOException_naming_it()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string folder = Path.Combine(_folder.Path, "locked");
        WriteImage("locked/cat/a.png");
        string locked = WriteImage("locked/cat/b.png");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        // Root reads through permission bits (CAP_DAC_OVERRIDE), so as root the child runs without that capability.
        string? shell = Environment.IsPrivilegedProcess ? "exec setpriv --bounding-set=-dac_override,-dac_read_search \"$@\"" : null;

        foreach (var settings in new[]
                 {
                     new HostSettings { Mode = "decode", ImageFile = locked, Size = 4 },
                     new HostSettings { Mode = "decode", WriteDirectory = folder, Size = 4, Threads = 2 },
                 })
        {
            using var host = HostProcess.Start(settings, shell);
            int exit = await host.WaitForExitAsync();
            string error = host.Seen.FirstOrDefault(l => l.StartsWith("error ", StringComparison.Ordinal)) ?? "";
            output.WriteLine($"{(settings.ImageFile is null ? "folder" : "file")}: exit {exit}; {error}");
            exit.Should().Be(1, $"the file cannot be read.{host.Describe()}");
            error.Should().StartWith("error System.IO.IOException ").And.Contain($"'{locked}'").And.Contain("permission denied");
        }
    }
}
