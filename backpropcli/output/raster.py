"""Pixels for the PNG loss curve, with numpy and the standard library only: an RGB
canvas, anti-aliased strokes, a 5×7 bitmap font, and a PNG encoder (zlib + struct).

plot.py decides what goes where; this module only knows how to put it on pixels.
Drawing functions paint into a canvas the caller made (an (h, w, 3) uint8 array):
copying a 640×400 image for every line would buy nothing.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

Color = tuple[int, int, int]

# The classic 5×7 LCD font for ASCII 32..126: five column bytes a glyph, bit 0 the top
# row, bit 6 the bottom one. 95 glyphs in 475 bytes keep the module free of files.
_FONT_HEX = """
0000000000 00005f0000 0007000700 147f147f14 242a7f2a12 2313086462 3649552250 0005030000
001c224100 0041221c00 082a1c2a08 08083e0808 0050300000 0808080808 0060600000 2010080402
3e5149453e 00427f4000 4261514946 2141454b31 1814127f10 2745454539 3c4a494930 0171090503
3649494936 064949291e 0036360000 0056360000 0008142241 1414141414 4122140800 0201510906
324979413e 7e1111117e 7f49494936 3e41414122 7f4141221c 7f49494941 7f09090101 3e41415132
7f0808087f 00417f4100 2040413f01 7f08142241 7f40404040 7f0204027f 7f0408107f 3e4141413e
7f09090906 3e4151215e 7f09192946 4649494931 01017f0101 3f4040403f 1f2040201f 7f2018207f
6314081463 0304780403 6151494543 00007f4141 0204081020 41417f0000 0402010204 4040404040
0001020400 2054545478 7f48444438 3844444420 384444487f 3854545418 087e090102 081454543c
7f08040478 00447d4000 2040443d00 007f102844 00417f4000 7c04180478 7c08040478 3844444438
7c14141408 081414187c 7c08040408 4854545420 043f444020 3c4040207c 1c2040201c 3c4030403c
4428102844 0c5050503c 4464544c44 0008364100 00007f0000 0041360800 0402040804
"""
_COLUMNS = np.frombuffer(bytes.fromhex("".join(_FONT_HEX.split())), dtype=np.uint8)
# (95, 7, 5) booleans: glyph, row, column.
_GLYPHS = ((_COLUMNS.reshape(95, 1, 5) >> np.arange(7).reshape(1, 7, 1)) & 1).astype(bool)
GLYPH_W, GLYPH_H = 5, 7
ADVANCE = GLYPH_W + 1  # one blank column between letters


def text_mask(text: str, scale: int = 1) -> np.ndarray:
    """The text as a (7·scale, (6·len − 1)·scale) boolean mask; characters outside
    printable ASCII (∂, ·, é) are drawn as '?' rather than dropped, so a reader sees
    that something stood there."""
    if not text:
        return np.zeros((GLYPH_H * scale, 0), dtype=bool)
    codes = np.array([ord(c) - 32 if 32 <= ord(c) < 127 else ord("?") - 32 for c in text])
    glyphs = _GLYPHS[codes]  # (n, 7, 5)
    spaced = np.concatenate([glyphs, np.zeros((len(text), GLYPH_H, 1), dtype=bool)], axis=2)
    mask = spaced.transpose(1, 0, 2).reshape(GLYPH_H, len(text) * ADVANCE)[:, :-1]
    return mask.repeat(scale, axis=0).repeat(scale, axis=1)


def text_width(text: str, scale: int = 1) -> int:
    return max(0, len(text) * ADVANCE - 1) * scale


def canvas(width: int, height: int, color: Color = (255, 255, 255)) -> np.ndarray:
    out = np.empty((height, width, 3), dtype=np.uint8)
    out[:] = color
    return out


def blit(img: np.ndarray, mask: np.ndarray, x: int, y: int, color: Color) -> None:
    """Paint the True pixels of mask with its top-left corner at (x, y), clipped."""
    h, w = img.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + mask.shape[1], w), min(y + mask.shape[0], h)
    if x0 >= x1 or y0 >= y1:
        return
    part = mask[y0 - y : y1 - y, x0 - x : x1 - x]
    img[y0:y1, x0:x1][part] = color


def rect(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
    """Fill the pixels x0 ≤ x < x1, y0 ≤ y < y1 (clipped): axes, ticks, gridlines."""
    h, w = img.shape[:2]
    img[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)] = color


def stroke(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, color: Color,
           width: float = 2.0) -> None:
    """An anti-aliased polyline through the points (pixel coordinates, pixel centres at
    +0.5); a single point becomes a dot of that width.

    The line is sampled every half pixel and each sample paints the pixels around it
    with coverage clip(r + ½ − distance, 0, 1); a pixel keeps its largest coverage.
    The largest over dense samples is the coverage by the distance to the line itself,
    to within a few hundredths of a pixel, and it needs no per-pixel Python loop.
    """
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    px, py = _samples(xs, ys, spacing=0.5)
    alpha = np.zeros(img.shape[:2], dtype=np.float32)
    for lo in range(0, len(px), 100_000):  # bounded memory for long, jagged curves
        _splat(alpha, px[lo : lo + 100_000], py[lo : lo + 100_000], width / 2)
    a = alpha[..., None]
    img[:] = np.rint(img * (1 - a) + np.asarray(color, dtype=np.float32) * a).astype(np.uint8)


def _samples(xs: np.ndarray, ys: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along the polyline no more than `spacing` apart, ends included."""
    if len(xs) < 2:
        return xs, ys
    dx, dy = np.diff(xs), np.diff(ys)
    k = np.maximum(1, np.ceil(np.hypot(dx, dy) / spacing)).astype(np.int64)
    seg = np.repeat(np.arange(len(k)), k)
    t = (np.arange(int(k.sum())) - (np.cumsum(k) - k)[seg]) / k[seg]
    return (np.append(xs[seg] + t * dx[seg], xs[-1]), np.append(ys[seg] + t * dy[seg], ys[-1]))


def _splat(alpha: np.ndarray, px: np.ndarray, py: np.ndarray, r: float) -> None:
    h, w = alpha.shape
    reach = int(np.ceil(r + 0.5))
    bx, by = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
    for oy in range(-reach, reach + 1):
        for ox in range(-reach, reach + 1):
            ix, iy = bx + ox, by + oy
            cover = np.clip(r + 0.5 - np.hypot(ix + 0.5 - px, iy + 0.5 - py), 0, 1)
            keep = (cover > 0) & (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
            np.maximum.at(alpha, (iy[keep], ix[keep]), cover[keep].astype(np.float32))


def encode_png(img: np.ndarray) -> bytes:
    """An (h, w, 3) uint8 image as PNG bytes: 8-bit RGB, not interlaced.

    Every scanline uses filter 2 ("Up": each byte minus the one above it, mod 256);
    a chart is mostly rows that repeat the row above, which then compress to nothing.
    """
    h, w, _ = img.shape
    rows = np.ascontiguousarray(img, dtype=np.uint8).reshape(h, w * 3)
    up = rows.copy()
    up[1:] -= rows[:-1]  # uint8 arithmetic wraps around, as the filter wants
    raw = np.hstack([np.full((h, 1), 2, dtype=np.uint8), up]).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # depth 8, colour type 2: RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
