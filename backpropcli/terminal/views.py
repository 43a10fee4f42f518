"""Every view a command or a result shows, and the drawing of a view to text: as the
terminal will show it (its width, its colours), as plain text for a REPL, or as HTML
for a notebook. Drawing to text first means a drawing that fails leaves no trace: the
session is saved, and stdout written, only after it has succeeded.
"""

from __future__ import annotations

import io
import sys
from typing import Any, Protocol

from rich.console import Console, RenderableType
from rich.text import Text

from ..core.engine import Evaluation
from ..output import screen
from ..tasks.descend import Run, Settings
from ..tasks.newton import Newton
from ..tasks.point import Point
from .check import check_report
from .cost import cost_report
from .descend import descend_report
from .evaluation import evaluation
from .explain import explanation
from .forward import forward_report, hessian_report
from .graph import graph_tree
from .messages import command_help, error
from .newton import newton_report
from .step import history_table, step_report
from .surface import compare_table, surface_picture
from .widgets import Clean

__all__ = ["check_report", "command_help", "compare_table", "cost_report", "descend_report",
           "error", "evaluation", "explanation", "forward_report", "graph_tree",
           "hessian_report", "history_table", "newton_report", "step_report", "surface_picture"]

WIDTH = 100  # columns of a result's text and HTML (a notebook cell is about as wide)


class Shown(Protocol):
    """What the view of a result needs (api.Result has it; the API sits above this layer)."""

    @property
    def evaluation(self) -> Evaluation: ...
    @property
    def point(self) -> Point: ...
    @property
    def previous(self) -> Shown | None: ...
    @property
    def lr(self) -> float | None: ...
    @property
    def ascend(self) -> bool: ...
    @property
    def run(self) -> Run | None: ...
    @property
    def settings(self) -> Settings | None: ...
    @property
    def start(self) -> Point | None: ...
    @property
    def newton(self) -> Newton | None: ...


def result(r: Shown, full: bool = False, state: str | None = None) -> RenderableType:
    """The view of an API result: a descent's report, a step's table, or the eval tables."""
    if r.run is not None and r.settings is not None and r.start is not None:
        return descend_report(r.evaluation, r.start.inputs, r.run, r.settings, full)
    if r.newton is not None:
        return newton_report(r.newton, full)
    if r.previous is not None and r.lr is not None:
        return step_report(r.previous.evaluation, r.evaluation, r.point.params,
                           -r.lr if r.ascend else r.lr, full)
    # no "Next: backprop step" under a result of the Python API: that is the command's
    return evaluation(r.evaluation, r.point.params, full, state, next_step=False)


def plain(text: str) -> RenderableType:
    """Text shown as it is (a picture's dot or mermaid text): no markup read in it."""
    return Text(text)


def console(stderr: bool = False) -> Console:
    """The console of a real stream, which knows whether it is a terminal, its width
    and its colours (NO_COLOR is honoured). COLUMNS and LINES count only when sensible
    (screen.py): COLUMNS=0 would draw every view as nothing."""
    return Console(stderr=stderr, highlight=False, width=screen.size("COLUMNS"),
                   height=screen.size("LINES"))


def draw(renderable: RenderableType, stderr: bool = False) -> str:
    """A view as the real stream will show it, drawn into a string."""
    real = console(stderr)
    buffer = io.StringIO()
    colours: Any = real.color_system  # the name Rich gives it, as Rich takes it
    target = Console(file=buffer, force_terminal=real.is_terminal, color_system=colours,
                     width=real.width, height=real.height, no_color=real.no_color,
                     highlight=False, legacy_windows=False)
    # crop=False: a line that must not wrap (an example command) may run past the edge,
    # where the terminal shows it on the next row and a copy still takes it whole
    target.print(Clean(renderable), crop=False)
    out = buffer.getvalue()
    if not real.is_terminal:  # text for a file or a pipe: Rich's padding is no part of it
        out = "\n".join(line.rstrip() for line in out.split("\n"))
    return out


def text(renderable: RenderableType, width: int | None = None) -> str:
    """A view as plain text (no colour), for a REPL's repr: as wide as the terminal
    when stdout is one (at most 100 columns), else 100 columns; no trailing spaces."""
    if width is None:
        width = min(console().width, WIDTH) if _terminal() else WIDTH
    buffer = io.StringIO()
    target = Console(file=buffer, width=width, color_system=None, highlight=False,
                     force_terminal=False, legacy_windows=False)
    target.print(Clean(renderable))
    lines = buffer.getvalue().rstrip().split("\n")
    return "\n".join(line.rstrip() for line in lines)


def _terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):  # a stream without isatty, or a closed one
        return False


def html(renderable: RenderableType) -> str:
    """A view as HTML with inline styles, for a notebook."""
    target = Console(file=io.StringIO(), record=True, width=WIDTH, highlight=False,
                     force_terminal=True, color_system="truecolor", legacy_windows=False)
    target.print(Clean(renderable))
    return target.export_html(inline_styles=True, code_format="<pre style=\"font-family:"
                              "Menlo,'DejaVu Sans Mono',consolas,monospace\">{code}</pre>")


def sheet_view(quiz, full: bool = False) -> RenderableType:
    """The quiz's questions without their answers (terminal/quiz.py)."""
    from .quiz import sheet_view as view

    return view(quiz, full)


def depth(d) -> RenderableType:
    """The gradient's norm layer by layer, the bars and the reason (terminal/depth.py)."""
    from .depth import depth_report

    return depth_report(d)


def results_view(result, every: bool, full: bool = False) -> RenderableType:
    """The quiz's end: the score, what was missed, what to practise (terminal/quiz.py)."""
    from .quiz import results_view as view

    return view(result, every, full)


def exam_key_view(exam, full: bool = False) -> RenderableType:
    """The key of every variant of an exam."""
    from .quiz import exam_key_view as view

    return view(exam, full)
