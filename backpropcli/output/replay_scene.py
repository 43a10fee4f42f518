"""The replay as a picture to draw: the graph laid out (layout.py) in pixels, each node a
box of three lines (what it is, its value, its gradient), each edge a curve from the
operand's right side to the user's left side (a port per operand slot, so a node used
twice by one user gets two curves), and for every frame what changes in the picture.
The web player (replay_html.py) and the animation (replay_anim.py) both draw this scene,
so a frame looks the same in both.

The texts are the calculator's own, as eval writes them (fmt.brief: a short line, an
array as its shape and range); nothing here computes a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..tasks.replay import Replay
from .layout import layout
from .text import d

CHAR = 7.3  # px per character of the 12 px monospace font (0.6 em, and a little room)
LINE = 16  # px between the box's lines
PAD = 8  # px inside the box
BOX_H = 3 * LINE + 2 * PAD - 4
GAP_X, GAP_Y = 72, 26  # px between columns, and between boxes in a column
MARGIN = 20
CUT = 38  # the longest line a box shows (the frame text beside it says it all)


@dataclass(frozen=True)
class Box:
    """A drawn node: its graph index, name, kind (input, data, op, output), first line
    (what it is), and where it is (top-left corner, size)."""

    index: int
    name: str
    kind: str
    head: str
    x: float
    y: float
    w: float
    h: float = BOX_H


@dataclass(frozen=True)
class Link:
    """An edge: boxes `source` → `target` (indices into Scene.boxes), the operand slot,
    its end points and the middle of its curve (where what flows is written)."""

    source: int
    target: int
    slot: int
    start: tuple[float, float]
    end: tuple[float, float]
    middle: tuple[float, float]

    def path(self) -> str:
        """The curve as SVG path data: a cubic Bézier, level at both ends."""
        (sx, sy), (tx, ty) = self.start, self.end
        dx = max(24.0, (tx - sx) / 2)
        return (f"M{sx:.1f},{sy:.1f} C{sx + dx:.1f},{sy:.1f} {tx - dx:.1f},{ty:.1f} "
                f"{tx:.1f},{ty:.1f}")


@dataclass(frozen=True)
class Step:
    """What frame n changes: the box it is about (`box`), the edge it runs along (`link`,
    -1: none), the value that appears (`value`), the box's new gradient line (`grad`),
    what flows along the edge (`flow`); at the end, the gradient line of every input
    (`grads`: box index → text)."""

    box: int
    link: int = -1
    value: str | None = None
    grad: str | None = None
    flow: str | None = None
    grads: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Scene:
    boxes: tuple[Box, ...]
    links: tuple[Link, ...]
    steps: tuple[Step, ...]
    width: float
    height: float
    output: str


_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """User text as a picture or a page may hold it: no control characters (but tab and
    new line), which no font draws, and a lone surrogate (from a file name that was not
    UTF-8) as U+FFFD, which UTF-8 can write."""
    return _UNSAFE.sub(lambda m: "" if m.group() < "\ud800" else "\ufffd", str(text))


def cut(text: str, most: int = CUT) -> str:
    """A line as a box shows it: at most `most` characters, the rest an ellipsis."""
    return text if len(text) <= most else text[:most - 1] + "…"


def scene(rp: Replay) -> Scene:
    """The picture of the replay (see the module's docstring)."""
    ev = rp.evaluation
    graph = ev.graph
    lay = layout(graph)
    out = graph.nodes[graph.output].name
    where = {i: k for k, i in enumerate(lay.nodes)}
    heads = [cut(clean(_head(rp, i))) for i in lay.nodes]
    steps = tuple(_steps(rp, where, {(e.target, e.slot): k for k, e in enumerate(lay.edges)}))
    # each box as wide as the longest line it will ever show
    longest = [len(h) for h in heads]
    for s in steps:
        for k, text in ((s.box, s.value), (s.box, s.grad), *s.grads):
            if text is not None:
                longest[k] = max(longest[k], len(text))
    widths = [round(n * CHAR + 2 * PAD) for n in longest]
    columns = lay.columns
    tall = lay.height * (BOX_H + GAP_Y) - GAP_Y
    left, x_of = MARGIN, {}
    for col in columns:
        x_of.update({i: left for i in col})
        left += max(widths[where[i]] for i in col) + GAP_X
    boxes = []
    for col in columns:
        top = MARGIN + (tall - (len(col) * (BOX_H + GAP_Y) - GAP_Y)) / 2
        for r, i in enumerate(col):
            k = where[i]
            boxes.append((k, Box(i, graph.nodes[i].name, _kind(rp, i), heads[k], x_of[i],
                                 top + r * (BOX_H + GAP_Y), widths[k])))
    ordered = tuple(b for _, b in sorted(boxes, key=lambda kb: kb[0]))
    links = tuple(_link(ordered, where[e.source], where[e.target], e.slot,
                        len(graph.nodes[e.target].args)) for e in lay.edges)
    return Scene(ordered, links, steps, left - GAP_X + MARGIN, tall + 2 * MARGIN, out)


def _link(boxes: tuple[Box, ...], s: int, t: int, slot: int, slots: int) -> Link:
    a, b = boxes[s], boxes[t]
    start = (a.x + a.w, a.y + a.h / 2)
    end = (b.x, b.y + b.h * (slot + 1) / (slots + 1))
    return Link(s, t, slot, start, end, ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2))


def _head(rp: Replay, i: int) -> str:
    node = rp.evaluation.graph.nodes[i]
    if node.is_input:
        return f"{node.name}  (input)"
    return f"{node.name} = {node.text}"


def _kind(rp: Replay, i: int) -> str:
    graph = rp.evaluation.graph
    node = graph.nodes[i]
    if i == graph.output:
        return "output"
    return "input" if node.is_input else "data" if node.is_data else "op"


def _steps(rp: Replay, where: dict[int, int], link_of: dict[tuple[int, int], int]):
    ev = rp.evaluation
    nodes = ev.graph.nodes
    out = nodes[ev.graph.output].name

    def grad(i: int, v) -> str:
        return f"{d(out, nodes[i].name)} = {fmt.brief(v)}"

    for f in rp.frames:
        if f.kind == "forward":
            yield Step(where[f.node], value=f"= {fmt.brief(f.value)}" + _shape(f.value))
        elif f.kind == "seed":
            yield Step(where[f.node], grad=grad(f.node, f.after))
        elif f.kind == "backward":
            yield Step(where[f.node], link_of[(f.user, f.slot)], grad=grad(f.node, f.after),
                       flow=f"+ {fmt.brief(f.value)}")
        else:
            found = ((ev.graph.find_input(name), v) for name, v in f.gradients)
            yield Step(where[f.node], grads=tuple((where[i], grad(i, v)) for i, v in found
                                                  if i is not None and i in where))


def _shape(v) -> str:
    """An array's shape after its value, unless the value's text already says it."""
    if np.ndim(v) == 0:
        return ""
    text = fmt.brief(v)
    shape = fmt.shape(np.shape(v))
    return "" if text.startswith(shape) else f"  {shape}"
