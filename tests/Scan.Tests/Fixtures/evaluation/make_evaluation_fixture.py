#!/usr/bin/python3
"""Writes evaluation.json: reference clustering metrics for Scan.Core.Evaluation's tests.

NMI and ARI come from scikit-learn (normalized_mutual_info_score with its default arithmetic normalisation,
adjusted_rand_score); the one-to-one matched accuracy from scipy's linear_sum_assignment on the contingency table;
the majority mapping, per-class accuracy and confusion matrices from plain numpy. Run with Debian's python3
(python3-sklearn, python3-scipy, python3-numpy):

    /usr/bin/python3 make_evaluation_fixture.py

The output is deterministic (fixed seed, one case per line, sorted keys, shortest round-trip float repr), so running
the script again reproduces the committed file byte for byte.
"""

import json
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

SEED = 20200512  # any fixed value; the date of the SCAN preprint (arXiv 2005.12320)
FORBIDDEN = -1e12  # weight that takes a (cluster, class) pair out of the matching when testing uniqueness


def contingency(labels, clusters, num_classes, num_clusters):
    table = np.zeros((num_classes, num_clusters), dtype=np.int64)
    np.add.at(table, (labels, clusters), 1)
    return table


def hungarian(table):
    """Cluster -> class (-1 unpaired) maximising agreeing samples, and whether that optimum is the only one."""
    weights = table.T.astype(np.float64)  # rows = clusters
    rows, cols = linear_sum_assignment(weights, maximize=True)
    best = weights[rows, cols].sum()
    mapping = np.full(table.shape[1], -1, dtype=np.int64)
    mapping[rows] = cols
    # Any other optimal matching of the same size avoids at least one pair of this one: forbid each pair in turn.
    unique = True
    for r, c in zip(rows, cols):
        forbidden = weights.copy()
        forbidden[r, c] = FORBIDDEN
        r2, c2 = linear_sum_assignment(forbidden, maximize=True)
        if forbidden[r2, c2].sum() >= best:
            unique = False
            break
    return mapping, unique


def majority(table):
    mapping = np.argmax(table, axis=0).astype(np.int64)  # argmax takes the first (lowest class id) on ties
    mapping[table.sum(axis=0) == 0] = -1
    return mapping


def accuracy(table, mapping):
    correct = sum(int(table[c, k]) for k, c in enumerate(mapping) if c >= 0)
    return correct / int(table.sum())


def matched_confusion(table, mapping):
    num_classes = table.shape[0]
    matched = np.zeros((num_classes, num_classes), dtype=np.int64)
    for k, c in enumerate(mapping):
        if c >= 0:
            matched[:, c] += table[:, k]
    return matched


def expected(labels, clusters, num_classes, num_clusters):
    C = num_classes if num_classes is not None else int(labels.max()) + 1
    K = num_clusters if num_clusters is not None else int(clusters.max()) + 1
    table = contingency(labels, clusters, C, K)
    hung, unique = hungarian(table)
    maj = majority(table)
    method = "Majority" if K > C else "Hungarian"
    mapping = maj if K > C else hung
    matched = matched_confusion(table, mapping)
    sizes = table.sum(axis=1)
    per_class = [None if sizes[c] == 0 else int(matched[c, c]) / int(sizes[c]) for c in range(C)]
    return {
        "class_count": C,
        "cluster_count": K,
        "nmi": float(normalized_mutual_info_score(labels, clusters)),
        "ari": float(adjusted_rand_score(labels, clusters)),
        "hungarian_accuracy": accuracy(table, hung),
        "hungarian_unique": unique,
        "hungarian_cluster_to_class": hung.tolist(),
        "majority_accuracy": accuracy(table, maj),
        "majority_cluster_to_class": maj.tolist(),
        "mapping_method": method,
        "accuracy": accuracy(table, mapping),
        "per_class_accuracy": per_class,
        "confusion_matrix": table.tolist(),
        "matched_confusion_matrix": matched.tolist(),
    }


def noisy_clustering(rng, n, num_classes, num_clusters, noise):
    """Labels uniform over the classes; each class has home cluster(s), a sample leaves home with probability noise."""
    labels = rng.integers(0, num_classes, n)
    perm = rng.permutation(num_clusters)
    if num_clusters >= num_classes:
        homes = [[k for k in range(num_clusters) if perm[k] % num_classes == c] for c in range(num_classes)]
    else:
        homes = [[int(perm[c % num_clusters])] for c in range(num_classes)]
    clusters = np.array([rng.choice(homes[c]) for c in labels], dtype=np.int64)
    leave = rng.random(n) < noise
    clusters[leave] = rng.integers(0, num_clusters, int(leave.sum()))
    return labels.astype(np.int64), clusters


FORMULA = "label = i % 10; cluster = i % 10 if (i * 7919) % 100 < 70 else (i * 31) % 12; i = 0 .. n - 1"


def formula_clustering(n):
    """Large case the test rebuilds from FORMULA (too big to store); its pair counts overflow 64-bit products."""
    i = np.arange(n, dtype=np.int64)
    labels = i % 10
    clusters = np.where((i * 7919) % 100 < 70, i % 10, (i * 31) % 12)
    return labels, clusters


def main():
    rng = np.random.default_rng(SEED)
    cases = []

    def add(name, labels, clusters, num_classes=None, num_clusters=None, formula=None):
        labels = np.asarray(labels, dtype=np.int64)
        clusters = np.asarray(clusters, dtype=np.int64)
        case = {"name": name, "n": int(labels.size), "num_classes": num_classes, "num_clusters": num_clusters}
        if formula is not None:
            case["formula"] = formula
        else:
            case["labels"] = labels.tolist()
            case["clusters"] = clusters.tolist()
        case["expected"] = expected(labels, clusters, num_classes, num_clusters)
        cases.append(case)

    labels = rng.integers(0, 3, 30)
    add("perfect", labels, labels)
    labels = rng.integers(0, 10, 500)
    add("permuted_perfect", labels, rng.permutation(10)[labels])
    add("all_in_one_cluster", rng.integers(0, 5, 100), np.zeros(100))
    add("single_class_many_clusters", np.zeros(60), rng.integers(0, 4, 60))
    add("single_class_single_cluster", np.zeros(20), np.zeros(20))
    add("one_sample", [3], [2])
    add("pair_ties", [0, 0, 1, 1], [0, 1, 0, 1])
    for n, C, K, noise in [(50, 3, 3, 0.3), (200, 5, 5, 0.5), (1000, 10, 10, 0.4), (300, 6, 4, 0.3),
                           (500, 10, 15, 0.3), (1000, 10, 20, 0.5), (400, 4, 4, 1.0)]:
        add(f"noisy_n{n}_classes{C}_clusters{K}_noise{noise}", *noisy_clustering(rng, n, C, K, noise))
    add("declared_counts", *noisy_clustering(rng, 120, 5, 5, 0.2), num_classes=8, num_clusters=6)
    add("formula_n100000", *formula_clustering(100_000), formula=FORMULA)

    header = {
        "generator": "make_evaluation_fixture.py",
        "seed": SEED,
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
    }
    lines = ['{"header": ' + json.dumps(header, sort_keys=True) + ',', ' "cases": [']
    lines += ['  ' + json.dumps(case, sort_keys=True) + ',' for case in cases]
    lines[-1] = lines[-1][:-1]
    lines += [' ]}']
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "evaluation.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
