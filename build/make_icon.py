#!/usr/bin/env python3
"""Writes build/icon.png, the packages' NuGet icon (128x128): nine rounded dots in three colour groups on a dark
tile, the picture of images falling into clusters. Standard library only (zlib + struct), so the bytes are the same
on every machine. Run: /usr/bin/python3 build/make_icon.py
"""
import os
import struct
import zlib

SIZE = 128
BACKGROUND = (28, 36, 52)
COLOURS = [(239, 108, 76), (72, 187, 159), (250, 201, 76)]
# (x, y, group) of each dot: three loose clusters.
DOTS = [(34, 38, 0), (52, 28, 0), (46, 54, 0),
        (86, 40, 1), (100, 58, 1), (80, 62, 1),
        (48, 92, 2), (70, 100, 2), (62, 80, 2)]
RADIUS = 9.5


def pixel(x, y):
    # Rounded tile: transparent outside a 20-pixel corner radius.
    corner = 20
    cx = min(max(x, corner), SIZE - 1 - corner)
    cy = min(max(y, corner), SIZE - 1 - corner)
    if (x - cx) ** 2 + (y - cy) ** 2 > corner ** 2:
        return (0, 0, 0, 0)
    for dx, dy, group in DOTS:
        d = ((x - dx) ** 2 + (y - dy) ** 2) ** 0.5
        if d <= RADIUS:
            return (*COLOURS[group], 255)
    return (*BACKGROUND, 255)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


rows = b"".join(b"\x00" + bytes(v for x in range(SIZE) for v in pixel(x, y)) for y in range(SIZE))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "icon.png")
with open(path, "wb") as f:
    f.write(png)
print(f"wrote {path} ({len(png)} bytes)")
