"""backprop: a command-line backprop calculator (forward pass, chain rule, gradient
descent), and its Python API:

    import backpropcli as bp
    r = bp.evaluate("g = x*y + z", x=3, y=-4, z=2)
    r.value, r.gradients          # -10.0, {'x': -4.0, 'y': 3.0, 'z': 1.0}

The API (api.py) loads on first use, so that importing one module of the package, as
the command does, does not import all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["BackpropError", "Node", "Result", "check", "descend", "evaluate", "explain", "step"]

if TYPE_CHECKING:
    from .api import BackpropError, Node, Result, check, descend, evaluate, explain, step


def __getattr__(name: str):
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'backpropcli' has no attribute {name!r}")
