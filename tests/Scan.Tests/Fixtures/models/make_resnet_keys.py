#!/usr/bin/env python3
"""Writes resnet18_state_dict.json: every state_dict key of torchvision's resnet18 (without the fc classifier)
with its shape, for 1 input channel, so the tests can check that our ResNetBackbone's parameter and buffer names
and shapes match PyTorch's (weights can then cross between the two).

Run: /usr/bin/python3 tests/Scan.Tests/Fixtures/models/make_resnet_keys.py   (Debian python3-torchvision)
"""
import json
import os

import torch
import torchvision

model = torchvision.models.resnet18(weights=None)
model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
entries = [{"key": k, "shape": list(v.shape)} for k, v in model.state_dict().items() if not k.startswith("fc.")]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resnet18_state_dict.json")
with open(out, "w", encoding="utf-8", newline="\n") as f:
    json.dump({"source": "torchvision.models.resnet18, conv1 with 1 input channel, fc removed",
               "torchvision": torchvision.__version__.split("+")[0], "entries": entries}, f, indent=1)
    f.write("\n")
