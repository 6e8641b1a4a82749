#!/usr/bin/python3
"""Reference outputs of torchvision's tensor image functions, for the photometric ops of Scan.Augment.

Run with Debian's python3-torch / python3-torchvision (torch 1.13, torchvision 0.14):

    /usr/bin/python3 tests/Scan.Augment.Tests/Fixtures/make_augment_fixture.py

It rewrites augment_fixture.json next to this script, byte for byte the same on every run: the inputs are fixed
8-bit images from a seeded generator (plus hand-made edge cases), every output is a float32 value written with
Python's shortest round-trip repr, and the JSON layout is fixed (one case per line).

Each case applies one torchvision function to each image of an input batch with that image's own parameter; the
.NET tests apply the batched kernel with the same per-image parameters and compare. 8-bit functions (posterize,
equalize) go through torchvision's convert_image_dtype to uint8 and back, which is how Scan.Augment defines them on
float images.
"""
import json
import os

import torch
import torchvision
import torchvision.transforms.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "augment_fixture.json")


def make_inputs():
    g = torch.Generator().manual_seed(20200512)  # arbitrary fixed seed
    rgb = torch.randint(0, 256, (4, 3, 6, 5), generator=g, dtype=torch.uint8)
    rgb[2] = torch.tensor([100, 150, 200], dtype=torch.uint8).view(3, 1, 1)  # constant colour: degenerate cases
    grey_levels = torch.randint(0, 256, (6, 5), generator=g, dtype=torch.uint8)
    rgb[3] = grey_levels.unsqueeze(0).expand(3, 6, 5)  # r = g = b: hue undefined
    # Saturated primaries, black and white, and a tie between two channels, in the grey image's first row.
    rgb[3, :, 0, 0] = torch.tensor([255, 0, 0])
    rgb[3, :, 0, 1] = torch.tensor([0, 255, 0])
    rgb[3, :, 0, 2] = torch.tensor([0, 0, 255])
    rgb[3, :, 0, 3] = torch.tensor([255, 255, 0])
    rgb[3, :, 0, 4] = torch.tensor([0, 0, 0])
    rgb[3, :, 1, 0] = torch.tensor([255, 255, 255])
    gray = torch.randint(0, 256, (3, 1, 5, 7), generator=g, dtype=torch.uint8)
    gray[1] = torch.randint(10, 41, (1, 5, 7), generator=g, dtype=torch.uint8)  # narrow range: autocontrast/equalize
    gray[2] = 77  # constant
    return {"rgb": rgb, "gray": gray}


def to_float(images):
    return images.to(torch.float32) / 255.0


def via_uint8(fn):
    def apply(img, *args):
        byte = F.convert_image_dtype(img, torch.uint8)
        return F.convert_image_dtype(fn(byte, *args), torch.float32)
    return apply


PER_IMAGE = {
    "grayscale": lambda img: F.rgb_to_grayscale(img, num_output_channels=img.shape[0]),
    "brightness": F.adjust_brightness,
    "contrast": F.adjust_contrast,
    "saturation": F.adjust_saturation,
    "hue": F.adjust_hue,
    "sharpness": F.adjust_sharpness,
    "solarize": F.solarize,
    "posterize": via_uint8(F.posterize),
    "autocontrast": F.autocontrast,
    "equalize": via_uint8(F.equalize),
}

CASES = [
    ("grayscale", "rgb", None),
    ("brightness", "rgb", [0.0, 0.6, 1.4, 1.0]),
    ("brightness", "gray", [0.3, 1.2, 0.9]),
    ("contrast", "rgb", [0.05, 0.6, 1.4, 0.95]),
    ("contrast", "gray", [0.2, 1.5, 0.7]),
    ("saturation", "rgb", [0.0, 0.6, 1.4, 0.95]),
    ("saturation", "gray", [0.5, 1.5, 0.0]),
    ("hue", "rgb", [-0.5, -0.1, 0.25, 0.5]),
    ("hue", "rgb", [0.1, 0.0, -0.3, 0.05]),
    ("hue", "gray", [0.2, -0.4, 0.5]),
    ("sharpness", "rgb", [0.05, 0.5, 1.0, 1.8]),
    ("sharpness", "gray", [0.0, 2.0, 0.95]),
    ("solarize", "rgb", [0.0, 0.5, 0.75, 1.0]),
    ("solarize", "gray", [0.3, 0.05, 0.9]),
    ("posterize", "rgb", [1, 4, 6, 8]),
    ("posterize", "gray", [2, 5, 7]),
    ("autocontrast", "rgb", None),
    ("autocontrast", "gray", None),
    ("equalize", "rgb", None),
    ("equalize", "gray", None),
]

NORMALIZE = [
    ("rgb", [0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]),
    ("gray", [0.2860], [0.3530]),
]

# Whole-image resized crops: bilinear resize with align_corners=False, no antialiasing (torchvision's tensor default).
RESIZE = [("rgb", 9, 11), ("gray", 3, 4), ("gray", 8, 7)]


def floats(t):
    return [float(v) for v in t.to(torch.float32).flatten().tolist()]


def main():
    torch.set_num_threads(1)
    inputs = make_inputs()
    images = {k: to_float(v) for k, v in inputs.items()}
    cases = []
    for op, name, params in CASES:
        fn = PER_IMAGE[op]
        batch = images[name]
        if params is None:
            out = torch.stack([fn(img) for img in batch])
        else:
            out = torch.stack([fn(img, p) for img, p in zip(batch, params)])
        cases.append({"op": op, "input": name, "params": params, "shape": list(out.shape), "output": floats(out)})
    for name, mean, std in NORMALIZE:
        out = F.normalize(images[name], mean, std)
        cases.append({"op": "normalize", "input": name, "params": mean + std, "shape": list(out.shape), "output": floats(out)})
    for name, height, width in RESIZE:
        out = F.resize(images[name], [height, width], interpolation=F.InterpolationMode.BILINEAR, antialias=False)
        cases.append({"op": "resize", "input": name, "params": [height, width], "shape": list(out.shape), "output": floats(out)})

    header = {
        "generator": "tests/Scan.Augment.Tests/Fixtures/make_augment_fixture.py",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "inputs": {k: {"shape": list(v.shape), "bytes": v.flatten().tolist()} for k, v in inputs.items()},
    }
    lines = ["{"]
    for key, value in header.items():
        lines.append(json.dumps(key) + ": " + json.dumps(value, separators=(",", ":")) + ",")
    lines.append('"cases": [')
    lines.append(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    lines.append("]")
    lines.append("}")
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
