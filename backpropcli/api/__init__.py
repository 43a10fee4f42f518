"""The Python API: the calculator for notebooks and scripts, and the one way the command
line reaches it: a function per command, each taking Python values and returning a
result (a value object that prints nothing, but shows itself).

    import backpropcli as bp
    r = bp.evaluate("g = x*y + z", x=3, y=-4, z=2)
    r.value                      # -10.0
    r.gradients                  # {'x': -4.0, 'y': 3.0, 'z': 1.0}
    bp.step(r, lr=0.1).value     # -12.72 (to rounding)
    bp.descend("L = (a - 3)^2", a=0, lr=0.1, steps=200).inputs   # {'a': 3.0} (nearly)
    bp.check(r).passed           # True
    bp.explain(r)                # the chain rule, path by path
    bp.graph(r, format="dot").data                        # Graphviz text
    bp.replay(r).frames                                   # back-propagation frame by frame
    bp.depth(act="sigmoid", layers=20).norms              # ‖∂L/∂W‖ layer by layer
    bp.export(r, to="torch").text                         # a PyTorch script
    bp.sheet(r).questions, bp.grade({"answers": {"grad:x": -4}}, r).score
    bp.history(), bp.Session().reset()                    # the session of the command

A program is its text, a path to a .bp file (a pathlib.Path), a result to go on from,
a Document (a JSON document's text), or a Session. Values are numbers, nested lists,
numpy arrays, or text as typed on the command line ('[1, 2]', '@w.npy'); give them as
keywords, or as a dict when a name clashes with an option (`bp.evaluate("g = seed * 2",
{"seed": 3})`). Every option is a keyword, with its default written here once. Numbers
come back as floats, arrays as numpy arrays (copies: changing one changes no result).
A result shows the tables of the command line: as text in a REPL (repr), as HTML in
Jupyter (_repr_html_), as a Rich renderable (`rich.print(r)`). Every error is a
BackpropError (with .kind, .message, .line, .column, .hint) that names the Python
parameter at fault (`lr must be a positive number, not -1.0`), never SystemExit.

Each name loads with its first use, so that importing the API, as the command line
does at every start, costs only what that command needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from ..core.errors import (
    PYTHON,
    BackpropError,
    LimitError,
    MathError,
    OutputError,
    SessionError,
    Spelling,
    UnknownNames,
    UsageError,
    ValueProblem,
    spell,
)
from ..core.limits import BYTES_ENV, MAX_VARIANTS, check_bytes, max_bytes, max_elements, size_text
from ..core.near import closest, nearest_choice, slip
from ..core.optim import LR, MAX_STEPS, OPTIMIZERS, SCHEDULES, STEPS
from ..tasks.kinds import KINDS

if TYPE_CHECKING:
    from .analysis import Check, Explanation, check, explain
    from .deep import Depth, depth
    from .evaluating import descend, evaluate, step
    from .exams import Exam, exam
    from .exporting import Script, export
    from .pictures import Picture, graph
    from .quizzing import AnswerLines, Grades, Sheet, grade, quiz, sheet
    from .replaying import Replay, replay
    from .results import ComputedNode, Result
    from .secondorder import Forward, Hessian, forward, hessian
    from .sessions import History, Session, history
    from .source import Document, Typed, save_file
    from .surfaces import boundary, descents, surface, surface_params

# name → the module of this package that defines it
_WHERE = {
    "evaluate": "evaluating", "step": "evaluating", "descend": "evaluating",
    "check": "analysis", "explain": "analysis", "Check": "analysis", "Explanation": "analysis",
    "graph": "pictures", "Picture": "pictures",
    "export": "exporting", "Script": "exporting",
    "sheet": "quizzing", "grade": "quizzing", "quiz": "quizzing", "Sheet": "quizzing",
    "Grades": "quizzing",
    "history": "sessions", "History": "sessions", "Session": "sessions",
    "Result": "results", "ComputedNode": "results",
    "Document": "source", "Typed": "source", "save_file": "source",
    "AnswerLines": "quizzing",
    "precision": "numbers",
    "replay": "replaying", "Replay": "replaying",
    "forward": "secondorder", "hessian": "secondorder", "Forward": "secondorder",
    "Hessian": "secondorder",
    "depth": "deep", "Depth": "deep",
    "descents": "surfaces", "surface": "surfaces", "surface_params": "surfaces",
    "boundary": "surfaces",
    "exam": "exams", "Exam": "exams",
    "cost": "secondorder", "Cost": "secondorder",
}

__all__ = [
    "BYTES_ENV",
    "KINDS",
    "LR",
    "MAX_STEPS",
    "MAX_VARIANTS",
    "OPTIMIZERS",
    "PYTHON",
    "SCHEDULES",
    "STEPS",
    "AnswerLines",
    "BackpropError",
    "Check",
    "ComputedNode",
    "Cost",
    "Depth",
    "Document",
    "Exam",
    "Explanation",
    "Forward",
    "Grades",
    "Hessian",
    "History",
    "LimitError",
    "MathError",
    "OutputError",
    "Picture",
    "Replay",
    "Result",
    "Script",
    "Session",
    "SessionError",
    "Sheet",
    "Spelling",
    "Typed",
    "UnknownNames",
    "UsageError",
    "ValueProblem",
    "boundary",
    "check",
    "check_bytes",
    "closest",
    "cost",
    "depth",
    "descend",
    "descents",
    "evaluate",
    "exam",
    "explain",
    "export",
    "forward",
    "grade",
    "graph",
    "hessian",
    "history",
    "max_bytes",
    "max_elements",
    "nearest_choice",
    "precision",
    "quiz",
    "replay",
    "save_file",
    "sheet",
    "size_text",
    "slip",
    "spell",
    "step",
    "surface",
    "surface_params",
]


def __getattr__(name: str):
    """The functions and results load on first use: `eval --json` needs neither the quiz
    nor the export, and each costs a few ms to import."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'backpropcli.api' has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
