"""`backprop depth --plot`: the gradient's norm at each layer as bars on a log axis, drawn
by matplotlib with the loss-curve pictures' settings and file handling (plot.py): SVG,
PNG or PDF by the file's suffix, the same bytes for the same net."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from ..core import fmt
from ..core.errors import UsageError
from ..tasks.depth import Depth
from .depth_text import summary
from .plot import DPI, FORMATS, LOSS, RC, SIZE, metadata, write_picture

__all__ = ["FORMATS", "render", "save"]


def render(d: Depth, form: str = "svg") -> bytes:
    """The picture as the bytes of an SVG, PNG or PDF file."""
    if form not in FORMATS:
        raise UsageError(f"a plot is {', '.join(FORMATS)}, not {form!r}")
    import matplotlib  # here only: no other command pays for it
    from matplotlib.figure import Figure

    net = d.net
    title = f"‖∂L/∂W‖ by layer: {net.layers} {net.act} layers of {net.width}, {net.init} init"
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        index = np.array([k.index for k in d.layers])
        norms = np.array([k.norm for k in d.layers])
        shown = norms > 0  # a zero has no place on a log axis: its layer is left bare
        ax.bar(index[shown], norms[shown], color=LOSS, width=0.8)
        if shown.any():
            ax.set_yscale("log")
        ax.set_xlabel("layer (1: next to the data; the loss is after the last)")
        ax.set_ylabel("‖∂L/∂W‖ (log scale)")
        ax.set_xticks(index if len(index) <= 20 else
                      np.unique(np.linspace(1, len(index), 10).round().astype(int)))
        ax.grid(True, axis="y", which="major", color="0.9")
        fig.suptitle(title, fontweight="bold", fontsize=12)
        ax.set_title(f"{summary(d)}\n(seed {net.seed}, {net.examples} examples, "
                     f"L = {fmt.rough(d.loss)})", fontsize=9, color="0.3")
        out = io.BytesIO()
        fig.savefig(out, format=form, metadata=metadata(form, title))
    return out.getvalue()


def save(path: str | os.PathLike, d: Depth) -> Path:
    """Write the picture to path, as SVG, PNG or PDF by its suffix."""
    return write_picture(path, lambda form: render(d, form))
