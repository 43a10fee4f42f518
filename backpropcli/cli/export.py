"""`backprop export`: the command's body. It reads the options, evaluates the point
once (a program that fails says so here, not in the script), and has output/export.py
write the script, to stdout or atomically to -o FILE.
"""

from __future__ import annotations

from pathlib import Path

from .. import api
from ..core.errors import UsageError
from ..core.graph import Graph
from ..core.optim import OPTIMIZERS, SCHEDULES
from ..output import export
from ..tasks.files import expand, write_atomic
from ..tasks.point import SCHEMA
from .commands import evaluate
from .options import CommandLine
from .spec import Env, Outcome


def run_export(line: CommandLine, env: Env) -> Outcome:
    to = line.choice("to", export.FRAMEWORKS, "numpy")
    settings = None
    if line.flag("descend"):
        settings = api.settings_of(
            line.positive("lr", 0.1), line.whole("steps", 1000, least=0),
            line.choice("optimizer", OPTIMIZERS, "sgd"),
            line.choice("schedule", SCHEDULES, "constant"), 0.0, line.flag("ascend"))
    else:
        alone = [f"--{n}" for n in ("lr", "steps", "optimizer", "schedule", "ascend", "watch")
                 if n in line.options]
        if alone:
            raise UsageError(f"{', '.join(alone)} set{'s' if len(alone) == 1 else ''} the "
                             "descent: add --descend", hint="backprop export PROGRAM --to jax "
                                                            "--descend --lr 0.1 --steps 1000")
    save = line.text("save")
    r = evaluate(line, env)  # the point, evaluated once: a program that fails is said here
    graph = r.evaluation.graph
    watch: list[int] = []
    if settings is not None:
        watch = _watched(graph, line)
    target = expand(save) if save is not None else None
    folder = target.parent if target is not None else Path.cwd()
    data = export.data_sources(graph, r.point.base, folder, line.flag("embed-data"))
    text = export.script(graph, r.point, to, data=data, settings=settings, watch=watch)

    def document() -> dict:
        return {"schema": SCHEMA, "command": "export", "to": to,
                "descend": settings is not None, "file": save, "script": text}

    if target is not None:
        # executable (less the umask): the script starts with #!/usr/bin/env python3
        write_atomic(target, text.encode("utf-8"), new_mode=0o777, label="-o: ",
                     error=UsageError)
        return Outcome(document=document, text="",
                       note=f"wrote the {to} script to {save}; run it: python {save}")
    return Outcome(document=document, text=text)


def _watched(graph: Graph, line: CommandLine) -> list[int]:
    """The nodes a descent follows beside the output: --watch, or descend's default."""
    from ..tasks.descend import default_watch

    if "watch" not in line.options:
        return default_watch(graph)
    found = []
    for name in line.names("watch"):
        index = graph.find(name)
        if index is None:
            raise UsageError(f"--watch {name}: the program has no {name!r}",
                             hint="names: " + ", ".join(sorted(graph.names)))
        found.append(index)
    return found
