using System.Collections;
using System.IO.Compression;
using System.IO.Hashing;
using Scan.Core.Models;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Scan.Core.IO;

/// <summary>
/// Reads a state dict written by PyTorch's <c>torch.save</c> (the zip format of PyTorch 1.6 and later: a pickle
/// naming each tensor's storage plus one archive entry per storage), through TorchSharp.PyBridge's unpickler.
/// Any failure to read becomes an <see cref="InvalidDataException"/> naming the file.
/// </summary>
/// <remarks>
/// Every archive entry's CRC-32 is checked first: neither .NET's ZipArchive nor PyTorch 1.13's <c>torch.load</c>
/// does, so a flipped bit in a tensor's bytes would otherwise load as a silently different weight.
/// </remarks>
internal static class PyTorchStateDictFile
{
    // Checkpoint dictionaries that wrap the state dict: {'model': ..., 'head': ...} is how the SCAN authors save
    // their clustering model (scan.py); {'state_dict': ...} is common in other training scripts.
    private static readonly string[] ContainerKeys = { "model", "state_dict" };

    /// <summary>
    /// Reads every tensor of the state dict onto the CPU. The tensors belong to the caller's dispose scope, so call
    /// this inside <c>torch.NewDisposeScope()</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable state dict; the message says why.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"PyTorch state dict '{path}' does not exist.", path);

        CheckSignature(path);
        Hashtable root;
        string? damaged = null;
        try
        {
            damaged = FirstDamagedEntry(path);
            if (damaged is not null)
                throw Invalid(path, damaged, null);
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException && damaged is null)
        {
            // Razorvine's PickleException, ZipArchive's InvalidDataException, casts of unexpected pickle content,
            // libtorch errors on impossible shapes: all mean the file is damaged or is not a state dict.
            throw Invalid(path, $"{e.GetType().Name}: {e.Message.TrimEnd('.')}", e);
        }

        var stateDict = Tensors(root);
        if (stateDict.Count == 0)
        {
            foreach (var key in ContainerKeys)
            {
                if (root[key] is Hashtable inner && Tensors(inner) is { Count: > 0 } wrapped)
                    return wrapped;
            }
            var keys = root.Keys.Cast<object>().Select(k => $"'{k}'").Order(StringComparer.Ordinal);
            throw Invalid(path, $"it holds no tensors, neither at the top level nor under 'model' or 'state_dict' " +
                $"(top-level keys: {string.Join(", ", keys)})", null);
        }
        return stateDict;
    }

    private static Dictionary<string, Tensor> Tensors(Hashtable table)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor tensor)
                tensors[key] = tensor;
        }
        return tensors;
    }

    /// <summary>Deflate's largest expansion (a 258-byte match per 2 bits, about 1032:1): an entry declaring more
    /// than this many times its compressed size cannot hold what it declares.</summary>
    internal const long DeflateMaxRatio = 1032;

    // The first archive entry that declares more than the file can hold or than the limits, or whose bytes do not
    // match the CRC-32 and size its zip header records, or null. No entry is inflated past its declared size, so a
    // zip bomb costs at most the limits' worth of inflating; the pickle's declared lengths are checked against its
    // bytes before the unpickler allocates them.
    private static string? FirstDamagedEntry(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var buffer = new byte[1 << 16];
        var crc = new Crc32();
        long total = 0;
        var pickleEntry = archive.Entries.FirstOrDefault(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        foreach (var entry in archive.Entries)
        {
            bool isPickle = ReferenceEquals(entry, pickleEntry);
            long limit = isPickle ? PyTorchWeights.MaxPickleBytes : PyTorchWeights.MaxEntryBytes;
            if (entry.Length > limit)
                return $"archive entry '{entry.FullName}' declares {entry.Length} bytes, more than the limit of {limit} (PyTorchWeights.{(isPickle ? nameof(PyTorchWeights.MaxPickleBytes) : nameof(PyTorchWeights.MaxEntryBytes))})";
            if (entry.Length > Math.Max(entry.CompressedLength, DeflateMaxRatio * entry.CompressedLength + 64))
                return $"archive entry '{entry.FullName}' declares {entry.Length} bytes from {entry.CompressedLength} compressed bytes, more than deflate can expand them to ({DeflateMaxRatio}:1)";
            total += entry.Length;
            if (total > PyTorchWeights.MaxStateDictBytes)
                return $"its archive entries declare more than {PyTorchWeights.MaxStateDictBytes} bytes in all (PyTorchWeights.{nameof(PyTorchWeights.MaxStateDictBytes)})";

            crc.Reset();
            long length = 0;
            byte[]? pickle = isPickle ? new byte[entry.Length] : null;
            using var data = entry.Open();
            // .NET's entry stream ends at the declared size, and reading never asks for more than one byte beyond it.
            for (int read; length <= entry.Length && (read = data.Read(buffer, 0, (int)Math.Min(buffer.Length, entry.Length + 1 - length))) > 0; length += read)
            {
                if (pickle is not null && length + read <= pickle.Length)
                    buffer.AsSpan(0, read).CopyTo(pickle.AsSpan((int)length));
                crc.Append(buffer.AsSpan(0, read));
            }
            if (length > entry.Length)
                return $"archive entry '{entry.FullName}' inflates to more than the {entry.Length} bytes its header records";
            uint actual = crc.GetCurrentHashAsUInt32();
            if (actual != entry.Crc32 || length != entry.Length)
            {
                return $"archive entry '{entry.FullName}' is damaged ({length} bytes with CRC-32 {actual:X8}, " +
                    $"its header records {entry.Length} bytes with CRC-32 {entry.Crc32:X8})";
            }
            if (pickle is not null && PickleLengths.FirstProblem(pickle) is { } problem)
                return $"archive entry '{entry.FullName}' is not a pickle the unpickler can read safely: {problem}";
        }
        return null;
    }

    private static void CheckSignature(string path)
    {
        Span<byte> head = stackalloc byte[4];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read == 4 && head.SequenceEqual("PK\u0003\u0004"u8))
            return;
        // PyTorch before 1.6 (or _use_new_zipfile_serialization=False) wrote a bare pickle: protocol 2 starts 0x80 0x02.
        if (read >= 2 && head[0] == 0x80 && head[1] == 0x02)
        {
            throw Invalid(path, "it was saved in PyTorch's legacy (pre-1.6) format, which is not supported; load it " +
                "in Python and save it again with torch.save(state_dict, path) from PyTorch 1.6 or later", null);
        }
        throw Invalid(path, read == 0
            ? "the file is empty"
            : $"it is not a zip archive (first bytes {Convert.ToHexString(head[..read])}, expected 504B0304)", null);
    }

    private static InvalidDataException Invalid(string path, string reason, Exception? inner) =>
        new($"'{path}' is not a readable PyTorch state dict: {reason}. Expected a file written by " +
            "torch.save(model.state_dict(), path).", inner);
}
