using Scan.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

public class NTXentLossTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(0.1)]
    public void Hand_derived_value_when_each_positive_is_the_same_direction(double tau)
    {
        // view1 = (e1, e2), view2 = (2·e1, 3·e2): after L2 normalisation z = (e1, e2, e1, e2).
        // Anchor 0 (e1): cosines to samples 1, 2, 3 are 0, 1 (its positive), 0, so
        //   ℓ_0 = -log( e^{1/τ} / (e^{1/τ} + e^0 + e^0) ) = log(1 + 2·e^{-1/τ}),
        // and by symmetry every one of the 4 anchors has the same ℓ, which is therefore the mean.
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss(tau);
        var view1 = tensor(new double[] { 1, 0, 0, 1 }, new long[] { 2, 2 });
        var view2 = tensor(new double[] { 2, 0, 0, 3 }, new long[] { 2, 2 });

        var value = loss.forward(view1, view2).item<double>();

        value.Should().BeApproximately(Math.Log(1 + 2 * Math.Exp(-1 / tau)), 1e-12);
    }

    [Fact]
    public void Hand_derived_value_when_each_positive_is_orthogonal()
    {
        // view1 = (e1, e2), view2 = (e2, e1): z = (e1, e2, e2, e1). Anchor 0 (e1): cosines to samples 1, 2
        // (positive), 3 are 0, 0, 1, so ℓ_0 = -log( e^0 / (e^0 + e^0 + e^{1/τ}) ) = log(2 + e^{1/τ}); with τ = 0.5,
        // log(2 + e²) for every anchor by symmetry.
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss(0.5);
        var view1 = tensor(new double[] { 1, 0, 0, 1 }, new long[] { 2, 2 });
        var view2 = tensor(new double[] { 0, 1, 1, 0 }, new long[] { 2, 2 });

        loss.forward(view1, view2).item<double>().Should().BeApproximately(Math.Log(2 + Math.Exp(2)), 1e-12);
    }

    [Fact]
    public void Default_temperature_is_the_SimCLR_setting_of_the_SCAN_configs()
    {
        using var loss = new NTXentLoss();
        loss.Temperature.Should().Be(0.1);
    }

    [Fact]
    public void Permuting_the_images_in_both_views_leaves_the_loss_unchanged()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var view1 = randn(new long[] { 9, 5 }, dtype: float64, generator: generator);
        var view2 = randn(new long[] { 9, 5 }, dtype: float64, generator: generator);
        var permutation = randperm(9, generator: generator);
        using var loss = new NTXentLoss(0.3);

        var original = loss.forward(view1, view2).item<double>();
        var permuted = loss.forward(view1[permutation], view2[permutation]).item<double>();

        permuted.Should().BeApproximately(original, 1e-12);
    }

    [Fact]
    public void Scaling_the_projections_leaves_the_loss_unchanged()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(12);
        var view1 = randn(new long[] { 6, 8 }, dtype: float64, generator: generator);
        var view2 = randn(new long[] { 6, 8 }, dtype: float64, generator: generator);
        using var loss = new NTXentLoss(0.1);

        var original = loss.forward(view1, view2).item<double>();
        var scaled = loss.forward(view1 * 37.0, view2 * 0.02).item<double>();

        scaled.Should().BeApproximately(original, 1e-12);
    }

    [Fact]
    public void Swapping_the_views_leaves_the_loss_unchanged()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(13);
        var view1 = randn(new long[] { 5, 4 }, dtype: float64, generator: generator);
        var view2 = randn(new long[] { 5, 4 }, dtype: float64, generator: generator);
        using var loss = new NTXentLoss(0.2);

        loss.forward(view2, view1).item<double>().Should().BeApproximately(loss.forward(view1, view2).item<double>(), 1e-12);
    }

    [Fact]
    public void Aligned_views_give_a_lower_loss_than_unrelated_views()
    {
        // What the pretext task rewards: two views of an image closer to each other than to other images.
        using var scope = NewDisposeScope();
        var generator = new Generator(14);
        var images = randn(new long[] { 16, 32 }, generator: generator);
        var noise = randn(new long[] { 16, 32 }, generator: generator);
        using var loss = new NTXentLoss(0.1);

        var aligned = loss.forward(images, images + 0.05 * noise).item<float>();
        var unrelated = loss.forward(images, noise).item<float>();

        aligned.Should().BeLessThan(unrelated);
    }

    [Fact]
    public void Is_deterministic()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(15);
        var view1 = randn(new long[] { 128, 64 }, generator: generator);
        var view2 = randn(new long[] { 128, 64 }, generator: generator);
        using var loss = new NTXentLoss();

        var first = loss.forward(view1, view2).item<float>();
        var second = loss.forward(view1, view2).item<float>();

        BitConverter.SingleToInt32Bits(second).Should().Be(BitConverter.SingleToInt32Bits(first));
    }

    [Theory]
    [InlineData(1e4)]
    [InlineData(1e-4)]
    public void Extreme_projection_scales_give_finite_loss_and_gradients(double scale)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(16);
        var view1 = (randn(new long[] { 8, 16 }, generator: generator) * scale).requires_grad_(true);
        var view2 = (randn(new long[] { 8, 16 }, generator: generator) * scale).requires_grad_(true);
        using var loss = new NTXentLoss(0.1);

        var value = loss.forward(view1, view2);
        value.backward();

        TensorAssert.Finite(value, "loss");
        TensorAssert.Finite(view1.grad!, "d loss / d view1");
        TensorAssert.Finite(view2.grad!, "d loss / d view2");
    }

    [Fact]
    public void Identical_views_at_a_small_temperature_give_finite_loss_and_gradients()
    {
        // τ = 0.01 puts the positive's logit at 100 and the self-similarity (masked) at 100 as well.
        using var scope = NewDisposeScope();
        var generator = new Generator(17);
        var view = randn(new long[] { 8, 16 }, generator: generator);
        var view1 = view.clone().requires_grad_(true);
        var view2 = view.clone().requires_grad_(true);
        using var loss = new NTXentLoss(0.01);

        var value = loss.forward(view1, view2);
        value.backward();

        TensorAssert.Finite(value, "loss");
        value.item<float>().Should().BeLessThan(0.01f, "each positive is the one sample at cosine 1");
        TensorAssert.Finite(view1.grad!, "d loss / d view1");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Rejects_a_temperature_that_is_not_positive_and_finite(double tau)
    {
        var act = () => new NTXentLoss(tau);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "temperature" && e.Message.Contains("must be a finite number > 0"));
    }

    [Fact]
    public void Rejects_views_that_are_not_matrices()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(zeros(4, 2, 3), zeros(4, 2, 3));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "view1Projections" && e.Message.Contains("(B, D)") && e.Message.Contains("[4, 2, 3]"));
    }

    [Fact]
    public void Rejects_a_batch_of_one_image()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(1, 8), ones(1, 8));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "view1Projections" && e.Message.Contains("at least 2 row(s)") && e.Message.Contains("[1, 8]"));
    }

    [Fact]
    public void Rejects_views_of_different_shapes()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(4, 8), ones(4, 16));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "view2Projections" && e.Message.Contains("same shape") && e.Message.Contains("[4, 8] and [4, 16]"));
    }

    [Fact]
    public void Rejects_views_of_different_dtypes()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(4, 8), ones(4, 8, dtype: float64));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.Message.Contains("same dtype") && e.Message.Contains("Float32") && e.Message.Contains("Float64"));
    }

    [Fact]
    public void Rejects_integer_projections()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(4, 8, dtype: int64), ones(4, 8, dtype: int64));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "view1Projections" && e.Message.Contains("floating-point") && e.Message.Contains("Int64"));
    }

    [Fact]
    public void Rejects_null_projections()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(4, 8), null!);

        act.Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "view2Projections");
    }

    [Fact]
    public void Rejects_stacked_views_without_exactly_two_views_per_image()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(4, 3, 8));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "views" && e.Message.Contains("(B, 2, D)") && e.Message.Contains("[4, 3, 8]"));
    }

    [Fact]
    public void Rejects_stacked_views_of_one_image()
    {
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss();

        var act = () => loss.forward(ones(1, 2, 8));

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "views" && e.Message.Contains("at least 2 images"));
    }
}
