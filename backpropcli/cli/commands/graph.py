"""`backprop graph`: the computation graph as the terminal's tree, or a picture in a
format of output/formats.py (GRAPH), to stdout or a file (--save)."""

from __future__ import annotations

import base64
from pathlib import Path

from ... import api
from ...api import UsageError
from ...output import document as doc
from ...output.formats import GRAPH
from ...output.text import visible
from .. import options as o
from ..handling import options, program, views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec

PICTURES = tuple(f.name for f in GRAPH if f.writer is not None)  # what --save can write


def run_graph(line: CommandLine, env: Env) -> Outcome:
    save = line.text("save")
    form = _picture_format(line, save, env.json)
    picture = api.graph(program(line, env), line.values, format=form,
                        **options(line, "output", "seed"))
    ev, data = picture.result.evaluation, picture.data
    if isinstance(data, str):
        data = visible(data)

    def document() -> dict:
        extra = {}
        key = GRAPH[form].schema
        if data is not None and key is not None:  # the picture comes along; bytes as base64
            extra[key] = data if isinstance(data, str) else \
                base64.b64encode(data).decode("ascii")
        return doc.document("graph", ev, picture.result.point, **doc.graph_fields(ev), **extra)

    if save is not None and data is not None and not env.json:
        encoded = data if isinstance(data, bytes) else data.encode("utf-8")
        api.save_file(save, encoded, "--save: ")
        return Outcome(document=document, text="", note=f"wrote the {form} picture to {save}")
    if isinstance(data, bytes):
        return Outcome(document=document, data=data)
    return Outcome(document=document,
                   view=lambda: views().graph_tree(ev, line.flag("full")), text=data,
                   terminal_note="(SVG text; to keep it: > graph.svg, or --save graph.svg)"
                   if form == "svg" else None)


def _picture_format(line: CommandLine, save: str | None, as_json: bool) -> str:
    """--format, or the one --save's suffix names; refused where they disagree (a PNG
    file with SVG in it) or where nothing is written to the file."""
    named = GRAPH.by_suffix(Path(save).suffix) if save is not None else None
    form = o.choice(line, "format", GRAPH, named)
    if save is None:
        return form
    if as_json or GRAPH[form].writer is None:
        raise UsageError(f"--save writes a picture: {GRAPH.said(PICTURES)}",
                         hint=f"add --format {GRAPH.said(PICTURES)}; or redirect: > FILE")
    if named is not None and named != form:
        raise UsageError(f"--save {save} names a {named} file, but --format {form} writes "
                         f"{form}", hint=f"--format {named}, or a file ending in "
                         f"{GRAPH[form].suffixes[0]}")
    return form


SPEC = Spec(
    "graph", f"The computation graph as a tree, or a picture ({', '.join(PICTURES)}).",
    "Draw the computation graph of PROGRAM, each node with its value and its gradient "
    "(∂output/∂node), and each edge with the local derivative where there is one. The "
    "tree shows it in the terminal from the output down to the inputs; "
    f"{', '.join(PICTURES[:-1])} and {PICTURES[-1]} make a picture. Without PROGRAM, "
    "graph draws the JSON document on stdin, or else the session.",
    ("backprop graph samples/seed.bp",
     "backprop graph samples/seed.bp --format svg > seed.svg",
     "backprop graph samples/seed.bp --format png --save seed.png",
     'backprop graph "g = x*y + z" --x 3 --y -4 --z 2 --format mermaid',
     "backprop graph samples/micrograd.bp --format dot | dot -Tpng > micrograd.png"),
    (*o.PROGRAM, o.GRAPH_FORMAT, o.SAVE, o.DIGITS, o.GRAPH_FULL, o.IGNORE_STDIN, o.JSON),
    run_graph, rank=9)
