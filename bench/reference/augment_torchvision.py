#!/usr/bin/python3
"""Reference for the "augment-vs-torchvision" comparison: SCAN's augmentation recipes done the usual PyTorch way,
one PIL image at a time in a single process (what a DataLoader with num_workers=0 does), on Fashion-MNIST.

    /usr/bin/python3 bench/reference/augment_torchvision.py --recipe simclr --channels 3 --batches 20

Per batch of --batch images: each image is turned into a PIL image (as a dataset's __getitem__ does), augmented
twice (SimCLR's two views; for "strong", two strong views as SCAN's anchor/neighbour pair), converted to tensors and
collated into two (batch, C, H, W) tensors. Prints one line "images_per_second=<source images per second>".

Recipes follow the SCAN authors' CIFAR-10 settings (see /work/shared/SCAN-FACTS.md), written here from those facts:
  simclr: RandomResizedCrop(size, scale=(0.2, 1)), RandomHorizontalFlip, RandomApply(ColorJitter(0.4, 0.4, 0.4,
          0.1), p=0.8), RandomGrayscale(0.2), ToTensor, Normalize
  strong: RandomHorizontalFlip, RandomCrop(size, padding=4), 4 ops drawn per image from the fourteen below with
          uniform magnitudes, ToTensor, Normalize, Cutout (one hole, side uniform in 1..size/2, centre uniform)
"""
import argparse
import gzip
import random
import struct
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image, ImageEnhance, ImageOps

FASHION_MNIST_MEAN, FASHION_MNIST_STD = 0.2860, 0.3530


def load_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: IDX image magic 2051 expected, found {magic}")
        return np.frombuffer(f.read(count * rows * cols), dtype=np.uint8).reshape(count, rows, cols)


def signed(v):
    return v if random.random() < 0.5 else -v


# Strong ops: (function(img, magnitude), low, high). Geometric magnitudes get a random sign.
def _shear_x(img, v):
    return img.transform(img.size, Image.AFFINE, (1, signed(v), 0, 0, 1, 0))


def _shear_y(img, v):
    return img.transform(img.size, Image.AFFINE, (1, 0, 0, signed(v), 1, 0))


def _translate_x(img, v):
    return img.transform(img.size, Image.AFFINE, (1, 0, signed(v) * img.size[0], 0, 1, 0))


def _translate_y(img, v):
    return img.transform(img.size, Image.AFFINE, (1, 0, 0, 0, 1, signed(v) * img.size[1]))


STRONG_OPS = [
    (lambda img, v: img, 0, 1),
    (lambda img, v: ImageOps.autocontrast(img), 0, 1),
    (lambda img, v: ImageOps.equalize(img), 0, 1),
    (lambda img, v: img.rotate(signed(v)), 0, 30),
    (lambda img, v: ImageOps.solarize(img, int(v)), 0, 256),
    (lambda img, v: ImageEnhance.Color(img).enhance(v), 0.05, 0.95),
    (lambda img, v: ImageOps.posterize(img, int(v)), 4, 8),
    (lambda img, v: ImageEnhance.Contrast(img).enhance(v), 0.05, 0.95),
    (lambda img, v: ImageEnhance.Brightness(img).enhance(v), 0.05, 0.95),
    (lambda img, v: ImageEnhance.Sharpness(img).enhance(v), 0.05, 0.95),
    (_shear_x, 0, 0.1),
    (_shear_y, 0, 0.1),
    (_translate_x, 0, 0.1),
    (_translate_y, 0, 0.1),
]


class StrongOps:
    def __init__(self, n):
        self.n = n

    def __call__(self, img):
        for fn, low, high in random.choices(STRONG_OPS, k=self.n):
            img = fn(img, random.uniform(low, high))
        return img


class Cutout:
    def __init__(self, max_side):
        self.max_side = max_side

    def __call__(self, tensor):
        _, h, w = tensor.shape
        side = random.randint(1, self.max_side)
        cy, cx = random.randrange(h), random.randrange(w)
        top, left = max(cy - side // 2, 0), max(cx - side // 2, 0)
        tensor[:, top:cy - side // 2 + side, left:cx - side // 2 + side] = 0
        return tensor


def recipe(name, size, channels):
    normalize = T.Normalize([FASHION_MNIST_MEAN] * channels, [FASHION_MNIST_STD] * channels)
    if name == "simclr":
        return T.Compose([
            T.RandomResizedCrop(size, scale=(0.2, 1.0)),
            T.RandomHorizontalFlip(),
            T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
            T.RandomGrayscale(p=0.2),
            T.ToTensor(),
            normalize,
        ])
    if name == "strong":
        return T.Compose([
            T.RandomHorizontalFlip(),
            T.RandomCrop(size, padding=4),
            StrongOps(4),
            T.ToTensor(),
            normalize,
            Cutout(size // 2),
        ])
    raise ValueError(f"unknown recipe {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", choices=["simclr", "strong"], default="simclr")
    parser.add_argument("--channels", type=int, choices=[1, 3], default=3)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    images = load_idx_images(args.data)
    if args.channels == 3:
        images = np.repeat(images[..., None], 3, axis=3)  # grey replicated to RGB, stored as a dataset would
    size = images.shape[1]
    transform = recipe(args.recipe, size, args.channels)

    def run_batch(b):
        start = (b * args.batch) % (len(images) - args.batch)
        first, second = [], []
        for arr in images[start:start + args.batch]:
            img = Image.fromarray(arr)
            first.append(transform(img))
            second.append(transform(img))
        return torch.stack(first), torch.stack(second)

    run_batch(0)  # warm-up
    began = time.perf_counter()
    for b in range(1, args.batches + 1):
        run_batch(b)
    seconds = time.perf_counter() - began
    print(f"images_per_second={args.batches * args.batch / seconds:.1f}")


if __name__ == "__main__":
    main()
