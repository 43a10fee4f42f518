"""Where a program stands, and reading it back from a document or the session.

A point is what every command goes on from: the program text, the output chosen, the
input values, the params a step moves, and the folder its data files are read from.
A JSON document (schema backprop/1) carries a point, so `step` can read one from a
pipe; the session file holds one too. The program is parsed again from its text, so
what is read back can never disagree with what the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ValueProblem
from ..core.graph import Value
from .jsontext import loads
from .values import as_array

SCHEMA = "backprop/1"


@dataclass(frozen=True)
class Point:
    """Where a program stands: what a document or the session holds to go on from."""

    program: str
    output: str
    inputs: dict[str, Value]
    params: list[str]
    base: Path | None = None  # the folder relative file names in the program are read from


def read_point(text: str, origin: str) -> Point:
    """The point a document stands at; `origin` names where it came from, for errors."""
    doc = loads(text, lambda why: ValueProblem(f"{origin} is not a valid JSON document ({why})"))
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
