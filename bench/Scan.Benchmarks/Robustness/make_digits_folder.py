#!/usr/bin/python3
"""Writes scikit-learn's 1,797 handwritten digits (8x8 grayscale, values 0-16) as PNG files, one sub-folder per digit:
the kind of small-image folder a user brings, and the one the "own images" issue was found on.

    /usr/bin/python3 bench/Scan.Benchmarks/Robustness/make_digits_folder.py OUT_DIR

Needs Debian's python3-sklearn and python3-pil (or python3-imageio). Pixels are scaled 0-16 -> 0-255 and saved
losslessly at 8x8; the image order within a class follows sklearn's order, so the folder is the same every time.
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits

try:
    from PIL import Image

    def save(path, pixels):
        Image.fromarray(pixels, mode="L").save(path)
except ImportError:  # pragma: no cover - fallback when Pillow is missing
    import imageio.v2 as imageio

    def save(path, pixels):
        imageio.imwrite(path, pixels)


def main(out_dir: str) -> None:
    digits = load_digits()
    images = np.clip(np.rint(digits.images * 255.0 / 16.0), 0, 255).astype(np.uint8)
    for index, (pixels, label) in enumerate(zip(images, digits.target)):
        folder = os.path.join(out_dir, str(label))
        os.makedirs(folder, exist_ok=True)
        save(os.path.join(folder, f"{index:04d}.png"), pixels)
    print(f"wrote {len(images)} images to {out_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_digits_folder.py OUT_DIR")
    main(sys.argv[1])
