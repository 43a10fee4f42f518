"""Reading values: `--x 3`, `--x "[1, -2]"`, `--W @weights.json` (.json .npy .csv .txt),
and binding them to a program's inputs (defaults, random starts, what is missing).

Every value becomes a float64: a numpy scalar, or an array. A value that is not a
finite number, a ragged array, an unreadable file, a name the program does not use
and a missing input are all ValueProblems (exit 2), said with the name and the place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .cmdline import expand
from .errors import ValueProblem
from .graph import Graph


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
    except ValueError:
        raise ValueProblem(f"{name}: {text!r} is not a number",
                           hint=f"write --{name} 3, --{name} -0.5, --{name} '[1, 2]' "
                                f"or --{name} @file.json") from None
    if not math.isfinite(value):
        raise ValueProblem(f"{name}: {text} is not a finite number")
    return np.float64(value)


def as_array(name: str, data, where: str):
    """Nested lists of numbers → a float64 scalar or array, refusing anything else."""
    strangers = _not_numbers(data)
    if strangers:
        stranger = strangers[0]
        inside = "" if stranger is data else "an array holding "
        raise ValueProblem(f"{name}{where}: expected a number or an array of numbers, "
                           f"not {inside}{_json_type(stranger)}")
    try:
        value = np.array(data, dtype=float)
    except (ValueError, TypeError, RecursionError) as e:
        reason = "ragged array (rows of different lengths)" if "inhomogeneous" in str(e) \
            or "sequence" in str(e) else str(e)
        raise ValueProblem(f"{name}{where}: {reason}") from None
    if value.dtype != float:
        raise ValueProblem(f"{name}{where}: not an array of numbers")
    if value.size == 0:
        raise ValueProblem(f"{name}{where}: an empty array")
    if not np.isfinite(value).all():
        raise ValueProblem(f"{name}{where}: holds a value that is not a finite number")
    return np.float64(value) if value.ndim == 0 else value


def _not_numbers(data) -> list:
    """A leaf of nested lists that is not a number, in a list (empty if there is none).
    numpy would take true as 1, "3" as 3 and null as nan, so each leaf is looked at
    (with a stack: the nesting may be deep)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            return [item]
    return []


def _json_type(item) -> str:
    names = {bool: "true/false", str: "text", type(None): "null", dict: "an object"}
    return names.get(type(item), type(item).__name__)


def read_file(name: str, path: Path):
    """A value from a file: .json (a number or nested lists), .npy, .csv/.txt (a table)."""
    where = f" (from {path})"
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            try:
                data = np.load(path, allow_pickle=False)
            except ValueError as e:
                raise ValueProblem(f"{name}: {path} is not a numeric .npy file ({e})") from None
            if data.dtype.kind not in "iufb":
                raise ValueProblem(f"{name}: {path} holds {data.dtype}, not numbers")
            return as_array(name, data.astype(float).tolist(), where)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueProblem(f"{name}: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueProblem(f"{name}: cannot read {path} ({e})") from None
    if suffix == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as e:
            raise ValueProblem(f"{name}: {path} is not valid JSON ({e})") from None
        return as_array(name, data, where)
    if suffix in (".csv", ".txt", ".tsv", ".dat"):
        return read_table(name, path, text)
    raise ValueProblem(f"{name}: cannot read {path}: use .json, .npy, .csv or .txt")


def read_table(name: str, path: Path, text: str):
    """A table of numbers: a header row of names is skipped; one column gives a vector."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueProblem(f"{name}: {path} holds no numbers")
    import csv

    delimiter = "," if "," in lines[0] else "\t" if "\t" in lines[0] else None
    rows = list(csv.reader(lines, delimiter=delimiter)) if delimiter else \
        [ln.split() for ln in lines]
    numbers_from = 0
    if rows and not all(_is_number(c) for c in rows[0]):
        numbers_from = 1  # a header row
    data = []
    for r, row in enumerate(rows[numbers_from:], start=numbers_from + 1):
        cells = [c.strip() for c in row]
        values = []
        for c, cell in enumerate(cells, start=1):
            if not _is_number(cell):
                raise ValueProblem(f"{name}: {path}, row {r}, column {c}: {cell!r} is not a number")
            values.append(float(cell))
        if data and len(values) != len(data[0]):
            raise ValueProblem(f"{name}: {path}, row {r}: {len(values)} values, "
                               f"but the rows before have {len(data[0])}")
        data.append(values)
    if not data:
        raise ValueProblem(f"{name}: {path} holds a header but no numbers")
    value = np.array(data, dtype=float)
    return value[:, 0] if value.shape[1] == 1 else value


def _is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def bind(
    graph: Graph,
    given: Mapping[str, object],
    seed: int | None = None,
) -> dict[str, object]:
    """Every input's value: given on the command line, else the program's default, else
    its random start. Unknown names and missing inputs are errors listing every one."""
    names = graph.input_names
    unknown = [n for n in given if n not in names]
    if unknown:
        computed = [n for n in unknown if graph.find(n) is not None]
        if computed:
            raise ValueProblem(
                f"{', '.join(computed)} {'is' if len(computed) == 1 else 'are'} computed by the "
                f"program, so cannot be given a value",
                hint=_inputs_hint(names))
        raise ValueProblem(
            f"the program does not use {', '.join(unknown)}", hint=_inputs_hint(names))
    rng = None
    values: dict[str, object] = {}
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
        flags = " ".join(f"--{n} VALUE" for n in missing)
        raise ValueProblem(
            f"no value for {', '.join(missing)}",
            hint=f"give {'it' if len(missing) == 1 else 'them'} on the command line: {flags}")
    return values


def random_start(rng: np.random.Generator, kind: str, shape: tuple[int, ...]):
    value = rng.uniform(-1.0, 1.0, size=shape) if kind == "uniform" else \
        rng.standard_normal(size=shape)
    return np.float64(value) if not shape else value


def _inputs_hint(names: tuple[str, ...]) -> str:
    return "its inputs are " + ", ".join(names) if names else "it has no inputs"
