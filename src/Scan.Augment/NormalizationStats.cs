namespace Scan.Augment;

/// <summary>
/// Per-channel mean and standard deviation for <see cref="Ops.Normalize"/>, with the usual datasets' values.
/// One value applies to every channel (e.g. Fashion-MNIST's statistics on images replicated to RGB).
/// </summary>
/// <example><code>var normalize = new Normalize(NormalizationStats.FashionMnist);</code></example>
public sealed class NormalizationStats
{
    /// <summary>Creates statistics.</summary>
    /// <param name="mean">Per-channel means (1 or 3 values), finite.</param>
    /// <param name="std">Per-channel standard deviations, as many as <paramref name="mean"/>, finite and > 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Counts other than 1 or 3, different counts, a non-finite mean or a std not > 0.</exception>
    public NormalizationStats(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count is not (1 or 3))
            throw new ArgumentException($"mean must have 1 or 3 values (one per channel), got {mean.Count}.", nameof(mean));
        if (std.Count != mean.Count)
            throw new ArgumentException($"std must have as many values as mean ({mean.Count}), got {std.Count}.", nameof(std));
        foreach (var m in mean)
            if (!float.IsFinite(m))
                throw new ArgumentException($"mean values must be finite, got {m}.", nameof(mean));
        foreach (var s in std)
            if (!(s > 0 && float.IsFinite(s)))
                throw new ArgumentException($"std values must be finite and > 0, got {s}.", nameof(std));
        Mean = mean.ToArray();
        Std = std.ToArray();
    }

    /// <summary>Per-channel means.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviations.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>Fashion-MNIST (mean 0.2860, std 0.3530; the training split's pixel statistics).</summary>
    public static NormalizationStats FashionMnist { get; } = new([0.2860f], [0.3530f]);

    /// <summary>CIFAR-10 as in the SCAN authors' configs (mean 0.4914/0.4822/0.4465, std 0.2023/0.1994/0.2010).</summary>
    public static NormalizationStats Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2023f, 0.1994f, 0.2010f]);

    /// <summary>CIFAR-100 (and CIFAR-100-20) as in the SCAN authors' configs (mean 0.5071/0.4867/0.4408, std 0.2675/0.2565/0.2761).</summary>
    public static NormalizationStats Cifar100 { get; } = new([0.5071f, 0.4867f, 0.4408f], [0.2675f, 0.2565f, 0.2761f]);

    /// <summary>ImageNet (mean 0.485/0.456/0.406, std 0.229/0.224/0.225).</summary>
    public static NormalizationStats ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>STL-10: the SCAN authors' configs use the ImageNet statistics.</summary>
    public static NormalizationStats Stl10 => ImageNet;

    /// <inheritdoc />
    public override string ToString() => $"mean ({string.Join(", ", Mean)}), std ({string.Join(", ", Std)})";
}
