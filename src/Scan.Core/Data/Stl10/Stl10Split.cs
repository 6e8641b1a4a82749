namespace Scan.Core.Data;

/// <summary>The STL-10 splits.</summary>
public enum Stl10Split
{
    /// <summary>5,000 labelled training images (train_X.bin, train_y.bin).</summary>
    Train,

    /// <summary>8,000 labelled test images (test_X.bin, test_y.bin).</summary>
    Test,

    /// <summary>100,000 unlabelled images (unlabeled_X.bin).</summary>
    Unlabeled,

    /// <summary>Train followed by Unlabeled, 105,000 images without labels (labels would cover only 5%), e.g. for
    /// pretext training.</summary>
    TrainAndUnlabeled,
}
