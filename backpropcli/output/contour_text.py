"""The loss surface as a small character picture, for the terminal: each cell a character
of a ramp by the value's band (blank where it is lowest, `@` where highest, on log-spaced
bands where the values span decades), the descents' paths over it, their start and ends.

Plain data: rows of (character, role) cells, the role saying what the cell shows ("" for
the surface, "start", "end:k" or "path:k" for the k-th path), for a view to colour. The
grid was computed once (tasks/surface.py); here it is only sampled at the cells'
centres and the paths are placed on the cells: no program is evaluated.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..tasks.surface import Surface, levels

RAMP = " .:-=+*#"  # lowest to highest band: light, so that the paths stand out
MARKS = "•" + "smaxo"  # the first path's mark; for several, each path's letter (sgd: s)
MIN_WIDTH = 50  # narrower than this, no picture: the bands would not read
HEIGHT = 14  # rows of surface


@dataclass(frozen=True)
class Picture:
    """The picture's rows of cells and its labels: the params' ends on each axis."""

    rows: list[list[tuple[str, str]]]
    x_ends: tuple[str, str]
    y_ends: tuple[str, str]
    names: tuple[str, str]
    log: bool
    marks: tuple[str, ...]  # each path's mark, in the paths' order


def picture(surface: Surface, cols: int, height: int = HEIGHT) -> Picture:
    """The surface sampled on `cols` × `height` cells, with its paths drawn on it."""
    xs, ys, v = surface.xs, surface.ys, surface.values
    cx = np.rint(np.linspace(0, len(xs) - 1, cols)).astype(int)
    cy = np.rint(np.linspace(len(ys) - 1, 0, height)).astype(int)  # row 0 is the top
    cells = v[np.ix_(cy, cx)]
    edges, log = levels(v, len(RAMP) + 1)
    band = np.clip(np.digitize(cells, edges[1:-1]), 0, len(RAMP) - 1)
    rows = [[(" " if not np.isfinite(cells[r, c]) else RAMP[band[r, c]], "")
             for c in range(cols)] for r in range(height)]
    several = len(surface.paths) > 1
    marks = tuple((p.label[:1] if several else MARKS[0]) for p in surface.paths)
    x0, x1, y0, y1 = xs[0], xs[-1], ys[0], ys[-1]

    def cell(x: float, y: float) -> tuple[int, int] | None:
        if not (np.isfinite(x) and np.isfinite(y)):
            return None
        c = round((x - x0) / (x1 - x0) * (cols - 1))
        r = round((y1 - y) / (y1 - y0) * (height - 1))
        return (r, c) if 0 <= r < height and 0 <= c < cols else None

    for k, path in enumerate(surface.paths):
        pts = [cell(x, y) for x, y in path.points]
        for a, b in itertools.pairwise(pts):
            if a is None or b is None:
                continue
            n = max(abs(b[0] - a[0]), abs(b[1] - a[1])) + 1
            for t in np.linspace(0, 1, n):
                r, c = round(a[0] + t * (b[0] - a[0])), round(a[1] + t * (b[1] - a[1]))
                rows[r][c] = (marks[k], f"path:{k}")
        if len(pts) == 1 and pts[0] is not None:
            rows[pts[0][0]][pts[0][1]] = (marks[k], f"path:{k}")
    for k, path in enumerate(surface.paths):  # ends over every path, the start over all
        end = cell(*path.end)
        if end is not None:
            rows[end[0]][end[1]] = ("E", f"end:{k}")
    first = surface.paths[0].points[0] if surface.paths else None
    start = None if first is None else cell(*first)
    if start is not None:
        rows[start[0]][start[1]] = ("S", "start")
    return Picture(rows, (fmt.number(x0), fmt.number(x1)), (fmt.number(y0), fmt.number(y1)),
                   surface.names, log, marks)


def lines(surface: Surface, width: int, height: int = HEIGHT) -> list[list[tuple[str, str]]]:
    """The whole picture within `width` columns, as lines of (text, role) runs: a
    heading, the rows with the y axis's ends on the left, the x axis and its ends, and
    a key; [] when `width` is under MIN_WIDTH."""
    if width < MIN_WIDTH:
        return []
    y_hi, y_lo = fmt.number(surface.ys[-1]), fmt.number(surface.ys[0])
    label = max(len(y_hi), len(y_lo), len(surface.names[1]))
    cols = min(len(surface.xs), width - label - 2)
    pic = picture(surface, cols, height)
    x, y = surface.names
    head = f"{surface.output} over {x} (across) and {y} (up)"
    out: list[list[tuple[str, str]]] = [[(head, "head")]]
    for r, row in enumerate(pic.rows):
        tag = y_hi if r == 0 else y_lo if r == height - 1 else y if r == height // 2 else ""
        line = [(f"{tag:>{label}} ", "axis"), ("┤" if tag else "│", "axis")]
        line += [(ch, role) for ch, role in row]
        out.append(line)
    out.append([(" " * (label + 1) + "└" + "─" * cols, "axis")])
    lo, hi = pic.x_ends
    gap = max(1, cols - len(lo) - len(hi))
    middle = f"{x:^{gap}}" if gap >= len(x) + 2 else " " * gap
    out.append([(" " * (label + 2) + lo + middle + hi, "axis")])
    key: list[tuple[str, str]] = [(" " * (label + 2), ""), ("S", "start"), (" start  ", ""),
                                  ("E", "end:0"), (" end  ", "")]
    for k, path in enumerate(surface.paths):
        key += [(pic.marks[k], f"path:{k}"), (f" {path.label}  ", "")]
    out.append(key)
    scale = "log-spaced bands" if pic.log else "bands"
    out.append([(" " * (label + 2) + f"{surface.output} in {scale}: blank lowest, "
                 f"'{RAMP[1]}' … '{RAMP[-1]}' higher", "axis")])
    return out
