"""The JSON document (schema backprop/1), written and read back.

One document per command on stdout. `value`, `inputs` and `gradients` are always at
the same point; `gradients` has every input (0 where the output does not depend on
it); arrays are nested lists. Numbers are never written as NaN or Infinity (invalid
JSON): the engine stops before a non-finite value, and anything non-finite that
still reaches a document (an error's context) is written as a string.

A document carries everything needed to go on from its point (program, inputs,
params, output), so `step` can read it from a pipe instead of the session.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engine import Evaluation
from .errors import BackpropError, ValueProblem
from .graph import CONST
from .values import as_array

SCHEMA = "backprop/1"


LAZY = 1000  # arrays with more elements are turned into lists only as they are written


def jsonable(v):
    """A float64 scalar or array as JSON numbers (nested lists for arrays).

    A large finite array stays an array until `dumps` writes it: as lists of Python
    floats it takes 4 times its memory, and a document holds many of them (values,
    local gradients, gradients), so only one is ever converted at a time."""
    if type(v) is np.float64 and math.isfinite(v):  # the common case, fast
        return float(v)
    if np.ndim(v) == 0:
        x = float(v)
        return x if np.isfinite(x) else str(x)
    a = np.asarray(v, dtype=float)
    if np.isfinite(a).all():
        return a if a.size > LAZY else a.tolist()
    cells = [float(x) if np.isfinite(x) else str(x) for x in a.ravel()]  # rare: error context
    return np.array(cells, dtype=object).reshape(a.shape).tolist()


# Characters json leaves raw that must not reach a terminal or a UTF-8 encoder: DEL and
# the C1 controls (a terminal reads \x9b as an escape), the line and paragraph
# separators, bidirectional overrides, and lone surrogates (from a file name or a
# program that is not valid UTF-8), which no encoder can write. Each becomes the JSON
# escape \uXXXX, which reads back as the same character.
_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def dumps(doc: dict, indent: int | None = None) -> str:
    """One JSON document and a new line: never NaN or Infinity, never a raw control."""
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False, indent=indent,
                      default=_array)
    if _RAW.search(text):
        text = _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n"


def _array(v) -> list:
    """An array kept for writing (jsonable): its lists, made now and dropped after."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"{type(v).__name__} is not JSON data")


@dataclass(frozen=True)
class Point:
    """Where a program stands: what a document or the session holds to go on from."""

    program: str
    output: str
    inputs: dict[str, object]
    params: list[str]
    base: Path | None = None  # the folder relative file names in the program are read from


def document(command: str, ev: Evaluation, point: Point, **extra) -> dict:
    graph = ev.graph
    nodes = graph.nodes
    out = []
    for i, node in enumerate(nodes):
        if not node.computed:
            continue
        local = ev.local[i]
        value = ev.values[i]
        out.append({
            "name": node.name,
            "op": node.op,
            "args": [nodes[j].name for j in node.args],
            "expr": node.text,
            "value": jsonable(value),
            "shape": list(getattr(value, "shape", ())),
            "local": None if local is None else [
                None if nodes[j].op == CONST else jsonable(loc)
                for j, loc in zip(node.args, local, strict=True)
            ],
            "grad": jsonable(ev.grad(i)),
        })
    doc = {
        "schema": SCHEMA,
        "command": command,
        "program": point.program,
        "output": ev.output.name,
        "value": jsonable(ev.value),
        "inputs": {k: jsonable(v) for k, v in ev.inputs().items()},
        "params": list(point.params),
        "gradients": {k: jsonable(v) for k, v in ev.gradients().items()},
        "nodes": out,
    }
    data = {node.name: {"file": node.data[0], "columns": list(node.data[1]) or None,
                        "shape": list(np.shape(ev.values[i]))}
            for i, node in enumerate(nodes) if node.is_data}
    if data:  # constants read by load(...): not inputs, never moved; `base` finds them again
        doc["data"] = data
    if point.base is not None:
        doc["base"] = str(point.base)
    doc.update(extra)
    return doc


def error_document(err: BackpropError, command: str | None) -> dict:
    return {"schema": SCHEMA, "command": command, "error": err.to_json(), **err.data}


def read_point(text: str, origin: str) -> Point:
    """The point a document stands at; `origin` names where it came from, for errors."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ValueProblem(f"{origin} is not a valid JSON document ({e})") from None
    return point_from(doc, origin)


def point_from(doc, origin: str, read_input=as_array) -> Point:
    """The point an already decoded document stands at (see read_point); `read_input`
    turns each saved input into its value."""
    if not isinstance(doc, dict):
        raise ValueProblem(f"{origin} is not a backprop document (not a JSON object)")
    if "error" in doc and "program" not in doc:
        msg = doc["error"].get("message") if isinstance(doc["error"], dict) else doc["error"]
        raise ValueProblem(f"{origin} holds an error from the command before: {msg}")
    if doc.get("schema") != SCHEMA:
        raise ValueProblem(f"{origin} is not a {SCHEMA} document "
                           f"(schema: {doc.get('schema')!r})")
    for key, kind in (("program", str), ("output", str), ("inputs", dict), ("params", list)):
        if not isinstance(doc.get(key), kind):
            raise ValueProblem(f"{origin}: the document has no valid {key!r}")
    if not all(isinstance(p, str) for p in doc["params"]):
        raise ValueProblem(f"{origin}: 'params' must be a list of names")
    inputs = {str(k): read_input(str(k), v, f" (in {origin})") for k, v in doc["inputs"].items()}
    base = doc.get("base")
    if base is not None and (not isinstance(base, str) or not base.strip()):
        raise ValueProblem(f"{origin}: 'base' must be the path of a folder")
    base = Path(base) if base is not None else None
    return Point(doc["program"], doc["output"], inputs, list(doc["params"]), base)
