#!/usr/bin/python3
"""Writes kmeans.json: k-means reference results from scikit-learn (Debian python3-sklearn).

Run: /usr/bin/python3 make_fixture.py   (from this folder)
Cases: "easy" = 3 well-separated Gaussian blobs in 2-D; "hard" = 6 overlapping blobs in 8-D.
"""
import json
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

cases = []
for name, n, d, k, std in [("easy", 150, 2, 3, 0.5), ("hard", 400, 8, 6, 3.0)]:
    x, y = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std, random_state=7)
    x = x.astype(np.float32)
    km = KMeans(n_clusters=k, n_init=50, max_iter=500, tol=1e-6, random_state=0, algorithm="lloyd")
    km.fit(x.astype(np.float64))
    cases.append({
        "name": name, "n": n, "d": d, "k": k,
        "features": [float(v) for v in x.ravel()],
        "labels": [int(v) for v in km.labels_],
        "inertia": float(km.inertia_),
    })
with open("kmeans.json", "w") as f:
    json.dump({"sklearn_version": __import__("sklearn").__version__, "cases": cases}, f)
