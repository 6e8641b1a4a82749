using System.Buffers.Binary;
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
/// <para>
/// Images of more than 2048 x 2048 pixels decoded from a file to a given size are never held whole as RGBA (a 100-megapixel image
/// is 400 MB so, per decoding thread): a PNG is read row by row and the same centred region is box-averaged into the
/// requested size while it is read, a BMP likewise through SkiaSharp's scanline decoder, and JPEG and WebP decode at
/// a reduced scale first. Interlaced PNGs and GIFs decode at full size. Smaller images decode as described above.
/// </para>
/// <para>
/// Only non-empty regular files are opened: a directory, an empty file, a FIFO, socket or device gives an
/// <see cref="InvalidDataException"/> naming it (opening a FIFO would block until some process writes to it), and a
/// file without read permission an <see cref="IOException"/> naming it.
/// </para>
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
    /// Images with more pixels than this (2048 x 2048), decoded to a given size, take a path that never holds them
    /// whole as RGBA; smaller ones decode as they always did, so their pixels stay bit-identical.
    /// </summary>
    internal const long StreamingThreshold = 2048L * 2048;

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
    /// <exception cref="IOException">The file cannot be read (no read permission); the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels, or is a directory, empty, or not a regular file (a FIFO, socket or device, never
    /// opened); the message names it.</exception>
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
    /// <exception cref="IOException">The file cannot be read (no read permission); the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels, or is a directory, empty, or not a regular file (a FIFO, socket or device, never
    /// opened); the message names it.</exception>
    public static Tensor Decode(string path, int height, int width, ColorMode mode = ColorMode.Rgb)
    {
        ValidateSize(height, width);
        using var bitmap = DecodeFile(path, height, width, scaleJpeg: false);
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
    /// <returns>An array of <c>channels × height × width (3 channels for RGB, 1 for grayscale)</c> bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read (no read permission); the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels, or is a directory, empty, or not a regular file (a FIFO, socket or device, never
    /// opened); the message names it.</exception>
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
    /// <param name="destination">Exactly <c>channels × height × width (3 channels for RGB, 1 for grayscale)</c> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="destination"/> has
    /// the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read (no read permission); the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, is truncated, or declares more than
    /// <see cref="MaxPixels"/> pixels, or is a directory, empty, or not a regular file (a FIFO, socket or device, never
    /// opened); the message names it.</exception>
    public static void DecodePixels(string path, int height, int width, ColorMode mode, Span<byte> destination)
    {
        ValidateSize(height, width);
        int expected = checked(mode.Channels() * height * width);
        if (destination.Length != expected)
            throw new ArgumentException($"Destination holds {destination.Length} bytes; expected {expected} ({mode.Channels()}x{height}x{width}).", nameof(destination));
        using var bitmap = DecodeFile(path, height, width, scaleJpeg: true);
        using var resized = Resize(bitmap, height, width);
        PlanarPixels.Write(resized ?? bitmap, mode, destination);
    }

    /// <summary>
    /// The upright size of an image file (EXIF orientation applied) read from its header, without decoding pixels:
    /// what a folder survey needs to choose an input size.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read (no read permission); the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is not an image SkiaSharp can read, or is a directory, empty, or
    /// not a regular file (never opened); the message names it.</exception>
    /// <exception cref="IOException">The file cannot be read (no read permission); the message names it.</exception>
    public static (int Height, int Width) ReadDimensions(string path)
    {
        // Opened (and closed) first: a FIFO, a directory or a file without read permission gets its own clear error.
        OpenFile(path).Dispose();
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
    private static SKBitmap DecodeBitmap(byte[] encoded, string source, int targetHeight = 0, int targetWidth = 0, bool scaleJpeg = true)
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
        CheckPixels(source, codec.EncodedFormat.ToString(), width, height);

        bool large = pixels > StreamingThreshold;
        if (targetHeight > 0 && large && codec.EncodedFormat == SKEncodedImageFormat.Webp)
        {
            // libwebp scales while it decodes (area averaging) to any size, so the full-size RGBA never exists. The
            // smallest size covering the target both ways; the centre crop and resize below do the rest.
            bool swap = codec.EncodedOrigin >= SKEncodedOrigin.LeftTop && codec.EncodedOrigin <= SKEncodedOrigin.LeftBottom;
            int storedHeight = swap ? targetWidth : targetHeight, storedWidth = swap ? targetHeight : targetWidth;
            double scale = Math.Min(1, Math.Max((double)storedWidth / width, (double)storedHeight / height));
            int scaledWidth = Math.Clamp((int)Math.Ceiling(width * scale), storedWidth, width);
            int scaledHeight = Math.Clamp((int)Math.Ceiling(height * scale), storedHeight, height);
            (width, height) = (Math.Max(scaledWidth, 1), Math.Max(scaledHeight, 1));
        }
        else if (targetHeight > 0 && (scaleJpeg || large) && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
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
        using var file = OpenFile(path);
        return ReadRest(file, [], path);
    }

    /// <summary>
    /// Decodes an image file for a <paramref name="targetHeight"/> x <paramref name="targetWidth"/> output: images of
    /// up to <see cref="StreamingThreshold"/> pixels as before (read whole, decoded by SkiaSharp, JPEG at a reduced
    /// scale when <paramref name="scaleJpeg"/>); larger ones without ever holding them whole as RGBA (PNG and BMP
    /// box-averaged row by row into the target size, JPEG and WebP decoded at a reduced scale). Interlaced PNGs and
    /// GIFs decode at full size whatever their size.
    /// </summary>
    private static SKBitmap DecodeFile(string path, int targetHeight, int targetWidth, bool scaleJpeg)
    {
        using var file = OpenFile(path);
        var head = new byte[33];
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var start = head.AsSpan(0, read);
        if (PngRowDecoder.ReadHeader(start) is { } png && (long)png.Width * png.Height > StreamingThreshold && PngRowDecoder.CanStream(png))
        {
            CheckPixels(path, "Png", png.Width, png.Height);
            var origin = ReadOrigin(path);
            var (reducer, _, _) = Reducer(png.Width, png.Height, origin, targetHeight, targetWidth);
            if (reducer is not null)
            {
                file.Position = 0;
                using var buffered = new BufferedStream(file, 1 << 16);
                PngRowDecoder.Decode(buffered, path, reducer);
                return Orient(reducer.ToBitmap(), origin);
            }
        }
        else if (IsLargeBmp(start) && DecodeBmpRows(path, targetHeight, targetWidth) is { } bmp)
        {
            return bmp;
        }

        return DecodeBitmap(ReadRest(file, start, path), path, targetHeight, targetWidth, scaleJpeg);
    }

    /// <summary>A box reducer from the centred crop of the target's aspect ratio (as <see cref="Resize"/> cuts it) to
    /// the target size, both in stored orientation; null when the crop is smaller than the target (an enlargement).</summary>
    private static (BoxReducer? Reducer, int StoredHeight, int StoredWidth) Reducer(int width, int height, SKEncodedOrigin origin, int targetHeight, int targetWidth)
    {
        bool swap = origin >= SKEncodedOrigin.LeftTop && origin <= SKEncodedOrigin.LeftBottom;
        int storedHeight = swap ? targetWidth : targetHeight, storedWidth = swap ? targetHeight : targetWidth;
        long cropWidth = width, cropHeight = height;
        if ((long)width * storedHeight > (long)height * storedWidth)
            cropWidth = Math.Max(1, (long)height * storedWidth / storedHeight);
        else if ((long)width * storedHeight < (long)height * storedWidth)
            cropHeight = Math.Max(1, (long)width * storedHeight / storedWidth);
        if (cropWidth < storedWidth || cropHeight < storedHeight)
            return (null, storedHeight, storedWidth);
        int left = (int)((width - cropWidth) / 2), top = (int)((height - cropHeight) / 2);
        var crop = new SKRectI(left, top, left + (int)cropWidth, top + (int)cropHeight);
        return (new BoxReducer(crop, storedHeight, storedWidth), storedHeight, storedWidth);
    }

    /// <summary>The EXIF orientation SkiaSharp reads from a file's header (a PNG's eXIf chunk).</summary>
    private static SKEncodedOrigin ReadOrigin(string path)
    {
        using var codec = SKCodec.Create(new SKFileStream(path), out var created)
                          ?? throw new InvalidDataException($"Cannot decode '{path}': not a PNG, JPEG, WebP, BMP or GIF image (SkiaSharp: {created}).");
        return codec.EncodedOrigin;
    }

    /// <summary>A BMP header (BITMAPINFOHEADER or later) declaring more than <see cref="StreamingThreshold"/> pixels.</summary>
    private static bool IsLargeBmp(ReadOnlySpan<byte> start)
    {
        if (start.Length < 26 || start[0] != 'B' || start[1] != 'M' || BinaryPrimitives.ReadUInt32LittleEndian(start[14..]) < 40)
            return false;
        long width = BinaryPrimitives.ReadInt32LittleEndian(start[18..]), height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(start[22..]));
        return width * height > StreamingThreshold;
    }

    /// <summary>
    /// A large BMP decoded by SkiaSharp's scanline decoder straight from the file, one row at a time, box-averaged
    /// into the target size; null when SkiaSharp cannot decode it that way (then the whole-file path reports it).
    /// </summary>
    private static SKBitmap? DecodeBmpRows(string path, int targetHeight, int targetWidth)
    {
        using var codec = SKCodec.Create(new SKFileStream(path));
        if (codec is null || codec.EncodedFormat != SKEncodedImageFormat.Bmp)
            return null;
        int width = codec.Info.Width, height = codec.Info.Height;
        CheckPixels(path, "Bmp", width, height);
        var (reducer, _, _) = Reducer(width, height, codec.EncodedOrigin, targetHeight, targetWidth);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (reducer is null || codec.StartScanlineDecode(info) != SKCodecResult.Success)
            return null;
        using var row = new SKBitmap(new SKImageInfo(width, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int i = 0; i < height; i++)
        {
            int y = codec.NextScanline;
            if (codec.GetScanlines(row.GetPixels(), 1, row.RowBytes) != 1)
                throw new InvalidDataException(
                    $"Cannot decode '{path}': the Bmp data of a {width}x{height} image is incomplete or corrupt (row {y} of {height} unreadable).");
            reducer.Add(y, row.GetPixelSpan());
        }
        return Orient(reducer.ToBitmap(), codec.EncodedOrigin);
    }

    /// <summary>Refuses more than <see cref="MaxPixels"/> pixels before any pixel memory is allocated.</summary>
    private static void CheckPixels(string source, string format, int width, int height)
    {
        long pixels = (long)width * height;
        if (pixels > MaxPixels)
            throw new InvalidDataException(
                $"Cannot decode '{source}': its {format} header declares a {width}x{height} image, {pixels} pixels, more than " +
                $"ImageDecoder.MaxPixels ({MaxPixels}); the header is damaged or the file is a decompression bomb. Raise ImageDecoder.MaxPixels to decode it.");
    }

    /// <summary>
    /// Opens an image file for reading, refusing what is not a readable regular file with an exception naming it: a
    /// directory, an empty file, and anything whose size the system reports as 0 bytes, which covers FIFOs, sockets
    /// and devices (opening a FIFO blocks until another process writes to it, so such files are never opened).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">A directory, or 0 bytes.</exception>
    /// <exception cref="IOException">The file cannot be opened (no read permission: the message says so).</exception>
    internal static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new InvalidDataException($"Cannot decode '{path}': it is a directory, not an image file.");
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Image file '{path}' not found.", path);
        if (info.Length == 0)
            throw new InvalidDataException(
                $"Cannot decode '{path}': it holds 0 bytes (an empty file, or not a regular file but a FIFO, socket or device, which is not opened).");
        try
        {
            // No buffer: small files are read whole in one call; the streaming path adds its own.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"Cannot read image file '{path}': permission denied ({e.Message}).", e);
        }
    }

    /// <summary>The rest of <paramref name="file"/> after the already read <paramref name="start"/>, as one array.</summary>
    private static byte[] ReadRest(FileStream file, ReadOnlySpan<byte> start, string path)
    {
        long length = file.Length;
        if (length > Array.MaxLength)
            throw new IOException($"Cannot read image file '{path}': it holds {length} bytes, more than an array can.");
        var bytes = new byte[Math.Max(length, start.Length)];
        start.CopyTo(bytes);
        int read = start.Length + file.ReadAtLeast(bytes.AsSpan(start.Length), bytes.Length - start.Length, throwOnEndOfStream: false);
        if (read < bytes.Length)
            Array.Resize(ref bytes, read); // shortened while being read
        return bytes;
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
