"""Pictures of a descent's loss curve: the output's value at step 0, 1, …, n (or at
the steps a long descent kept) as an SVG document or a PNG image, with numpy and the
standard library only.

The layout (`frame`) is computed once and drawn twice: as SVG text by `svg`, as
pixels by `png` (through raster.py). `save` picks one by the file's suffix; it is
what the CLI calls for `--plot FILE`.

Values may be constant, negative, a single one, a million, or span hundreds of
decades; they must be finite (a descent that diverged has already failed with
exit code 1 before there is anything to draw). The y axis is logarithmic when
asked, or by itself when every value is positive and they span more than three
decades — a loss falling from 10 to 1e-6 is a flat line on a linear scale.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ..core import fmt
from ..core.errors import MathError, UsageError
from . import raster

DECADES = 3.0  # a positive series spanning more than this many decades gets a log axis
MAX_FLOAT = float(np.finfo(float).max)


def as_values(values) -> np.ndarray:
    """The values as a 1-D float array; an error a user can read if there is nothing
    to draw or a value is not finite."""
    try:
        v = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as e:
        raise UsageError(f"cannot plot these values: {e}") from None
    if v.size == 0:
        raise UsageError("there is no value to plot")
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise MathError(f"cannot plot a value that is not finite: {fmt.number(v[bad[0]])} "
                        f"at step {bad[0]}")
    return v


def as_steps(steps, n: int) -> np.ndarray:
    """The step number of each of n values, as whole numbers: 0, 1, …, n − 1 if not
    given; else they must be n increasing whole numbers (a long descent keeps only
    some of its steps, evenly spread)."""
    if steps is None:
        return np.arange(n)
    try:
        at = np.asarray(steps, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError) as e:
        raise UsageError(f"cannot plot at these steps: {e}") from None
    if len(at) != n or np.any(np.diff(at) <= 0):
        raise UsageError(f"the steps must be {n} increasing whole numbers, one per value")
    return at


def use_log(values: np.ndarray, log: bool | None = None) -> bool:
    """Whether the y axis is logarithmic: as asked, or (log=None) when every value is
    positive and the largest is more than 10**DECADES times the smallest."""
    positive = bool(np.all(values > 0))
    if log is None:
        return positive and math.log10(values.max()) - math.log10(values.min()) > DECADES
    if log and not positive:
        raise UsageError(f"a log scale needs values above 0; the smallest is "
                         f"{fmt.number(values.min())}")
    return bool(log)


# ---------------------------------------------------------------------------
# axes

@dataclass(frozen=True)
class Axis:
    """An axis from lo to hi, in its own coordinate: the value on a linear axis, its
    log10 on a log axis. Ticks are values (never log10s), labelled by fmt.number."""

    lo: float
    hi: float
    log: bool
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    def frac(self, v) -> np.ndarray:
        """Where values sit along the axis: 0 at lo, 1 at hi."""
        v = np.asarray(v, dtype=float)
        if self.log:
            return (np.log10(v) - self.lo) / (self.hi - self.lo)
        # Halves first: hi - lo overflows for values near ±1.8e308, their halves never do.
        return (v / 2 - self.lo / 2) / (self.hi / 2 - self.lo / 2)


def nice_ticks(lo: float, hi: float, target: int = 5, whole: bool = False) -> list[float]:
    """About `target` round values (1, 2 or 5 times a power of ten apart) in [lo, hi];
    whole=True keeps them whole numbers (steps of a descent)."""
    raw = (hi / 2 - lo / 2) / (max(target, 1) / 2)  # (hi - lo) / target without overflow
    if not raw > 0:
        return [lo] if lo == hi else []
    e = math.floor(math.log10(raw))
    m = next(m for m in (1, 2, 5, 10) if m * 10.0**e >= raw)
    if m == 10:
        m, e = 1, e + 1
    if whole and e < 0:
        m, e = 1, 0
    step = m * 10.0**e
    # A hair of slack keeps a tick that sits on an end: 0.9 / 0.05 is 18.000000000000004.
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    # A tick is parsed from its decimal text, so 0.3 is 0.3 and not 0.30000000000000004.
    return [float(f"{k * m}e{e}") for k in range(first, last + 1)]


def log_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round values for a log axis from 10**lo to 10**hi: powers of ten (every second,
    fifth, tenth… decade when there are many), or 1-2-5 when that gives too few, or
    ordinary round values when the axis spans less than a decade."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first + 1 >= 2:
        stride = 1
        while (last - first) // stride + 1 > target + 1:
            stride = _next_stride(stride)
        return [float(f"1e{k}") for k in range(first, last + 1) if k % stride == 0]
    # Compared in log10: 10**hi overflows near the largest float, 1e-324 is 0.
    ticks = [t for k in range(first - 1, last + 1) for m in (1, 2, 5)
             if 0 < (t := float(f"{m}e{k}")) < math.inf and lo <= math.log10(t) <= hi]
    if len(ticks) >= 2:
        return ticks
    return [t for t in nice_ticks(_pow10(lo), _pow10(hi), target)
            if t > 0 and lo <= math.log10(t) <= hi]


def _pow10(x: float) -> float:
    """10**x, kept within the floats: 10**308.5 raises OverflowError."""
    try:
        return 10.0**x
    except OverflowError:
        return MAX_FLOAT


def _next_stride(stride: int) -> int:
    """1, 2, 5, 10, 20, 50, …: strides between labelled decades."""
    power = 10 ** (len(str(stride)) - 1)
    lead = stride // power
    return {1: 2, 2: 5, 5: 10}[lead] * power


def tick_labels(ticks) -> tuple[str, ...]:
    """fmt.number for each tick, with as many digits as it takes to tell them apart
    (fmt's usual 4 decimals write 0.50002 and 0.50004 both as 0.5)."""
    labels: list[str] = []
    for digits in range(fmt.DIGITS, 18):
        labels = [fmt.number(t, digits) for t in ticks]
        if len(set(labels)) == len(labels):
            break
    return tuple(labels)


def y_axis(values: np.ndarray, log: bool, target: int = 5, pad: float = 0.05) -> Axis:
    """The value axis: from the smallest to the largest value, widened by `pad` of the
    span at each end; a constant (or nearly constant) series is centred in ±10 %."""
    if log:
        lo, hi = math.log10(values.min()), math.log10(values.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        span = hi - lo
        lo, hi = lo - pad * span, hi + pad * span
        ticks = log_ticks(lo, hi, target)
        return Axis(lo, hi, True, tuple(ticks), tick_labels(ticks))
    lo, hi = float(values.min()), float(values.max())
    size = max(abs(lo), abs(hi))
    if hi / 2 - lo / 2 <= max(5e-13 * size, 1e-300):
        # Flat within rounding: a span of 1e-15 would give ticks that print alike, and
        # one of subnormal numbers no step at all. Such values get ±10 % or ±1 around them.
        mid = lo / 2 + hi / 2
        half = abs(mid) / 10 if abs(mid) > 1e-290 else 1.0
        lo, hi = mid - half, mid + half
    else:
        half = hi / 2 - lo / 2
        lo = max(lo - 2 * pad * half, -MAX_FLOAT)
        hi = min(hi + 2 * pad * half, MAX_FLOAT)
    ticks = nice_ticks(lo, hi, target)
    return Axis(lo, hi, False, tuple(ticks), tick_labels(ticks))


def x_axis(n: int, target: int = 5) -> Axis:
    """The step axis, 0 to n − 1; a single value stands in the middle of -1 … 1."""
    lo, hi = (-1.0, 1.0) if n == 1 else (0.0, float(n - 1))
    ticks = [0.0] if n == 1 else nice_ticks(lo, hi, target, whole=True)
    return Axis(lo, hi, False, tuple(ticks), tick_labels(ticks))


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
        keep += [a, b - 1] if low == high else [low, high]  # equal only when flat
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


def svg(values, *, steps=None, title: str = "", xlabel: str = "step",
        ylabel: str = "value", width: int = 640, height: int = 400,
        log: bool | None = None) -> str:
    """The values against their step (0, 1, … or `steps`) as a standalone SVG document."""
    fr = frame(values, steps=steps, width=width, height=height, title=title, log=log,
               char=6.5, line=13.0, title_line=16.0)
    xs, ys = curve_points(values, fr)
    width, height = fr.width, fr.height
    L, T, R, B = fr.left, fr.top, fr.right, fr.bottom  # the plot box's edges
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{fr.width}" height="{fr.height}" '
        f'viewBox="0 0 {fr.width} {fr.height}" font-family="sans-serif" font-size="11">',
        f"<title>{_text(title or 'loss curve')}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
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
    out += [f'<g class="grid" stroke="#e6e6e6" stroke-width="1">{"".join(grid)}</g>',
            f'<g class="axes" stroke="#444" stroke-width="1">{"".join(marks)}'
            f'<polyline points="{L:.2f},{T:.2f} {L:.2f},{B:.2f} {R:.2f},{B:.2f}" '
            f'fill="none"/></g>',
            f'<g class="ticks" fill="#333">{"".join(labels)}</g>']
    points = " ".join(f"{x:.2f},{y:.2f}" for x, y in zip(xs, ys, strict=True))
    out.append(f'<polyline class="curve" fill="none" stroke="#1f77b4" stroke-width="1.5" '
               f'stroke-linejoin="round" points="{points}"/>')
    if len(xs) <= 30:  # few steps: mark each, so one or two values still show
        out += [f'<circle class="point" cx="{x:.2f}" cy="{y:.2f}" r="2.5" fill="#1f77b4"/>'
                for x, y in zip(xs, ys, strict=True)]
    mid_x, mid_y = (L + R) / 2, (T + B) / 2
    out.append(f'<text class="xlabel" x="{mid_x:.2f}" y="{height - 8}" '
               f'text-anchor="middle">{_text(xlabel)}</text>')
    out.append(f'<text class="ylabel" transform="translate(18 {mid_y:.2f}) rotate(-90)" '
               f'text-anchor="middle">{_text(_ylabel(ylabel, fr.y))}</text>')
    if title:
        out.append(f'<text class="title" x="{width / 2:.2f}" y="22" text-anchor="middle" '
                   f'font-size="14" font-weight="bold">{_text(title)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# PNG

WHITE, GRID, AXES, INK = (255, 255, 255), (230, 230, 230), (68, 68, 68), (40, 40, 40)
BLUE = (31, 119, 180)  # the curve: the only blue in the picture, so a test can find it


def png(values, *, steps=None, title: str = "", xlabel: str = "step",
        ylabel: str = "value", width: int = 640, height: int = 400,
        log: bool | None = None) -> bytes:
    """The same picture as `svg`, rasterized and encoded as PNG bytes."""
    fr = frame(values, steps=steps, width=width, height=height, title=title, log=log,
               char=raster.ADVANCE, line=10.0, title_line=14.0)
    xs, ys = curve_points(values, fr)
    width, height = fr.width, fr.height
    img = raster.canvas(width, height, WHITE)
    L, T, R, B = (round(fr.left), round(fr.top), round(fr.right),
                  round(fr.bottom))
    for t in fr.y.ticks:
        y = int(fr.py(t))
        raster.rect(img, L, y, R + 1, y + 1, GRID)
    for t in fr.x.ticks:
        x = int(fr.px(t))
        raster.rect(img, x, T, x + 1, B, GRID)
    raster.stroke(img, xs, ys, BLUE, width=2.0)
    if len(xs) <= 30:
        for x, y in zip(xs, ys, strict=True):
            raster.stroke(img, np.array([x]), np.array([y]), BLUE, width=5.0)
    raster.rect(img, L - 1, T, L, B + 1, AXES)  # the axes over the curve's ends
    raster.rect(img, L - 1, B, R + 1, B + 1, AXES)
    for t, s in zip(fr.y.ticks, fr.y.labels, strict=True):
        y = int(fr.py(t))
        raster.rect(img, L - 6, y, L - 1, y + 1, AXES)
        _write(img, s, L - 9 - raster.text_width(s), y - 3)
    for t, s in zip(fr.x.ticks, fr.x.labels, strict=True):
        x = int(fr.px(t))
        raster.rect(img, x, B, x + 1, B + 6, AXES)
        _write(img, s, x - raster.text_width(s) // 2, B + 9)
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
    return raster.encode_png(img)


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
    from ..tasks.files import write_atomic

    write_atomic(path, data, label="--plot: ", error=UsageError)
    return path
