"""export: a program at its point as one Python script (numpy with the backward pass
written out, PyTorch or JAX), evaluated once here so that a program that fails says so
now, not when the script runs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import UsageError, param
from ..core.optim import LR, STEPS
from ..output import export as writing
from ..output.formats import EXPORT
from ..tasks.files import expand
from . import checks
from .evaluating import descent_settings, evaluate, watched
from .source import merged

if TYPE_CHECKING:
    from .source import Program

_DESCENT = ("lr", "steps", "optimizer", "schedule", "ascend", "watch")


@dataclass(frozen=True)
class Script:
    """An exported script: its `.text`, the framework it is `.to`, and whether it runs
    the descent (`.descend`)."""

    text: str
    to: str
    descend: bool

    def __str__(self) -> str:
        return self.text


@checks.keywords
def export(program: Program, values: Mapping[str, object] | None = None, /, *,
           to: str = EXPORT.default, descend: bool = False, lr: float | None = None,
           steps: int | None = None, optimizer: str | None = None,
           schedule: str | None = None, ascend: bool | None = None,
           watch: checks.Names = None, embed_data: bool = False,
           file: str | os.PathLike[str] | None = None, output: str | None = None,
           params: checks.Names = None, freeze: checks.Names = None,
           seed: int | None = None, base: str | os.PathLike[str] | None = None,
           **inputs: object) -> Script:
    """The program at its point as one Python script that prints eval's JSON document:
    `to` "numpy" (the default: the backward pass written out by hand, a line per edge),
    "torch" (loss.backward()) or "jax" (jax.value_and_grad). With `descend`, the script
    also runs gradient descent (`lr` default 0.1, `steps` default 1000, `optimizer`,
    `schedule`, `ascend` and `watch` as for descend(); each of them given without
    `descend` is an error) and prints descend's document at the run's end. load(...)
    data is read from its file, named relative to the folder of `file` (where the
    script will be written; default the current folder), or held in the script with
    `embed_data` (up to 100 000 elements). The program and the rest as for evaluate();
    a bad argument, or an op the framework cannot write, raises BackpropError."""
    to = checks.choice(to, "to", EXPORT.names)
    given = {"lr": lr, "steps": steps, "optimizer": optimizer, "schedule": schedule,
             "ascend": ascend, "watch": watch}
    settings = None
    if checks.flag(descend, "descend"):
        settings = descent_settings(LR if lr is None else lr, STEPS if steps is None else steps,
                                    optimizer or "sgd", schedule or "constant", 0.0,
                                    bool(ascend))
    else:
        alone = [param(n) for n in _DESCENT if given[n] is not None]
        if alone:
            raise UsageError(f"{', '.join(alone)} set{'s' if len(alone) == 1 else ''} the "
                             f"descent: add {param('descend')}",
                             hint=f"or leave {'it' if len(alone) == 1 else 'them'} out")
    embed = checks.flag(embed_data, "embed_data")
    result = evaluate(program, merged(values, inputs), output=output, params=params,
                      freeze=freeze, seed=seed, base=base)
    graph = result.evaluation.graph
    watch_nodes = watched(graph, watch) if settings is not None else []
    where = Path.cwd() if file is None else expand(os.fspath(file)).parent
    data = writing.data_sources(graph, result.point.base, where, embed)
    text = writing.script(graph, result.point, to, data=data, settings=settings,
                          watch=watch_nodes)
    return Script(text, to, settings is not None)
