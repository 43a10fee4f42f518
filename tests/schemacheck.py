"""Every document held to the shipped JSON Schema (backprop/1), for the tests.

The schema is read from the package, as `backprop schema` prints it, and compiled once
per test session. `checked` is what the `cli` and `backprop` fixtures call after every
run with --json, so the whole suite holds every document it makes to the schema; a
document that breaks it fails the test that made it, naming the key and the rule.
"""

from __future__ import annotations

import functools
import json

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from backpropcli import schemas


@functools.cache
def schema() -> dict:
    return json.loads(schemas.text())


@functools.cache
def validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())  # a schema that is itself valid
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def problem(doc) -> str | None:
    """What is most wrong with `doc` (where, and which rule), or None when it is valid."""
    if validator().is_valid(doc):  # half the time of collecting the errors
        return None
    error = best_match(validator().iter_errors(doc))
    assert error is not None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"at /{where}: {error.message[:500]} (rule {'/'.join(map(str, error.schema_path))})"


def assert_valid(doc, what: str = "the document") -> None:
    said = problem(doc)
    assert said is None, f"{what} is not a backprop/1 document: {said}"


def trimmed(doc, keep: int = 3):
    """`doc` with every list longer than 2·keep cut to its first and last `keep` items:
    every kind of object in it is still checked, in a time that does not grow with the
    document (a validator takes about 5 µs per number; a 10 000-question quiz or a
    network's arrays would take minutes)."""
    if isinstance(doc, dict):
        return {k: trimmed(v, keep) for k, v in doc.items()}
    if isinstance(doc, list):
        items = doc if len(doc) <= 2 * keep else doc[:keep] + doc[-keep:]
        return [trimmed(v, keep) for v in items]
    return doc


LARGE = 50_000  # characters of stdout past which the fixtures check a trimmed document


def checked(args: list[str], stdout: str) -> None:
    """After a run: with --json (as the app reads it: anywhere in the arguments), stdout
    is empty or exactly one document, and the document is valid (a large one trimmed:
    tests/cli/test_schema.py checks whole ones). `backprop schema` prints the schema
    itself, and --help its help."""
    if "--json" not in args or "--help" in args or "-h" in args or not stdout.strip():
        return
    try:
        doc = json.loads(stdout)
    except ValueError as e:
        raise AssertionError(f"--json wrote what is not one JSON document ({e}): "
                             f"{stdout[:300]!r}") from None
    if args and args[0] == "schema" and "error" not in doc:
        assert doc == schema()
        return
    assert_valid(doc if len(stdout) <= LARGE else trimmed(doc),
                 f"the document of backprop {' '.join(args)[:200]}")
