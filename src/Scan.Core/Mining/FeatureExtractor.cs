using Scan.Core.Data;
using Scan.Core.Training;
using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>
/// Embeds a whole dataset with a trained encoder, the first half of SCAN's mining step: one feature row per image,
/// to be searched by <see cref="NeighborMiner"/>.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>
    /// Runs <paramref name="encoder"/> over every image of <paramref name="dataset"/>, in order, batch by batch,
    /// under <c>torch.no_grad()</c>.
    /// </summary>
    /// <param name="dataset">The images.</param>
    /// <param name="encoder">Maps a batch (B, C, H, W) on the options' device to features (B, D), the same D for
    /// every batch; for SCAN, the pretext model's projection output. Put a module in evaluation mode first
    /// (<c>model.eval()</c>) so that batch normalisation uses its running statistics.</param>
    /// <param name="options">Batch size, preprocessing, seed, device; null for the defaults.</param>
    /// <param name="progress">Receives the number of images embedded after every batch.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>Features of shape (N, D), float32, on the CPU, row i for image i. The caller owns (disposes) it.</returns>
    /// <exception cref="ArgumentException">The dataset is empty or holds a NaN or infinite pixel, or the encoder
    /// returns something other than one finite floating-point row per image with the same width for every batch;
    /// the message names the image.</exception>
    /// <exception cref="ArgumentException">An option is out of range; the message names each with its value.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Tensor Embed(
        IImageDataset dataset,
        Func<Tensor, Tensor> encoder,
        FeatureExtractorOptions? options = null,
        IProgress<ImageProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(encoder);
        options ??= new FeatureExtractorOptions();
        Training.OptionsValidation.ThrowIfInvalid(options, nameof(options));
        int n = dataset.Count;
        if (n < 1)
            throw new ArgumentException("The dataset has no images to embed.", nameof(dataset));

        // Embedding is inference, which may run inside a host: the reader tunes the allocator only on request.
        var reader = ImageReader.Of(dataset, ReadPurpose.Inference);
        var device = options.Device ?? CPU;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(options.Seed, CPU);
        Tensor? features = null;

        foreach (var chunk in reader.Chunks(options.BatchSize, cancellationToken))
        {
            int start = chunk.Start, rows = chunk.Count;
            var images = chunk.Images.to(device);
            if (options.Preprocessing is { } preprocessing)
                images = preprocessing.Apply(images, generator);
            var batch = encoder(images);
            CheckBatch(batch, rows, features, start);
            if (NonFinite.FirstRow(batch) is { } badFeature)
            {
                throw new ArgumentException(
                    $"The encoder returned a {NonFinite.Describe(badFeature.Value)} feature for image {start + badFeature.Row} " +
                    "(its pixels are finite): the model's weights have probably diverged.", nameof(encoder));
            }
            features ??= empty(n, batch.shape[1], ScalarType.Float32).MoveToOuterDisposeScope();
            features.narrow(0, start, rows).copy_(batch.to(ScalarType.Float32, CPU));
            progress?.Report(new ImageProgress(start + rows, n));
        }

        return features!.MoveToOuterDisposeScope();
    }

    private static void CheckBatch(Tensor batch, int rows, Tensor? features, int start)
    {
        if (batch is null)
            throw new ArgumentException($"The encoder returned null for images {start}..{start + rows - 1}.", "encoder");
        if (batch.dim() != 2 || batch.shape[0] != rows || batch.shape[1] < 1)
            throw new ArgumentException(
                $"The encoder must return (B, D) = ({rows}, D) features for a batch of {rows} images, " +
                $"got shape ({string.Join(", ", batch.shape)}) for images {start}..{start + rows - 1}.", "encoder");
        TensorArguments.RequireValues(batch, "encoder");
        if (!is_floating_point(batch))
            throw new ArgumentException($"The encoder must return floating-point features, got dtype {batch.dtype}.", "encoder");
        if (features is not null && batch.shape[1] != features.shape[1])
            throw new ArgumentException(
                $"The encoder returned {batch.shape[1]} features per image for images {start}..{start + rows - 1}, " +
                $"but {features.shape[1]} for the first batch.", "encoder");
    }
}
