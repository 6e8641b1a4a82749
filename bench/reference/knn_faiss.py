#!/usr/bin/python3
"""Reference side of the `knn-vs-faiss` comparison (bench/Scan.Benchmarks/Mining/KnnVsFaissComparison.cs).

Exact top-K inner-product neighbours with faiss `IndexFlatIP` (Debian's python3-faiss on OpenBLAS) over the
L2-normalised float32 features the C# side wrote to a .npy file, so inner product = cosine similarity. Each anchor's
own index is removed from its K + 1 results (by index, not by similarity, as Scan.Core's NeighborMiner does; if the
anchor is not among them, the (K + 1)-th is dropped). Writes indices (N, K) int32 and similarities (N, K) float32 as
.npy and prints one JSON object with the seconds spent in `add` + `search`.

    /usr/bin/python3 bench/reference/knn_faiss.py FEATURES.npy OUT_INDICES.npy OUT_SIMILARITIES.npy [--k 20] [--threads 2]
"""
import argparse
import json
import time

import faiss
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("features")
    parser.add_argument("out_indices")
    parser.add_argument("out_similarities")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    faiss.omp_set_num_threads(args.threads)
    x = np.ascontiguousarray(np.load(args.features), dtype=np.float32)
    n, d = x.shape
    k = args.k

    start = time.perf_counter()
    index = faiss.IndexFlatIP(d)
    index.add(x)
    similarities, indices = index.search(x, k + 1)
    seconds = time.perf_counter() - start

    is_self = indices == np.arange(n)[:, None]
    # Keep every column but the anchor's own; rows without it lose their last column instead.
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(is_self)
    keep[np.arange(n), drop] = False
    np.save(args.out_indices, indices[keep].reshape(n, k).astype(np.int32))
    np.save(args.out_similarities, similarities[keep].reshape(n, k).astype(np.float32))
    print(json.dumps({"n": n, "d": d, "k": k, "threads": args.threads, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
