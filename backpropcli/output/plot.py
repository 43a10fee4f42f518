"""Pictures of a descent, drawn by matplotlib: the output's value by step (the loss
curve), the watched values (an accuracy) on a second y axis, the optimizer and its
learning-rate schedule, and why the run stopped if it stopped early; as SVG, PNG or PDF.

matplotlib is imported only when a picture is drawn (`draw`, `render`), so that no other
command pays for it (~0.3 s, more on a first run that builds its font cache). The figure
is made as a `Figure` directly, not through pyplot: no global figure list, no GUI
backend; savefig picks the Agg (PNG), SVG or PDF renderer by format. The picture is made
in memory and written by tasks/files.write_atomic, like every file the tool writes.

The same input gives the same bytes (for a given matplotlib): a fixed salt for the
SVG's ids, and no creation date in any of the three formats.
"""

from __future__ import annotations

import io
import math
import os
import re
import textwrap
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import fmt
from ..core.errors import UsageError
from ..core.optim import learning_rate
from ..tasks.files import write_atomic
from .axes import as_steps, as_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..tasks.descend import Run, Settings

FORMATS = ("svg", "png", "pdf")
# A log y axis when every value is positive and the largest is more than 10**1.5 ≈ 32
# times the smallest. A loss falling from 2.3 to 0.01 is, on a linear axis, a drop and
# then a flat line along the bottom where nothing can be read; on a log axis its tail
# shows. Past 1.5 decades a log axis has at least one labelled power of ten inside it
# and a second nearly; below, its ticks would be minor ones, harder to read than a
# linear axis. (The terminal's braille curve, labelled only at its top and bottom,
# keeps to 3 decades: axes.DECADES.)
DECADES = 1.5
MARKED = 30  # up to this many points, each is marked: a short run's steps show
SAFE = 1e250  # matplotlib's autoscaling overflows near 1.8e308; beyond this, draw scaled
SIZE, DPI = (8.0, 4.8), 120  # inches; PNG 960 × 576 pixels
LOSS = "#1f77b4"
WATCHED = ("#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")  # matplotlib's next colours
ALARM = "#b22222"  # the note of a run that diverged or ran away
RC: dict[Any, Any] = {
    "svg.hashsalt": "backprop",  # ids in the SVG from this salt, not from random
    "svg.fonttype": "path",  # glyphs as paths: the same picture without DejaVu installed
    "pdf.fonttype": 42,  # TrueType, which PDF tools and journals accept (Type 3 not always)
    "font.size": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,  # but for a second y axis (_watched)
}


def use_log(values) -> bool:
    """Whether the loss gets a log y axis: every value positive, and spanning more than
    DECADES decades (see there why)."""
    v = as_values(values)
    return bool(np.all(v > 0)) and math.log10(v.max()) - math.log10(v.min()) > DECADES


@dataclass(frozen=True)
class Curve:
    """What a picture shows: the output's values at their steps (0, 1, … if not given;
    a long run keeps only some, evenly spread), the watched nodes' values at the same
    steps, and the words: the output's name, a title, a line under it, and a note on
    why the run stopped early (`alarm`: it failed)."""

    values: Sequence[float]
    steps: Sequence[int] | None = None
    name: str = "value"
    watched: Mapping[str, Sequence[float]] = field(default_factory=dict)
    title: str = ""
    subtitle: str = ""
    note: str = ""
    alarm: bool = False


def schedule_text(lr: float, schedule: str, steps: int) -> str:
    """The learning rate over the run: "lr 0.1", or "lr 0.1 → 0.01 linear" (core/optim.py:
    linear decays to a tenth over the run)."""
    if schedule == "constant" or steps <= 0:
        return f"lr {fmt.number(lr)}"
    return (f"lr {fmt.number(lr)} → {fmt.number(learning_rate(lr, schedule, steps, steps))} "
            f"{schedule}")


def program_label(program: str | None, from_file: bool) -> str:
    """How the title names the program: a file by its name, a short program by its text
    (its first line, cut), the one on stdin or in the session not at all."""
    if program is None or program == "-":
        return ""
    if from_file:
        return Path(program).name
    lines = program.strip().splitlines() or [""]
    if len(lines) == 1 and len(lines[0]) <= 40:
        return lines[0]
    return lines[0][:38].rstrip() + " …"


def of_run(run: Run, settings: Settings, output: str, program: str = "") -> Curve:
    """The picture of a descent (tasks/descend.py's Run and Settings) of `output`;
    `program` is what the title calls it (program_label)."""
    trace = run.trace
    what = f"{output} by step"
    how = [f"gradient ascent, {settings.optimizer}" if settings.ascend else settings.optimizer,
           schedule_text(settings.lr, settings.schedule, settings.steps),
           f"{run.steps} step{'s' * (run.steps != 1)}"]
    note = "" if run.stopped == "steps" else f"stopped early ({run.stopped}): {run.reason}"
    return Curve(trace.values, trace.steps, output, trace.watched,
                 title=f"{program}: {what}" if program else what, subtitle=", ".join(how),
                 note=note, alarm=run.stopped in ("diverged", "unbounded"))


# ---------------------------------------------------------------------------
# drawing

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _plain(text: str) -> str:
    """User text (a name, a file name, a program) as matplotlib's literal text: without
    control characters, which no font draws, and with `$` escaped, which would
    otherwise start mathtext (a file named a$b$.bp is no formula)."""
    return _CONTROL.sub("", str(text)).replace("$", r"\$")


def _drawable(v: np.ndarray, log: bool, name: str) -> tuple[np.ndarray, str, bool]:
    """The values as drawn, the axis label and whether the axis is a log one. matplotlib's
    autoscaling and transforms overflow near the largest floats (1.8e308) and lose the
    subnormal ones, so values beyond SAFE are drawn scaled, the scale in the label: on
    a linear axis divided by a power of ten, on a log axis as their log10."""
    finite = v[np.isfinite(v)]
    if log:
        if finite.max() <= SAFE and finite.min() >= 1 / SAFE:
            return v, f"{name} (log scale)", True
        return np.log10(v), f"log10 of {name}", False
    big = float(np.abs(finite).max()) if finite.size else 0.0
    if big <= SAFE:
        return v, name, False
    k = math.floor(math.log10(big))
    return v / 10.0**k, f"{name} (× 1e{k})", False


def _series(ax, at: np.ndarray, v: np.ndarray, label: str, color: str, style: str = "-"):
    """One line (marked at every point for a short run); its handle, for a legend."""
    few = len(v) <= MARKED
    (line,) = ax.plot(at, v, style, color=color, label=label, linewidth=1.6,
                      marker="o" if few else None, markersize=4 if len(v) > 1 else 6)
    return line


def render(curve: Curve, form: str = "svg", log: bool | None = None) -> bytes:
    """The picture (draw's) as the bytes of an SVG, PNG or PDF file."""
    if form not in FORMATS:
        raise UsageError(f"a plot is {', '.join(FORMATS)}, not {form!r}")
    fig = draw(curve, log)
    out = io.BytesIO()
    with _style():
        fig.savefig(out, format=form, metadata=metadata(form, curve.title))
    return out.getvalue()


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib's settings for these pictures (RC), for as long as one is drawn."""
    import matplotlib  # here only: no other command pays for it

    with matplotlib.rc_context(RC), warnings.catch_warnings():
        # A name in a script the bundled fonts lack is drawn as boxes, not refused.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        yield


def draw(curve: Curve, log: bool | None = None) -> Figure:
    """The picture as a matplotlib Figure: the loss by step, on a log y axis as `log` says
    or (None) as use_log decides; the watched values on a second y axis, on the right;
    the title, the run's settings and its early stop above."""
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        curve_on(ax, curve, log)
        _words(fig, ax, curve)
    return fig


def curve_on(ax, curve: Curve, log: bool | None = None) -> None:
    """The loss curve (and the watched values) drawn on matplotlib axes `ax`, without the
    words above it: draw's picture, or one panel of a larger one (output/surface.py)."""
    from matplotlib.ticker import MaxNLocator

    v = as_values(curve.values)
    at = as_steps(curve.steps, len(v)).astype(float)
    if log and not np.all(v > 0):
        raise UsageError(f"a log scale needs values above 0; the smallest is "
                         f"{fmt.number(v.min())}")
    drawn, ylabel, on_log = _drawable(v, use_log(v) if log is None else log, curve.name)
    lines = [_series(ax, at, drawn, _plain(curve.name), LOSS)]
    if on_log:
        ax.set_yscale("log")
        ax.grid(True, which="minor", color="0.96")
    ax.grid(True, which="major", color="0.9")
    ax.set_xlabel("step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    if len(at) == 1:  # one point: in the middle
        ax.set_xlim(at[0] - 1, at[0] + 1)
    else:  # the first step to the last, a little inside the frame (more for marks):
        # a loss that falls steeply at first would otherwise run down the y axis.
        pad = (at[-1] - at[0]) * (0.03 if len(at) <= MARKED else 0.01)
        ax.set_xlim(at[0] - pad, at[-1] + pad)
    lines += _watched(ax, at, curve.watched)
    # With a second axis, each axis's label takes its line's colour, and a legend
    # under the plot names the lines (outside it: it covers no part of a curve).
    ax.set_ylabel(_plain(ylabel), color=LOSS if len(lines) > 1 else "black")
    if len(lines) > 1:
        ax.legend(handles=lines, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  ncols=len(lines), frameon=False)


def _watched(ax, at: np.ndarray, watched: Mapping[str, Sequence[float]]) -> list:
    """The watched values on a second y axis, dashed; nothing if there are none (or none
    has a finite value: a gap is all there would be to draw)."""
    named = [(str(name), np.asarray(vals, dtype=float).reshape(-1)) for name, vals
             in watched.items()]
    named = [(n, w) for n, w in named if len(w) == len(at) and np.isfinite(w).any()]
    if not named:
        return []
    right = ax.twinx()
    right.spines["right"].set_visible(True)
    lines, labels = [], []
    for (name, w), color in zip(named, WATCHED * len(named), strict=False):
        drawn, label, _ = _drawable(np.where(np.isfinite(w), w, np.nan), False, name)
        lines.append(_series(right, at, drawn, _plain(name), color, "--"))
        labels.append(label)
    if all(np.nanmin(w) >= 0 and np.nanmax(w) <= 1 for _, w in named):
        right.set_ylim(-0.02, 1.02)  # fractions (an accuracy): all of 0 to 1, to scale
    one = len(named) == 1
    right.set_ylabel(_plain(", ".join(labels)), color=WATCHED[0] if one else "black")
    return lines


def _words(fig, ax, curve: Curve) -> None:
    """The title, the line under it (optimizer, learning rate, steps) and the note on an
    early stop, wrapped to the picture's width."""
    if curve.title:
        fig.suptitle(_plain(curve.title), fontweight="bold", fontsize=12)
    under = [curve.subtitle] if curve.subtitle else []
    if curve.note:
        # Wrapped between words, but never around an "=" (a no-break space each side).
        under += textwrap.wrap(curve.note.replace(" = ", "\u00a0=\u00a0"), 90)
    if under:
        ax.set_title("\n".join(map(_plain, under)), fontsize=9,
                     color=ALARM if curve.alarm else "0.3")


def metadata(form: str, title: str) -> dict:
    """No date, so that the same run gives the same file; the title, for file browsers."""
    date = {"svg": "Date", "pdf": "CreationDate"}.get(form)
    return {"Title": _CONTROL.sub("", title), **({date: None} if date else {})}


# ---------------------------------------------------------------------------
# files

def save(path: str | os.PathLike, curve: Curve, log: bool | None = None) -> Path:
    """Write the loss curve to path, as SVG, PNG or PDF by its suffix."""
    return write_picture(path, lambda form: render(curve, form, log))


def write_picture(path: str | os.PathLike, render: Callable[[str], bytes]) -> Path:
    """Write a picture (`render(form)`: the bytes of an svg, png or pdf file) to path, as
    its suffix says (the command line has checked it, before the run); a file that cannot
    be written is a usage error that says why. Every --plot picture is saved by this."""
    path = Path(path)
    form = path.suffix.lower().lstrip(".")
    if form not in FORMATS:
        raise UsageError(f"--plot takes a .svg, .png or .pdf file, not {path.name!r}")
    write_atomic(path, render(form), label="--plot: ", error=UsageError)
    return path
