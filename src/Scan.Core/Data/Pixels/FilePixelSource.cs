using Microsoft.Win32.SafeHandles;

namespace Scan.Core.Data;

/// <summary>
/// Images read from a raw file as batches ask for them, with positional reads (<c>pread</c>), so a 150 MB CIFAR file
/// costs no managed memory and the page cache does the caching. Image i starts at
/// <c>firstImageOffset + i · recordStride</c> (a stride above the image size skips per-record label bytes, as in CIFAR).
/// </summary>
/// <remarks>
/// Not a memory map: on Linux file sharing is advisory, and a mapped file truncated by another process raises SIGBUS
/// on the next access, which ends the process without an exception. A read past the new end instead returns short,
/// and becomes an <see cref="IOException"/> naming the file.
/// </remarks>
internal sealed class FilePixelSource : PixelSource
{
    private readonly SafeFileHandle _file;
    private readonly string _path;
    private readonly long _firstImageOffset;
    private readonly long _recordStride;

    private FilePixelSource(SafeFileHandle file, string path, long firstImageOffset, long recordStride, int imageBytes, int count)
        : base(count, imageBytes)
    {
        _file = file;
        _path = path;
        _firstImageOffset = firstImageOffset;
        _recordStride = recordStride;
    }

    /// <summary>Opens <paramref name="path"/> for reading. The caller has checked that the file holds every record.</summary>
    public static FilePixelSource Open(string path, long firstImageOffset, long recordStride, int imageBytes, int count) =>
        new(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read), Path.GetFullPath(path),
            firstImageOffset, recordStride, imageBytes, count);

    /// <summary>Reads from <paramref name="file"/>, already open and checked by the caller, and owned from now on
    /// (e.g. a cache file whose checksum was verified through this very handle).</summary>
    public static FilePixelSource FromHandle(SafeFileHandle file, string path, long firstImageOffset, long recordStride, int imageBytes, int count) =>
        new(file, Path.GetFullPath(path), firstImageOffset, recordStride, imageBytes, count);

    /// <summary>Reads one byte at an absolute file offset (e.g. a CIFAR record's label).</summary>
    /// <exception cref="IOException">The file no longer holds that byte (truncated while in use).</exception>
    public byte ReadByte(long fileOffset)
    {
        Span<byte> one = stackalloc byte[1];
        Read(fileOffset, one, "byte");
        return one[0];
    }

    /// <exception cref="IOException">The file no longer holds the image (truncated or replaced while in use).</exception>
    public override void CopyImage(int index, Span<byte> destination) =>
        Read(_firstImageOffset + index * _recordStride, destination[..ImageBytes], $"image {index}");

    private void Read(long offset, Span<byte> destination, string what)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int read = RandomAccess.Read(_file, destination[done..], offset + done);
            if (read == 0)
            {
                throw new IOException(
                    $"Dataset file '{_path}' changed while in use: {what} needs bytes {offset} to {offset + destination.Length - 1}, " +
                    $"but the file now ends at {RandomAccess.GetLength(_file)} bytes (truncated or replaced by another process). " +
                    "Restore the file and run again; a run directory resumes from its last checkpoint.");
            }
            done += read;
        }
    }

    public override void Dispose() => _file.Dispose();
}
