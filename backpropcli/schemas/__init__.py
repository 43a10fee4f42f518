"""The JSON Schema of every document the commands write with --json (backprop/1), in
backprop-1.schema.json, shipped inside the package: `backprop schema` prints it, and the
tests hold every document to it. It is data, read as text, never imported as code."""

from __future__ import annotations

from importlib.resources import files

FILE = "backprop-1.schema.json"


def text() -> str:
    """The schema, exactly as the file holds it."""
    return (files(__name__) / FILE).read_text(encoding="utf-8")
