using System.Reflection;
using BenchmarkDotNet.Running;
using Scan.Benchmarks;

// Usage:
//   dotnet run -c Release --project bench/Scan.Benchmarks -- <comparison-name> [args]   side-by-side vs a reference
//   dotnet run -c Release --project bench/Scan.Benchmarks -- soak [args]                 50-epoch memory soak
//   dotnet run -c Release --project bench/Scan.Benchmarks -- image-folder-cache [args]   200,000 tiny images: RSS, first/second load
//   dotnet run -c Release --project bench/Scan.Benchmarks -- --filter '*Loss*'          BenchmarkDotNet micro-benchmarks
var comparisons = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IComparison).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
    .Select(t => (IComparison)Activator.CreateInstance(t)!)
    .OrderBy(c => c.Name)
    .ToList();

if (args.Length > 0 && comparisons.FirstOrDefault(c => c.Name == args[0]) is { } comparison)
    return comparison.Run(args[1..]);

if (args.Length > 0 && args[0] is "list" or "--list-comparisons")
{
    foreach (var c in comparisons)
        Console.WriteLine($"{c.Name,-28} {c.Description}");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(IComparison).Assembly).Run(args);
return 0;
