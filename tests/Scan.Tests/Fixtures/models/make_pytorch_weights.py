#!/usr/bin/env python3
"""Writes the fixtures of PyTorchWeightsTests: weights saved by PyTorch that Scan.NET must load and reproduce.

The model is ResNetBackbone.Small(1) rebuilt from torchvision's BasicBlock: CIFAR stem (3x3 stride-1 conv1, no
max-pool), one block per stage, widths 16/32/64/128, global average pooling, 128 features.

  small_resnet_torchvision.pt  torch.save(model.state_dict()) of that ResNet with a 10-way fc classifier, named as
                               torchvision names it (conv1, bn1, layer1.0.conv1, ..., fc.weight, fc.bias).
  small_resnet_scan_model.pt   the same backbone saved as the SCAN authors save their clustering model
                               (scan.py: torch.save({'model': model.state_dict(), 'head': best_loss_head}, ...)):
                               keys backbone.* and cluster_head.0.* of a 10-cluster head, head = 0.
  small_resnet_expected.json   the input and, in eval mode, the backbone features (2, 128) and the cluster head's
                               logits (2, 10) PyTorch computes from it.

BatchNorm affine parameters and running statistics are set to seeded random values (not 1/0) so that a loader
that drops a buffer changes the features. Fixed seed and one thread, so rerunning rewrites identical bytes.

Run: /usr/bin/python3 tests/Scan.Tests/Fixtures/models/make_pytorch_weights.py   (Debian python3-torch, -torchvision)
"""
import copy
import json
import os

import torch
from torchvision.models.resnet import BasicBlock

torch.set_num_threads(1)
torch.manual_seed(20200512)  # SCAN's arXiv date; any fixed seed works

IN_CHANNELS, WIDTH, CLUSTERS, BATCH, SIZE = 1, 16, 10, 2, 28


class SmallResNet(torch.nn.Module):
    """ResNetBackbone.Small(IN_CHANNELS, WIDTH) plus torchvision's fc classifier (which Scan.NET skips)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(IN_CHANNELS, WIDTH, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(WIDTH)
        inplanes = WIDTH
        for i, planes in enumerate([WIDTH, 2 * WIDTH, 4 * WIDTH, 8 * WIDTH]):
            stride = 1 if i == 0 else 2
            downsample = None
            if stride != 1 or inplanes != planes:
                downsample = torch.nn.Sequential(
                    torch.nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False),
                    torch.nn.BatchNorm2d(planes))
            setattr(self, f"layer{i + 1}", torch.nn.Sequential(BasicBlock(inplanes, planes, stride, downsample)))
            inplanes = planes
        self.fc = torch.nn.Linear(8 * WIDTH, 10)

    def features(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))

    def forward(self, x):
        return self.fc(self.features(x))


def deterministic_input():
    # Shape (2, 1, 28, 28), values in [-0.5, 0.5); PyTorchWeightsTests builds the same tensor.
    n = BATCH * IN_CHANNELS * SIZE * SIZE
    return ((torch.arange(n) % 97).float() / 97.0 - 0.5).reshape(BATCH, IN_CHANNELS, SIZE, SIZE)


def as_list(t):
    return [[float(v) for v in row] for row in t.tolist()]


model = SmallResNet()
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(100)
head = torch.nn.Linear(8 * WIDTH, CLUSTERS)
model.eval()
head.eval()

x = deterministic_input()
with torch.no_grad():
    features = model.features(x)
    logits = head(features)

here = os.path.dirname(os.path.abspath(__file__))
torch.save(model.state_dict(), os.path.join(here, "small_resnet_torchvision.pt"))

# The SCAN authors' ClusteringModel: a backbone without classifier and a ModuleList of heads.
scan_model = torch.nn.Module()
scan_model.backbone = copy.deepcopy(model)
del scan_model.backbone.fc
scan_model.cluster_head = torch.nn.ModuleList([head])
torch.save({"model": scan_model.state_dict(), "head": 0}, os.path.join(here, "small_resnet_scan_model.pt"))

with open(os.path.join(here, "small_resnet_expected.json"), "w", encoding="utf-8", newline="\n") as f:
    json.dump({"source": "make_pytorch_weights.py",
               "torch": torch.__version__.split("+")[0],
               "input": "((arange(2*1*28*28) % 97).float() / 97 - 0.5).reshape(2, 1, 28, 28)",
               "features": as_list(features),
               "logits": as_list(logits)}, f, indent=1)
    f.write("\n")
