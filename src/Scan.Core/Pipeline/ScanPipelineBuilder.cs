using Microsoft.Extensions.Logging;
using Scan.Core.Clustering;
using Scan.Core.Mining;
using Scan.Core.Models;
using Scan.Core.Pretext;
using Scan.Core.SelfLabeling;
using Scan.Core.Training;
using TorchSharp;

namespace Scan.Core.Pipeline;

/// <summary>
/// Builds a <see cref="ScanPipeline"/> in the order of the method: backbone, pretext, neighbours, clustering,
/// self-labelling, then where and how it runs. Every <c>With…</c> returns the builder; <see cref="Build"/>
/// validates the options and returns an immutable pipeline.
/// </summary>
public sealed class ScanPipelineBuilder
{
    private ScanOptions _options = new();
    private Func<Backbone>? _pretrainedBackbone;
    private NeighborSet? _neighbors;
    private ILogger? _logger;

    internal ScanPipelineBuilder() { }

    /// <summary>Starts from these options (e.g. a <see cref="ScanPresets"/> entry); later calls adjust a copy.</summary>
    public ScanPipelineBuilder WithOptions(ScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        return this;
    }

    /// <summary>Adjusts any option.</summary>
    public ScanPipelineBuilder Configure(Action<ScanOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options);
        return this;
    }

    /// <summary>Chooses the backbone to build and pretrain.</summary>
    public ScanPipelineBuilder WithBackbone(BackboneArchitecture architecture, int width = 64, ResNetStem? stem = null)
    {
        _options.Backbone = new BackboneOptions { Architecture = architecture, Width = width, Stem = stem };
        return this;
    }

    /// <summary>
    /// Uses an already trained backbone and skips the pretext stage (neighbours are mined on its features). The
    /// factory is called once per run; the backbone's <see cref="Backbone.FeatureDim"/> feeds the cluster heads.
    /// </summary>
    public ScanPipelineBuilder WithPretrainedBackbone(Func<Backbone> backbone)
    {
        _pretrainedBackbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        return this;
    }

    /// <summary>
    /// Uses a backbone with weights trained in PyTorch and skips the pretext stage: each run calls
    /// <paramref name="backbone"/> for a backbone of the same architecture and loads the state dict at
    /// <paramref name="pyTorchStateDictPath"/> into it (see <see cref="PyTorchWeights"/>).
    /// </summary>
    /// <param name="backbone">Creates the backbone the weights fit, e.g. <c>() =&gt; ResNetBackbone.ResNet18(ResNetStem.Cifar, 3)</c>.</param>
    /// <param name="pyTorchStateDictPath">A file written by <c>torch.save(model.state_dict(), path)</c>.</param>
    /// <param name="weights">Key prefix (<c>"backbone."</c> for a SCAN checkpoint), skipped keys, strictness; copied now.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="pyTorchStateDictPath"/>.</exception>
    /// <remarks>A file that does not fit the backbone fails the run before any training, with a
    /// <see cref="StateDictMismatchException"/> or <see cref="InvalidDataException"/>.</remarks>
    public ScanPipelineBuilder WithPretrainedBackbone(Func<Backbone> backbone, string pyTorchStateDictPath, PyTorchWeightsOptions? weights = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentException.ThrowIfNullOrEmpty(pyTorchStateDictPath);
        string path = Path.GetFullPath(pyTorchStateDictPath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"PyTorch state dict '{path}' does not exist.", path);
        var options = weights?.Clone() ?? new PyTorchWeightsOptions();
        return WithPretrainedBackbone(() =>
        {
            var created = backbone();
            try
            {
                created.LoadPyTorchWeights(path, options);
                return created;
            }
            catch
            {
                created.Dispose();
                throw;
            }
        });
    }

    /// <summary>Adjusts the SimCLR pretext stage.</summary>
    public ScanPipelineBuilder WithPretext(Action<SimClrOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options.Pretext);
        return this;
    }

    /// <summary>Sets K, the neighbours mined per image.</summary>
    public ScanPipelineBuilder WithNeighbors(int k)
    {
        _options.Mining.NumNeighbors = k;
        return this;
    }

    /// <summary>Uses neighbours mined before (e.g. loaded with <see cref="NeighborSet.Load"/>) and skips mining.</summary>
    public ScanPipelineBuilder WithNeighbors(NeighborSet neighbors)
    {
        _neighbors = neighbors ?? throw new ArgumentNullException(nameof(neighbors));
        _options.Mining.NumNeighbors = neighbors.NumNeighbors;
        return this;
    }

    /// <summary>Adjusts the SCAN clustering stage (clusters, heads, λ, epochs…).</summary>
    public ScanPipelineBuilder WithClustering(Action<ScanClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options.Clustering);
        return this;
    }

    /// <summary>Adjusts the self-labelling stage and turns it on.</summary>
    public ScanPipelineBuilder WithSelfLabeling(Action<SelfLabelingOptions>? configure = null)
    {
        _options.SelfLabelingEnabled = true;
        configure?.Invoke(_options.SelfLabeling);
        return this;
    }

    /// <summary>Ends the pipeline after the clustering stage.</summary>
    public ScanPipelineBuilder WithoutSelfLabeling()
    {
        _options.SelfLabelingEnabled = false;
        return this;
    }

    /// <summary>Runs on <paramref name="device"/> ("cpu", "cuda", "cuda:1").</summary>
    public ScanPipelineBuilder OnDevice(string device)
    {
        _options.Device = device;
        return this;
    }

    /// <summary>Seeds every random choice.</summary>
    public ScanPipelineBuilder WithSeed(long seed)
    {
        _options.Seed = seed;
        return this;
    }

    /// <summary>Writes every stage's output there and resumes from it.</summary>
    public ScanPipelineBuilder WithRunDirectory(string path)
    {
        _options.RunDirectory = path;
        return this;
    }

    /// <summary>Logs one line per epoch and stage.</summary>
    public ScanPipelineBuilder WithLogger(ILogger logger)
    {
        _logger = logger;
        return this;
    }

    /// <summary>Validates and builds.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public ScanPipeline Build()
    {
        var options = _options.Clone();
        OptionsValidation.ThrowIfInvalid(options, "options");
        if (options.Device.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
            throw new ArgumentException($"Device '{options.Device}' was requested but this TorchSharp backend has no CUDA device.", "options");
        return new ScanPipeline(options, _pretrainedBackbone, _neighbors, _logger);
    }
}
