using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Core.Data;

/// <summary>
/// Decodes image files (PNG, JPEG, WebP, BMP, GIF: the first frame) with SkiaSharp into (C, H, W) pixels, optionally
/// resized, as RGB or grayscale.
/// </summary>
/// <remarks>
/// Alpha is dropped without compositing (the colour channels are kept as stored, un-premultiplied), as Pillow's
/// <c>convert("RGB")</c> does. The EXIF orientation (<see cref="SKCodec.EncodedOrigin"/>) is applied, so a photo taken
/// in portrait comes out upright (torchvision's image folders do not apply it; phones store most photos rotated, and
/// a model should not have to learn sideways copies of every class). Resizing keeps the aspect ratio: the largest
/// centred region of the requested aspect ratio is cut out (torchvision's Resize + CenterCrop), then scaled with
/// bilinear filtering over mipmaps, so large downscales are anti-aliased; values differ slightly from Pillow's resampling.
/// </remarks>
/// <example>
/// <code>
/// using var image = ImageDecoder.Decode("cat.jpg", height: 32, width: 32); // shape: (3, 32, 32), values in [0, 1]
/// </code>
/// </example>
public static class ImageDecoder
{
    /// <summary>
    /// Pillow's limit (<c>Image.MAX_IMAGE_PIXELS</c> = 89,478,485; it raises DecompressionBombError above twice that):
    /// the default of <see cref="MaxPixels"/>.
    /// </summary>
    public const long DefaultMaxPixels = 2 * 89_478_485L;

    private static long _maxPixels = DefaultMaxPixels;

    /// <summary>
    /// The most pixels (width x height) an image may declare; larger ones are refused with an
    /// <see cref="InvalidDataException"/> before any pixel memory is allocated. A damaged header (or a
    /// decompression bomb) can declare e.g. 65,535 x 65,535 pixels in a few hundred bytes, which would otherwise cost
    /// 17 GB of RGBA before decoding finds the data missing. Default <see cref="DefaultMaxPixels"/> (178,956,970
    /// pixels, 716 MB as RGBA, as Pillow); raise it to decode larger images. Applies process-wide.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public static long MaxPixels
    {
        get => Interlocked.Read(ref _maxPixels);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Interlocked.Exchange(ref _maxPixels, value);
        }
    }

    /// <summary>File extensions (lower case, with the dot) that image folders treat as images.</summary>
    public static IReadOnlySet<string> SupportedExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif" };

    /// <summary>Decodes an image file at its own size into a float32 tensor of shape (C, H, W) in [0, 1].</summary>
    /// <param name="path">The image file.</param>
    /// <param name="mode">RGB (C = 3) or grayscale (C = 1).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels; the message names it.</exception>
    public static Tensor Decode(string path, ColorMode mode = ColorMode.Rgb)
    {
        using var bitmap = DecodeBitmap(ReadFile(path), path);
        return ToTensor(bitmap, mode);
    }

    /// <summary>Decodes an image file, resized to <paramref name="height"/> x <paramref name="width"/>, into a
    /// float32 tensor of shape (C, height, width) in [0, 1].</summary>
    /// <param name="path">The image file.</param>
    /// <param name="height">Output height in pixels, at least 1.</param>
    /// <param name="width">Output width in pixels, at least 1.</param>
    /// <param name="mode">RGB (C = 3) or grayscale (C = 1).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels; the message names it.</exception>
    public static Tensor Decode(string path, int height, int width, ColorMode mode = ColorMode.Rgb)
    {
        ValidateSize(height, width);
        using var bitmap = DecodeBitmap(ReadFile(path), path);
        using var resized = Resize(bitmap, height, width);
        return ToTensor(resized ?? bitmap, mode);
    }

    /// <summary>Decodes an image read from <paramref name="stream"/> (to its end) at its own size into a float32
    /// tensor of shape (C, H, W) in [0, 1].</summary>
    /// <param name="stream">A readable stream positioned at the start of the encoded image.</param>
    /// <param name="mode">RGB (C = 3) or grayscale (C = 1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">The data is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels.</exception>
    public static Tensor Decode(Stream stream, ColorMode mode = ColorMode.Rgb)
    {
        using var bitmap = DecodeBitmap(ReadStream(stream), StreamName(stream));
        return ToTensor(bitmap, mode);
    }

    /// <summary>Decodes an image read from <paramref name="stream"/> (to its end), resized to
    /// <paramref name="height"/> x <paramref name="width"/>, into a float32 tensor of shape (C, height, width) in [0, 1].</summary>
    /// <param name="stream">A readable stream positioned at the start of the encoded image.</param>
    /// <param name="height">Output height in pixels, at least 1.</param>
    /// <param name="width">Output width in pixels, at least 1.</param>
    /// <param name="mode">RGB (C = 3) or grayscale (C = 1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    /// <exception cref="InvalidDataException">The data is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels.</exception>
    public static Tensor Decode(Stream stream, int height, int width, ColorMode mode = ColorMode.Rgb)
    {
        ValidateSize(height, width);
        using var bitmap = DecodeBitmap(ReadStream(stream), StreamName(stream));
        using var resized = Resize(bitmap, height, width);
        return ToTensor(resized ?? bitmap, mode);
    }

    /// <summary>
    /// Decodes an image file, resized to <paramref name="height"/> x <paramref name="width"/>, into 8-bit pixels laid
    /// out channel by channel (C, H, W): the compact form datasets keep in memory.
    /// </summary>
    /// <returns>An array of <c>mode.Channels() * height * width</c> bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels; the message names it.</exception>
    public static byte[] DecodePixels(string path, int height, int width, ColorMode mode = ColorMode.Rgb)
    {
        ValidateSize(height, width);
        var pixels = new byte[checked(mode.Channels() * height * width)];
        DecodePixels(path, height, width, mode, pixels);
        return pixels;
    }

    /// <summary>
    /// Decodes an image file, resized to <paramref name="height"/> x <paramref name="width"/>, into
    /// <paramref name="destination"/> as 8-bit (C, H, W) pixels, e.g. straight into a slot of a dataset's array.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="height">Output height in pixels, at least 1.</param>
    /// <param name="width">Output width in pixels, at least 1.</param>
    /// <param name="mode">RGB (C = 3) or grayscale (C = 1).</param>
    /// <param name="destination">Exactly <c>mode.Channels() * height * width</c> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="destination"/> has
    /// the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels; the message names it.</exception>
    public static void DecodePixels(string path, int height, int width, ColorMode mode, Span<byte> destination)
    {
        ValidateSize(height, width);
        int expected = checked(mode.Channels() * height * width);
        if (destination.Length != expected)
            throw new ArgumentException($"Destination holds {destination.Length} bytes; expected {expected} ({mode.Channels()}x{height}x{width}).", nameof(destination));
        using var bitmap = DecodeBitmap(ReadFile(path), path, height, width);
        using var resized = Resize(bitmap, height, width);
        PlanarPixels.Write(resized ?? bitmap, mode, destination);
    }

    /// <summary>
    /// The upright size of an image file (EXIF orientation applied) read from its header, without decoding pixels:
    /// what a folder survey needs to choose an input size.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an image SkiaSharp can read; the message names it.</exception>
    public static (int Height, int Width) ReadDimensions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' not found.", path);
        using var stream = new SKFileStream(path);
        using var codec = SKCodec.Create(stream, out var created);
        if (codec is null)
            throw new InvalidDataException($"Cannot read the size of '{path}': not a PNG, JPEG, WebP, BMP or GIF image (SkiaSharp: {created}).");
        bool swap = codec.EncodedOrigin >= SKEncodedOrigin.LeftTop && codec.EncodedOrigin <= SKEncodedOrigin.LeftBottom;
        return swap ? (codec.Info.Width, codec.Info.Height) : (codec.Info.Height, codec.Info.Width);
    }

    private static Tensor ToTensor(SKBitmap bitmap, ColorMode mode)
    {
        using var scope = NewDisposeScope();
        var bytes = empty(new long[] { mode.Channels(), bitmap.Height, bitmap.Width }, ScalarType.Byte);
        PlanarPixels.Write(bitmap, mode, bytes.bytes);
        // Same conversion as torchvision's ToTensor: float, then divide by 255.
        return bytes.to_type(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes the first frame to un-premultiplied RGBA, upright, at the image's own size or, given a target size, at
    /// the smallest size the codec can decode directly that still covers the target (JPEG decodes at n/8 of its size
    /// in the IDCT, so a 12-megapixel photo headed for 32x32 costs 1/64 of the memory and most of the time; other
    /// formats decode at full size and are resized afterwards).
    /// </summary>
    private static SKBitmap DecodeBitmap(byte[] encoded, string source, int targetHeight = 0, int targetWidth = 0)
    {
        // A native memory stream, which the codec owns: with a managed Stream, SkiaSharp reads through callbacks that
        // throw for a read or skip past int.MaxValue bytes, which a damaged header requests (a BMP pixel-data offset
        // of 0xFFFFFFFF), and an exception cannot unwind through the native decoder: it ended the process.
        using var codec = SKCodec.Create(new SKMemoryStream(encoded), out var created);
        if (codec is null)
            throw new InvalidDataException(
                $"Cannot decode '{source}': not a PNG, JPEG, WebP, BMP or GIF image ({encoded.Length} bytes; SkiaSharp: {created}).");

        int width = codec.Info.Width, height = codec.Info.Height;
        long pixels = (long)width * height;
        if (width < 1 || height < 1)
            throw new InvalidDataException($"Cannot decode '{source}': its {codec.EncodedFormat} header declares a {width}x{height} image.");
        if (pixels > MaxPixels)
            throw new InvalidDataException(
                $"Cannot decode '{source}': its {codec.EncodedFormat} header declares a {width}x{height} image, {pixels} pixels, more than " +
                $"ImageDecoder.MaxPixels ({MaxPixels}); the header is damaged or the file is a decompression bomb. Raise ImageDecoder.MaxPixels to decode it.");

        if (targetHeight > 0 && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            // The target is upright; the codec's sizes are as stored.
            bool swap = codec.EncodedOrigin >= SKEncodedOrigin.LeftTop && codec.EncodedOrigin <= SKEncodedOrigin.LeftBottom;
            int storedHeight = swap ? targetWidth : targetHeight, storedWidth = swap ? targetHeight : targetWidth;
            for (int eighths = 1; eighths < 8; eighths++)
            {
                var scaled = codec.GetScaledDimensions(eighths / 8f);
                if (scaled.Width >= storedWidth && scaled.Height >= storedHeight && scaled.Width <= width && scaled.Height <= height)
                {
                    (width, height) = (scaled.Width, scaled.Height);
                    break;
                }
            }
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        // Frame 0 is the default: a GIF decodes to its first frame.
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            // Pillow also refuses truncated images by default; a partly grey image would silently poison a dataset.
            throw new InvalidDataException(
                $"Cannot decode '{source}': the {codec.EncodedFormat} data of a {info.Width}x{info.Height} image is incomplete or corrupt (SkiaSharp: {result}).");
        }

        return Orient(bitmap, codec.EncodedOrigin);
    }

    /// <summary>
    /// Applies an EXIF orientation: returns <paramref name="bitmap"/> itself for <see cref="SKEncodedOrigin.TopLeft"/>,
    /// otherwise an upright copy (disposing the original).
    /// </summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or < SKEncodedOrigin.TopLeft or > SKEncodedOrigin.LeftBottom)
            return bitmap;
        int w = bitmap.Width, h = bitmap.Height;
        bool swap = origin >= SKEncodedOrigin.LeftTop;
        int outW = swap ? h : w, outH = swap ? w : h;
        var oriented = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bitmap.GetPixelSpan());
        var target = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(oriented.GetPixelSpan());
        for (int y = 0; y < outH; y++)
        for (int x = 0; x < outW; x++)
        {
            // The stored pixel that shows at (x, y) once upright.
            var (sx, sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1 - x, y), // mirrored horizontally
                SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y), // rotated 180
                SKEncodedOrigin.BottomLeft => (x, h - 1 - y), // mirrored vertically
                SKEncodedOrigin.LeftTop => (y, x), // transposed
                SKEncodedOrigin.RightTop => (y, h - 1 - x), // to be rotated 90 degrees clockwise
                SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x), // transversed
                _ => (w - 1 - y, x), // LeftBottom: to be rotated 90 degrees counter-clockwise
            };
            target[y * outW + x] = source[sy * w + sx];
        }

        bitmap.Dispose();
        return oriented;
    }

    /// <summary>
    /// Returns a resized copy, or null when the bitmap already has the requested size. When the aspect ratios differ,
    /// the largest centred region of the requested aspect ratio is taken first, so a 4:3 photo becomes a square of its
    /// middle instead of a squeezed one (stretching changes the shapes a network learns from).
    /// </summary>
    private static SKBitmap? Resize(SKBitmap bitmap, int height, int width)
    {
        if (bitmap.Width == width && bitmap.Height == height)
            return null;
        // Integer arithmetic so the crop is exact and the same on every machine.
        long cropWidth = bitmap.Width, cropHeight = bitmap.Height;
        if ((long)bitmap.Width * height > (long)bitmap.Height * width)
            cropWidth = Math.Max(1, (long)bitmap.Height * width / height);
        else if ((long)bitmap.Width * height < (long)bitmap.Height * width)
            cropHeight = Math.Max(1, (long)bitmap.Width * height / width);
        using var cropped = cropWidth == bitmap.Width && cropHeight == bitmap.Height ? null : new SKBitmap();
        var source = bitmap;
        if (cropped is not null)
        {
            int left = (int)((bitmap.Width - cropWidth) / 2), top = (int)((bitmap.Height - cropHeight) / 2);
            if (!bitmap.ExtractSubset(cropped, new SKRectI(left, top, left + (int)cropWidth, top + (int)cropHeight)))
                throw new InvalidOperationException($"SkiaSharp could not crop a {bitmap.Width}x{bitmap.Height} image to its centre {cropWidth}x{cropHeight}.");
            source = cropped;
            if (source.Width == width && source.Height == height)
                return source.Copy();
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return source.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
               ?? throw new InvalidOperationException($"SkiaSharp could not resize a {bitmap.Width}x{bitmap.Height} image to {width}x{height}.");
    }

    private static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' not found.", path);
        return File.ReadAllBytes(path);
    }

    private static byte[] ReadStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string StreamName(Stream stream) => stream is FileStream file ? file.Name : "the stream";

    private static void ValidateSize(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
    }
}
