using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Scan.Tests.Runtime;

/// <summary>Proves the native TorchSharp runtime loads and trains on this machine (see build/Scan.TorchSharpCompat.targets).</summary>
public class TorchRuntimeTests
{
    [Fact]
    public void Tensors_are_created_and_computed_natively()
    {
        using var a = arange(6, dtype: float32).reshape(2, 3);
        using var b = ones(3, 2);
        using var c = a.matmul(b);
        // Row sums of [[0,1,2],[3,4,5]]: 3 and 12.
        c.data<float>().ToArray().Should().Equal(3f, 3f, 12f, 12f);
    }

    [Fact]
    public void A_small_conv_net_trains_one_step_and_the_loss_decreases()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        var net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding: 1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(8, 3));
        var x = randn(16, 1, 8, 8);
        var y = randint(0, 3, new long[] { 16 }, dtype: int64);
        var optimizer = optim.SGD(net.parameters(), 0.5);

        float Loss() => nn.functional.cross_entropy(net.forward(x), y).item<float>();

        float before = Loss();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(net.forward(x), y);
        loss.backward();
        foreach (var p in net.parameters())
            p.grad.Should().NotBeNull();
        net.parameters().Sum(p => p.grad!.abs().sum().item<float>()).Should().BeGreaterThan(0);
        optimizer.step();
        float after = Loss();

        after.Should().BeLessThan(before);
    }
}
