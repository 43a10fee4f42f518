"""Reading values: `--x 3`, `--x "[1, -2]"`, `--W @weights.json` (.json .npy .csv .txt),
the data of `X = load("data.csv", "x1", "x2")`, and binding values to a program's
inputs (defaults, random starts, what is missing).

Every value becomes a float64: a numpy scalar, or an array. A value that is not a
finite number, a ragged array, an unreadable file, a name the program does not use
and a missing input are all ValueProblems (exit 2), said with the name and the place.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.errors import WHERE, ProgramError, UnknownNames, ValueProblem, give
from ..core.graph import Graph, Value
from ..core.limits import MAX_DIMS, check_shape
from ..core.ops import INITIALIZERS
from .files import expand, open_regular, read_text

# A number as a person writes it: 3, -4, 0.5, .5, 1e-3 (no 1_000, no nan, only 0-9).
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)


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
        except (ValueError, RecursionError) as e:
            raise ValueProblem(f"{name}: {text!r} is not an array of numbers ({e})",
                               hint='write arrays as [1, -2] or [[1, 2], [3, 4]]') from None
        return as_array(name, data, "")
    try:
        value = float(text)
        if not NUMBER.match(text) and math.isfinite(value):  # 1_000 and other digits
            raise ValueError(text)
    except ValueError:
        raise ValueProblem(f"{name}: {text!r} is not a number",
                           hint=f"write {give(name, '3')}, {give(name, '-0.5')}, "
                                f"{give(name, repr('[1, 2]'))} or {give(name, '@file.json')}"
                           ) from None
    if not math.isfinite(value):
        raise ValueProblem(f"{name}: {text} is not a finite number")
    return np.float64(value)


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
    and refusing a shape past the limits before numpy is asked to make it."""
    bad, stranger, shape = _inspect(data)
    if bad:
        inside = "" if stranger is data else "an array holding "
        if isinstance(stranger, int) and not isinstance(stranger, bool):
            raise ValueProblem(f"{name}{where}: {inside}a number too large for a float "
                               f"({len(str(abs(stranger)))} digits; the largest is about "
                               "1.8e308)")
        raise ValueProblem(f"{name}{where}: expected a number or an array of numbers, "
                           f"not {inside}{_json_type(stranger)}")
    check_shape(shape, f"{name}{where}")
    try:
        value = np.array(data, dtype=float)
    except (ValueError, TypeError, RecursionError, OverflowError) as e:
        reason = "ragged array (rows of different lengths)" if "inhomogeneous" in str(e) \
            or "sequence" in str(e) else str(e)
        raise ValueProblem(f"{name}{where}: {reason}") from None
    if value.dtype != float:
        raise ValueProblem(f"{name}{where}: not an array of numbers")
    return _checked(name, value, where)


def _checked(name: str, value: np.ndarray, where: str):
    """A float64 array refused if empty or not finite; a 0-d one becomes a scalar."""
    if value.size == 0:
        raise ValueProblem(f"{name}{where}: an empty array")
    if not np.isfinite(value).all():
        raise ValueProblem(f"{name}{where}: holds a value that is not a finite number")
    return np.float64(value) if value.ndim == 0 else value


def _inspect(data) -> tuple[bool, object, tuple[int, ...]]:
    """Whether nested lists hold a leaf that is not a number, that leaf, and the
    shape the lists would make (from their first elements; numpy finds raggedness).
    numpy would take true as 1, "3" as 3 and null as nan, and a 400-digit integer
    overflows a float, so each leaf is looked at (with a stack: the nesting may be
    deep, and is refused past limits.MAX_DIMS)."""
    shape: list[int] = []
    probe = data
    while isinstance(probe, list) and len(shape) <= MAX_DIMS:
        shape.append(len(probe))
        probe = probe[0] if probe else None
    stack = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list):
            if depth >= MAX_DIMS:
                return False, None, (1,) * (MAX_DIMS + 1)  # too deep: check_shape says so
            stack.extend((x, depth + 1) for x in item)
        elif not _number(item):
            return True, item, ()
    return False, None, tuple(shape)


def _number(item) -> bool:
    """A JSON number that a float can hold (not true/false, not a 400-digit integer)."""
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        return False
    return not isinstance(item, int) or item.bit_length() <= 1024


def _json_type(item) -> str:
    names = {bool: "true/false", str: "text", type(None): "null", dict: "an object"}
    return names.get(type(item), type(item).__name__)


def read_file(name: str, path: Path):
    """A value from a file: .json (a number or nested lists), .npy, .csv/.txt (a table)."""
    where = f" (from {path})"
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return read_npy(name, path)
    if suffix not in (".json", *TABLES):
        open_regular(path, f"{name}: ").close()  # a folder or a missing file says so first
        raise ValueProblem(f"{name}: cannot read {path}: use .json, .npy, .csv or .txt")
    text = read_text(path, f"{name}: ", encoding="utf-8-sig")
    if suffix == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as e:
            raise ValueProblem(f"{name}: {path} is not valid JSON ({e})") from None
        return as_array(name, data, where)
    return read_table(name, path, text)


def read_npy(name: str, path: Path):
    """A .npy file of numbers. Its header is read and checked first: the shape it
    claims must be within the limits, and the file long enough to hold it, before
    numpy reads the data (never with pickle)."""
    fmt = np.lib.format
    with open_regular(path, f"{name}: ") as f:
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = fmt.read_array_header_1_0(f)
            else:
                shape, _, dtype = fmt.read_array_header_2_0(f)
        except (ValueError, OSError, SyntaxError, TypeError, OverflowError) as e:
            raise ValueProblem(f"{name}: {path} is not a numeric .npy file "
                               f"({_first_line(e)})",
                               hint="save one with numpy.save; an .npz archive is not "
                                    "read") from None
        if dtype.kind not in "iufb" or dtype.hasobject:
            raise ValueProblem(f"{name}: {path} holds {dtype}, not numbers")
        check_shape(shape, f"{name}: {path}")
        need = int(np.prod(shape, dtype=object)) * dtype.itemsize
        have = os.fstat(f.fileno()).st_size - f.tell()
        if need > have:
            raise ValueProblem(f"{name}: {path} is shorter than its header says "
                               f"({have} bytes of data for shape {tuple(shape)})")
        f.seek(0)
        try:
            data = fmt.read_array(f, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise ValueProblem(f"{name}: {path} is not a numeric .npy file "
                               f"({_first_line(e)})") from None
    return _checked(name, np.asarray(data, dtype=float), where=f" (from {path})")


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:200]


TABLES = (".csv", ".txt", ".tsv", ".dat")


def read_table(name: str, path: Path, text: str):
    """A table of numbers: a header row of names is skipped; one column gives a vector."""
    _, value = table(name, path, text)
    return value[:, 0] if value.shape[1] == 1 else value


def table(name: str, path: Path, text: str) -> tuple[list[str] | None, np.ndarray]:
    """The header (None without one) and the numbers of a table, always 2-d.

    Cells are separated by commas, else tabs, else spaces; blank lines and lines
    starting with # are skipped. A first row that is not all numbers is the header.
    Errors give the file's own line number and the cell's column (and its name).
    """
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueProblem(f"{name}: {path} holds no numbers")
    # csv only for a table (0.5 ms that every other command would pay at start-up)
    import csv  # noqa: PLC0415

    first = lines[0][1]
    delimiter = "," if "," in first else "\t" if "\t" in first else None
    texts = [ln for _, ln in lines]
    rows = list(csv.reader(texts, delimiter=delimiter)) if delimiter else \
        [ln.split() for ln in texts]
    numbers = [n for n, _ in lines]
    header = None
    if not all(_is_number(c) for c in rows[0]):
        header = [c.strip() for c in rows[0]]
        rows, numbers = rows[1:], numbers[1:]
    data: list[list[float]] = []
    for line, row in zip(numbers, rows, strict=True):
        values = []
        for c, cell in enumerate(row, start=1):
            if not _is_number(cell):
                column = f"column {c}" + (f" ({header[c - 1]})" if header and
                                          c <= len(header) else "")
                raise ValueProblem(f"{name}: {path}, line {line}, {column}: "
                                   f"{_cell(cell)} is not a number")
            values.append(float(cell))
        width = len(data[0]) if data else len(header) if header else len(values)
        if len(values) != width:
            before = "the rows before have" if data else "the header has"
            raise ValueProblem(f"{name}: {path}, line {line}: {len(values)} values, "
                               f"but {before} {width}")
        data.append(values)
    if not data:
        raise ValueProblem(f"{name}: {path} holds a header but no numbers")
    return header, np.array(data, dtype=float)


def _cell(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def read_columns(name: str, path: Path, columns: tuple[str, ...] = ()):
    """A file's data (read_file), or only the named columns of a table with a header,
    in the order given; one column gives a vector."""
    if not columns:
        return read_file(name, path)
    if path.suffix.lower() not in TABLES:
        raise ValueProblem(f"{name}: columns can only be chosen from a table (.csv or .txt "
                           f"with a header row), not from {path.name}",
                           hint="leave out the column names to load the whole file")
    header, value = table(name, path, read_text(path, f"{name}: ", encoding="utf-8-sig"))
    if header is None:
        raise ValueProblem(f"{name}: {path} has no header row naming its columns",
                           hint="add a first line of names (x1,x2,y), or leave out the "
                                "column names to load every column")
    chosen = []
    for col in columns:
        if col not in header:
            close = difflib.get_close_matches(col, header, n=1)
            raise ValueProblem(f"{name}: {path} has no column {col!r}",
                               hint=(f"did you mean {close[0]!r}? " if close else "")
                               + "its columns are " + ", ".join(header))
        chosen.append(header.index(col))
    value = value[:, chosen]
    return value[:, 0] if len(chosen) == 1 else value


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


def _is_number(cell: str) -> bool:
    cell = cell.strip()
    return bool(NUMBER.match(cell)) and math.isfinite(float(cell))


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
