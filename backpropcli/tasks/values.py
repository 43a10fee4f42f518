"""Reading values: `--x 3`, `--x "[1, -2]"`, `--W @weights.json` (.json .npy .csv .txt),
the data of `X = load("data.csv", "x1", "x2")`, and binding values to a program's
inputs (defaults, random starts, what is missing).

Every value becomes a float64: a numpy scalar, or an array. A value that is not a
finite number, a ragged array, an unreadable file, a name the program does not use
and a missing input are all ValueProblems (exit 2), said with the name and the place.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.errors import WHERE, ProgramError, UnknownNames, ValueProblem, give
from ..core.graph import Graph, Value
from ..core.limits import check_shape
from ..core.ops import INITIALIZERS
from ..lang.parse import CONSTANTS
from . import datareader
from .constant import NotConstant, constant, constant_array
from .datareader import NUMBER, DataFileError
from .files import expand, open_regular, read_bytes


def read_value(name: str, text: str, base: Path | None = None):
    """A value as typed after --name: a number, a JSON array, or @file."""
    text = text.strip()
    if text.startswith("@"):
        path = expand(text[1:])
        if base is not None and not path.is_absolute():
            path = base / path
        return read_file(name, path)
    if text.startswith("["):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            try:  # elements written as arithmetic: [1/2, pi]
                data = constant_array(text)
            except NotConstant as e:
                raise _pointed(name, text, e, "an array of numbers",
                               'write arrays as [1, -2], [[1, 2], [3, 4]] or [1/2, pi]') \
                    from None
        return as_array(name, data, "")
    try:
        value = float(text)
        if not NUMBER.match(text) and math.isfinite(value):  # 1_000 and other digits
            raise ValueError(text)
    except ValueError:
        value = _arithmetic(name, text)
    if not math.isfinite(value):
        raise ValueProblem(f"{name}: {text} is not a finite number")
    return np.float64(value)


def _arithmetic(name: str, text: str):
    """A value written as arithmetic on numbers, pi and e: 1/2, 2*pi, -sqrt(2)."""
    try:
        value = constant(text)
    except NotConstant as e:
        raise _pointed(name, text, e, "a number",
                       f"write {give(name, '3')}, {give(name, '-0.5')}, {give(name, '1/2')}, "
                       f"{give(name, '2*pi')}, {give(name, repr('[1, 2]'))} or "
                       f"{give(name, '@file.json')}") from None
    if np.ndim(value):
        return value  # (an array literal that JSON refused: [1, 2,])
    return float(value)


def _pointed(name: str, text: str, e: NotConstant, what: str, hint: str) -> ValueProblem:
    """The error of a value that does not read, with a caret under the place in it."""
    message = f"{name}: {e.message}" if e.reason == "nonfinite" else \
        f"{name}: {text!r} is not {what} ({e.message})"
    return ValueTextError(message, text=f"--{name} {text}",
                          column=None if e.at is None else len(f"--{name} ") + e.at,
                          hint=hint)


class ValueTextError(ValueProblem):
    """A value that does not read, shown with a caret under the place in it: the place
    is in the value as typed, not in the program, so it has no line of the program."""

    def __init__(self, message: str, *, text: str, column: int | None,
                 hint: str | None = None) -> None:
        super().__init__(message, line=None if column is None else 1, column=column,
                         source=text, hint=hint)

    def where(self) -> str:
        return ""

    def to_json(self) -> dict:
        return {**super().to_json(), "line": None, "column": None}


def value_of(name: str, value, base: Path | None = None):
    """Any value a caller may give an input, as a float64 scalar or array: a number,
    nested lists, a numpy array, or text as typed on the command line (read_value)."""
    if isinstance(value, str):
        return read_value(name, value, base)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "iufb":
            raise ValueProblem(f"{name}: an array of {value.dtype}, not of numbers")
        check_shape(np.shape(value), name)
        return _checked(name, np.asarray(value, dtype=float), "")
    return as_array(name, value, "")


def as_array(name: str, data, where: str):
    """Nested lists of numbers → a float64 scalar or array, refusing anything else,
    and refusing a shape past the limits before numpy is asked to make it (the rules
    of datareader.array_of, the same for a file, a typed value and a document)."""
    try:
        return datareader.array_of(data, check_shape, f"{name}{where}")
    except DataFileError as e:
        raise ValueProblem(e.message, hint=e.hint) from None


def _checked(name: str, value: np.ndarray, where: str):
    """A float64 array refused if empty or not finite; a 0-d one becomes a scalar."""
    try:
        return datareader.checked(value, f"{name}{where}")
    except DataFileError as e:
        raise ValueProblem(e.message) from None


def read_file(name: str, path: Path):
    """A value from a file: .json (a number or nested lists), .npy, .csv/.txt (a table)."""
    return read_columns(name, path)


def read_columns(name: str, path: Path, columns: tuple[str, ...] = ()):
    """A file's data, or only the named columns of a table with a header, in the order
    given; one column gives a vector. The rules are datareader's (which an exported
    script carries too); the file is opened and measured by tasks/files.py."""
    label = f"{name}: "
    try:
        return datareader.read_data(
            path, columns, open_binary=lambda p: open_regular(p, label),
            load_bytes=lambda p: read_bytes(p, label),
            shape_check=lambda shape, what: check_shape(shape, f"{name}: {what}"))
    except DataFileError as e:
        raise ValueProblem(f"{name}: {e.message}", hint=e.hint) from None


def load_data(graph: Graph, base: Path | None = None, quiet: bool = False) -> Graph:
    """The graph with the value of every load(...) node read from its file.

    File names are relative to `base`, the folder of the program file (the current
    folder for a program typed on the command line). A problem with a file is a
    ValueProblem that points at the load(...) in the program.

    `quiet`: the folder came from a saved point (a document on stdin, the session), not
    from the user, and may be anywhere ("base": "/etc"); an error then names the file
    but says nothing of what it holds (no cell, no header, no column names).
    """
    if not any(node.is_data for node in graph.nodes):
        return graph
    folder = Path.cwd() if base is None else base
    nodes = list(graph.nodes)
    for i, node in enumerate(nodes):
        if node.data is None:
            continue
        file, columns = node.data
        path = expand(file)
        if not path.is_absolute():
            path = folder / path
        if not os.path.lexists(path):
            raise ValueProblem(
                f"{node.name}: no such file {path}", line=node.line, column=node.column,
                source=graph.source,
                hint=f"file names in load(...) are relative to {folder}, the folder of the "
                     "program file (or the current folder for a program typed on the "
                     "command line)")
        try:
            value = read_columns(node.name, path, columns)
        except ValueProblem as e:
            message, hint = e.message, e.hint
            if quiet:
                message = (f"{node.name}: {path} does not hold the data {node.text} reads; "
                           "what it holds is not shown, since a saved point chose its folder")
                hint = "run the program again from its file to see the details"
            raise ValueProblem(message, line=node.line, column=node.column,
                               source=graph.source, hint=hint) from None
        nodes[i] = replace(node, value=value)
    return replace(graph, nodes=tuple(nodes))


def refuse_unknown(graph: Graph, given: Mapping[str, object]) -> None:
    """Refuse values for names that are no input of the program (data, computed nodes,
    names it does not use), every one named, before any value is read."""
    names = graph.input_names
    unknown = [n for n in given if n not in names]
    if unknown:
        found = {n: graph.find(n) for n in unknown}
        data = [n for n, i in found.items() if i is not None and graph.nodes[i].is_data]
        if data:
            node = graph.nodes[found[data[0]] or 0]
            raise ValueProblem(
                f"{', '.join(data)} {'is' if len(data) == 1 else 'are'} data that the program "
                f"reads from a file ({node.name} = {node.text}), so cannot be given a value",
                hint=_inputs_hint(names))
        constants = [n for n in unknown if n in CONSTANTS and graph.find(n) is None]
        if constants:
            raise ValueProblem(
                f"{constants[0]} is a constant ({CONSTANTS[constants[0]]!r}), not an input: "
                "it takes no value", hint=_inputs_hint(names))
        computed = [n for n in unknown if graph.find(n) is not None]
        if computed:
            raise ValueProblem(
                f"{', '.join(computed)} {'is' if len(computed) == 1 else 'are'} computed by the "
                f"program, so cannot be given a value",
                hint=_inputs_hint(names))
        raise UnknownNames(f"the program does not use {', '.join(unknown)}",
                           names=unknown, inputs=list(names), hint=_inputs_hint(names))


def bind(
    graph: Graph,
    given: Mapping[str, Value],
    seed: int | None = None,
) -> dict[str, Value]:
    """Every input's value: given on the command line, else the program's default, else
    its random start. Unknown names and missing inputs are errors listing every one."""
    refuse_unknown(graph, given)
    rng = None
    values: dict[str, Value] = {}
    missing = []
    for i in graph.inputs:
        node = graph.nodes[i]
        if node.name in given:
            values[node.name] = given[node.name]
        elif node.value is not None:
            values[node.name] = node.value
        elif node.init is not None:
            rng = rng or np.random.default_rng(seed)
            values[node.name] = random_start(rng, *node.init)
        else:
            missing.append(node.name)
    if missing:
        _refuse_late(graph, missing)
        flags = " ".join(give(n) for n in missing)
        raise ValueProblem(
            f"no value for {', '.join(missing)}",
            hint=f"give {'it' if len(missing) == 1 else 'them'} {WHERE}: {flags}")
    return values


def _refuse_late(graph: Graph, missing: list[str]) -> None:
    """`g = f + z; f = x*y` with no value for f: the program computes f, but only after
    the statement that uses it, which therefore means an input f. Statements run in
    order: say that, rather than ask for a value of f. (With --f given, the program is
    fine: an input f, and later another f.)"""
    for name in missing:
        later = graph.names.get(name)
        used = graph.find_input(name)
        if later is not None and used is not None and later != used:
            node, use = graph.nodes[later], graph.nodes[used]
            raise ProgramError(f"{name} is assigned on line {node.line} after its use here",
                               line=use.line, column=use.column, source=graph.source,
                               hint=f"assign {name} before the statements that use it: they "
                                    "run in the order written (or give it a value: --"
                                    f"{name} VALUE)")


def random_start(rng: np.random.Generator, kind: str, shape: tuple[int, ...]):
    """The starting value that the initializer `kind` (uniform, randn, ...) makes."""
    value = INITIALIZERS[kind].make(rng, shape)
    return np.float64(value) if not shape else value


def _inputs_hint(names: tuple[str, ...]) -> str:
    return "its inputs are " + ", ".join(names) if names else "it has no inputs"
