namespace Scan.Cli;

/// <summary>A problem the user can fix (a missing folder, no images, an unwritable output folder): printed as one
/// "Error: ..." line without a stack trace, exit code 1.</summary>
internal sealed class CliError(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The tool's exit codes, stable for scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The command could not do its job: bad input data, unreadable or unwritable files, a failed run.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown option, a missing or out-of-range value.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
