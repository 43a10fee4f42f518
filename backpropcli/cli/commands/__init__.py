"""The commands, one module each (eval.py, step.py, ...): its SPEC, the command's name,
summary, help, examples, options and handler. They are found here, not listed: a module
of this package is the command of its name (modules whose name starts with _ are not
commands), shown in `backprop --help` in the order of their specs' `rank`.

A command is found by its module's name, without importing it, and a run imports its
own module alone (`spec`): importing all sixteen would cost every run the others'
imports. What needs every command (the help pages, shell completion, the command meant
by a misspelt one) imports them all (`SPECS`, `BY_NAME`).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from ..spec import Spec

__all__ = ["BY_NAME", "NAMES", "SPECS", "spec"]

SPECS: tuple[Spec, ...]  # (made on first use: __getattr__)
BY_NAME: dict[str, Spec]

NAMES = frozenset(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def spec(name: str) -> Spec | None:
    """The command of that name, importing its module alone; None if there is none."""
    if name not in NAMES:
        return None
    found = getattr(import_module(f"{__name__}.{name}"), "SPEC", None)
    return found if isinstance(found, Spec) and found.name == name else None


def _every() -> tuple[Spec, ...]:
    found = (spec(name) for name in NAMES)
    return tuple(sorted((s for s in found if s is not None), key=lambda s: (s.rank, s.name)))


def __getattr__(name: str):
    """SPECS (every command, in the order of `backprop --help`) and BY_NAME, made on the
    first use, which imports every command's module."""
    if name == "SPECS":
        globals()["SPECS"] = _every()
        return globals()["SPECS"]
    if name == "BY_NAME":
        globals()["BY_NAME"] = {s.name: s for s in __getattr__("SPECS")}
        return globals()["BY_NAME"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
