#!/usr/bin/python3
"""Reference neighbours for Scan.Tests.Mining.FashionMnistNeighborTests: fashion_mnist_neighbors.json.

Exact top-K cosine neighbours of the first N images of the Fashion-MNIST test split bundled in data/fashion-mnist,
on raw pixels (byte / 255 in float32, as Scan.Core's datasets read them, then float64), computed with NumPy in
float64 with the anchor excluded by index and ties broken by lower index; plus neighbour purity at 5 and K (share
of neighbours with the anchor's label). Rows where two consecutive of the first K + 1 similarities lie within 1e-6
are listed: float32 rounding may legitimately order them differently.

    /usr/bin/python3 tests/Scan.Tests/Fixtures/mining/make_fashion_mnist_neighbors.py
"""
import gzip
import json
import pathlib

import numpy as np

N, K, SHOWN_ROWS, NEAR_TIE = 2000, 20, 12, 1e-6
HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parents[3] / "data" / "fashion-mnist"


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[0:4], "big") == magic, path
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    offset = 4 + 4 * len(dims)
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def main():
    images = read_idx(DATA / "t10k-images-idx3-ubyte.gz", 0x803)[:N]
    labels = read_idx(DATA / "t10k-labels-idx1-ubyte.gz", 0x801)[:N].astype(np.int64)
    x = (images.reshape(N, -1).astype(np.float32) / np.float32(255)).astype(np.float64)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)

    indices = np.empty((N, K), dtype=np.int64)
    near_ties = []
    for a in range(N):
        # lexsort: last key is primary; similarity descending, then index ascending.
        order = np.lexsort((np.arange(N), -sims[a]))
        indices[a] = order[:K]
        if np.any(-np.diff(sims[a, order[:K + 1]]) <= NEAR_TIE):
            near_ties.append(a)
    same = labels[indices] == labels[:, None]

    fixture = {
        "source": "data/fashion-mnist t10k, first %d images, raw pixels" % N,
        "n": N,
        "k": K,
        "purity_at_5": round(float(same[:, :5].mean()), 12),
        "purity_at_k": round(float(same.mean()), 12),
        "near_tie_rows": near_ties,
        "first_rows": {
            "indices": indices[:SHOWN_ROWS].tolist(),
            "similarities": [[round(float(sims[a, j]), 9) for j in indices[a]] for a in range(SHOWN_ROWS)],
        },
    }
    with open(HERE / "fashion_mnist_neighbors.json", "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
