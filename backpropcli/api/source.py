"""What a call works on: a program given as its text, a file, a result or a point to go
on from, a document (as `backprop eval --json` writes), a session, or an argument as
typed on the command line; read one way, here, into a graph and a point."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import UsageError
from ..core.graph import Graph
from ..tasks.point import Point, read_point
from ..tasks.program import names_file, read_program, reopen, start
from . import checks

if TYPE_CHECKING:
    from typing import TypeAlias

    from .results import Result
    from .sessions import Session

    # text, a file, or a point to go on from
    Program: TypeAlias = str | os.PathLike[str] | Result | Point | "Document" | "Typed" \
        | Session


@dataclass(frozen=True)
class Document:
    """A JSON document of backprop (schema backprop/1), as text: the point it stands at
    is gone on from. `origin` names where it came from, in errors ("stdin")."""

    text: str
    origin: str = "stdin"


@dataclass(frozen=True)
class Typed:
    """PROGRAM as typed on a command line: the program's text, or the path of a .bp file
    (or of any file that is there, for an argument without spaces)."""

    text: str

    @property
    def names_file(self) -> bool:
        """Whether it names a file (else it is the program's text)."""
        return names_file(self.text)


def open_program(program: object, values: Mapping[str, object] | None = None, *,
                 output: str | None = None, params: checks.Names = None,
                 freeze: checks.Names = None, seed: object = None,
                 base: str | os.PathLike[str] | None = None) -> tuple[Graph, Point]:
    """The graph and the point of what the caller gave: a result, a point, a document or
    a session to go on from (with any values, output or params given replacing theirs),
    a file, a text."""
    from .results import Result
    from .sessions import Session

    values = _values(values)
    params, freeze = checks.names(params, "params"), checks.names(freeze, "freeze")
    if output is not None and not isinstance(output, str):
        raise UsageError(f"output names a node, not {output!r}")
    if isinstance(program, Result):
        if not (values or output) and params is None and freeze is None:  # the same point
            # (no need to parse; an empty freeze or params is given: it frees every input)
            return program.evaluation.graph, program.point
        program = program.point
    if isinstance(program, Document):
        program = read_point(program.text, program.origin)
    if isinstance(program, Session):
        program = program.point
    if isinstance(program, Point):
        return reopen(program, params, freeze, values, output)
    if isinstance(program, (os.PathLike, Typed)):
        typed = isinstance(program, Typed)
        arg = program.text if isinstance(program, Typed) else os.fspath(program)
        text, found = read_program(arg, typed)
        program, base = text, base if base is not None else found
    if not isinstance(program, str):
        raise UsageError(f"a program is its text, a path (pathlib.Path) to its file, or a "
                         f"result to go on from; not {type(program).__name__}")
    if seed is not None:
        seed = checks.seed(seed)
    return start(program, values, base=None if base is None else Path(base), output=output,
                 params=params, freeze=freeze, seed=seed)


def _values(values: Mapping[str, object] | None) -> dict:
    """The inputs given, arrays copied: a caller's array changed afterwards changes no
    result."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise UsageError(f"the values are a dict of names to values, not "
                         f"{type(values).__name__}",
                         hint="give the options as keywords: bp.step(r, lr=0.1)")
    out = {}
    for name, v in values.items():
        if not isinstance(name, str):
            raise UsageError(f"an input is named by text, not {name!r}")
        out[name] = v.copy() if isinstance(v, np.ndarray) else v
    return out


def merged(values: Mapping[str, object] | None, keywords: Mapping[str, object]) -> dict:
    """The inputs given as a dict and as keywords (one name given both ways is refused)."""
    if values is not None and not isinstance(values, Mapping):
        _values(values)  # says what is wrong
    values = dict(values or {})
    twice = sorted(set(values) & set(keywords), key=str)
    if twice:
        raise UsageError(f"{', '.join(map(str, twice))}: given both in the dict and as a "
                         "keyword")
    return {**values, **keywords}


def save_file(path: str, data: bytes, label: str, new_mode: int = 0o666) -> None:
    """Write a picture or a script to the file the caller named (~ expanded), through a
    temporary file and one rename; `label` begins its errors ("--save: ")."""
    from ..tasks.files import expand, write_atomic

    write_atomic(expand(path), data, new_mode=new_mode, label=label, error=UsageError)
