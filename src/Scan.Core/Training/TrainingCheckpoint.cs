using Scan.Core.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scan.Core.Training;

/// <summary>
/// The state of a training stage after a completed epoch: model weights and buffers, optimizer state, the number
/// of completed epochs, the per-epoch history and any other tensors the stage carries across epochs (the
/// self-labelling EMA of the weights), in one <see cref="ScanFile"/> written atomically. Because every epoch draws
/// its randomness from a generator seeded by (seed, epoch), resuming from a checkpoint reproduces the
/// uninterrupted run exactly on the CPU.
/// </summary>
/// <remarks>
/// Payload: stage name, completed epochs (i32), history (JSON), then length-prefixed blocks: model, optimizer,
/// extra state (tensor count, then each tensor). Checkpoints written before the extra-state block existed end after
/// the optimizer block and still load.
/// </remarks>
internal static class TrainingCheckpoint
{
    private const string Kind = "checkpoint";
    private const uint Version = 1;

    public static void Save(string path, ScanStage stage, int completedEpochs, nn.Module model,
        OptimizerHelper? optimizer, IReadOnlyList<EpochRecord> history, IReadOnlyList<Tensor>? state = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(stage.ToString());
            writer.Write(completedEpochs);
            writer.Write(System.Text.Json.JsonSerializer.Serialize(history, ScanJson.Options));
            WriteBlock(writer, w => model.save(w));
            WriteBlock(writer, w => optimizer?.save_state_dict(w));
            WriteBlock(writer, w =>
            {
                w.Write(state?.Count ?? 0);
                foreach (var tensor in state ?? Array.Empty<Tensor>())
                    tensor.Save(w);
            });
        }
        ScanFile.Write(path, Kind, Version, buffer.ToArray());
    }

    /// <summary>Loads a checkpoint into <paramref name="model"/>, <paramref name="optimizer"/> and <paramref name="state"/>.</summary>
    /// <returns>Completed epochs, history and whether <paramref name="state"/> was restored (false when the file
    /// predates the extra-state block), or null when <paramref name="path"/> does not exist.</returns>
    /// <exception cref="InvalidDataException">The file is damaged, belongs to another stage or does not fit the model;
    /// the message names the file.</exception>
    public static (int CompletedEpochs, List<EpochRecord> History, bool StateRestored)? TryLoad(string path, ScanStage stage,
        nn.Module model, OptimizerHelper? optimizer, IReadOnlyList<Tensor>? state = null)
    {
        if (!File.Exists(path))
            return null;
        byte[] payload = ScanFile.Read(path, Kind, Version);
        using var reader = new BinaryReader(new MemoryStream(payload));
        string foundStage;
        int completed;
        List<EpochRecord>? history;
        byte[] modelBytes, optimizerBytes;
        byte[]? stateBytes;
        try
        {
            // The checksum matched, so damage here means a writer's bug or a file assembled by hand; it must still
            // read as a damaged checkpoint, not as an end-of-stream or JSON error from deep inside.
            foundStage = reader.ReadString();
            completed = reader.ReadInt32();
            history = System.Text.Json.JsonSerializer.Deserialize<List<EpochRecord>>(reader.ReadString(), ScanJson.Options);
            modelBytes = ReadBlock(reader, path);
            optimizerBytes = ReadBlock(reader, path);
            // Files written before the extra-state block existed end here.
            stateBytes = reader.BaseStream.Position < reader.BaseStream.Length ? ReadBlock(reader, path) : null;
        }
        // IOException covers both the end of the payload and BinaryReader's "invalid string length" for a negative
        // one; FormatException a string length of more than five bytes.
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is damaged: {e.Message}", e);
        }
        if (foundStage != stage.ToString())
            throw new InvalidDataException($"Checkpoint '{path}' belongs to the {foundStage} stage, expected {stage}.");
        if (history is null || completed < 0 || history.Count != completed ||
            history.Select((r, i) => r is not null && r.Epoch == i + 1 && r.Metrics is not null).Contains(false))
        {
            throw new InvalidDataException(
                $"Checkpoint '{path}' is damaged: expected one history record per completed epoch (epochs 1 to {completed}), " +
                $"found {(history is null ? "no history" : $"{history.Count} record(s)")}.");
        }
        bool stateRestored = false;
        try
        {
            using (var modelReader = new BinaryReader(new MemoryStream(modelBytes)))
                model.load(modelReader, strict: true);
            if (optimizer is not null && optimizerBytes.Length > 0)
            {
                using var optimizerReader = new BinaryReader(new MemoryStream(optimizerBytes));
                optimizer.load_state_dict(optimizerReader);
            }
            if (state is { Count: > 0 } && stateBytes is not null)
            {
                using var stateReader = new BinaryReader(new MemoryStream(stateBytes));
                int count = stateReader.ReadInt32();
                if (count != state.Count)
                    throw new InvalidDataException($"Checkpoint '{path}' holds {count} extra state tensor(s), the stage expects {state.Count}.");
                foreach (var tensor in state)
                    tensor.Load(stateReader);
                stateRestored = true;
            }
        }
        catch (Exception e) when (StateDictLoadErrors.IsDamagedStream(e))
        {
            throw new InvalidDataException(
                $"Checkpoint '{path}' does not fit this model (different architecture or options): {e.Message}", e);
        }
        return (completed, history, stateRestored || state is not { Count: > 0 });
    }

    private static void WriteBlock(BinaryWriter writer, Action<BinaryWriter> write)
    {
        using var block = new MemoryStream();
        using (var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true))
            write(blockWriter);
        writer.Write(block.Length);
        writer.Write(block.GetBuffer(), 0, (int)block.Length);
    }

    /// <summary>Reads a length-prefixed block, checking the length against what is left before allocating for it.</summary>
    private static byte[] ReadBlock(BinaryReader reader, string path)
    {
        long length = reader.ReadInt64();
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (length < 0 || length > left)
            throw new InvalidDataException($"Checkpoint '{path}' is damaged: a block of {length} bytes is announced where {left} remain.");
        return reader.ReadBytes((int)length);
    }
}
