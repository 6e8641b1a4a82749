using System.Diagnostics;
using System.Globalization;

namespace Scan.Benchmarks.Shared;

/// <summary>What every side-by-side comparison needs: finding committed files, running the Python reference,
/// medians and command-line options.</summary>
internal static class ComparisonSupport
{
    /// <summary>A file of the repository (e.g. "bench/reference/x.py"), searched upwards from the working directory
    /// and from the binaries.</summary>
    public static string FindRepositoryFile(string relativePath)
    {
        foreach (var origin in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        throw new FileNotFoundException(
            $"{relativePath} was not found above the working directory or the binaries; run from the repository.", relativePath);
    }

    /// <summary>Runs <paramref name="python"/> <paramref name="script"/> with the arguments and returns its standard
    /// output; a non-zero exit throws with its standard error. The child inherits this process's environment, with
    /// <paramref name="environment"/> applied on top (a null value removes the variable).</summary>
    public static string RunPython(string python, string script, IEnumerable<string> arguments, string needs,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in arguments)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start the reference: {python} {script}.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The reference {script} exited with code {process.ExitCode}; it needs {needs}. stderr: {stderr.Result}");
        }
        return stdout;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("No values to take the median of.", nameof(values));
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public static int IntOption(string[] args, string name, int fallback, int minimum = 1)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0)
            return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int value) || value < minimum)
        {
            throw new ArgumentException(
                $"{name} needs an integer >= {minimum}; got '{(i + 1 < args.Length ? args[i + 1] : "")}'.", nameof(args));
        }
        return value;
    }

    public static string StringOption(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0)
            return fallback;
        if (i + 1 >= args.Length)
            throw new ArgumentException($"{name} needs a value.", nameof(args));
        return args[i + 1];
    }
}
