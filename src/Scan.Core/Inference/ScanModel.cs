using System.Text.Json;
using Scan.Core.Data;
using Scan.Core.IO;
using Scan.Core.Models;
using Scan.Core.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Scan.Core.Inference;

/// <summary>
/// A trained SCAN classifier: the clustering model with its selected head, the normalisation and the input size
/// it expects. Saves to and loads from one checksummed file, and predicts clusters for tensors, image files or
/// datasets.
/// </summary>
/// <example>
/// <code>
/// using var model = ScanModel.Load("runs/fmnist/model.scan");
/// var predictions = model.PredictFiles(new[] { "shoe.png", "shirt.jpg" });
/// Console.WriteLine($"{predictions.NameOf(0) ?? predictions.Clusters[0].ToString()} ({predictions.Confidences[0]:P0})");
/// </code>
/// </example>
public sealed class ScanModel : IDisposable
{
    private const string Kind = "scan-model";
    // Version 2 adds the pixel projection (ScanModelInfo.PixelComponents and its two buffers); a model without one is
    // still written as version 1, which every earlier reader loads.
    private const uint Version = 2;

    /// <summary>The one version a model is written as, and the only one it may be read as: 1 without pixel
    /// components, <see cref="Version"/> with them.</summary>
    private static uint VersionFor(int pixelComponents) => pixelComponents > 0 ? Version : 1;
    private readonly ClusteringModel _network;

    /// <summary>Wraps a trained network.</summary>
    /// <exception cref="ArgumentException">The info does not match the network, or its input size is outside
    /// 1 to <see cref="ScanModelInfo.MaxInputSide"/> (such a model could not be loaded again).</exception>
    public ScanModel(ClusteringModel network, ScanModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(info);
        if (info.Height is < 1 or > ScanModelInfo.MaxInputSide || info.Width is < 1 or > ScanModelInfo.MaxInputSide)
        {
            throw new ArgumentException(
                $"Model info declares an input size of {info.Height}x{info.Width}; expected 1x1 to " +
                $"{ScanModelInfo.MaxInputSide}x{ScanModelInfo.MaxInputSide} (ScanModelInfo.MaxInputSide).", nameof(info));
        }
        if (network.Clusters != info.Clusters || network.HeadCount != info.Heads || info.Mean.Length != info.Channels ||
            info.Std.Length != info.Channels || network.Backbone.InputChannels != info.Channels ||
            network.PixelComponents != info.PixelComponents)
        {
            throw new ArgumentException(
                $"Model info (channels {info.Channels}, {info.Heads} head(s) of {info.Clusters}, {info.PixelComponents} pixel components) does not match the network " +
                $"(channels {network.Backbone.InputChannels}, {network.HeadCount} head(s) of {network.Clusters}, {network.PixelComponents} pixel components).", nameof(info));
        }
        if (info.ClusterNames is { } names && (names.Count != info.Clusters || names.Any(string.IsNullOrWhiteSpace)))
            throw new ArgumentException($"Model info names {names.Count} cluster(s), some possibly blank; expected {info.Clusters} non-blank names.", nameof(info));
        _network = network;
        Info = info with { SelectedHead = network.SelectedHead };
        _network.eval();
    }

    /// <summary>Input size, normalisation, architecture, head and cluster names.</summary>
    public ScanModelInfo Info { get; private set; }

    /// <summary>
    /// Names the clusters, one name per cluster in cluster order (for example after looking at each cluster's
    /// prototypes), or clears the names with null. <see cref="Save"/> keeps them, and every prediction carries them
    /// (<see cref="ScanPredictions.ClusterNames"/>). A pipeline run on labelled data names each cluster after the
    /// class it was matched to; this replaces those names.
    /// </summary>
    /// <param name="names">Exactly <see cref="ScanModelInfo.Clusters"/> non-blank names (duplicates are allowed: with
    /// more clusters than classes, two clusters can stand for one class); null to remove the names.</param>
    /// <exception cref="ArgumentException">The count differs from the cluster count, or a name is null or blank
    /// (the message gives its index).</exception>
    public void SetClusterNames(IReadOnlyList<string>? names)
    {
        if (names is not null)
        {
            if (names.Count != Info.Clusters)
                throw new ArgumentException($"Expected {Info.Clusters} cluster names, one per cluster, found {names.Count}.", nameof(names));
            for (int i = 0; i < names.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(names[i]))
                    throw new ArgumentException($"Cluster name {i} is {(names[i] is null ? "null" : "blank")}; every cluster needs a name.", nameof(names));
            }
        }
        Info = Info with { ClusterNames = names?.ToArray() };
    }

    /// <summary>The underlying TorchSharp module (selected head in use).</summary>
    public ClusteringModel Network => _network;

    /// <summary>Writes the model atomically to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(Info, ScanJson.Options));
            _network.save(writer);
        }
        ScanFile.Write(path, Kind, VersionFor(Info.PixelComponents), buffer.ToArray());
    }

    /// <summary>
    /// Writes the network (backbone and every cluster head) atomically as a PyTorch state dict, the file
    /// <c>torch.save(model.state_dict(), path)</c> writes, so that <c>torch.load(path)</c> reads it. Keys follow
    /// torchvision's ResNet and the SCAN authors' clustering model: <c>backbone.conv1.weight</c>, ...,
    /// <c>backbone.layer4.0.bn2.running_var</c>, <c>cluster_head.{i}.weight</c> and <c>cluster_head.{i}.bias</c>;
    /// BatchNorm running statistics and <c>num_batches_tracked</c> are included.
    /// </summary>
    /// <remarks>
    /// The file holds tensors only. To reproduce <see cref="Predict(Tensor, int)"/> in PyTorch, use head
    /// <see cref="ScanModelInfo.SelectedHead"/>, normalise the [0, 1] pixels with <see cref="ScanModelInfo.Mean"/> and
    /// <see cref="ScanModelInfo.Std"/>, put the model in eval mode and take the global average of layer4's output as the
    /// features. <c>tests/Scan.Tests/Fixtures/models/check_pytorch_export.py</c> is such a PyTorch model; CI runs it
    /// and matches this library's logits to 1e-5. <see cref="PyTorchWeights.LoadPyTorchWeights(ClusteringModel, string, PyTorchWeightsOptions?)"/>
    /// reads the file back, and the backbone overload does with <c>KeyPrefix = "backbone."</c>.
    /// A model whose heads read pixels (<see cref="ScanModelInfo.PixelComponents"/> above 0) also writes
    /// <c>pixel_mean</c> and <c>pixel_basis</c>; its heads then read the L2-normalised features beside the
    /// L2-normalised <c>(p - pixel_mean) @ pixel_basis</c>, p being each image's pixels standardised per channel
    /// (<see cref="ClusteringModel.HeadInput"/>).
    /// </remarks>
    /// <param name="path">The file to write (conventionally .pth or .pt); replaced if it exists.</param>
    public void ExportPyTorch(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.Write(path, stream => _network.save_py(stream, leaveOpen: true));
    }

    /// <summary>Loads a model saved with <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is damaged or not a Scan.NET model.</exception>
    /// <exception cref="InvalidOperationException">The model was trained on a backbone of your own
    /// (<see cref="ScanModelInfo.Backbone"/> is null); use the overload that takes a backbone factory.</exception>
    public static ScanModel Load(string path, Device? device = null) =>
        Load(path, info => info.Backbone?.Build(info.Channels, info.Height, info.Width) ?? throw new InvalidOperationException(
            $"Scan.NET model '{path}' was trained on a backbone of your own, which its description cannot rebuild; " +
            "load it with ScanModel.Load(path, info => new YourBackbone(...))."), device);

    /// <summary>
    /// Loads a model saved with <see cref="Save"/> whose backbone <paramref name="backbone"/> creates: for models
    /// trained on a <see cref="Backbone"/> of your own, or to choose the module class yourself. The weights in the
    /// file replace the new backbone's.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="backbone">Creates an untrained backbone of the architecture the model was trained with; it is
    /// given the model's description (input channels, size, and <see cref="ScanModelInfo.Backbone"/> when known).</param>
    /// <param name="device">Where to put the network; CPU when null.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, not a Scan.NET model, or its weights do not fit
    /// the backbone <paramref name="backbone"/> created.</exception>
    public static ScanModel Load(string path, Func<ScanModelInfo, Backbone> backbone, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        byte[] payload = ScanFile.Read(path, Kind, 1, Version, out uint version);
        using var reader = new BinaryReader(new MemoryStream(payload));
        ScanModelInfo? info;
        try
        {
            // The checksum matched, so damage here means a writer's bug or a file assembled by hand.
            info = JsonSerializer.Deserialize<ScanModelInfo>(reader.ReadString(), ScanJson.Options);
        }
        // IOException covers both the end of the payload and BinaryReader's "invalid string length" for a negative one.
        catch (Exception e) when (e is IOException or FormatException or JsonException)
        {
            throw new InvalidDataException($"Scan.NET model '{path}' has a damaged model description: {e.Message}", e);
        }
        if (info is null)
            throw new InvalidDataException($"Scan.NET model '{path}' has no model description.");
        info.ThrowIfInvalid(path, payload.Length - reader.BaseStream.Position);
        if (version != VersionFor(info.PixelComponents))
            throw new InvalidDataException($"Scan.NET model '{path}' is format version {version} but declares {info.PixelComponents} pixel components; version 1 holds none, version 2 at least one.");
        var built = backbone(info) ?? throw new InvalidOperationException("The backbone factory returned null.");
        var network = ClusteringModel.Create(built, info.Clusters, info.Heads, info.PixelComponents, info.Channels * info.Height * info.Width);
        try
        {
            // Every length TorchSharp would read from the file is checked against the network first.
            ModuleStateStream.Check(payload.AsSpan((int)reader.BaseStream.Position), network.state_dict(), $"Scan.NET model '{path}'");
            network.load(reader, strict: true);
        }
        catch (Exception e) when (e is InvalidDataException || StateDictLoadErrors.IsDamagedStream(e))
        {
            network.Dispose();
            if (e is InvalidDataException)
                throw;
            throw new InvalidDataException($"Scan.NET model '{path}' does not match its own description: {e.Message}", e);
        }
        network.SelectedHead = info.SelectedHead;
        if (device is not null)
            network.to(device);
        return new ScanModel(network, info);
    }

    /// <summary>Predicts images (N, C, H, W) with values in [0, 1] (not normalised; this method normalises).</summary>
    /// <param name="images">Shape (N, C, H, W) of the model's channels and size, floating point, any device.</param>
    /// <param name="batchSize">Images per forward pass; at least 1.</param>
    /// <exception cref="ArgumentException">Wrong rank, channels or size, or NaN/Inf pixels (the message names the
    /// first such image).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    public ScanPredictions Predict(Tensor images, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (images.dim() != 4 || images.shape[1] != Info.Channels || images.shape[2] != Info.Height || images.shape[3] != Info.Width)
        {
            throw new ArgumentException(
                $"Expected images of shape (N, {Info.Channels}, {Info.Height}, {Info.Width}), found ({string.Join(", ", images.shape)}).",
                nameof(images));
        }
        TensorArguments.RequireValues(images, nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"Expected floating-point pixels in [0, 1], found {images.dtype}.", nameof(images));
        return Predict(ImageReader.Of(images, ReadPurpose.Inference, nameof(images)), batchSize);
    }

    /// <summary>Predicts every image of a dataset of the model's size and channels.</summary>
    /// <param name="dataset">Images of <see cref="ScanModelInfo.Channels"/> channels and the model's height and width.</param>
    /// <param name="batchSize">Images per forward pass; at least 1.</param>
    /// <exception cref="ArgumentException">The dataset's channels or size differ from the model's, or it holds NaN/Inf
    /// pixels (the message names the first such image).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    public ScanPredictions Predict(IImageDataset dataset, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (dataset.Channels != Info.Channels || dataset.Height != Info.Height || dataset.Width != Info.Width)
        {
            throw new ArgumentException(
                $"Expected a dataset of {Info.Channels}x{Info.Height}x{Info.Width} images, found " +
                $"{dataset.Channels}x{dataset.Height}x{dataset.Width}.", nameof(dataset));
        }
        return Predict(ImageReader.Of(dataset, ReadPurpose.Inference), batchSize);
    }

    /// <summary>One pass over the reader's images, <paramref name="batchSize"/> per forward pass (the reader checks
    /// the pixels; inference leaves the C library's allocator alone unless the environment asks).</summary>
    private ScanPredictions Predict(ImageReader reader, int batchSize)
    {
        // Every tensor made here (normalisation constants, each chunk's) is disposed on return.
        using var outerScope = NewDisposeScope();
        int n = reader.Count;
        var clusters = new int[n];
        var confidences = new float[n];
        var probabilities = new float[n * Info.Clusters];
        var device = _network.Backbone.parameters().First().device;
        var mean = tensor(Info.Mean).view(1, -1, 1, 1).to(device);
        var std = tensor(Info.Std).view(1, -1, 1, 1).to(device);
        using var noGrad = no_grad();
        _network.eval();
        foreach (var chunk in reader.Chunks(batchSize))
        {
            var batch = chunk.Images.to(float32).to(device).sub(mean).div(std);
            var p = _network.call(batch).softmax(1).cpu();
            var (top, index) = p.max(1);
            Array.Copy(index.to(int32).data<int>().ToArray(), 0, clusters, chunk.Start, chunk.Count);
            Array.Copy(top.data<float>().ToArray(), 0, confidences, chunk.Start, chunk.Count);
            Array.Copy(p.data<float>().ToArray(), 0, probabilities, chunk.Start * Info.Clusters, chunk.Count * Info.Clusters);
        }
        return new ScanPredictions(clusters, confidences, probabilities, Info.Clusters, Info.ClusterNames);
    }

    /// <summary>Decodes image files (PNG, JPEG, WebP, BMP, GIF), resizes them to the model's size and predicts them.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file cannot be decoded (the message names it).</exception>
    public ScanPredictions PredictFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var mode = Info.Channels == 1 ? ColorMode.Grayscale : ColorMode.Rgb;
        var decoded = paths.Select(p => ImageDecoder.Decode(p, Info.Height, Info.Width, mode)).ToList();
        if (decoded.Count == 0)
            return new ScanPredictions(Array.Empty<int>(), Array.Empty<float>(), Array.Empty<float>(), Info.Clusters, Info.ClusterNames);
        try
        {
            using var batch = stack(decoded);
            return Predict(batch);
        }
        finally
        {
            foreach (var t in decoded)
                t.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _network.Dispose();
}
