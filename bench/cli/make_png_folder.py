#!/usr/bin/env python3
"""Writes a folder of PNGs from the bundled Fashion-MNIST test split, one sub-folder per class, for timing the `scan`
tool as a user runs it (see bench/results/cli.md). The sub-folder names are only for scoring: `scan cluster` never
trains on them.

  /usr/bin/python3 bench/cli/make_png_folder.py OUT_DIR [PER_CLASS]   (default 200 per class, 2,000 images)

Takes the first PER_CLASS images of each class in file order, writes OUT_DIR/<class>/<index>.png (28x28 grayscale).
Needs Debian's python3-numpy and python3-pil.
"""
import gzip
import os
import sys

import numpy
from PIL import Image

CLASSES = ["t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "data", "fashion-mnist")
out = sys.argv[1]
per_class = int(sys.argv[2]) if len(sys.argv) > 2 else 200

with gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")) as f:
    images = numpy.frombuffer(f.read()[16:], dtype=numpy.uint8).reshape(-1, 28, 28)
with gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")) as f:
    labels = numpy.frombuffer(f.read()[8:], dtype=numpy.uint8)

written = 0
for label, name in enumerate(CLASSES):
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for index in numpy.flatnonzero(labels == label)[:per_class]:
        Image.fromarray(images[index], mode="L").save(os.path.join(out, name, f"{index:05d}.png"))
        written += 1
print(f"wrote {written} PNGs in {len(CLASSES)} class folders under {out}")
