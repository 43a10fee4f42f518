"""graph: the computation graph of a program as a picture in one of the formats of
output/formats.py (GRAPH): its text (dot, mermaid, svg) or bytes (png), or the tree the
terminal draws."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..output.formats import GRAPH, Format
from . import checks
from .evaluating import evaluate
from .results import Renderable, Result, Shown
from .source import merged

if TYPE_CHECKING:
    from .source import Program


@dataclass(frozen=True, repr=False, eq=False)
class Picture(Shown):
    """A program's graph in a format: `.data`, its text (dot, mermaid, svg) or bytes
    (png), None for the tree (which only a terminal draws: repr() shows it); `.result`,
    the evaluation drawn."""

    format: str
    data: str | bytes | None
    result: Result

    @property
    def row(self) -> Format:
        """The format's row in output/formats.py: its suffixes, text or bytes."""
        return GRAPH[self.format]

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        if self.data is None:
            return views.graph_tree(self.result.evaluation, full)
        return views.plain(self.data if isinstance(self.data, str)
                           else f"({len(self.data)} bytes of {self.format})")


@checks.keywords
def graph(program: Program, values: Mapping[str, object] | None = None, /, *,
          format: str = GRAPH.default, output: str | None = None, seed: int | None = None,
          base: str | os.PathLike[str] | None = None, **inputs: object) -> Picture:
    """The computation graph of a program, every node with its value and gradient and
    every edge with its local derivative, in `format`: "tree" (the default, drawn by the
    terminal), "dot" (Graphviz text), "mermaid" (a flowchart GitHub draws), "svg" (text)
    or "png" (bytes), both made by Graphviz's dot program, which must be installed.
    The program and the rest as for evaluate(); a bad argument raises BackpropError."""
    form = checks.choice(format, "format", GRAPH.names)
    result = evaluate(program, merged(values, inputs), output=output, seed=seed, base=base)
    row = GRAPH[form]
    data = None if row.writer is None else row.write(result.evaluation)
    return Picture(form, data, result)
