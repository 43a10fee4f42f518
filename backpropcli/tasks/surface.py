"""The loss surface of a program with two number params, as data: the output's value on a
grid of the two params around the paths descents took over it.

The grid is worked out by the calculator itself, never by parsing again: when every op
of the program is elementwise and every other value a number, one forward pass of the
engine on the whole grid (x and y as 2-D arrays; each grid point is then an element,
computed by the same numpy functions as a number would be); otherwise (a sum over data,
a matrix product) the compiled program's forward function (core/compiled.py), called
once per grid point. A grid value that is not finite (a log of a negative number, a
division by zero) stays as NaN, for the picture to leave blank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core.compiled import compile_graph
from ..core.engine import forward
from ..core.errors import BackpropError
from ..core.graph import Graph, Value
from ..core.ops import OPS

GRID = 60  # points a side: 3 600 evaluations, a fraction of a second even in a loop
MARGIN = 0.15  # of the paths' span, added each side: the path never runs along an edge


@dataclass(frozen=True)
class Path:
    """Where one descent went: `points`, (steps, 2), the two params at each kept step
    (a long run keeps some steps, evenly spread); `end`, where the run ended (the best
    point for a run that diverged); `label`, its optimizer."""

    label: str
    steps: np.ndarray
    points: np.ndarray
    end: tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """The output's value over a grid of two params: values[i, j] at (xs[j], ys[i]);
    NaN where it is not finite. `paths`, the descents drawn on it."""

    names: tuple[str, str]
    output: str
    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    paths: tuple[Path, ...]

    @property
    def finite(self) -> np.ndarray:
        return self.values[np.isfinite(self.values)]


def scalar_params(params: Sequence[str], inputs: Mapping[str, Value]) -> list[str]:
    """The params that are numbers (a surface has an axis for each; an array has many)."""
    return [p for p in params if np.ndim(inputs[p]) == 0]


def window(paths: Sequence[Path], margin: float = MARGIN
           ) -> tuple[tuple[float, float], tuple[float, float]]:
    """The stretch of each param that holds every path with a margin each side; a param
    that did not move gets ±1 around it (±10 % of a large value)."""
    pts = np.concatenate([np.vstack([p.points, p.end]) for p in paths])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    out = []
    for k in range(2):
        lo, hi = float(pts[:, k].min()), float(pts[:, k].max())
        span = hi - lo
        if span <= 1e-12 * max(1.0, abs(lo), abs(hi)):
            half = max(1.0, abs(lo) / 10)
            out.append((lo - half, hi + half))
        else:
            out.append((lo - margin * span, hi + margin * span))
    return out[0], out[1]


def path_of(run, label: str) -> Path:
    """A descent's path (tasks/descend.Run, run with `follow` set to the two params)."""
    trace = run.path
    if trace is None or len(trace.names) != 2:
        raise ValueError("the run did not follow two params")
    points = trace.points()
    xy = np.array([p.watched for p in points], dtype=float).reshape(-1, 2)
    end = (float(run.inputs[trace.names[0]]), float(run.inputs[trace.names[1]]))
    return Path(label, np.array([p.step for p in points]), xy, end)


def surface(graph: Graph, inputs: Mapping[str, Value], names: tuple[str, str],
            paths: Sequence[Path], n: int = GRID) -> Surface:
    """The output's value on an n × n grid of the params `names` over the window of
    `paths`, every other input at its value in `inputs`."""
    (x0, x1), (y0, y1) = window(paths)
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    values = values_on(graph, inputs, names, xs, ys)
    return Surface(names, graph.nodes[graph.output].name, xs, ys, values, tuple(paths))


def values_on(graph: Graph, inputs: Mapping[str, Value], names: tuple[str, str],
              xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The output (summed, for an array, as a descent sums it) at every (xs[j], ys[i])."""
    X, Y = np.meshgrid(xs, ys)
    out = _at_once(graph, inputs, names, X, Y) if _elementwise(graph, inputs, names) \
        else None
    if out is None:
        out = _one_by_one(graph, inputs, names, X, Y)
    return np.where(np.isfinite(out), out, np.nan)


def _elementwise(graph: Graph, inputs: Mapping[str, Value], names: tuple[str, str]) -> bool:
    """Whether a grid can stand for the two params in one pass: every op elementwise (a
    sum would add the grid up) and every other value a number (else an element of the
    grid would meet a whole array)."""
    for node in graph.nodes:
        if node.computed and not OPS[node.op].elementwise:
            return False
        if node.is_const and np.ndim(np.asarray(node.value)) != 0:
            return False
        if node.is_input and node.name not in names and np.ndim(inputs[node.name]) != 0:
            return False
    return True


def _at_once(graph: Graph, inputs: Mapping[str, Value], names: tuple[str, str],
             X: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """The engine's forward pass with the grid for the two params; None if it fails."""
    try:
        values, _ = forward(graph, {**inputs, names[0]: X, names[1]: Y})
    except BackpropError:
        return None
    out = np.asarray(values[graph.output], dtype=float)
    return out if out.shape == X.shape else None


def _one_by_one(graph: Graph, inputs: Mapping[str, Value], names: tuple[str, str],
                X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The compiled forward pass at each grid point in turn (a program that sums or
    multiplies matrices: its shapes hold for numbers only)."""
    compiled = compile_graph(graph, inputs)
    f = compiled.value
    args = compiled.args(inputs)
    ix, iy = compiled.inputs.index(names[0]), compiled.inputs.index(names[1])
    out = np.empty(X.shape)
    with np.errstate(all="ignore"):
        for idx in np.ndindex(X.shape):
            args[ix], args[iy] = np.float64(X[idx]), np.float64(Y[idx])
            try:
                v = f(*args)
                out[idx] = float(v) if np.ndim(v) == 0 else float(np.sum(v))
            except (ArithmeticError, ValueError):
                out[idx] = math.nan
    return out


def levels(values: np.ndarray, count: int = 16) -> tuple[np.ndarray, bool]:
    """The contour levels of a surface's finite values, and whether they are log-spaced:
    they are when no value is negative and the positive ones span more than 1.5 decades (a bowl
    whose walls are 1000 times its floor would otherwise be one colour but for its walls).
    A flat surface gets one level each side of its value."""
    v = values[np.isfinite(values)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.array([lo - 1.0, lo, lo + 1.0]) if lo == 0 else \
            np.array([lo - abs(lo) / 10, lo, lo + abs(lo) / 10]), False
    if lo >= 0 and hi > 0:  # the floor may be 0 exactly: the levels start above it
        floor = max(float(v[v > 0].min()), hi * 1e-8)
        if math.log10(hi) - math.log10(floor) > 1.5:
            return np.geomspace(floor, hi, count), True
    return np.linspace(lo, hi, count), False
