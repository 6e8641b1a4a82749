namespace Scan.Core.Data;

/// <summary>The Fashion-MNIST splits.</summary>
public enum FashionMnistSplit
{
    /// <summary>60,000 training images (train-images-idx3-ubyte, train-labels-idx1-ubyte).</summary>
    Train,

    /// <summary>10,000 test images (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte).</summary>
    Test,

    /// <summary>All 70,000 images: training images first, then test images.</summary>
    All,
}
