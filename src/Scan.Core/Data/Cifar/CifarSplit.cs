namespace Scan.Core.Data;

/// <summary>The CIFAR splits: 50,000 training and 10,000 test images.</summary>
public enum CifarSplit
{
    /// <summary>The training images (CIFAR-10: data_batch_1.bin to data_batch_5.bin; CIFAR-100: train.bin).</summary>
    Train,

    /// <summary>The test images (CIFAR-10: test_batch.bin; CIFAR-100: test.bin).</summary>
    Test,
}
