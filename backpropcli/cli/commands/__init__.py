"""The commands, one module each (eval.py, step.py, ...): its SPEC, the command's name,
summary, help, examples, options and handler. They are found here, not listed: a module
of this package with a SPEC is a command (modules whose name starts with _ are not),
shown in `backprop --help` in the order of their specs' `rank`."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from ..spec import Spec

__all__ = ["BY_NAME", "SPECS"]


def _discover() -> tuple[Spec, ...]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            spec = getattr(import_module(f"{__name__}.{module.name}"), "SPEC", None)
            if isinstance(spec, Spec):
                found.append(spec)
    return tuple(sorted(found, key=lambda s: (s.rank, s.name)))


SPECS = _discover()
BY_NAME = {spec.name: spec for spec in SPECS}
