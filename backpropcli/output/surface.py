"""Where a descent goes, as one picture of panels side by side, drawn by matplotlib:

- the loss surface (a program with two number params): filled contours of the output
  over the two params, on log-spaced levels where the values span decades, with each
  descent's path on it (points joined by a line; the start a circle, each end a star);
- the decision boundary (a classifier of two features): the two predicted classes over
  the features, the line at the class threshold, and the data points coloured by label;
- the loss curve, as `--plot` draws it alone (plot.py): for several descents compared,
  each optimizer's curve in its path's colour.

The curve stays beside the surface rather than giving way to it: the surface shows where
the params went, the curve how fast the value fell and whether it settled, which a path
folded on itself (momentum's spiral) hides. Output layer: matplotlib lazily, through
plot.py's style; no Rich, no program evaluated here (the grids are tasks/surface.py's and
tasks/boundary.py's).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import fmt
from ..core.errors import UsageError
from ..tasks.boundary import Boundary
from ..tasks.surface import Surface, levels
from . import plot
from .plot import FORMATS, Curve, _plain, _style, metadata, write_picture

PANEL = (5.2, 4.6)  # inches a panel: PNG 624 × 552 pixels at plot.DPI
PATHS = ("#e8000b", "#ff9f1c", "#ff4fd8", "#00d7ff")  # bright on viridis, seen on white
CLASSES = ("#4c72b0", "#dd4433")  # the lower label's colour, the higher's
REGIONS = ("#dbe4f3", "#f6d9d4")  # the same, pale, for the regions predicted


@dataclass(frozen=True)
class Scene:
    """What the picture shows: the surface (or None), the boundary (or None), the loss
    curve of each run (labelled by its optimizer when there are several) and the title."""

    surface: Surface | None
    boundary: Boundary | None
    curves: Sequence[Curve]
    title: str = ""


def render(scene: Scene, form: str = "svg") -> bytes:
    """The picture as the bytes of an SVG, PNG or PDF file."""
    if form not in FORMATS:
        raise UsageError(f"a plot is {', '.join(FORMATS)}, not {form!r}")
    from matplotlib.figure import Figure

    panels = int(scene.surface is not None) + int(scene.boundary is not None) + \
        int(bool(scene.curves))
    if not panels:
        raise UsageError("there is nothing to draw")
    with _style():
        fig = Figure(figsize=(PANEL[0] * panels, PANEL[1]), dpi=plot.DPI, layout="constrained")
        axes = fig.subplots(1, panels, squeeze=False)[0]
        k = 0
        if scene.surface is not None:
            _surface(fig, axes[k], scene.surface)
            k += 1
        if scene.boundary is not None:
            _boundary(axes[k], scene.boundary)
            k += 1
        if scene.curves:
            _curves(axes[k], scene.curves)
        if scene.title:
            fig.suptitle(_plain(scene.title), fontweight="bold", fontsize=12)
        out = io.BytesIO()
        fig.savefig(out, format=form, metadata=metadata(form, scene.title))
    return out.getvalue()


def save(path: str | os.PathLike, scene: Scene) -> Path:
    """Write the picture to path, as SVG, PNG or PDF by its suffix."""
    return write_picture(path, lambda form: render(scene, form))


def _surface(fig, ax, s: Surface) -> None:
    """Filled contours of the output with the paths on them, and a colour bar."""
    from matplotlib.colors import LogNorm

    edges, log = levels(s.values)
    v = np.ma.masked_invalid(s.values)  # a log of a negative number: left blank
    if log:  # below the lowest level (a floor of exactly 0) is drawn as the lowest band
        v = np.ma.maximum(v, edges[0])
    filled = ax.contourf(s.xs, s.ys, v, levels=edges, cmap="viridis", extend="both",
                         norm=LogNorm(edges[0], edges[-1]) if log else None)
    ax.contour(s.xs, s.ys, v, levels=edges, colors="white", linewidths=0.4, alpha=0.5,
               norm=LogNorm(edges[0], edges[-1]) if log else None)
    bar = fig.colorbar(filled, ax=ax, shrink=0.9)
    ticks = edges[::3]  # every third level, as a person writes it (not 1.0566 × 10¹)
    bar.set_ticks(ticks, labels=[fmt.number(float(f"{t:.3g}")) for t in ticks])
    bar.minorticks_off()
    bar.set_label(_plain(s.output) + (" (log scale)" if log else ""))
    several = len(s.paths) > 1
    for k, path in enumerate(s.paths):
        color = PATHS[k % len(PATHS)]
        few = len(path.points) <= 200
        ax.plot(path.points[:, 0], path.points[:, 1], "-", color=color, linewidth=1.4,
                marker="o" if few else None, markersize=2.5,
                label=_plain(path.label) if several else "path")
        ax.plot(*path.end, marker="*", markersize=13, color=color, markeredgecolor="black",
                linestyle="none", label="end" if not several and k == 0 else None)
    if s.paths:
        ax.plot(*s.paths[0].points[0], marker="o", markersize=9, color="white",
                markeredgecolor="black", linestyle="none", label="start")
    ax.set_xlim(s.xs[0], s.xs[-1])
    ax.set_ylim(s.ys[0], s.ys[-1])
    ax.set_xlabel(_plain(s.names[0]))
    ax.set_ylabel(_plain(s.names[1]))
    ax.set_title(_plain(f"{s.output} over {s.names[0]}, {s.names[1]}"), fontsize=10)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)


def _boundary(ax, b: Boundary) -> None:
    """The predicted classes as two pale regions, the threshold's contour, the data."""
    side = np.ma.masked_invalid((b.predicted > b.threshold).astype(float))
    side = np.ma.masked_where(~np.isfinite(b.predicted), side)
    ax.contourf(b.xs, b.ys, side, levels=[-0.5, 0.5, 1.5], colors=REGIONS)
    finite = b.predicted[np.isfinite(b.predicted)]
    if finite.size and finite.min() < b.threshold < finite.max():
        ax.contour(b.xs, b.ys, np.ma.masked_invalid(b.predicted), levels=[b.threshold],
                   colors="black", linewidths=1.2)
    for k, label in enumerate(b.classes):
        on = b.labels == label
        ax.scatter(b.points[on, 0], b.points[on, 1], s=16, color=CLASSES[k],
                   edgecolors="black", linewidths=0.4, label=f"label {fmt.number(label)}")
    ax.set_xlim(b.xs[0], b.xs[-1])
    ax.set_ylim(b.ys[0], b.ys[-1])
    ax.set_xlabel(_plain(b.features[0]))
    ax.set_ylabel(_plain(b.features[1]))
    ax.set_title(_plain(f"decision boundary: {b.prediction} = {fmt.number(b.threshold)}, "
                        f"{round(100 * b.accuracy)} % of points on their side"), fontsize=10)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)


def _curves(ax, curves: Sequence[Curve]) -> None:
    """One run's loss curve as plot.py draws it; several runs' curves in their paths'
    colours, on a log axis when every value is positive and they span decades."""
    if len(curves) == 1:
        curve = curves[0]
        plot.curve_on(ax, curve)
        under = [curve.subtitle] + ([curve.note] if curve.note else [])
        ax.set_title(_plain("\n".join(u for u in under if u)), fontsize=9,
                     color=plot.ALARM if curve.alarm else "0.3")
        return
    every = np.concatenate([np.asarray(c.values, dtype=float) for c in curves])
    every = every[np.isfinite(every)]
    for k, c in enumerate(curves):
        at = np.arange(len(c.values)) if c.steps is None else np.asarray(c.steps)
        ax.plot(at, c.values, "-", color=PATHS[k % len(PATHS)], linewidth=1.6,
                label=_plain(c.subtitle or c.name))
    if every.size and plot.use_log(every):
        ax.set_yscale("log")
    ax.grid(True, color="0.9")
    ax.set_xlabel("step")
    ax.set_ylabel(_plain(curves[0].name))
    ax.set_title("value by step", fontsize=10)
    ax.legend(loc="best", fontsize=8)
