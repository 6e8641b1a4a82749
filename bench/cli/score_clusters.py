#!/usr/bin/env python3
"""Scores a clusters.csv written by `scan cluster` against the images' sub-folder names (the labels the tool never
trained on): accuracy under the best one-to-one matching of clusters to classes (Hungarian), NMI and ARI.

  /usr/bin/python3 bench/cli/score_clusters.py OUT_DIR/clusters.csv

The file column is relative to the clustered folder, so its first path component is the class. Needs Debian's
python3-sklearn (and scipy, which it depends on).
"""
import csv
import sys

import numpy
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
classes = sorted({r["file"].replace("\\", "/").split("/")[0] for r in rows})
truth = numpy.array([classes.index(r["file"].replace("\\", "/").split("/")[0]) for r in rows])
clusters = numpy.array([int(r["cluster"]) for r in rows])

k = max(clusters.max() + 1, len(classes))
counts = numpy.zeros((k, k), dtype=numpy.int64)
numpy.add.at(counts, (clusters, truth), 1)
row, col = linear_sum_assignment(-counts)
accuracy = counts[row, col].sum() / len(rows)
print(f"{len(rows)} images, {len(classes)} classes, {len(set(clusters))} non-empty clusters")
print(f"ACC {accuracy:.3f}  NMI {normalized_mutual_info_score(truth, clusters):.3f}  ARI {adjusted_rand_score(truth, clusters):.3f}")
