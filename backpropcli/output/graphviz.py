"""The computation graph as Graphviz dot text, and as SVG laid out by Graphviz's `dot`
program: inputs on the left, the output on the right, every node and edge labelled
(picture.py says with what). User names stay in the labels, escaped for dot.
"""

from __future__ import annotations

import shutil
import subprocess

from ..core.engine import Evaluation
from ..core.errors import BackpropError, UsageError, give, param
from .picture import edges, kind, label_lines, needed, node_id
from .text import d

_DOT_STYLE = {
    "op": "",
    "input": ', fillcolor="#e8f0fe", color="#4a6fa5"',
    "constant": (', shape=circle, style=filled, fillcolor="#f3f3f3", color="#999999", '
                 'fontsize=9, width=0.3, margin=0.02'),
    "output": ', fillcolor="#fff2cc", color="#b8860b", penwidth=2.5, fontname="Helvetica-Bold"',
    "unused": ', style="rounded,dashed", color="#999999", fontcolor="#777777"',
}


def dot_quote(text: str) -> str:
    """A dot double-quoted string: backslashes and quotes escaped, line breaks as \\n.

    A lone backslash would start a dot escape (\\N is the node's name, \\l a left-justified
    line end), so every backslash is doubled before anything else is added; and Graphviz
    reads HTML entities (&amp;, &#38;) in every string, so & itself is written &amp;.
    """
    text = text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def dot(ev: Evaluation) -> str:
    """The graph as Graphviz dot text: inputs on the left, the output on the right."""
    out = ev.output.name
    used = needed(ev)
    title = f"computation graph of {out}: each node's value and gradient {d(out, 'node')}"
    parts = [
        "digraph backprop {",
        f"  graph [rankdir=LR, fontname=Helvetica, fontsize=12, labelloc=t, "
        f"label={dot_quote(title)}];",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname=Helvetica, '
        "fontsize=11];",
        '  edge [fontname=Helvetica, fontsize=9, color="#666666", fontcolor="#444444"];',
    ]
    for i in range(len(ev.graph.nodes)):
        label = dot_quote("\n".join(label_lines(ev, i, used[i])))
        parts.append(f"  {node_id(i)} [label={label}{_DOT_STYLE[kind(ev, i, used[i])]}];")
    for e in edges(ev):
        attrs = f" [label={dot_quote(e.label)}]" if e.label else ""
        parts.append(f"  {node_id(e.source)} -> {node_id(e.target)}{attrs};")
    parts.append("}")
    return "\n".join(parts) + "\n"


DOT_TIMEOUT = 60.0  # seconds: dot lays out a few thousand nodes in that time

INSTALL_DOT = ("install Graphviz, which provides the dot program: on Debian or Ubuntu "
               "`sudo apt-get install graphviz`, on macOS `brew install graphviz` "
               "(other systems: see graphviz.org/download); or write the dot text with "
               f"{give('format', 'dot')} and render it elsewhere")


def svg_of(ev: Evaluation) -> str:
    """The graph as SVG (the format "svg" of formats.GRAPH)."""
    return svg(dot(ev))


def png_of(ev: Evaluation) -> bytes:
    """The graph as a PNG picture (the format "png" of formats.GRAPH)."""
    return png(dot(ev))


def svg(dot_text: str, *, program: str = "dot", timeout: float = DOT_TIMEOUT) -> str:
    """Lay out dot text as SVG with Graphviz's dot program (which must be installed)."""
    return layout(dot_text, "svg", program=program, timeout=timeout).decode("utf-8", "replace")


# A PNG is pixels: at dot's 96 dpi for bitmaps the worked example is 559 px wide, too
# small for a slide or a printed page. At 240 dpi it is some 1 400 px wide; a large
# graph is kept within 40 inches a side (9 600 px), which dot scales it down to.
PNG_DPI = 240
PNG_MAX_INCHES = 40


def png(dot_text: str, *, program: str = "dot", timeout: float = DOT_TIMEOUT) -> bytes:
    """Lay out dot text as a PNG picture with Graphviz's dot program, at PNG_DPI."""
    return layout(dot_text, "png", program=program, timeout=timeout,
                  options=(f"-Gdpi={PNG_DPI}", f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}"))


def layout(dot_text: str, form: str, *, program: str = "dot",
           timeout: float = DOT_TIMEOUT, options: tuple[str, ...] = ()) -> bytes:
    """What `dot -T<form>` makes of the text (svg, png), with dot's other `options`."""
    exe = shutil.which(program)
    if exe is None:
        raise UsageError(f"{param('format')} {form} needs Graphviz's dot program, which is not "
                         "installed", hint=INSTALL_DOT)
    try:
        done = subprocess.run([exe, f"-T{form}", *options], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"dot did not finish within {timeout:g} s: the graph is too large "
                         "to lay out", hint=f"use {give('format', 'tree')}, or "
                         f"{give('format', 'dot')} > graph.dot and run dot on it yourself"
                         ) from None
    except OSError as e:
        raise UsageError(f"could not run {exe}: {e}", hint=INSTALL_DOT) from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackpropError(f"dot failed (exit code {done.returncode})"
                            + (f": {said[0]}" if said else ""),
                            hint=f"{give('format', 'dot')} shows the text that dot was given")
    return done.stdout
