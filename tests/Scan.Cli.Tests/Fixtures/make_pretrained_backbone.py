#!/usr/bin/env python3
"""Writes tiny_backbone.pth, the PyTorch weights `scan cluster --pretrained` loads in PretrainedTests.

The backbone is Scan.NET's small ResNet (--pretrained-architecture small-resnet) for 1-channel images at width 8
(--pretrained-width 8): CIFAR stem (3x3 stride-1 conv1 and bn1, no max-pool), one torchvision BasicBlock per
stage, widths 8/16/32/64, global average pooling, 64 features. It is saved as a training script saves a wrapped
model, torch.save({"epoch": ..., "model": model.state_dict()}), so the keys carry the prefix "module.backbone."
(--pretrained-prefix strips it) and a classifier "module.fc.*" the tool must ignore.

The weights are random (seeded) apart from BatchNorm running statistics set to plausible values: the test checks
the tool loads, mines on and embeds with a PyTorch backbone, not that the features are good. Fixed seed and one
thread, so rerunning rewrites identical tensors.

Run: /usr/bin/python3 tests/Scan.Cli.Tests/Fixtures/make_pretrained_backbone.py   (Debian python3-torch, -torchvision)
"""
import os

import torch
from torchvision.models.resnet import BasicBlock

torch.set_num_threads(1)
torch.manual_seed(17)

IN_CHANNELS, WIDTH = 1, 8


class SmallResNet(torch.nn.Module):
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


class Wrapped(torch.nn.Module):
    """What a training script with DataParallel-style naming saves: module.backbone.* and module.fc.*."""

    def __init__(self):
        super().__init__()
        self.backbone = SmallResNet()
        self.fc = torch.nn.Linear(8 * WIDTH, 10)


model = torch.nn.Module()
model.module = Wrapped()
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(100)

here = os.path.dirname(os.path.abspath(__file__))
torch.save({"epoch": 100, "model": model.state_dict()}, os.path.join(here, "tiny_backbone.pth"))
