using Scan.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Scan.Core.Models;

/// <summary>
/// A ResNet of <see cref="BasicBlock"/>s without its classifier: four stages of widths w, 2w, 4w, 8w, global
/// average pooling, features of length 8w. Parameter names follow torchvision's <c>resnet18</c> (conv1, bn1,
/// layer1.0.conv1, ...) so state dicts can be exchanged with PyTorch.
/// </summary>
/// <example>
/// <code>
/// using var backbone = ResNetBackbone.ResNet18(ResNetStem.Cifar, inputChannels: 3);   // the authors' CIFAR model
/// using var features = backbone.call(images);                                        // (B, 512)
/// </code>
/// </example>
/// <remarks>
/// On a 2-thread CPU with libtorch 2.10 we observed convolution backward passes with 8 or fewer channels return
/// NaN gradients now and then (reproduced with a single Conv2d; gone with one thread). Widths of 16 and more were
/// not affected. Training stops with a <see cref="Training.TrainingDivergedException"/> if it happens.
/// </remarks>
public sealed class ResNetBackbone : Backbone
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2dWithoutTemporaries bn1;
    private readonly MaxPool2d? maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly int _featureDim;
    private readonly int _inputChannels;
    private ConvolutionLayout _layout = ConvolutionLayout.Contiguous;

    /// <summary>Creates a ResNet backbone.</summary>
    /// <param name="stem">The input layers: <see cref="ResNetStem.Cifar"/> for images up to about 64x64.</param>
    /// <param name="inputChannels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="width">Channels of the first stage (64 in ResNet-18); stages use w, 2w, 4w, 8w.</param>
    /// <param name="blocksPerStage">Basic blocks in each of the four stages: {2,2,2,2} is ResNet-18.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or there are not four stages.</exception>
    public ResNetBackbone(ResNetStem stem, int inputChannels, int width, IReadOnlyList<int> blocksPerStage)
        : base(nameof(ResNetBackbone))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentNullException.ThrowIfNull(blocksPerStage);
        if (blocksPerStage.Count != 4 || blocksPerStage.Any(b => b < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(blocksPerStage),
                $"Expected four stages of at least one block each, found [{string.Join(", ", blocksPerStage)}].");
        }

        Stem = stem;
        Width = width;
        BlocksPerStage = blocksPerStage.ToArray();
        _inputChannels = inputChannels;
        _featureDim = 8 * width;

        conv1 = stem == ResNetStem.Cifar
            ? Conv2d(inputChannels, width, 3, stride: 1, padding: 1, bias: false)
            : Conv2d(inputChannels, width, 7, stride: 2, padding: 3, bias: false);
        bn1 = new BatchNorm2dWithoutTemporaries(width);
        if (stem == ResNetStem.ImageNet)
            maxpool = MaxPool2d(3, stride: 2, padding: 1);

        layer1 = Stage(width, width, blocksPerStage[0], stride: 1);
        layer2 = Stage(width, 2 * width, blocksPerStage[1], stride: 2);
        layer3 = Stage(2 * width, 4 * width, blocksPerStage[2], stride: 2);
        layer4 = Stage(4 * width, 8 * width, blocksPerStage[3], stride: 2);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>ResNet-18 (two blocks per stage, width 64, 512 features).</summary>
    public static ResNetBackbone ResNet18(ResNetStem stem, int inputChannels, int width = 64) =>
        new(stem, inputChannels, width, new[] { 2, 2, 2, 2 });

    /// <summary>
    /// A small ResNet for 28x28 images on a CPU: one block per stage, CIFAR stem, width 16 (128 features), the
    /// backbone of <see cref="Pipeline.ScanPresets.FashionMnistQuick"/>; BENCHMARKS.md has its accuracy and time on Fashion-MNIST.
    /// </summary>
    public static ResNetBackbone Small(int inputChannels, int width = 16) =>
        new(ResNetStem.Cifar, inputChannels, width, new[] { 1, 1, 1, 1 });

    /// <summary>The stem this backbone was built with.</summary>
    public ResNetStem Stem { get; }

    /// <summary>Channels of the first stage.</summary>
    public int Width { get; }

    /// <summary>Blocks in each stage.</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>A new backbone of this one's architecture and layout, with fresh weights: the copies that the step
    /// probes time and that bfloat16 training runs on.</summary>
    internal ResNetBackbone CopyShape() => new(Stem, InputChannels, Width, BlocksPerStage) { Layout = Layout };

    /// <summary>
    /// The memory order the convolutions run in: <see cref="ConvolutionLayout.Contiguous"/> (the default) or
    /// <see cref="ConvolutionLayout.ChannelsLast"/>, which libtorch runs faster on some CPUs (the SimCLR trainer measures
    /// both and sets this when its <see cref="Pretext.SimClrOptions.Layout"/> is <see cref="ConvolutionLayout.Auto"/>;
    /// later stages keep what it set). Outputs are the same up to float rounding; parameters and saved files do not change.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to <see cref="ConvolutionLayout.Auto"/>, which only a trainer can resolve.</exception>
    public ConvolutionLayout Layout
    {
        get => _layout;
        set
        {
            if (value is not (ConvolutionLayout.Contiguous or ConvolutionLayout.ChannelsLast))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    "A backbone runs Contiguous or ChannelsLast; Auto is resolved by the SimCLR trainer's measurement.");
            }
            _layout = value;
            foreach (var (_, module) in named_modules())
            {
                if (module is BasicBlock block)
                    block.ChannelsLast = value == ConvolutionLayout.ChannelsLast;
            }
        }
    }

    /// <inheritdoc />
    public override int FeatureDim => _featureDim;

    /// <inheritdoc />
    public override int InputChannels => _inputChannels;

    /// <summary>Features of a batch: (B, C, H, W) → (B, <see cref="FeatureDim"/>).</summary>
    /// <exception cref="ArgumentException">The input is not 4-D with <see cref="InputChannels"/> channels.</exception>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != _inputChannels)
        {
            throw new ArgumentException(
                $"Expected images of shape (B, {_inputChannels}, H, W), found ({string.Join(", ", input.shape)}).",
                nameof(input));
        }

        using var scope = NewDisposeScope();
        return ForwardLastStages(StemOutput(input), StageCount).MoveToOuterDisposeScope();
    }

    /// <summary>Stages of the network (layer1 to layer4), the units <see cref="ForwardFirstStages"/> and
    /// <see cref="ForwardLastStages"/> split it at.</summary>
    internal const int StageCount = 4;

    /// <summary>
    /// The stem and the first <see cref="StageCount"/> − <paramref name="lastStages"/> stages: the feature maps the
    /// last <paramref name="lastStages"/> stages read. With <see cref="ForwardLastStages"/> it is <see cref="forward"/>
    /// split in two, so that the SCAN stage can fine-tune the last stages on maps of the frozen first part computed once.
    /// </summary>
    internal Tensor ForwardFirstStages(Tensor input, int lastStages)
    {
        using var scope = NewDisposeScope();
        var x = StemOutput(input);
        foreach (var stage in Stages.Take(StageCount - CheckedStages(lastStages)))
            x = stage.call(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The last <paramref name="lastStages"/> stages and the global average pooling, from the maps
    /// <see cref="ForwardFirstStages"/> returned with the same count: (B, <see cref="FeatureDim"/>).</summary>
    internal Tensor ForwardLastStages(Tensor maps, int lastStages)
    {
        using var scope = NewDisposeScope();
        var x = maps;
        foreach (var stage in Stages.Skip(StageCount - CheckedStages(lastStages)))
            x = stage.call(x);
        // Global average pooling: shape (B, 8w).
        return x.mean(new long[] { 2, 3 }).MoveToOuterDisposeScope();
    }

    /// <summary>The parameters of the last <paramref name="lastStages"/> stages.</summary>
    internal IEnumerable<Parameter> LastStageParameters(int lastStages) =>
        Stages.Skip(StageCount - CheckedStages(lastStages)).SelectMany(stage => stage.parameters());

    /// <summary>Evaluation mode for the stem and the first stages, training mode (BatchNorm on batch statistics) for
    /// the last <paramref name="lastStages"/>: the modes of a network whose first part is frozen.</summary>
    internal void TrainLastStages(int lastStages)
    {
        eval();
        foreach (var stage in Stages.Skip(StageCount - CheckedStages(lastStages)))
            stage.train();
    }

    /// <summary>
    /// The share of a forward pass's multiply-adds, on images of <paramref name="height"/> x <paramref name="width"/>,
    /// that the last <paramref name="lastStages"/> stages take: what fine-tuning them costs per image against the
    /// whole network (the budget fitter prices <see cref="Clustering.ScanClusteringOptions.FineTunedBackboneStages"/>
    /// with it).
    /// </summary>
    internal double LastStagesShare(int lastStages, int height, int width)
    {
        CheckedStages(lastStages);
        static int Half(int side) => (side + 1) / 2;   // a 3x3 (or 7x7) convolution of stride 2 with padding
        int h = height, w = width;
        double stem = (double)h * w * InputChannels * Width * (Stem == ResNetStem.Cifar ? 9 : 49);
        if (Stem == ResNetStem.ImageNet)
        {
            (h, w) = (Half(Half(h)), Half(Half(w)));   // the stem's stride 2 and the max pooling's
            stem /= 4;
        }
        var stages = new double[StageCount];
        int channels = Width;
        for (int s = 0; s < StageCount; s++)
        {
            int outChannels = Width << s;
            for (int b = 0; b < BlocksPerStage[s]; b++)
            {
                bool downsample = b == 0 && s > 0;
                if (downsample)
                    (h, w) = (Half(h), Half(w));
                int inChannels = b == 0 ? channels : outChannels;
                stages[s] += (double)h * w * outChannels * (9.0 * inChannels + 9.0 * outChannels +
                    (inChannels != outChannels || downsample ? inChannels : 0));
            }
            channels = outChannels;
        }
        return stages.Skip(StageCount - lastStages).Sum() / (stem + stages.Sum());
    }

    private Sequential[] Stages => [layer1, layer2, layer3, layer4];

    private static int CheckedStages(int lastStages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lastStages, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lastStages, StageCount);
        return lastStages;
    }

    private Tensor StemOutput(Tensor input)
    {
        var x = bn1.call(ChannelsLastConvolution.Call(conv1, input, _layout == ConvolutionLayout.ChannelsLast)).relu_();
        return maxpool is null ? x : maxpool.call(x);
    }

    private static Sequential Stage(int inChannels, int outChannels, int blocks, int stride)
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 0; i < blocks; i++)
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new BasicBlock(i == 0 ? inChannels : outChannels, outChannels, i == 0 ? stride : 1)));
        return Sequential(modules);
    }

    private void InitializeWeights()
    {
        // torchvision's ResNet initialisation: Kaiming-normal (fan_out, ReLU) convolutions, BatchNorm weight 1, bias 0.
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                    break;
                case BatchNorm bn:
                    init.ones_(bn.weight);
                    init.zeros_(bn.bias);
                    break;
            }
        }
    }
}
