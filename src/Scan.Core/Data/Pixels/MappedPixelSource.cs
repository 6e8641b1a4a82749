using System.IO.MemoryMappedFiles;

namespace Scan.Core.Data;

/// <summary>
/// Images read straight from a raw file mapped into memory: the operating system pages in only what batches touch,
/// so a 150 MB CIFAR file costs no managed memory. Image i starts at <c>firstImageOffset + i · recordStride</c>
/// (a stride above the image size skips per-record label bytes, as in CIFAR).
/// </summary>
internal sealed class MappedPixelSource : PixelSource
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _firstImageOffset;
    private readonly long _recordStride;

    private MappedPixelSource(MemoryMappedFile file, MemoryMappedViewAccessor view, long firstImageOffset, long recordStride, int imageBytes, int count)
        : base(count, imageBytes)
    {
        _file = file;
        _view = view;
        _firstImageOffset = firstImageOffset;
        _recordStride = recordStride;
    }

    /// <summary>Maps <paramref name="path"/> read-only. The caller has checked that the file holds every record.</summary>
    public static MappedPixelSource Open(string path, long firstImageOffset, long recordStride, int imageBytes, int count)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? file = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedPixelSource(file, view, firstImageOffset, recordStride, imageBytes, count);
        }
        catch
        {
            if (file is null)
                stream.Dispose();
            file?.Dispose();
            throw;
        }
    }

    /// <summary>Reads one byte at an absolute file offset (e.g. a CIFAR record's label).</summary>
    public byte ReadByte(long fileOffset) => _view.ReadByte(fileOffset);

    public override void CopyImage(int index, Span<byte> destination)
    {
        long offset = _view.PointerOffset + _firstImageOffset + index * _recordStride;
        _view.SafeMemoryMappedViewHandle.ReadSpan((ulong)offset, destination[..ImageBytes]);
    }

    public override void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
