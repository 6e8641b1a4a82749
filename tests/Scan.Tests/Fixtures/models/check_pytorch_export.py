#!/usr/bin/env python3
"""Checks ScanModel.ExportPyTorch: PyTorch loads the exported state dict into a PyTorch model of the same
architecture (strict: every key and shape must match) and reproduces the logits Scan.NET computed.

Run by tests/Scan.Tests/Inference/ScanModelExportTests.cs (CI installs Debian's python3-torch) as

  /usr/bin/python3 check_pytorch_export.py MODEL.pth INPUT.f32 EXPECTED.f32 \
      --channels C --size H W --width W --blocks 1,1,1,1 --stem cifar --clusters K --heads N --head I

INPUT.f32 holds the normalised images (N, C, H, W) and EXPECTED.f32 Scan.NET's logits (N, K) of head I, both raw
little-endian float32. Prints the largest absolute difference and exits 0 when it is at most --tolerance (1e-5).

The model is written from the architecture Scan.NET documents (torchvision's BasicBlock ResNet: conv-BN-ReLU stem,
four stages of width w, 2w, 4w, 8w, global average pooling, linear cluster heads); no code is taken from elsewhere.
"""
import argparse
import sys

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.downsample = None
        if stride != 1 or inputs != outputs:
            self.downsample = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


class Backbone(nn.Module):
    def __init__(self, channels, width, blocks, stem):
        super().__init__()
        if stem == "cifar":
            self.conv1 = nn.Conv2d(channels, width, 3, stride=1, padding=1, bias=False)
            self.maxpool = None
        else:
            self.conv1 = nn.Conv2d(channels, width, 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        inputs = width
        for stage, count in enumerate(blocks):
            outputs = width * 2 ** stage
            stride = 1 if stage == 0 else 2
            layers = [BasicBlock(inputs if i == 0 else outputs, outputs, stride if i == 0 else 1) for i in range(count)]
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layers))
            inputs = outputs

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))


class ClusteringModel(nn.Module):
    def __init__(self, backbone, features, clusters, heads):
        super().__init__()
        self.backbone = backbone
        self.cluster_head = nn.ModuleList([nn.Linear(features, clusters) for _ in range(heads)])

    def forward(self, x, head):
        return self.cluster_head[head](self.backbone(x))


def read_floats(path, shape):
    data = open(path, "rb").read()
    values = torch.frombuffer(bytearray(data), dtype=torch.float32)
    expected = 1
    for d in shape:
        expected *= d
    if values.numel() != expected:
        sys.exit(f"{path}: {values.numel()} floats, expected {expected} for shape {tuple(shape)}")
    return values.reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("input")
    parser.add_argument("expected")
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--size", type=int, nargs=2, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--blocks", required=True)
    parser.add_argument("--stem", choices=["cifar", "imagenet"], required=True)
    parser.add_argument("--clusters", type=int, required=True)
    parser.add_argument("--heads", type=int, required=True)
    parser.add_argument("--head", type=int, required=True)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()

    torch.set_num_threads(1)
    blocks = [int(b) for b in args.blocks.split(",")]
    model = ClusteringModel(Backbone(args.channels, args.width, blocks, args.stem), 8 * args.width, args.clusters, args.heads)
    state = torch.load(args.model, map_location="cpu")
    if not isinstance(state, dict):
        sys.exit(f"{args.model}: torch.load returned {type(state).__name__}, expected a state dict")
    model.load_state_dict(state, strict=True)  # raises, naming missing/unexpected keys or wrong shapes
    model.eval()

    images = read_floats(args.input, [args.batch, args.channels, *args.size])
    expected = read_floats(args.expected, [args.batch, args.clusters])
    with torch.no_grad():
        logits = model(images, args.head)
    difference = (logits - expected).abs().max().item()
    print(f"torch {torch.__version__}: {len(state)} tensors loaded strictly; max |logit difference| = {difference:.3g} "
          f"(tolerance {args.tolerance:g})")
    sys.exit(0 if difference <= args.tolerance else 1)


if __name__ == "__main__":
    main()
