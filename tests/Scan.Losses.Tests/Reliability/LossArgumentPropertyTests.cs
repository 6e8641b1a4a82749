using CsCheck;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Scan.Losses.Tests.Reliability;

/// <summary>
/// Property-based tests (CsCheck) of the losses' argument checks: a generated tensor of the wrong rank or dtype,
/// with too few rows or columns, or a pair differing in shape or dtype, must raise <see cref="ArgumentException"/>
/// whose <see cref="ArgumentException.ParamName"/> and message name the argument at fault (never a libtorch error
/// from deep inside). A failure prints the CsCheck seed that replays it.
/// </summary>
public sealed class LossArgumentPropertyTests(ITestOutputHelper output)
{
    /// <summary>A loss of two (B, C) tensors, its argument names and the rows it needs.</summary>
    public sealed record PairLoss(string Name, string First, string Second, int MinRows, Action<Tensor, Tensor> Call)
    {
        public override string ToString() => Name;
    }

    public enum Fault { Rank, DType, ShapeMismatch, DTypeMismatch, TooSmall }

    /// <summary>One bad call: the shapes and dtypes of the two arguments, and the argument the error must name.</summary>
    public sealed record BadCall(PairLoss Loss, Fault Fault, long[] FirstShape, ScalarType FirstType, long[] SecondShape, ScalarType SecondType, string Blamed)
    {
        public override string ToString() =>
            $"{Loss}: {Fault}, {Loss.First} [{string.Join(", ", FirstShape)}] {FirstType}, {Loss.Second} [{string.Join(", ", SecondShape)}] {SecondType}; expect {Blamed}";
    }

    private static readonly PairLoss[] Losses =
    [
        new("ScanLoss.Compute", "anchorLogits", "neighborLogits", 1, (a, b) => new ScanLoss(2).Compute(a, b)),
        new("NTXentLoss.forward", "view1Projections", "view2Projections", 2, (a, b) =>
        {
            using var loss = new NTXentLoss(0.5);
            loss.forward(a, b);
        }),
        new("ConfidenceCrossEntropyLoss.Compute", "weakLogits", "strongLogits", 1, (a, b) => new ConfidenceCrossEntropyLoss(0.5).Compute(a, b)),
    ];

    private static readonly ScalarType[] NonFloating = [ScalarType.Int32, ScalarType.Int64, ScalarType.Int16, ScalarType.Byte, ScalarType.Bool];

    private static readonly Gen<BadCall> BadCalls =
        from loss in Gen.OneOfConst(Losses)
        from fault in Gen.Enum<Fault>()
        from rows in Gen.Int[loss.MinRows, 8]
        from columns in Gen.Int[1, 8]
        from blameSecond in Gen.Bool
        from rank in Gen.OneOfConst(0, 1, 3, 4)
        from dims in Gen.Int[1, 4].Array[rank]
        from badType in Gen.OneOfConst(NonFloating)
        from otherRows in Gen.Int[loss.MinRows, 8]
        from otherColumns in Gen.Int[1, 8]
        from emptyColumns in Gen.Bool
        select Describe(loss, fault, rows, columns, blameSecond, dims.Select(d => (long)d).ToArray(), badType, otherRows, otherColumns, emptyColumns);

    [Fact]
    public void Bad_pairs_raise_ArgumentException_naming_the_argument()
    {
        BadCalls.Sample(bad =>
        {
            using var scope = NewDisposeScope();
            var first = zeros(bad.FirstShape, bad.FirstType);
            var second = zeros(bad.SecondShape, bad.SecondType);

            var act = () => bad.Loss.Call(first, second);

            var error = act.Should().Throw<ArgumentException>().Which;
            error.ParamName.Should().Be(bad.Blamed);
            error.Message.Should().Contain(bad.Blamed + " ", "the sentence names the argument, not only the (Parameter ...) suffix");
            if (bad.Fault == Fault.ShapeMismatch)
                error.Message.Should().Contain($"[{string.Join(", ", bad.FirstShape)}]").And.Contain($"[{string.Join(", ", bad.SecondShape)}]");
        }, iter: LossPropertyCounts.MalformedCalls, threads: 1, writeLine: output.WriteLine);
    }

    [Fact]
    public void Bad_entropy_inputs_raise_ArgumentException_naming_the_argument()
    {
        var gen =
            from batchMean in Gen.Bool
            from rank in Gen.OneOfConst(0, 1, 2, 3, 4)
            from dims in Gen.Int[0, 4].Array[rank]
            from dtype in Gen.OneOfConst([ScalarType.Float32, .. NonFloating])
            select (BatchMean: batchMean, Shape: dims.Select(d => (long)d).ToArray(), Type: dtype);
        gen.Where(c => !ValidForEntropy(c.BatchMean, c.Shape, c.Type)).Sample(c =>
        {
            using var scope = NewDisposeScope();
            var input = zeros(c.Shape, c.Type);
            string name = c.BatchMean ? "logits" : "probabilities";

            var act = () => c.BatchMean ? Entropy.OfBatchMean(input) : Entropy.Of(input);

            var error = act.Should().Throw<ArgumentException>($"{(c.BatchMean ? "OfBatchMean" : "Of")} of [{string.Join(", ", c.Shape)}] {c.Type}").Which;
            error.ParamName.Should().Be(name);
            error.Message.Should().StartWith(name + " ");
        }, iter: LossPropertyCounts.MalformedEntropyCalls, threads: 1, writeLine: output.WriteLine);
    }

    private static bool ValidForEntropy(bool batchMean, long[] shape, ScalarType type) =>
        type == ScalarType.Float32 && shape.All(d => d >= 1) && (batchMean ? shape.Length == 2 : shape.Length is 1 or 2);

    private static BadCall Describe(PairLoss loss, Fault fault, int rows, int columns, bool blameSecond, long[] badDims,
        ScalarType badType, int otherRows, int otherColumns, bool emptyColumns)
    {
        long[] matrix = [rows, columns];
        const ScalarType Float = ScalarType.Float32;
        switch (fault)
        {
            case Fault.Rank:
                return blameSecond
                    ? new BadCall(loss, fault, matrix, Float, badDims, Float, loss.Second)
                    : new BadCall(loss, fault, badDims, Float, matrix, Float, loss.First);
            case Fault.DType:
                return blameSecond
                    ? new BadCall(loss, fault, matrix, Float, matrix, badType, loss.Second)
                    : new BadCall(loss, fault, matrix, badType, matrix, Float, loss.First);
            case Fault.ShapeMismatch:
                long[] other = (otherRows, otherColumns) == (rows, columns) ? [rows, columns + 1] : [otherRows, otherColumns];
                return new BadCall(loss, fault, matrix, Float, other, Float, loss.Second);
            case Fault.DTypeMismatch:
                return new BadCall(loss, fault, matrix, Float, matrix, ScalarType.Float64, loss.Second);
            default:
                // B below the minimum (NT-Xent needs a negative per anchor, so B >= 2), or C = 0.
                long[] small = emptyColumns ? [rows, 0] : [loss.MinRows - 1, columns];
                return new BadCall(loss, fault, small, Float, small, Float, loss.First);
        }
    }
}
