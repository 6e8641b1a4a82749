using Scan.Core.Data;
using Scan.Core.Mining.Kernels;
using static TorchSharp.torch;

namespace Scan.Core.Mining;

/// <summary>
/// Exact K nearest neighbours by cosine similarity, the mining step of SCAN (Van Gansbeke et al., ECCV 2020,
/// arXiv 2005.12320, section 2.1): every image's neighbours in the pretext feature space become its positives in
/// the clustering stage.
/// </summary>
/// <remarks>
/// <para>The rows of the features are L2-normalised first (in float64, then rounded to float32), so inner products
/// are cosine similarities. The anchor itself is excluded by index, not by similarity, so exact duplicates of an
/// anchor remain eligible as its neighbours. The N x N similarity matrix is never materialised.</para>
/// <para>On the CPU (where the hardware has 512-bit, 256-bit with FMA, or Arm NEON vectors) the search is a fused
/// kernel: a register-tiled matrix product over blocks of anchors whose similarities are compared with each anchor's
/// current K-th best as they are computed, using the symmetry of cosine similarity to compute each pair once. It
/// runs on <c>torch.get_num_threads()</c> threads and needs, besides the features, two re-ordered copies of them and
/// K (similarity, index) entries of 8 bytes per anchor. Every similarity is the same sequence of fused multiply-adds
/// wherever it is computed, so results are identical for every block size and thread count.</para>
/// <para>Elsewhere (a CUDA device, or a CPU without those vectors) anchors are processed in chunks: one matrix
/// product of a chunk of rows against all N rows, the anchor's own column masked, and a top-(K + 1); memory is one
/// chunk of scores (see <see cref="NeighborMinerOptions.ScoreMemoryBudgetBytes"/>) plus the features.</para>
/// <para>Either way, neighbours are sorted by similarity descending, ties broken by lower index, including which of
/// several images sharing the K-th similarity are kept.</para>
/// <example>
/// <code>
/// using var features = FeatureExtractor.Embed(dataset, x => model.call(x));
/// var neighbors = await new NeighborMiner(new NeighborMinerOptions { NumNeighbors = 20 }).MineAsync(features, cancellationToken: ct);
/// ReadOnlySpan&lt;int&gt; firstImageNeighbors = neighbors.GetIndices(0);
/// </code>
/// </example>
/// </remarks>
public sealed class NeighborMiner
{
    /// <summary>Creates a miner.</summary>
    /// <param name="options">Settings; null for the defaults (K = 20).</param>
    /// <exception cref="ArgumentException">A setting is out of range; the message lists each with its value.</exception>
    public NeighborMiner(NeighborMinerOptions? options = null)
    {
        Options = options ?? new NeighborMinerOptions();
        Training.OptionsValidation.ThrowIfInvalid(Options, nameof(options));
    }

    /// <summary>Anchors per block of the CPU kernel when <see cref="NeighborMinerOptions.ChunkSize"/> is null (rounded
    /// up to whole register tiles, 288 with AVX-512): a block of 288 rows of 128 floats is 144 KiB, so the two
    /// blocks of a pair stay in a core's L2 cache (1 MiB on current x86 server cores).</summary>
    internal const int DefaultBlockRows = 256;

    /// <summary>The settings.</summary>
    public NeighborMinerOptions Options { get; }

    /// <summary>Finds the K nearest neighbours of every row of <paramref name="features"/>.</summary>
    /// <remarks>Exact: a brute-force search, O(N^2 D) operations. N = 70,000 images with D = 128 takes about 5 to
    /// 7 seconds on two AVX-512 cores (bench/results/mining.md).</remarks>
    /// <param name="features">Shape (N, D), floating point, any device; not modified. Rows need not be normalised.</param>
    /// <param name="progress">Receives, on the calling thread, the work done in anchors' worth (exact for the
    /// chunked path; the fraction of block pairs done times N for the CPU kernel).</param>
    /// <param name="cancellationToken">Checked between chunks or block pairs.</param>
    /// <returns>The neighbours of the N anchors.</returns>
    /// <exception cref="ArgumentException"><paramref name="features"/> is not a 2-D floating-point tensor, holds a
    /// NaN or infinite value, or has an all-zero row; the message names the row.</exception>
    /// <exception cref="ArgumentOutOfRangeException">K is not below N.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public NeighborSet Mine(
        Tensor features,
        IProgress<ImageProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        MineOn(get_num_threads(), features, progress, cancellationToken);

    /// <summary>Finds the K nearest neighbours of every row of <paramref name="features"/> as <see cref="Mine"/> does,
    /// on a thread-pool thread, as the trainers' <c>TrainAsync</c> train: the calling thread is not blocked.</summary>
    /// <remarks>The search uses as many threads as <c>torch.get_num_threads()</c> gives on the calling thread. The
    /// result is the same as <see cref="Mine"/>'s, bit for bit. Do not dispose or modify
    /// <paramref name="features"/> before the task completes.</remarks>
    /// <param name="features">Shape (N, D), floating point, any device; not modified. Rows need not be normalised.</param>
    /// <param name="progress">Receives the work done in anchors' worth, from the mining thread.</param>
    /// <param name="cancellationToken">Checked between chunks or block pairs.</param>
    /// <returns>The neighbours of the N anchors.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Mine"/>; thrown before the task starts.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <see cref="Mine"/>; thrown before the task starts.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<NeighborSet> MineAsync(
        Tensor features,
        IProgress<ImageProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        CheckShape(features);
        int threads = get_num_threads();
        return Task.Run(() => MineOn(threads, features, progress, cancellationToken), cancellationToken);
    }

    private void CheckShape(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        int k = Options.NumNeighbors;
        if (features.dim() == 2 && k >= features.shape[0])
            throw new ArgumentOutOfRangeException(nameof(features), features.shape[0],
                $"{nameof(NeighborMinerOptions.NumNeighbors)} = {k} needs more than {k} images, but features has {features.shape[0]} rows.");
        if (features.dim() == 2 && features.shape[0] > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(features), features.shape[0],
                $"At most {int.MaxValue} images can be mined, features has {features.shape[0]} rows.");
    }

    private NeighborSet MineOn(int threads, Tensor features, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        CheckShape(features);
        int k = Options.NumNeighbors;
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var device = Options.Device ?? features.device;
        var unit = FeatureNormalization.ToUnitRows(features, device, nameof(features));
        int n = (int)unit.shape[0];
        var indices = new int[(long)n * k];
        var similarities = new float[(long)n * k];

        if (device.type == TorchSharp.DeviceType.CPU && !Options.UseTensorProducts)
        {
            var report = progress is null
                ? null
                : new Action<long, long>((done, total) => progress.Report(new ImageProgress((int)(done * n / total), n)));
            int d = (int)unit.shape[1];
            if (CosineTopKSearch.InstructionSet is not null && CosineTopKSearch.Fits(n, d))
            {
                // The kernel works on managed copies; the tensor is freed first to keep the peak memory low.
                var rows = unit.data<float>().ToArray();
                unit.Dispose();
                CosineTopKSearch.Run(rows, n, d, k, Options.ChunkSize ?? DefaultBlockRows, threads,
                    indices, similarities, report, cancellationToken);
                return NeighborSet.Adopt(n, k, indices, similarities);
            }
        }

        MineWithTensorProducts(unit, k, indices, similarities, progress, cancellationToken);
        return NeighborSet.Adopt(n, k, indices, similarities);
    }

    /// <summary>
    /// The device-agnostic path: chunks of anchors against all images by matrix product, the anchor's own column
    /// masked by index, top-(K + 1), then exact ordering and boundary ties resolved by <see cref="NeighborRanking"/>.
    /// </summary>
    private void MineWithTensorProducts(Tensor unit, int k, int[] indices, float[] similarities,
        IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        int n = (int)unit.shape[0];
        int chunk = ChunkSize(n);
        var candidateValues = new float[(long)chunk * (k + 1)];
        var candidateIndices = new long[(long)chunk * (k + 1)];

        for (int start = 0; start < n; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            int rows = Math.Min(chunk, n - start);
            // shape: (rows, N): cosine similarities of this chunk of anchors to every image.
            var scores = unit.narrow(0, start, rows).mm(unit.t());
            scores.diagonal(start).fill_(float.NegativeInfinity);
            // K + 1 candidates reveal whether the K-th similarity is shared by an image that did not fit.
            var (values, positions) = scores.topk(k + 1, dim: 1);
            values.cpu().data<float>().CopyTo(candidateValues, 0);
            positions.cpu().data<long>().CopyTo(candidateIndices, 0);

            for (int r = 0; r < rows; r++)
            {
                int anchorRow = r;
                NeighborRanking.Rank(
                    candidateValues.AsSpan(r * (k + 1), k + 1),
                    candidateIndices.AsSpan(r * (k + 1), k + 1),
                    indices.AsSpan((start + r) * k, k),
                    similarities.AsSpan((start + r) * k, k),
                    value => scores[anchorRow].eq(value).nonzero().view(-1).cpu().data<long>().ToArray());
            }

            progress?.Report(new ImageProgress(start + rows, n));
        }
    }

    /// <summary>The anchors per chunk: the option, or the most whose float32 scores against N images fit the budget.</summary>
    internal int ChunkSize(int n)
    {
        long rows = Options.ChunkSize ?? Options.ScoreMemoryBudgetBytes / (sizeof(float) * (long)n);
        return (int)Math.Clamp(rows, 1, n);
    }
}
