namespace Scan.Core.IO;

/// <summary>
/// The exceptions TorchSharp's state-dict reader (<c>Module.load</c>, <c>OptimizerHelper.load_state_dict</c>)
/// raises for a stream that does not fit the model or is damaged, so every loader turns them into one
/// <see cref="InvalidDataException"/> naming its file.
/// </summary>
internal static class StateDictLoadErrors
{
    /// <summary>
    /// True for: names, dtypes or shapes that differ (<see cref="ArgumentException"/>,
    /// <see cref="InvalidOperationException"/>); a stream that ends early (<see cref="EndOfStreamException"/>); a
    /// damaged length prefix of a name (<see cref="FormatException"/> from BinaryReader.ReadString, found by fuzzing);
    /// a damaged rank or size (<see cref="OverflowException"/>, and <see cref="NotImplementedException"/> for
    /// tensors over 2 GB); and any other <see cref="IOException"/>, such as BinaryReader's "invalid string length"
    /// for a negative length prefix (found by fuzzing: case 1757 of ScanModelFuzzTests). Every caller reads from a
    /// checksummed payload in memory, so an I/O error there can only mean damaged data.
    /// </summary>
    public static bool IsDamagedStream(Exception e) =>
        e is ArgumentException or InvalidOperationException or IOException or FormatException
            or OverflowException or NotImplementedException;
}
