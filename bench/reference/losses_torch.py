#!/usr/bin/python3
"""Reference side of the `losses-vs-torch` comparison (bench/Scan.Benchmarks/Losses/LossesVsTorchComparison.cs).

Times forward + backward of the three SCAN losses in PyTorch at B = 512, C = 10, D = 128, float32, CPU, 2 threads,
with the same algorithms as Scan.Losses (written here from the papers' formulas: SimCLR Eq. 1, SCAN Eq. 2 and
Sec. 2.3) and the same protocol as the C# side: fresh leaf inputs per step, `warmup` steps, then `rounds` rounds of
`iterations` steps; prints one JSON object with the median milliseconds per step of each loss.

    /usr/bin/python3 bench/reference/losses_torch.py [--warmup 20] [--rounds 7] [--iterations 50]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

B, C, D = 512, 10, 128


def ntxent(v1, v2, tau=0.1):
    b = v1.shape[0]
    z = torch.cat([F.normalize(v1, dim=1), F.normalize(v2, dim=1)])
    logits = (z @ z.T) / tau
    logits = logits.masked_fill(torch.eye(2 * b, dtype=torch.bool), float("-inf"))
    positives = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])
    return F.cross_entropy(logits, positives)


def scan(anchor, neighbor, entropy_weight=5.0):
    log_p = F.log_softmax(anchor, 1)
    log_q = F.log_softmax(neighbor, 1)
    consistency = -torch.logsumexp(log_p + log_q, 1).mean()
    log_mean = torch.logsumexp(log_p, 0) - math.log(anchor.shape[0])
    entropy = -(log_mean.exp() * log_mean).sum()
    return consistency - entropy_weight * entropy


def confidence(weak, strong, threshold=0.99):
    with torch.no_grad():
        max_prob, target = F.softmax(weak.detach(), 1).max(1)
        mask = max_prob > threshold
    count = int(mask.sum().item())
    if count == 0:
        return strong[:0].sum()
    t = target[mask]
    counts = torch.bincount(t, minlength=strong.shape[1]).to(strong.dtype)
    weight = torch.where(counts > 0, counts.reciprocal(), torch.zeros_like(counts))
    return F.cross_entropy(strong[mask], t, weight=weight)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()

    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(20200512)
    view1, view2 = torch.randn(B, D, generator=g), torch.randn(B, D, generator=g)
    anchor, neighbor = torch.randn(B, C, generator=g), torch.randn(B, C, generator=g)
    weak = torch.randn(B, C, generator=g)
    rows = torch.arange(0, B, 2)
    weak[rows, rows % C] += 14  # exactly 256 confident samples, as on the C# side
    strong = torch.randn(B, C, generator=g)

    def leaf(t):
        return t.detach().requires_grad_(True)

    steps = {
        "ntxent": lambda: ntxent(leaf(view1), leaf(view2)).backward(),
        "scan": lambda: scan(leaf(anchor), leaf(neighbor)).backward(),
        "confidence": lambda: confidence(weak, leaf(strong)).backward(),
    }
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for name, step in steps.items():
        for _ in range(args.warmup):
            step()
        per_round = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.iterations):
                step()
            per_round.append((time.perf_counter() - start) * 1000 / args.iterations)
        result[name] = statistics.median(per_round)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
