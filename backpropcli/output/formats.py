"""The formats and targets, each a table: a name and what writes it, the file suffixes
that name it, text or bytes, and the key the JSON document (the schema) carries it
under. Options, help, validation, completion and the schema are made from these rows
(tests/unit/test_formats.py holds the schema to them).

Adding a graph format is a module with a function from an Evaluation to its text (or
bytes) and a row of GRAPH naming it as "module:function" (loaded when it is used).

A row is a named tuple and a table a plain class, not dataclasses: the command line
makes its options from them at every start, where making a dataclass costs ~0.2 ms."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module
from typing import NamedTuple


class Format(NamedTuple):
    name: str  # what --format / --to / format= take
    writer: str | None  # "module:function" in backpropcli.output; None: a terminal view
    help: str  # a few words for --help
    suffixes: tuple[str, ...] = ()  # file suffixes that name it (--save FILE)
    binary: bool = False  # bytes (a PNG), never written to a terminal
    schema: str | None = None  # the document's key that carries it (None: not carried)

    def write(self, *args, **kwargs) -> str | bytes:
        """What this format makes of its subject (an Evaluation, an Explanation...)."""
        if self.writer is None:
            raise ValueError(f"{self.name} is drawn by a terminal view, not written")
        module, _, function = self.writer.partition(":")
        writer: Callable = getattr(import_module(f"backpropcli.output.{module}"), function)
        return writer(*args, **kwargs)


class Registry:
    """The rows of one kind of format, in the order --help lists them; the first is the
    default."""

    __slots__ = ("rows", "what")

    def __init__(self, what: str, rows: tuple[Format, ...]) -> None:
        self.what = what  # "format", "target": what a row is called in messages
        self.rows = rows

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {self.rows!r})"

    def __iter__(self) -> Iterator[Format]:
        return iter(self.rows)

    def __getitem__(self, name: str) -> Format:
        return next(f for f in self.rows if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.rows)

    @property
    def default(self) -> str:
        return self.rows[0].name

    def by_suffix(self, suffix: str) -> str | None:
        """The format a file's suffix names (.svg: svg), or None."""
        return next((f.name for f in self.rows if suffix.lower() in f.suffixes), None)

    def said(self, names: tuple[str, ...] | None = None) -> str:
        """"dot, mermaid, svg or png": the names as a sentence lists them."""
        names = self.names if names is None else names
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"

    def helped(self) -> str:
        """Each format with its few words, as --help lists them."""
        first, *rest = self.rows
        words = [f"{first.name} (the default, {first.help})"] + [f"{f.name} ({f.help})"
                                                              for f in rest]
        return ", ".join(words[:-1]) + f" or {words[-1]}"


GRAPH = Registry("format", (
    Format("tree", None, "in the terminal"),
    Format("dot", "graphviz:dot", "Graphviz text", (".dot", ".gv"), schema="dot"),
    Format("mermaid", "mermaid:mermaid", "a flowchart GitHub draws", (".mmd", ".mermaid"),
           schema="mermaid"),
    Format("svg", "graphviz:svg_of", "made by Graphviz's dot program", (".svg",),
           schema="svg"),
    Format("png", "graphviz:png_of", "a picture made by Graphviz's dot program", (".png",),
           binary=True, schema="png"),
))

EXPLAIN = Registry("format", (
    Format("text", None, "the tables, in the terminal"),
    Format("markdown", "markdown:markdown", "for notes", (".md",)),
    Format("latex", "latex:latex", "align* environments, a fragment for a document that "
           "has \\usepackage{amsmath}", (".tex",)),
))

EXPORT = Registry("target", (
    Format("numpy", "export:script", "the backward pass written out by hand", (".py",),
           schema="numpy"),
    Format("torch", "export:script", "PyTorch's loss.backward()", (".py",), schema="torch"),
    Format("jax", "export:script", "jax.value_and_grad", (".py",), schema="jax"),
))

PLOT = Registry("suffix", (
    Format(".svg", "plot:save", "SVG", (".svg",)),
    Format(".png", "plot:save", "PNG", (".png",), binary=True),
    Format(".pdf", "plot:save", "PDF", (".pdf",), binary=True),
))

EXAM = Registry("format", (
    Format("markdown", "exam:markdown", "for handouts and notes", (".md", ".markdown")),
    Format("latex", "examtex:latex", "a whole document that pdflatex compiles alone",
           (".tex",)),
))
