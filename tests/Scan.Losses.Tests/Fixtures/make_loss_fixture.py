#!/usr/bin/python3
"""Golden values for tests/Scan.Losses.Tests: the three SCAN losses and the entropy helper, with input gradients.

An independent reference written from the papers' formulas (SimCLR, arXiv:2002.05709, Eq. 1; SCAN,
arXiv:2005.12320, Eq. 2 and Sec. 2.3) in plain PyTorch float64, deliberately in the naive form (probability
space, an explicit loop over NT-Xent anchors) so that it does not share the C# implementation's log-space tricks.

Inputs are seeded random numbers rounded to 4 decimals, so that the same decimal text gives the same value in
float32 and float64 on both sides. For float32 cases the reference is computed in float64 from the float32 values,
the C# tests compute in float32 and compare to 1e-5; float64 cases compare to 1e-10.

Run from anywhere with Debian's python3-torch; it rewrites losses.json next to this script, byte-for-byte the same
on every run:
    /usr/bin/python3 tests/Scan.Losses.Tests/Fixtures/make_loss_fixture.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

SEED = 20200512  # any fixed number; this one is the SCAN arXiv submission month
DECIMALS = 4
THRESHOLD_MARGIN = 1e-4  # no sample's max probability may be this close to the threshold (float32 vs float64 mask)

generator = torch.Generator().manual_seed(SEED)


def randn(*shape, scale=1.0):
    x = torch.randn(*shape, generator=generator, dtype=torch.float64) * scale
    return torch.round(x * 10 ** DECIMALS) / 10 ** DECIMALS


def as_dtype(x, dtype):
    """The value the C# side holds after parsing the decimal text into its dtype, as float64 for the reference."""
    return x.to(torch.float32).to(torch.float64) if dtype == "float32" else x.clone()


def flat(x):
    return [float(v) for v in x.detach().reshape(-1).tolist()]


def output(x, dtype):
    """Reference outputs: full float64 repr for float64 cases; 10 significant digits, ample for the 1e-5
    comparison, for float32 cases."""
    values = [x] if isinstance(x, float) else flat(x)
    if dtype == "float32":
        values = [float(f"{v:.10g}") for v in values]
    return values[0] if isinstance(x, float) else values


def leaf(x):
    return x.clone().requires_grad_(True)


# ---- references ---------------------------------------------------------------------------------------------

def ntxent_reference(v1, v2, tau):
    b = v1.shape[0]
    z = torch.cat([v1 / v1.norm(dim=1, keepdim=True).clamp_min(1e-12),
                   v2 / v2.norm(dim=1, keepdim=True).clamp_min(1e-12)])
    s = z @ z.T / tau
    n = 2 * b
    losses = []
    for i in range(n):
        positive = (i + b) % n
        others = [k for k in range(n) if k != i]
        losses.append(-(s[i, positive] - torch.logsumexp(s[i, others], 0)))
    return torch.stack(losses).mean()


def scan_reference(anchor, neighbor, entropy_weight):
    p = torch.softmax(anchor, 1)
    q = torch.softmax(neighbor, 1)
    consistency = -torch.log((p * q).sum(1)).mean()
    p_mean = p.mean(0)
    entropy = -(p_mean * torch.log(p_mean)).sum()
    return consistency - entropy_weight * entropy, consistency, entropy


def confidence_reference(weak, strong, threshold, class_balance):
    with torch.no_grad():
        max_prob, target = torch.softmax(weak, 1).max(1)
    margin = (max_prob - threshold).abs().min().item()
    assert margin > THRESHOLD_MARGIN, f"a max probability is within {margin} of the threshold: change the case"
    mask = max_prob > threshold
    if not mask.any():
        return strong.sum() * 0.0, mask, target
    x, t = strong[mask], target[mask]
    if not class_balance:
        return F.cross_entropy(x, t), mask, target
    counts = torch.bincount(t, minlength=strong.shape[1]).to(torch.float64)
    weight = torch.where(counts > 0, 1.0 / counts, torch.zeros_like(counts))
    loss = F.cross_entropy(x, t, weight=weight)
    # The documented meaning: mean over the classes present of each class's mean cross-entropy.
    ce = F.cross_entropy(x, t, reduction="none")
    per_class = torch.stack([ce[t == c].mean() for c in torch.unique(t)])
    assert torch.allclose(loss, per_class.mean(), rtol=0, atol=1e-12)
    # The authors' weights, N / n_c with 1 for absent classes, give the same weighted mean.
    inverse_frequency = torch.ones_like(counts)
    inverse_frequency[counts > 0] = t.numel() / counts[counts > 0]
    assert torch.allclose(loss, F.cross_entropy(x, t, weight=inverse_frequency), rtol=0, atol=1e-12)
    return loss, mask, target


def entropy_reference(x, input_is_logits):
    p = torch.softmax(x, -1) if input_is_logits else x
    return -(p * torch.log(p)).sum(-1).mean()


def batch_mean_entropy_reference(logits):
    p_mean = torch.softmax(logits, 1).mean(0)
    return -(p_mean * torch.log(p_mean)).sum()


# ---- cases --------------------------------------------------------------------------------------------------

def ntxent_case(batch, dim, tau, dtype):
    v1, v2 = randn(batch, dim), randn(batch, dim)
    a, b = leaf(as_dtype(v1, dtype)), leaf(as_dtype(v2, dtype))
    loss = ntxent_reference(a, b, tau)
    g1, g2 = torch.autograd.grad(loss, [a, b])
    return {"name": f"ntxent_B{batch}_D{dim}_tau{tau}_{dtype}", "dtype": dtype, "shape": [batch, dim],
            "temperature": tau, "view1": flat(v1), "view2": flat(v2), "loss": output(loss.item(), dtype),
            "grad_view1": output(g1, dtype), "grad_view2": output(g2, dtype)}


def scan_case(batch, classes, entropy_weight, dtype, scale=2.0):
    an, nb = randn(batch, classes, scale=scale), randn(batch, classes, scale=scale)
    a, n = leaf(as_dtype(an, dtype)), leaf(as_dtype(nb, dtype))
    total, consistency, entropy = scan_reference(a, n, entropy_weight)
    # The C# side computes in log space; both forms must agree on these moderate logits.
    log_inner = torch.logsumexp(torch.log_softmax(a, 1) + torch.log_softmax(n, 1), 1)
    assert torch.allclose(consistency, -log_inner.mean(), rtol=0, atol=1e-12)
    ga, gn = torch.autograd.grad(total, [a, n])
    return {"name": f"scan_B{batch}_C{classes}_lambda{entropy_weight}_{dtype}", "dtype": dtype,
            "shape": [batch, classes], "entropy_weight": entropy_weight, "anchor": flat(an), "neighbor": flat(nb),
            "total": output(total.item(), dtype), "consistency": output(consistency.item(), dtype),
            "entropy": output(entropy.item(), dtype), "grad_anchor": output(ga, dtype), "grad_neighbor": output(gn, dtype)}


def confidence_case(batch, classes, threshold, class_balance, dtype, confident_share):
    # Rows picked as confident get a boost on one random class large enough to pass 0.99 for C up to 100
    # (softmax margin log(0.99 / 0.01 * (C - 1)) < 9.2); the others stay near uniform.
    weak = randn(batch, classes)
    chosen = torch.rand(batch, generator=generator, dtype=torch.float64) < confident_share
    boost_class = torch.randint(0, classes, (batch,), generator=generator)
    weak[chosen, boost_class[chosen]] += 14.0
    strong = randn(batch, classes, scale=2.0)
    w, s = as_dtype(weak, dtype), leaf(as_dtype(strong, dtype))
    loss, mask, target = confidence_reference(w, s, threshold, class_balance)
    (gs,) = torch.autograd.grad(loss, [s])
    count = int(mask.sum().item())
    kind = "hit" if count > 0 else "miss"
    return {"name": f"confidence_B{batch}_C{classes}_t{threshold}_{'balanced' if class_balance else 'plain'}_{kind}_{dtype}",
            "dtype": dtype, "shape": [batch, classes], "threshold": threshold, "class_balance": class_balance,
            "weak": flat(weak), "strong": flat(strong), "loss": output(loss.item(), dtype), "confident_count": count,
            "confident_mask": [bool(m) for m in mask.tolist()], "pseudo_labels": [int(t) for t in target.tolist()],
            "grad_strong": output(gs, dtype)}


def entropy_case(shape, input_is_logits, dtype):
    if input_is_logits:
        x = randn(*shape, scale=2.0)
    else:
        # Probabilities rounded to 4 decimals: no longer summing to exactly 1, which the formula does not need.
        x = torch.round(torch.softmax(randn(*shape), -1) * 10 ** DECIMALS) / 10 ** DECIMALS
        assert (x > 0).all()
    v = leaf(as_dtype(x, dtype))
    value = entropy_reference(v, input_is_logits)
    (g,) = torch.autograd.grad(value, [v])
    dims = "x".join(str(d) for d in shape)
    return {"name": f"entropy_{dims}_{'logits' if input_is_logits else 'probabilities'}_{dtype}", "dtype": dtype,
            "shape": list(shape), "input_is_logits": input_is_logits, "input": flat(x), "value": output(value.item(), dtype),
            "grad": output(g, dtype)}


def batch_mean_entropy_case(batch, classes, dtype):
    x = randn(batch, classes, scale=2.0)
    v = leaf(as_dtype(x, dtype))
    value = batch_mean_entropy_reference(v)
    (g,) = torch.autograd.grad(value, [v])
    return {"name": f"batch_mean_entropy_B{batch}_C{classes}_{dtype}", "dtype": dtype, "shape": [batch, classes],
            "input": flat(x), "value": output(value.item(), dtype), "grad": output(g, dtype)}


def build():
    return {
        "generator": "make_loss_fixture.py",
        "seed": SEED,
        "torch": torch.__version__,
        "ntxent": [
            ntxent_case(2, 16, 0.1, "float64"),
            ntxent_case(2, 128, 0.5, "float32"),
            ntxent_case(7, 16, 0.5, "float64"),
            ntxent_case(7, 128, 0.1, "float32"),
            ntxent_case(128, 16, 0.1, "float64"),
        ],
        "scan": [
            scan_case(1, 10, 5.0, "float64"),
            scan_case(2, 2, 0.0, "float32"),
            scan_case(2, 100, 2.0, "float64"),
            scan_case(7, 10, 5.0, "float32"),
            scan_case(7, 10, 2.0, "float64"),
            scan_case(7, 100, 0.0, "float64"),
            scan_case(128, 10, 2.0, "float64"),
            scan_case(128, 2, 5.0, "float32"),
        ],
        "confidence": [
            confidence_case(1, 10, 0.99, True, "float64", confident_share=1.0),
            confidence_case(2, 2, 0.99, True, "float32", confident_share=0.0),
            confidence_case(7, 10, 0.99, True, "float32", confident_share=0.6),
            confidence_case(7, 100, 0.99, False, "float64", confident_share=0.6),
            confidence_case(7, 10, 0.99, True, "float64", confident_share=0.0),
            confidence_case(128, 10, 0.99, True, "float64", confident_share=0.5),
            confidence_case(128, 10, 0.99, False, "float32", confident_share=0.5),
            confidence_case(128, 2, 0.9, True, "float32", confident_share=0.3),
        ],
        "entropy": [
            entropy_case((10,), False, "float64"),
            entropy_case((7, 10), False, "float32"),
            entropy_case((2,), True, "float64"),
            entropy_case((7, 100), True, "float64"),
            entropy_case((16, 10), True, "float32"),
        ],
        "batch_mean_entropy": [
            batch_mean_entropy_case(1, 10, "float64"),
            batch_mean_entropy_case(7, 2, "float32"),
            batch_mean_entropy_case(128, 10, "float32"),
            batch_mean_entropy_case(4, 100, "float64"),
        ],
    }


def dump(fixture):
    """One case per line: stable bytes, readable diffs."""
    lines = ["{"]
    keys = list(fixture)
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        value = fixture[key]
        if isinstance(value, list):
            lines.append(f"{json.dumps(key)}: [")
            for j, case in enumerate(value):
                lines.append(json.dumps(case, separators=(",", ":"), allow_nan=False) + ("," if j < len(value) - 1 else ""))
            lines.append("]" + comma)
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    torch.set_num_threads(1)  # reductions in a fixed order
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses.json")
    text = dump(build())
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {path}: {len(text)} bytes")
