using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Evaluation;

/// <summary>
/// Writes a batch of images as one PNG grid, optionally with a text label left of each row: the picture a human
/// checks after clustering (one row per cluster, its most confident images, labelled with the matched class).
/// </summary>
/// <example>
/// <code>
/// // prototypes: shape (10 * 8, 1, 28, 28), row r holds cluster r's 8 most confident images
/// ImageGrid.WritePng(prototypes, "prototypes.png", new ImageGridOptions
/// {
///     Columns = 8, Scale = 3, RowLabels = FashionMnist.ClassNames,
/// });
/// </code>
/// </example>
public static class ImageGrid
{
    private static readonly Lazy<SKTypeface> LabelTypeface = new(FindLabelTypeface);

    /// <summary>
    /// Writes <paramref name="images"/> as a PNG grid to <paramref name="path"/>, atomically: the PNG is written to a
    /// temporary file in the same folder and then renamed over <paramref name="path"/>, so a reader never sees a
    /// half-written file. Missing folders are created.
    /// </summary>
    /// <param name="images">Shape (N, C, H, W) with C of 1 or 3: float values in [0, 1] (clamped) or uint8 0..255.</param>
    /// <param name="path">The PNG file to create or replace.</param>
    /// <param name="options">Layout; null for the defaults.</param>
    /// <exception cref="ArgumentException">The tensor's shape, type or values, <paramref name="path"/>, or
    /// <see cref="ImageGridOptions.RowLabels"/> do not fit; the message says what was expected.</exception>
    /// <exception cref="ArgumentException">An option is out of its range; the message names each with its value.</exception>
    /// <exception cref="InvalidOperationException">Row labels were asked for but no font is installed.</exception>
    public static void WritePng(Tensor images, string path, ImageGridOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var bitmap = Render(images, options ?? new ImageGridOptions());
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target)
                        ?? throw new ArgumentException($"'{path}' names no file inside a folder.", nameof(path));
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                EncodePng(bitmap, file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="images"/> as a PNG grid to <paramref name="destination"/>.</summary>
    /// <param name="images">Shape (N, C, H, W) with C of 1 or 3: float values in [0, 1] (clamped) or uint8 0..255.</param>
    /// <param name="destination">A writable stream; left open.</param>
    /// <param name="options">Layout; null for the defaults.</param>
    /// <exception cref="ArgumentException">The tensor's shape, type or values, or
    /// <see cref="ImageGridOptions.RowLabels"/> do not fit; the message says what was expected.</exception>
    /// <exception cref="ArgumentException">An option is out of its range; the message names each with its value.</exception>
    /// <exception cref="InvalidOperationException">Row labels were asked for but no font is installed.</exception>
    public static void WritePng(Tensor images, Stream destination, ImageGridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var bitmap = Render(images, options ?? new ImageGridOptions());
        EncodePng(bitmap, destination);
    }

    /// <summary>Draws the grid into a new opaque RGBA bitmap.</summary>
    internal static SKBitmap Render(Tensor images, ImageGridOptions options)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        Training.OptionsValidation.ThrowIfInvalid(options, nameof(options));
        if (images.dim() != 4 || images.shape[0] < 1 || images.shape[1] is not (1 or 3) || images.shape[2] < 1 || images.shape[3] < 1)
            throw new ArgumentException(
                $"Expected images of shape (N, C, H, W) with N >= 1 and C of 1 or 3, got ({string.Join(", ", images.shape)}).",
                nameof(images));

        int count = (int)images.shape[0], height = (int)images.shape[2], width = (int)images.shape[3];
        int columns = Math.Min(options.Columns, count);
        int rows = (count + columns - 1) / columns;
        if (options.RowLabels is { } labels && labels.Count != rows)
            throw new ArgumentException(
                $"RowLabels has {labels.Count} entries but {count} images in rows of {columns} make {rows} rows; expected one label per row.",
                nameof(options));

        using var scope = NewDisposeScope();
        var pixels = ToInterleavedRgb(images); // shape: (N, H, W, 3), uint8
        ReadOnlySpan<byte> source = pixels.bytes;

        using var font = options.RowLabels is null ? null : CreateLabelFont(options.LabelFontSize);
        int labelWidth = font is null ? 0 : (int)Math.Ceiling(options.RowLabels!.Max(l => font.MeasureText(l ?? ""))) + options.Padding;
        int cellHeight = checked(height * options.Scale), cellWidth = checked(width * options.Scale);
        int gridWidth = checked(labelWidth + columns * (cellWidth + options.Padding) + options.Padding);
        int gridHeight = checked(rows * (cellHeight + options.Padding) + options.Padding);
        _ = checked(gridWidth * gridHeight * 4);

        var bitmap = new SKBitmap(new SKImageInfo(gridWidth, gridHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.White);
        var target = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes, imageBytes = height * width * 3;
        for (int n = 0; n < count; n++)
        {
            int left = labelWidth + options.Padding + n % columns * (cellWidth + options.Padding);
            int top = options.Padding + n / columns * (cellHeight + options.Padding);
            var image = source.Slice(n * imageBytes, imageBytes);
            for (int y = 0; y < cellHeight; y++)
            {
                var sourceRow = image.Slice(y / options.Scale * width * 3, width * 3);
                var targetRow = target.Slice((top + y) * rowBytes + left * 4, cellWidth * 4);
                for (int x = 0; x < cellWidth; x++)
                {
                    int s = x / options.Scale * 3;
                    targetRow[4 * x] = sourceRow[s];
                    targetRow[4 * x + 1] = sourceRow[s + 1];
                    targetRow[4 * x + 2] = sourceRow[s + 2];
                    targetRow[4 * x + 3] = 255;
                }
            }
        }

        if (font is not null)
            DrawRowLabels(bitmap, font, options.RowLabels!, options.Padding, cellHeight);
        return bitmap;
    }

    private static Tensor ToInterleavedRgb(Tensor images)
    {
        var x = images.detach().cpu();
        Tensor bytes;
        if (x.dtype == ScalarType.Byte)
        {
            bytes = x;
        }
        else if (x.is_floating_point())
        {
            x = x.to_type(ScalarType.Float32);
            if (!x.isfinite().all().item<bool>())
                throw new ArgumentException("The images contain NaN or infinite values; expected values in [0, 1].", nameof(images));
            bytes = x.clamp(0f, 1f).mul(255f).round().to_type(ScalarType.Byte);
        }
        else
        {
            throw new ArgumentException($"Expected float images in [0, 1] or uint8 images, got dtype {x.dtype}.", nameof(images));
        }

        if (bytes.shape[1] == 1)
            bytes = bytes.expand(bytes.shape[0], 3, bytes.shape[2], bytes.shape[3]);
        return bytes.permute(0, 2, 3, 1).contiguous();
    }

    private static void DrawRowLabels(SKBitmap bitmap, SKFont font, IReadOnlyList<string> labels, int padding, int cellHeight)
    {
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var metrics = font.Metrics;
        for (int r = 0; r < labels.Count; r++)
        {
            // Centre the text's ascent-to-descent box on the row (Ascent is negative in Skia's metrics).
            float middle = padding + r * (cellHeight + padding) + cellHeight / 2f;
            float baseline = middle - (metrics.Ascent + metrics.Descent) / 2f;
            canvas.DrawText(labels[r] ?? "", padding, baseline, SKTextAlign.Left, font, paint);
        }

        canvas.Flush();
    }

    private static SKFont CreateLabelFont(float size)
    {
        var typeface = LabelTypeface.Value;
        if (typeface.GlyphCount == 0)
            throw new InvalidOperationException(
                "No font is installed to draw RowLabels (SkiaSharp found no typeface); install one, e.g. Debian's fonts-dejavu-core, or leave RowLabels unset.");
        return new SKFont(typeface, size) { Edging = SKFontEdging.Antialias };
    }

    private static SKTypeface FindLabelTypeface()
    {
        // A plain sans-serif reads best at small sizes; fall back to whatever the platform offers.
        foreach (var family in new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" })
        {
            if (SKFontManager.Default.MatchFamily(family) is { GlyphCount: > 0 } typeface)
                return typeface;
        }

        return SKTypeface.Default;
    }

    private static void EncodePng(SKBitmap bitmap, Stream destination)
    {
        if (!bitmap.Encode(destination, SKEncodedImageFormat.Png, 100))
            throw new InvalidOperationException($"SkiaSharp failed to encode a {bitmap.Width}x{bitmap.Height} PNG.");
    }
}
