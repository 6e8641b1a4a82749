using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using Scan.Cli;
using Scan.Cli.Commands;
using Scan.Cli.Output;
using Scan.Core.Models;
using Scan.Core.Training;

// scan: clusters a folder of images without labels (SCAN, Van Gansbeke et al., ECCV 2020), shows the result and
// labels new images with the trained model.
var root = new RootCommand(
    "scan: clusters a folder of images without labels (SCAN, Van Gansbeke et al., ECCV 2020), writes a report to look at, " +
    "and labels new images with the trained model. Exit codes: 0 done, 1 the command failed (the message says why), " +
    "2 the command line is wrong, 130 cancelled.")
{
    BuildCluster(),
    BuildPredict(),
    BuildInspect(),
    BuildName(),
    BuildSuggestK(),
};

var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction)
{
    // One line per problem on standard error and exit code 2, so a script can tell a wrong command line from a failed run.
    foreach (var error in parsed.Errors)
        CliConsole.Error(error.Message);
    string command = parsed.CommandResult.Command == root ? "scan" : $"scan {parsed.CommandResult.Command.Name}";
    Console.Error.WriteLine($"Run '{command} --help' for usage.");
    return ExitCodes.Usage;
}
return await parsed.InvokeAsync();

static Command BuildCluster()
{
    var folder = new Argument<DirectoryInfo>("folder")
    {
        Description = "Folder of images (PNG, JPEG, WebP, BMP, GIF), directly inside it or in sub-folders; sub-folder names, " +
                      "when present, name the clusters and give an accuracy figure, and are never used for training.",
    };
    var clusters = new Option<int>("--clusters", "-k")
    {
        Description = "Number of clusters K (at least 2).",
        Required = true,
    };
    clusters.Validators.Add(r =>
    {
        int value = r.GetValueOrDefault<int>();
        if (value < 2)
            r.AddError($"--clusters (-k) must be at least 2, got {value}.");
    });
    var budget = new Option<TimeSpan?>("--budget")
    {
        Description = "Wall time for the whole run, e.g. 90s, 10m, 1h30m or 00:10:00; every stage's length is fitted to it on " +
                      "this machine. Default: 2.5 minutes plus 40 ms per image.",
        CustomParser = r =>
        {
            string text = r.Tokens.Single().Value;
            var value = Duration.Parse(text);
            if (value is null)
                r.AddError($"--budget must be a duration such as 90s, 10m, 1h30m or 00:10:00, got '{text}'.");
            else if (value <= TimeSpan.Zero)
                r.AddError($"--budget must be positive, got '{text}'.");
            return value;
        },
    };
    var seed = new Option<long>("--seed")
    {
        Description = "Seed of every random choice: the same seed, folder and options give the same clusters.",
        DefaultValueFactory = _ => 0,
    };
    var output = new Option<DirectoryInfo>("--out", "-o")
    {
        Description = "Folder for clusters.csv (file, cluster, name, confidence), model.scan, embeddings.npy (pretext features, " +
                      "float32 N x D for numpy.load) and report.html; the run's stage files go to its run/ sub-folder.",
        DefaultValueFactory = _ => new DirectoryInfo("scan-output"),
    };
    var resume = new Option<bool>("--resume")
    {
        Description = "Continue the run in --out (after Ctrl+C or a crash) with the options it was started with.",
    };
    var device = new Option<string>("--device")
    {
        Description = "Where to train: cpu, cuda or cuda:N (CUDA needs a CUDA build of TorchSharp).",
        DefaultValueFactory = _ => "cpu",
    };
    device.Validators.Add(r =>
    {
        string? value = r.GetValueOrDefault<string>();
        if (value is null || !Regex.IsMatch(value, "^(cpu|cuda(:[0-9]+)?)$"))
            r.AddError($"--device must be cpu, cuda or cuda:N, got '{value}'.");
    });

    var pretrained = new Option<FileInfo>("--pretrained")
    {
        Description = "A backbone trained in PyTorch (a file of torch.save(model.state_dict()), or of a dict holding it under " +
                      "'model' or 'state_dict'): its weights are loaded and the pretext (SimCLR) stage is skipped. The backbone " +
                      "is described by the --pretrained-* options.",
    };
    var architecture = new Option<string>("--pretrained-architecture")
    {
        Description = "The --pretrained backbone: resnet18 (two basic blocks per stage, torchvision's naming) or small-resnet (one).",
        DefaultValueFactory = _ => "resnet18",
    };
    architecture.AcceptOnlyFromAmong("resnet18", "small-resnet");
    var width = new Option<int>("--pretrained-width")
    {
        Description = "Channels of the --pretrained backbone's first stage (64 in ResNet-18).",
        DefaultValueFactory = _ => 64,
    };
    width.Validators.Add(r =>
    {
        int value = r.GetValueOrDefault<int>();
        if (value is < 1 or > 4096)
            r.AddError($"--pretrained-width must be between 1 and 4096, got {value}.");
    });
    var stem = new Option<string>("--pretrained-stem")
    {
        Description = "The --pretrained backbone's stem: cifar (3x3 stride-1 conv, no max-pool) or imagenet (7x7 stride-2 conv and " +
                      "max-pool). Default: cifar for images up to 64 px, else imagenet.",
    };
    stem.AcceptOnlyFromAmong("cifar", "imagenet");
    var prefix = new Option<string>("--pretrained-prefix")
    {
        Description = "Prefix stripped from the file's keys, e.g. backbone. (a SCAN checkpoint) or module.backbone.; keys without " +
                      "it, and fc.* (a classifier), are ignored.",
        DefaultValueFactory = _ => "",
    };

    var command = new Command("cluster", "Cluster the images of a folder into K groups and write clusters.csv, model.scan, embeddings.npy and report.html.")
    {
        folder, clusters, budget, seed, output, resume, device, pretrained, architecture, width, stem, prefix,
    };
    command.Validators.Add(r =>
    {
        if (r.GetResult(pretrained) is not null)
            return;
        foreach (var option in new Option[] { architecture, width, stem, prefix })
        {
            if (r.GetResult(option) is { Implicit: false })
                r.AddError($"{option.Name} describes the --pretrained backbone; give --pretrained FILE too.");
        }
    });
    command.SetAction((parse, cancellationToken) => Guarded(() =>
    {
        var weights = parse.GetValue(pretrained) is { } file
            ? new PretrainedArguments(file,
                parse.GetValue(architecture) == "small-resnet" ? BackboneArchitecture.SmallResNet : BackboneArchitecture.ResNet18,
                parse.GetValue(width),
                parse.GetValue(stem) switch { "cifar" => ResNetStem.Cifar, "imagenet" => ResNetStem.ImageNet, _ => null },
                parse.GetValue(prefix) ?? "")
            : null;
        return ClusterCommand.RunAsync(new ClusterArguments(
            parse.GetValue(folder)!, parse.GetValue(clusters), parse.GetValue(budget), parse.GetValue(seed),
            parse.GetValue(output)!, parse.GetValue(resume), parse.GetValue(device)!, weights), cancellationToken);
    }));
    return command;
}

static Command BuildPredict()
{
    var model = new Argument<FileInfo>("model") { Description = "A model.scan written by `scan cluster` (or its --out folder)." };
    var files = new Argument<string[]>("files")
    {
        Description = "Image files, or folders searched for image files.",
        Arity = ArgumentArity.OneOrMore,
    };
    var csv = new Option<bool>("--csv") { Description = "Print CSV (file,cluster,name,confidence) instead of a table." };
    var command = new Command("predict", "Give the cluster, its name and the confidence of new images with a trained model.")
    {
        model, files, csv,
    };
    command.SetAction((parse, _) => Guarded(() =>
        Task.FromResult(PredictCommand.Run(parse.GetValue(model)!, parse.GetValue(files)!, parse.GetValue(csv)))));
    return command;
}

static Command BuildInspect()
{
    var path = new Argument<string>("path") { Description = "A run directory, the --out folder of `scan cluster`, or a model.scan." };
    var command = new Command("inspect", "Show a run's stages, figures, health checks, options and file format versions, or a model's description.")
    {
        path,
    };
    command.SetAction((parse, _) => Guarded(() => Task.FromResult(InspectCommand.Run(parse.GetValue(path)!))));
    return command;
}

static Command BuildName()
{
    var model = new Argument<FileInfo>("model") { Description = "The model.scan to name clusters in (rewritten in place)." };
    var names = new Argument<string[]>("names")
    {
        Description = "CLUSTER=NAME pairs, e.g. 0=sandal 3=coat; clusters not given keep their names.",
        Arity = ArgumentArity.OneOrMore,
    };
    var command = new Command("name", "Store names for clusters in a model, shown by `scan predict`.")
    {
        model, names,
    };
    command.SetAction((parse, _) => Guarded(() => Task.FromResult(NameCommand.Run(parse.GetValue(model)!, parse.GetValue(names)!))));
    return command;
}

static Command BuildSuggestK()
{
    var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder of images, as for `scan cluster`." };
    var range = new Option<(int Min, int Max)>("--range")
    {
        Description = "The K to try, MIN..MAX (at least 2).",
        DefaultValueFactory = _ => (2, 30),
        CustomParser = r =>
        {
            string text = r.Tokens.Single().Value;
            var match = Regex.Match(text, @"^\s*(\d+)\s*\.\.\s*(\d+)\s*$");
            if (!match.Success || !int.TryParse(match.Groups[1].Value, out int min) || !int.TryParse(match.Groups[2].Value, out int max))
            {
                r.AddError($"--range must be MIN..MAX, e.g. 2..30, got '{text}'.");
                return default;
            }
            if (min < 2 || max < min || max > 1000)
                r.AddError($"--range needs 2 <= MIN <= MAX <= 1000, got {min}..{max}.");
            return (min, max);
        },
    };
    var budget = new Option<TimeSpan?>("--budget")
    {
        Description = "Wall time fitted to the pretext training (the sweep over K comes on top), e.g. 10m.",
        CustomParser = r =>
        {
            string text = r.Tokens.Single().Value;
            var value = Duration.Parse(text);
            if (value is null || value <= TimeSpan.Zero)
                r.AddError($"--budget must be a positive duration such as 90s, 10m or 1h30m, got '{text}'.");
            return value;
        },
    };
    var seed = new Option<long>("--seed") { Description = "Seed of the first run; further seeds count up from it.", DefaultValueFactory = _ => 0 };
    var seeds = new Option<int>("--seeds") { Description = "Runs per K, for the stability criterion (ARI between runs); 1 skips it.", DefaultValueFactory = _ => 2 };
    seeds.Validators.Add(r =>
    {
        int value = r.GetValueOrDefault<int>();
        if (value is < 1 or > 10)
            r.AddError($"--seeds must be between 1 and 10, got {value}.");
    });
    var output = new Option<DirectoryInfo>("--out", "-o")
    {
        Description = "Folder for suggest-k.csv, suggest-k.svg and the runs (suggest-k/ inside it).",
        DefaultValueFactory = _ => new DirectoryInfo("scan-output"),
    };
    var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
    var command = new Command("suggest-k", "Train the pretext once, try every K of a range on it, score each without labels and recommend one.")
    {
        folder, range, budget, seed, seeds, output, device,
    };
    command.SetAction((parse, cancellationToken) => Guarded(() =>
    {
        var (min, max) = parse.GetValue(range);
        return SuggestKCommand.RunAsync(new SuggestKArguments(parse.GetValue(folder)!, min, max, parse.GetValue(budget),
            parse.GetValue(seed), parse.GetValue(seeds), parse.GetValue(output)!, parse.GetValue(device)!), cancellationToken);
    }));
    return command;
}

// Every failure ends as one "Error: ..." line and exit code 1; SCAN_CLI_DEBUG=1 adds the stack trace.
static async Task<int> Guarded(Func<Task<int>> run)
{
    try
    {
        return await run();
    }
    catch (OperationCanceledException)
    {
        CliConsole.Error("cancelled.");
        return ExitCodes.Cancelled;
    }
    catch (Exception e)
    {
        string message = e switch
        {
            CliError => e.Message,
            TrainingDivergedException => $"training diverged: {e.Message}",
            ArgumentException or InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        CliConsole.Error(message);
        if (Environment.GetEnvironmentVariable("SCAN_CLI_DEBUG") == "1")
            Console.Error.WriteLine(e);
        return ExitCodes.Failure;
    }
}
