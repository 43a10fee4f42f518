"""The Python API: the calculator for notebooks and scripts, and what the CLI calls.

    import backpropcli as bp
    r = bp.evaluate("g = x*y + z", x=3, y=-4, z=2)
    r.value                      # -10.0
    r.gradients                  # {'x': -4.0, 'y': 3.0, 'z': 1.0}
    bp.step(r, lr=0.1).value     # -12.72 (to rounding)
    bp.descend("L = (a - 3)^2", a=0, lr=0.1, steps=200).inputs   # {'a': 3.0} (nearly)
    bp.check(r).passed           # True
    bp.explain(r)                # the chain rule, path by path

A program is its text, a path to a .bp file (a pathlib.Path), or a result to go on
from. Values are numbers, nested lists, numpy arrays, or text as typed on the command
line ('[1, 2]', '@w.npy'); give them as keywords, or as a dict when a name clashes with
an option (`bp.evaluate("g = seed * 2", {"seed": 3})`). Every option is a keyword.
Numbers come back as floats, arrays as numpy arrays (copies: changing one changes no
result). A result, a check and an explanation show the same tables as the command line:
as text in a REPL (repr), as HTML in Jupyter (_repr_html_), as a Rich renderable
(`rich.print(r)`). Every error is a BackpropError (with .kind, .message, .line,
.column, .hint), never SystemExit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import BackpropError
from .numbers import precision
from .results import Node, Result, descend, evaluate, settings_of, step

if TYPE_CHECKING:
    from .analysis import Check, Explanation, check, explain

__all__ = ["BackpropError", "Check", "Explanation", "Node", "Result", "check", "descend",
           "evaluate", "explain", "precision", "settings_of", "step"]
_ANALYSIS = ("Check", "Explanation", "check", "explain")


def __getattr__(name: str):
    """check, explain and their results load on first use: the command line's eval
    needs none of them, and they cost a few ms to import."""
    if name in _ANALYSIS:
        from . import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'backpropcli.api' has no attribute {name!r}")
