using SkiaSharp;

namespace Scan.Core.Data;

/// <summary>
/// Box-averages the rows of an image, handed over one at a time as RGBA8888, into a small RGBA8888 bitmap while the
/// image is read, so decoding a huge image to a small size needs memory for one row and the output, not for the whole
/// image. Each output pixel is the rounded mean of its whole block of source pixels in a crop rectangle (blocks have
/// integer bounds <c>i * crop / output</c>, so every source pixel of the crop counts exactly once).
/// </summary>
/// <remarks>Rows may arrive top-down or bottom-up (BMP), but each block row must be complete before the next begins,
/// which either order gives.</remarks>
internal sealed class BoxReducer
{
    private readonly int _left, _top, _outWidth, _outHeight;
    private readonly int[] _columnStart, _rowStart;
    private readonly long[] _sums;
    private readonly byte[] _output;
    private int _band = -1, _bandRowsSeen, _bandsDone;

    /// <param name="crop">The source rectangle that becomes the output; at least as large as the output both ways.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    public BoxReducer(SKRectI crop, int outHeight, int outWidth)
    {
        if (crop.Width < outWidth || crop.Height < outHeight)
            throw new ArgumentException($"A box reduction cannot enlarge {crop.Width}x{crop.Height} to {outWidth}x{outHeight}.");
        (_left, _top, _outWidth, _outHeight) = (crop.Left, crop.Top, outWidth, outHeight);
        _columnStart = Bounds(crop.Width, outWidth);
        _rowStart = Bounds(crop.Height, outHeight);
        _sums = new long[outWidth * 4];
        _output = new byte[outWidth * outHeight * 4];
    }

    /// <summary>True when the row lies in the crop, i.e. <see cref="Add"/> would use it.</summary>
    public bool Wants(int y) => y >= _top && y < _top + _rowStart[^1];

    /// <summary>Adds source row <paramref name="y"/> (the whole row, 4 bytes a pixel); rows outside the crop are ignored.</summary>
    public void Add(int y, ReadOnlySpan<byte> rgba)
    {
        if (!Wants(y))
            return;
        int band = Band(y - _top);
        if (band != _band)
        {
            if (_band >= 0)
                throw new InvalidOperationException($"Row {y} starts block row {band} before block row {_band} is complete.");
            (_band, _bandRowsSeen) = (band, 0);
        }

        var row = rgba.Slice(_left * 4, _columnStart[^1] * 4);
        for (int x = 0; x < _outWidth; x++)
        {
            long r = 0, g = 0, b = 0, a = 0;
            for (int c = _columnStart[x] * 4, end = _columnStart[x + 1] * 4; c < end; c += 4)
            {
                r += row[c];
                g += row[c + 1];
                b += row[c + 2];
                a += row[c + 3];
            }
            _sums[4 * x] += r;
            _sums[4 * x + 1] += g;
            _sums[4 * x + 2] += b;
            _sums[4 * x + 3] += a;
        }

        if (++_bandRowsSeen < _rowStart[band + 1] - _rowStart[band])
            return;
        int rows = _rowStart[band + 1] - _rowStart[band];
        var target = _output.AsSpan(band * _outWidth * 4, _outWidth * 4);
        for (int x = 0; x < _outWidth; x++)
        {
            long count = (long)rows * (_columnStart[x + 1] - _columnStart[x]);
            for (int k = 0; k < 4; k++)
                target[4 * x + k] = (byte)((_sums[4 * x + k] + count / 2) / count);
        }
        Array.Clear(_sums);
        _band = -1;
        _bandsDone++;
    }

    /// <summary>The reduced image; every row of the crop must have been added.</summary>
    public SKBitmap ToBitmap()
    {
        if (_bandsDone != _outHeight)
            throw new InvalidOperationException($"Only {_bandsDone} of {_outHeight} output rows are complete.");
        var bitmap = new SKBitmap(new SKImageInfo(_outWidth, _outHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < _outHeight; y++)
            _output.AsSpan(y * _outWidth * 4, _outWidth * 4).CopyTo(pixels.Slice(y * bitmap.RowBytes));
        return bitmap;
    }

    private int Band(int offset)
    {
        int band = Array.BinarySearch(_rowStart, offset);
        return band >= 0 ? band : ~band - 1;
    }

    private static int[] Bounds(int length, int parts)
    {
        var bounds = new int[parts + 1];
        for (int i = 0; i <= parts; i++)
            bounds[i] = (int)((long)i * length / parts);
        return bounds;
    }
}
