"""backprop: a command-line backprop calculator (forward pass, chain rule, gradient
descent), and its Python API:

    import backpropcli as bp
    r = bp.evaluate("g = x*y + z", x=3, y=-4, z=2)
    r.value, r.gradients          # -10.0, {'x': -4.0, 'y': 3.0, 'z': 1.0}
    bp.step(r, lr=0.1)            # the next point, shown as `backprop step` shows it

The API (the package backpropcli/api/) loads on first use, so that importing the
package, or one module of it as the command does, imports neither numpy, Lark, Rich
nor Typer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

DISTRIBUTION = "backpropcli"  # the name on the package index; the command is `backprop`

# the API's public names (backpropcli/api/__init__.py says what each is)
__all__ = [
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
    "Picture",
    "Replay",
    "Result",
    "Script",
    "Session",
    "Sheet",
    "check",
    "cost",
    "depth",
    "descend",
    "evaluate",
    "exam",
    "explain",
    "export",
    "forward",
    "grade",
    "graph",
    "hessian",
    "history",
    "precision",
    "quiz",
    "replay",
    "sheet",
    "step",
]

if TYPE_CHECKING:
    from .api import (
        BackpropError,
        Check,
        ComputedNode,
        Cost,
        Depth,
        Document,
        Exam,
        Explanation,
        Forward,
        Grades,
        Hessian,
        History,
        Picture,
        Replay,
        Result,
        Script,
        Session,
        Sheet,
        check,
        cost,
        depth,
        descend,
        evaluate,
        exam,
        explain,
        export,
        forward,
        grade,
        graph,
        hessian,
        history,
        precision,
        quiz,
        replay,
        sheet,
        step,
    )


def __getattr__(name: str):
    if name in __all__:
        from . import api

        return getattr(api, name)
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'backpropcli' has no attribute {name!r}")


def version() -> str:
    """The installed version, as pyproject.toml sets it (the one place it is written);
    read from the installed metadata when asked, never at start-up."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def __dir__() -> list[str]:
    # the API's names too, for a REPL's completion; not the helpers of this module
    return sorted({*__all__, "__version__", *(n for n in globals() if n.startswith("__"))})
