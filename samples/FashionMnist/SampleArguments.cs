namespace Scan.Samples.FashionMnist;

/// <summary>Command line of the sample: no arguments runs the Quick preset on the bundled 10,000 images.</summary>
internal sealed record SampleArguments(bool Full, string? DataDirectory, long Seed, string ReportDirectory, string? RunDirectory, int? PretextEpochs, TimeSpan? Budget)
{
    public const string Usage = """
        Usage: dotnet run --project samples/FashionMnist -c Release -- [options]
          (no options)     Quick preset on the bundled Fashion-MNIST test split (10,000 images)
          --full           Full preset on all 70,000 images (Debian's dataset-fashion-mnist or --data)
          --data DIR       Folder with the Fashion-MNIST .gz files (train-*, t10k-*)
          --seed N         Seed (default 0)
          --report DIR     Report folder (default reports/fashion-mnist-quick or -full)
          --run-dir DIR    Keep every stage's output there and resume from it
          --pretext-epochs N  Override the SimCLR epochs of the preset (and run it without a budget)
          --budget MIN     Fit the preset's schedule to MIN minutes on this machine (default: 9 for Quick, so that
                           `dotnet run` with its build check stays within 10; 110 for Full); 0 runs the preset as is
          --help           This text
        """;

    public static SampleArguments? Parse(string[] args)
    {
        bool full = false;
        string? data = null, report = null, run = null;
        long seed = 0;
        int? pretextEpochs = null;
        double? budgetMinutes = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--full": full = true; break;
                case "--data": data = Next(); break;
                case "--seed": seed = long.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--report": report = Next(); break;
                case "--run-dir": run = Next(); break;
                case "--pretext-epochs": pretextEpochs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--budget": budgetMinutes = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--help" or "-h": return null;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        report ??= Path.Combine("reports", full ? "fashion-mnist-full" : "fashion-mnist-quick");
        if (budgetMinutes is < 0 or > 10_000 || budgetMinutes is double.NaN)
            throw new ArgumentException($"--budget must be between 0 and 10000 minutes; found {budgetMinutes}.");
        // An explicit epoch count is a request for that schedule: no budget unless one is also given.
        double minutes = budgetMinutes ?? (pretextEpochs is not null ? 0 : full ? 110 : 9);
        return new SampleArguments(full, data, seed, report, run, pretextEpochs, minutes > 0 ? TimeSpan.FromMinutes(minutes) : null);
    }
}
