#!/usr/bin/python3
"""Reference for the "simclr-vs-torch" comparison: SimCLR training throughput in PyTorch with the backbone, head,
loss, optimiser and augmentation recipe of Scan.NET's FashionMnistQuick pretext stage, written the usual PyTorch way.

    /usr/bin/python3 bench/reference/simclr_torch.py --images data/fashion-mnist/t10k-images-idx3-ubyte.gz

Model: small ResNet (CIFAR stem: 3x3 conv, no max-pool; one torchvision BasicBlock per stage; widths w, 2w, 4w,
8w; global average pooling), 1 input channel, w = 16; projection head Linear(8w, 8w), ReLU, Linear(8w, 128),
L2-normalised. Loss NT-Xent (temperature 0.1) over one forward pass of both views (2B images). SGD lr 0.4, momentum
0.9, weight decay 1e-4, no Nesterov. Batch 256 source images, 28x28x1, float32, CPU, 2 threads.

Augmentation (SimCLR views, the authors' recipe, see /work/shared/SCAN-FACTS.md): each image of the batch is turned
into a PIL image as a dataset's __getitem__ does and augmented twice with RandomResizedCrop(28, scale=(0.2, 1)),
RandomHorizontalFlip, RandomApply(ColorJitter(0.4, 0.4, 0.4, 0.1), p=0.8), RandomGrayscale(0.2), ToTensor,
Normalize; then collated (what a DataLoader with num_workers=0 does; on 2 cores, workers would take the model's
cores).

Prints one JSON line:
  torch: version; threads;
  train_images_per_second: source images per second of full steps (augmentation + forward + backward + SGD step);
  step_images_per_second: the same without augmentation (the step reuses one pre-augmented pair of views).
Each figure is the median over --rounds rounds of --steps steps after --warmup warm-up steps.
"""
import argparse
import gzip
import json
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image

FASHION_MNIST_MEAN, FASHION_MNIST_STD = 0.2860, 0.3530


def load_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: IDX image magic 2051 expected, found {magic}")
        return np.frombuffer(f.read(count * rows * cols), dtype=np.uint8).reshape(count, rows, cols)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class SmallResNet(nn.Module):
    def __init__(self, in_channels, width):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = BasicBlock(width, width, 1)
        self.layer2 = BasicBlock(width, 2 * width, 2)
        self.layer3 = BasicBlock(2 * width, 4 * width, 2)
        self.layer4 = BasicBlock(4 * width, 8 * width, 2)
        self.feature_dim = 8 * width

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))


class ContrastiveModel(nn.Module):
    def __init__(self, backbone, projection_dim=128):
        super().__init__()
        self.backbone = backbone
        d = backbone.feature_dim
        self.contrastive_head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, projection_dim))

    def forward(self, x):
        return F.normalize(self.contrastive_head(self.backbone(x)), dim=1)


def nt_xent(z1, z2, temperature):
    b = z1.shape[0]
    z = torch.cat([F.normalize(z1, dim=1), F.normalize(z2, dim=1)], 0)
    logits = (z @ z.t()) / temperature
    logits = logits.masked_fill(torch.eye(2 * b, dtype=torch.bool), float("-inf"))
    positives = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])
    return F.cross_entropy(logits, positives)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", required=True, help="Fashion-MNIST IDX images (.gz or raw)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images = load_idx_images(args.images)
    views = T.Compose([
        T.RandomResizedCrop(28, scale=(0.2, 1.0)),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        T.RandomGrayscale(0.2),
        T.ToTensor(),
        T.Normalize([FASHION_MNIST_MEAN], [FASHION_MNIST_STD]),
    ])

    model = ContrastiveModel(SmallResNet(1, args.width))
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4, momentum=0.9, weight_decay=1e-4, nesterov=False)

    def augmented_batch():
        idx = rng.choice(len(images), args.batch, replace=False)
        v1, v2 = [], []
        for i in idx:
            img = Image.fromarray(images[i], mode="L")
            v1.append(views(img))
            v2.append(views(img))
        return torch.stack(v1), torch.stack(v2)

    # Seconds spent in each part of the step, summed over the step-only rounds (the phase table of the C# side).
    phases = {"forward": 0.0, "loss": 0.0, "backward": 0.0, "optimizer": 0.0}
    timing = {"on": False, "steps": 0}

    def step(v1, v2):
        t0 = time.perf_counter()
        z = model(torch.cat([v1, v2], 0))
        z1, z2 = z.chunk(2, 0)
        t1 = time.perf_counter()
        loss = nt_xent(z1, z2, 0.1)
        t2 = time.perf_counter()
        optimizer.zero_grad()
        loss.backward()
        t3 = time.perf_counter()
        optimizer.step()
        value = loss.item()
        t4 = time.perf_counter()
        if timing["on"]:
            for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                phases[name] += seconds
            timing["steps"] += 1
        return value

    def rate(make_views, time_phases=False):
        for _ in range(args.warmup):
            step(*make_views())
        timing["on"] = time_phases
        per_round = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.steps):
                step(*make_views())
            per_round.append(args.steps * args.batch / (time.perf_counter() - start))
        return float(np.median(per_round))

    train = rate(augmented_batch)
    fixed = augmented_batch()
    step_only = rate(lambda: fixed, time_phases=True)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_images_per_second": train,
        "step_images_per_second": step_only,
        "step_phases_ms": {name: 1000 * seconds / timing["steps"] for name, seconds in phases.items()},
    }))


if __name__ == "__main__":
    main()
