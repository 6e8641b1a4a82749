using Scan.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Scan.Losses.Tests;

/// <summary>
/// Losses and input gradients against the PyTorch float64 reference of Fixtures/make_loss_fixture.py, on seeded
/// random inputs of several shapes: within 1e-5 in float32 and 1e-10 in float64.
/// </summary>
public class GoldenValueTests
{
    public static TheoryData<string> NTXentCases => LossFixture.Names("ntxent");
    public static TheoryData<string> ScanCases => LossFixture.Names("scan");
    public static TheoryData<string> ConfidenceCases => LossFixture.Names("confidence");
    public static TheoryData<string> EntropyCases => LossFixture.Names("entropy");
    public static TheoryData<string> BatchMeanEntropyCases => LossFixture.Names("batch_mean_entropy");

    [Theory]
    [MemberData(nameof(NTXentCases))]
    public void NTXent_matches_the_reference_loss_and_gradients(string name)
    {
        var c = LossFixture.Case("ntxent", name);
        double tol = LossFixture.Tolerance(c);
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss(LossFixture.Number(c, "temperature"));
        var view1 = LossFixture.Input(c, "view1", requiresGrad: true);
        var view2 = LossFixture.Input(c, "view2", requiresGrad: true);

        var value = loss.forward(view1, view2);
        value.backward();

        value.dtype.Should().Be(LossFixture.DType(c));
        value.shape.Should().BeEmpty("the loss is a scalar mean over the 2B anchors");
        TensorAssert.Close(value, LossFixture.Number(c, "loss"), tol, "loss");
        TensorAssert.Close(view1.grad!, LossFixture.Numbers(c, "grad_view1"), tol, "d loss / d view1");
        TensorAssert.Close(view2.grad!, LossFixture.Numbers(c, "grad_view2"), tol, "d loss / d view2");
    }

    [Theory]
    [MemberData(nameof(NTXentCases))]
    public void NTXent_of_stacked_views_matches_the_reference_loss_and_gradient(string name)
    {
        var c = LossFixture.Case("ntxent", name);
        double tol = LossFixture.Tolerance(c);
        using var scope = NewDisposeScope();
        using var loss = new NTXentLoss(LossFixture.Number(c, "temperature"));
        // shape: (B, 2, D)
        var views = stack(new[] { LossFixture.Input(c, "view1"), LossFixture.Input(c, "view2") }, 1).requires_grad_(true);

        var value = loss.forward(views);
        value.backward();

        TensorAssert.Close(value, LossFixture.Number(c, "loss"), tol, "loss");
        TensorAssert.Close(views.grad!.select(1, 0), LossFixture.Numbers(c, "grad_view1"), tol, "d loss / d views[:, 0]");
        TensorAssert.Close(views.grad!.select(1, 1), LossFixture.Numbers(c, "grad_view2"), tol, "d loss / d views[:, 1]");
    }

    [Theory]
    [MemberData(nameof(ScanCases))]
    public void ScanLoss_matches_the_reference_parts_and_gradients(string name)
    {
        var c = LossFixture.Case("scan", name);
        double tol = LossFixture.Tolerance(c);
        using var scope = NewDisposeScope();
        var anchor = LossFixture.Input(c, "anchor", requiresGrad: true);
        var neighbor = LossFixture.Input(c, "neighbor", requiresGrad: true);

        var result = new ScanLoss(LossFixture.Number(c, "entropy_weight")).Compute(anchor, neighbor);
        result.Total.backward();

        result.Total.dtype.Should().Be(LossFixture.DType(c));
        TensorAssert.Close(result.Total, LossFixture.Number(c, "total"), tol, "total");
        TensorAssert.Close(result.Consistency, LossFixture.Number(c, "consistency"), tol, "consistency");
        TensorAssert.Close(result.Entropy, LossFixture.Number(c, "entropy"), tol, "entropy");
        TensorAssert.Close(anchor.grad!, LossFixture.Numbers(c, "grad_anchor"), tol, "d total / d anchor");
        TensorAssert.Close(neighbor.grad!, LossFixture.Numbers(c, "grad_neighbor"), tol, "d total / d neighbor");
    }

    [Fact]
    public void ScanLoss_of_several_heads_matches_the_reference_of_each_head_in_order()
    {
        // Three float64 heads on a batch of 7, with 10, 10 and 100 clusters and their own reference values.
        string[] names = { "scan_B7_C10_lambda2.0_float64", "scan_B7_C100_lambda0.0_float64", "scan_B7_C10_lambda2.0_float64" };
        var cases = names.Select(n => LossFixture.Case("scan", n)).ToArray();
        using var scope = NewDisposeScope();
        var heads = cases.Select(c => (LossFixture.Input(c, "anchor"), LossFixture.Input(c, "neighbor"))).ToList();

        // λ differs between the two reference cases, so compare the parts, which do not depend on λ.
        var results = new ScanLoss(entropyWeight: 2.0).Compute(heads);

        results.Should().HaveCount(3);
        for (int h = 0; h < 3; h++)
        {
            TensorAssert.Close(results[h].Consistency, LossFixture.Number(cases[h], "consistency"), 1e-10, $"head {h} consistency");
            TensorAssert.Close(results[h].Entropy, LossFixture.Number(cases[h], "entropy"), 1e-10, $"head {h} entropy");
            double expectedTotal = LossFixture.Number(cases[h], "consistency") - 2.0 * LossFixture.Number(cases[h], "entropy");
            TensorAssert.Close(results[h].Total, expectedTotal, 1e-10, $"head {h} total");
        }
    }

    [Theory]
    [MemberData(nameof(ConfidenceCases))]
    public void ConfidenceCrossEntropy_matches_the_reference_loss_mask_labels_and_gradient(string name)
    {
        var c = LossFixture.Case("confidence", name);
        double tol = LossFixture.Tolerance(c);
        using var scope = NewDisposeScope();
        var weak = LossFixture.Input(c, "weak");
        var strong = LossFixture.Input(c, "strong", requiresGrad: true);
        var loss = new ConfidenceCrossEntropyLoss(LossFixture.Number(c, "threshold"), c.GetProperty("class_balance").GetBoolean());

        var result = loss.Compute(weak, strong);
        result.Loss.backward();

        result.ConfidentCount.Should().Be(c.GetProperty("confident_count").GetInt32());
        result.ConfidentMask.data<bool>().ToArray().Should()
            .Equal(c.GetProperty("confident_mask").EnumerateArray().Select(e => e.GetBoolean()));
        result.PseudoLabels.data<long>().ToArray().Should()
            .Equal(c.GetProperty("pseudo_labels").EnumerateArray().Select(e => e.GetInt64()));
        TensorAssert.Close(result.Loss, LossFixture.Number(c, "loss"), tol, "loss");
        TensorAssert.Close(strong.grad!, LossFixture.Numbers(c, "grad_strong"), tol, "d loss / d strong");
    }

    [Theory]
    [MemberData(nameof(EntropyCases))]
    public void Entropy_matches_the_reference_value_and_gradient(string name)
    {
        var c = LossFixture.Case("entropy", name);
        double tol = LossFixture.Tolerance(c);
        using var scope = NewDisposeScope();
        var input = LossFixture.Input(c, "input", requiresGrad: true);

        var value = Entropy.Of(input, c.GetProperty("input_is_logits").GetBoolean());
        value.backward();

        TensorAssert.Close(value, LossFixture.Number(c, "value"), tol, "entropy");
        TensorAssert.Close(input.grad!, LossFixture.Numbers(c, "grad"), tol, "d entropy / d input");
    }

    [Theory]
    [MemberData(nameof(BatchMeanEntropyCases))]
    public void Entropy_of_the_batch_mean_matches_the_reference_value_and_gradient(string name)
    {
        var c = LossFixture.Case("batch_mean_entropy", name);
        double tol = LossFixture.Tolerance(c);
        using var scope = NewDisposeScope();
        var logits = LossFixture.Input(c, "input", requiresGrad: true);

        var value = Entropy.OfBatchMean(logits);
        value.backward();

        TensorAssert.Close(value, LossFixture.Number(c, "value"), tol, "entropy of the batch mean");
        TensorAssert.Close(logits.grad!, LossFixture.Numbers(c, "grad"), tol, "d entropy / d logits");
    }
}
