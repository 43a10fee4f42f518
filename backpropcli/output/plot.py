"""Pictures of a descent's loss curve: the output's value at step 0, 1, …, n (or at
the steps a long descent kept) as an SVG document or a PNG image, with numpy and the
standard library only.

The layout (`frame`) is computed once and drawn twice: as SVG text by `svg`, as
pixels by `png` (through raster.py). `save` picks one by the file's suffix; it is
what the CLI calls for `--plot FILE`. The axes, their scale and ticks are axes.py's.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ..core import fmt
from ..core.errors import UsageError
from ..tasks.files import write_atomic
from . import raster
from .axes import Axis, as_steps, as_values, use_log, x_axis, y_axis

# ---------------------------------------------------------------------------
# layout

@dataclass(frozen=True)
class Frame:
    """Where everything goes in a width × height picture: the plot box (left, top,
    right, bottom in pixels, y downwards) and both axes."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    x: Axis
    y: Axis
    steps: np.ndarray  # the step of each value, along the x axis

    @property
    def columns(self) -> int:
        """Pixel columns in the plot box: the downsampling keeps two points for each."""
        return max(1, round(self.right - self.left))

    def px(self, steps) -> np.ndarray:
        return self.left + self.x.frac(steps) * (self.right - self.left)

    def py(self, values) -> np.ndarray:
        return self.bottom - self.y.frac(values) * (self.bottom - self.top)


def frame(values, *, steps=None, width: int = 640, height: int = 400, title: str = "",
          log: bool | None = None, char: float = 6.0, line: float = 12.0,
          title_line: float = 20.0) -> Frame:
    """The layout for these values (at these steps: 0, 1, … if not given); `char` is
    the width of a label's character, `line` the height of a line of labels,
    `title_line` that of the title."""
    v = as_values(values)
    at = as_steps(steps, len(v))
    if not (width >= 160 and height >= 120):
        raise UsageError(f"a plot needs at least 160×120 pixels, not {width}×{height}")
    width, height = int(width), int(height)
    top = 8 + title_line + 6 if title else 8 + line / 2
    bottom = height - (6 + line + 6 + line + 6)  # ticks, their labels, the x label
    y = y_axis(v, use_log(v, log), target=max(3, int((bottom - top) // 50)))
    left = 8 + line + 8 + max(len(s) for s in y.labels) * char + 8
    # The x axis runs from 0 to the last step (kept steps need not be consecutive).
    n = len(v) if steps is None else int(at[-1]) + 1
    last = fmt.number(n - 1)
    right = width - max(12.0, len(last) * char / 2 + 6)
    x = x_axis(n, target=max(2, int((right - left) // (len(last) * char + 40))))
    return Frame(width, height, left, top, right, bottom, x, y, at)


def downsample(values: np.ndarray, columns: int) -> np.ndarray:
    """Indices of the points worth drawing: all of them when there are at most two a
    pixel column; otherwise, in each column, the smallest and the largest value (in
    the order they occur, so a spike of one step survives), and both ends. (Columns
    are counted in points: those a long descent keeps are evenly spread, so a column
    of points is a column of steps, near enough for choosing what to draw.)"""
    n = len(values)
    if n <= 2 * columns:
        return np.arange(n)
    edges = (np.arange(columns + 1) * n) // columns
    keep = [0, n - 1]
    for a, b in itertools.pairwise(edges):
        part = values[a:b]
        low, high = a + int(np.argmin(part)), a + int(np.argmax(part))
        keep += [int(a), int(b) - 1] if low == high else [low, high]  # equal only when flat
    return np.unique(keep)


def curve_points(values, fr: Frame) -> tuple[np.ndarray, np.ndarray]:
    """The polyline to draw in fr, in pixel coordinates."""
    v = as_values(values)
    idx = downsample(v, fr.columns)
    return fr.px(fr.steps[idx].astype(float)), fr.py(v[idx])


def _ylabel(ylabel: str, ax: Axis) -> str:
    return f"{ylabel} (log scale)" if ax.log else ylabel


# ---------------------------------------------------------------------------
# SVG

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(s: str) -> str:
    """User text (a node name, a title) as XML character data: escaped, and without the
    control characters that XML 1.0 cannot hold at all."""
    return escape(_NOT_XML.sub("", str(s)))


MARKED = 30  # up to this many points drawn, each is marked: one or two values still show


def svg(values, *, steps=None, title: str = "", xlabel: str = "step",
        ylabel: str = "value", width: int = 640, height: int = 400,
        log: bool | None = None) -> str:
    """The values against their step (0, 1, … or `steps`) as a standalone SVG document."""
    fr = frame(values, steps=steps, width=width, height=height, title=title, log=log,
               char=6.5, line=13.0, title_line=16.0)
    xs, ys = curve_points(values, fr)
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{fr.width}" height="{fr.height}" '
        f'viewBox="0 0 {fr.width} {fr.height}" font-family="sans-serif" font-size="11">',
        f"<title>{_text(title or 'loss curve')}</title>",
        f'<rect width="{fr.width}" height="{fr.height}" fill="white"/>',
        *_svg_axes(fr),
        *_svg_curve(xs, ys),
        *_svg_labels(fr, title, xlabel, ylabel),
        "</svg>",
    ]) + "\n"


def _svg_axes(fr: Frame) -> list[str]:
    """Three groups: the grid lines at the ticks, the axes with their tick marks, and
    the tick labels."""
    L, T, R, B = fr.left, fr.top, fr.right, fr.bottom  # the plot box's edges
    grid, marks, labels = [], [], []
    for t, s in zip(fr.y.ticks, fr.y.labels, strict=True):
        y = f"{float(fr.py(t)):.2f}"
        grid.append(f'<line x1="{L:.2f}" y1="{y}" x2="{R:.2f}" y2="{y}"/>')
        marks.append(f'<line x1="{L - 5:.2f}" y1="{y}" x2="{L:.2f}" y2="{y}"/>')
        labels.append(f'<text x="{L - 8:.2f}" y="{y}" text-anchor="end" '
                      f'dominant-baseline="middle">{_text(s)}</text>')
    for t, s in zip(fr.x.ticks, fr.x.labels, strict=True):
        x = f"{float(fr.px(t)):.2f}"
        grid.append(f'<line x1="{x}" y1="{T:.2f}" x2="{x}" y2="{B:.2f}"/>')
        marks.append(f'<line x1="{x}" y1="{B:.2f}" x2="{x}" y2="{B + 5:.2f}"/>')
        labels.append(f'<text x="{x}" y="{B + 18:.2f}" text-anchor="middle">{_text(s)}</text>')
    return [f'<g class="grid" stroke="#e6e6e6" stroke-width="1">{"".join(grid)}</g>',
            f'<g class="axes" stroke="#444" stroke-width="1">{"".join(marks)}'
            f'<polyline points="{L:.2f},{T:.2f} {L:.2f},{B:.2f} {R:.2f},{B:.2f}" '
            f'fill="none"/></g>',
            f'<g class="ticks" fill="#333">{"".join(labels)}</g>']


def _svg_curve(xs: np.ndarray, ys: np.ndarray) -> list[str]:
    points = " ".join(f"{x:.2f},{y:.2f}" for x, y in zip(xs, ys, strict=True))
    out = [f'<polyline class="curve" fill="none" stroke="#1f77b4" stroke-width="1.5" '
           f'stroke-linejoin="round" points="{points}"/>']
    if len(xs) <= MARKED:
        out += [f'<circle class="point" cx="{x:.2f}" cy="{y:.2f}" r="2.5" fill="#1f77b4"/>'
                for x, y in zip(xs, ys, strict=True)]
    return out


def _svg_labels(fr: Frame, title: str, xlabel: str, ylabel: str) -> list[str]:
    mid_x, mid_y = (fr.left + fr.right) / 2, (fr.top + fr.bottom) / 2
    out = [f'<text class="xlabel" x="{mid_x:.2f}" y="{fr.height - 8}" '
           f'text-anchor="middle">{_text(xlabel)}</text>',
           f'<text class="ylabel" transform="translate(18 {mid_y:.2f}) rotate(-90)" '
           f'text-anchor="middle">{_text(_ylabel(ylabel, fr.y))}</text>']
    if title:
        out.append(f'<text class="title" x="{fr.width / 2:.2f}" y="22" text-anchor="middle" '
                   f'font-size="14" font-weight="bold">{_text(title)}</text>')
    return out


# ---------------------------------------------------------------------------
# PNG

WHITE, GRID, AXES, INK = (255, 255, 255), (230, 230, 230), (68, 68, 68), (40, 40, 40)
BLUE = (31, 119, 180)  # the curve: the only blue in the picture, so a test can find it


def png(values, *, steps=None, title: str = "", xlabel: str = "step",
        ylabel: str = "value", width: int = 640, height: int = 400,
        log: bool | None = None) -> bytes:
    """The same picture as `svg`, rasterized and encoded as PNG bytes. Painted in
    layers: the grid, the curve, the axes over the curve's ends, then the text."""
    fr = frame(values, steps=steps, width=width, height=height, title=title, log=log,
               char=raster.ADVANCE, line=10.0, title_line=14.0)
    xs, ys = curve_points(values, fr)
    img = raster.canvas(fr.width, fr.height, WHITE)
    _png_grid(img, fr)
    raster.stroke(img, xs, ys, BLUE, width=2.0)
    if len(xs) <= MARKED:
        for x, y in zip(xs, ys, strict=True):
            raster.stroke(img, np.array([x]), np.array([y]), BLUE, width=5.0)
    _png_axes(img, fr)
    _png_labels(img, fr, title, xlabel, ylabel)
    return raster.encode_png(img)


def _box(fr: Frame) -> tuple[int, int, int, int]:
    """The plot box's edges in whole pixels: left, top, right, bottom."""
    return round(fr.left), round(fr.top), round(fr.right), round(fr.bottom)


def _png_grid(img: np.ndarray, fr: Frame) -> None:
    L, T, R, B = _box(fr)
    for t in fr.y.ticks:
        y = int(fr.py(t))
        raster.rect(img, L, y, R + 1, y + 1, GRID)
    for t in fr.x.ticks:
        x = int(fr.px(t))
        raster.rect(img, x, T, x + 1, B, GRID)


def _png_axes(img: np.ndarray, fr: Frame) -> None:
    """The axes, their tick marks and the tick labels."""
    L, T, R, B = _box(fr)
    raster.rect(img, L - 1, T, L, B + 1, AXES)
    raster.rect(img, L - 1, B, R + 1, B + 1, AXES)
    for t, s in zip(fr.y.ticks, fr.y.labels, strict=True):
        y = int(fr.py(t))
        raster.rect(img, L - 6, y, L - 1, y + 1, AXES)
        _write(img, s, L - 9 - raster.text_width(s), y - 3)
    for t, s in zip(fr.x.ticks, fr.x.labels, strict=True):
        x = int(fr.px(t))
        raster.rect(img, x, B, x + 1, B + 6, AXES)
        _write(img, s, x - raster.text_width(s) // 2, B + 9)


def _png_labels(img: np.ndarray, fr: Frame, title: str, xlabel: str, ylabel: str) -> None:
    """The axes' names, each cut to the room it has, and the title (large if it fits)."""
    L, T, R, B = _box(fr)
    width, height = fr.width, fr.height
    below = _fit(xlabel, width - 16)
    _write(img, below, (L + R - raster.text_width(below)) // 2, height - 13)
    side = _fit(_ylabel(ylabel, fr.y), height - 16)
    mask = np.rot90(raster.text_mask(side))  # reads bottom to top, as on paper
    raster.blit(img, mask, 8, (T + B - mask.shape[0]) // 2, INK)
    if title:
        scale = 2 if raster.text_width(title, 2) <= width - 16 else 1
        text = _fit(title, width - 16, scale)
        raster.blit(img, raster.text_mask(text, scale),
                    (width - raster.text_width(text, scale)) // 2, 8, INK)


def _write(img: np.ndarray, text: str, x: int, y: int) -> None:
    raster.blit(img, raster.text_mask(text), x, y, INK)


def _fit(text: str, room: int, scale: int = 1) -> str:
    """The text, cut with '...' to fit `room` pixels."""
    text = str(text)
    if raster.text_width(text, scale) <= room:
        return text
    while text and raster.text_width(text + "...", scale) > room:
        text = text[:-1]
    return text + "..." if text else ""


# ---------------------------------------------------------------------------
# files

def checked(path: str | os.PathLike) -> Path:
    """The path, if its suffix names a picture this module writes (checked before a long
    descent, not after it)."""
    path = Path(path)
    if path.suffix.lower() not in (".svg", ".png"):
        raise UsageError("--plot takes a .svg or .png file", hint=f"not {path.name!r}")
    return path


def save(path: str | os.PathLike, values, **kw) -> Path:
    """Write the picture to path, as SVG or PNG by its suffix; keyword arguments go to
    `svg` or `png` (steps=: the step of each value, where not every step was kept). A
    suffix that is neither, or a file that cannot be written, is a usage error that
    says why."""
    path = checked(path)
    data = svg(values, **kw).encode() if path.suffix.lower() == ".svg" else png(values, **kw)
    write_atomic(path, data, label="--plot: ", error=UsageError)
    return path
