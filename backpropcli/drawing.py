"""The computation graph as a picture: Graphviz dot text, a Mermaid flowchart, SVG made by
Graphviz's `dot` program, the graph as JSON data, and the plan of the terminal tree.

Every picture is annotated with each node's value and its gradient ∂output/∂node, and each
edge (operand → user, one edge per use) with the local derivative ∂user/∂operand where the
op has one. Node ids come from the node's position in the graph (n0, n1, ...), never from
id() or hashing, so the same program gives the same text on every run; user names stay in
the labels, where they are escaped for the target language.

Everything here is a plain loop over the graph or an explicit stack: a 100 000-node program
gives its dot and mermaid text without recursion. The terminal tree is planned here (which
nodes are drawn in full, which are references, what is left out and how much) and drawn by
render.py, so its arithmetic can be tested without Rich.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import fmt
from .engine import Evaluation
from .errors import BackpropError, UsageError

FORMATS = ("tree", "dot", "mermaid", "svg")

# ---------------------------------------------------------------------------
# What a node and an edge say, as lines of plain text (escaped later, per language).


def node_id(i: int) -> str:
    """The stable id of node i in dot and mermaid: its position in the graph."""
    return f"n{i}"


def value_text(v) -> str:
    """A value on one short line: -12, [1, -2], or (3, 4) array in [-1, 2]."""
    return fmt.number(v) if _scalar(v) else fmt.brief(v)


def shape_shown(v, text: str) -> bool:
    """Whether a value's text already tells its shape: a number, or a big array's summary
    "(3, 4) array in [-1, 2]"; a small array's elements ([1, -2]) do not say it."""
    return _scalar(v) or text.startswith(fmt.shape(np.shape(v)))


def _scalar(v) -> bool:
    # float64 and the rules' plain 1 and -1 are the common case: answered without numpy,
    # which matters for a 100 000-node picture.
    return isinstance(v, (int, float)) or np.ndim(v) == 0


def d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


def needed(ev: Evaluation) -> list[bool]:
    """Which nodes the output depends on (itself included)."""
    return ev.graph.ancestors(ev.graph.output)


def label_lines(ev: Evaluation, i: int, used: bool = True) -> list[str]:
    """A node's label: what it computes, its value (and shape), its gradient.

    f = x * y      an op node reads as its formula,
    = -12          then its value,
    ∂g/∂f = 1      then ∂output/∂node.
    An input reads `x = 3`; a constant is just its number.
    """
    node = ev.graph.nodes[i]
    v = ev.values[i]
    if node.is_const:
        return [node.name]
    out = ev.output.name
    value = value_text(v)
    lines = [f"{node.name} = {value}"] if node.is_input else [
        f"{node.name} = {node.text}", f"= {value}"]
    if not shape_shown(v, value):
        lines.append(f"shape {fmt.shape(np.shape(v))}")
    if used:
        lines.append(f"{d(out, node.name)} = {value_text(ev.grad(i))}")
    else:
        lines.append(f"{out} does not depend on {node.name}")
    return lines


@dataclass(frozen=True)
class Edge:
    """One use of an operand: operand → user, with ∂user/∂operand where it is one number
    or array (elementwise ops); a matrix product or a reduction only has the product."""

    source: int
    target: int
    slot: int
    local: object = None
    label: str = ""


def edges(ev: Evaluation) -> list[Edge]:
    """Every use of every operand, in the order the users are computed."""
    nodes = ev.graph.nodes
    out: list[Edge] = []
    for i, node in enumerate(nodes):
        for k, j in enumerate(node.args):
            loc = None if ev.local[i] is None or nodes[j].is_const else ev.local[i][k]
            label = "" if loc is None else f"{d(node.name, nodes[j].name)} = {value_text(loc)}"
            out.append(Edge(j, i, k, loc, label))
    return out


def _kind(ev: Evaluation, i: int, used: bool) -> str:
    """The style class of a node: output, input, constant, unused, or plain (an op)."""
    node = ev.graph.nodes[i]
    if i == ev.graph.output:
        return "output"
    if node.is_const:
        return "constant"
    if not used:
        return "unused"
    return "input" if node.is_input else "op"


# ---------------------------------------------------------------------------
# Graphviz dot

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
        parts.append(f"  {node_id(i)} [label={label}{_DOT_STYLE[_kind(ev, i, used[i])]}];")
    for e in edges(ev):
        attrs = f" [label={dot_quote(e.label)}]" if e.label else ""
        parts.append(f"  {node_id(e.source)} -> {node_id(e.target)}{attrs};")
    parts.append("}")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------
# Mermaid

# Inside a quoted mermaid label, "#name;" and "#123;" are entity codes. Everything that
# could end the label or be read as syntax or HTML is written as one: the quote, the
# brackets, < > &, the pipe that delimits an edge label, the backtick of markdown
# strings, and # itself (so that a name like c#1 can never form an entity by accident).
_MERMAID_ENTITIES = {
    "#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;",
    "[": "#91;", "]": "#93;", "(": "#40;", ")": "#41;", "{": "#123;", "}": "#125;",
    "|": "#124;", "`": "#96;",
}
_MERMAID_TABLE = str.maketrans(_MERMAID_ENTITIES)

_MERMAID_SHAPE = {  # (opening, closing) around the quoted label
    "op": ("[", "]"),
    "input": ("(", ")"),
    "constant": ("((", "))"),
    "output": ("[", "]"),
    "unused": ("[", "]"),
}

# Filled classes set a dark text colour: GitHub's dark theme writes light text otherwise.
_MERMAID_CLASSES = {
    "input": "fill:#e8f0fe,stroke:#4a6fa5,color:#222222",
    "constant": "fill:#f3f3f3,stroke:#999999,color:#222222,font-size:11px",
    "output": "fill:#fff2cc,stroke:#b8860b,stroke-width:3px,color:#222222",
    "unused": "stroke:#999999,stroke-dasharray: 5 5,color:#777777",
}


def mermaid_text(text: str) -> str:
    """Plain text made safe for a quoted mermaid label (line breaks become <br>)."""
    text = text.translate(_MERMAID_TABLE)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def mermaid(ev: Evaluation) -> str:
    """The graph as a Mermaid flowchart (GitHub draws it in a ```mermaid block)."""
    used = needed(ev)
    kinds = [_kind(ev, i, used[i]) for i in range(len(ev.graph.nodes))]
    present = set(kinds)
    parts = ["flowchart LR"]
    parts += [f"  classDef {k} {style}" for k, style in _MERMAID_CLASSES.items() if k in present]
    for i, kind in enumerate(kinds):
        opening, closing = _MERMAID_SHAPE[kind]
        label = mermaid_text("\n".join(label_lines(ev, i, used[i])))
        style = "" if kind == "op" else f":::{kind}"
        parts.append(f'  {node_id(i)}{opening}"{label}"{closing}{style}')
    for e in edges(ev):
        arrow = f'-->|"{mermaid_text(e.label)}"|' if e.label else "-->"
        parts.append(f"  {node_id(e.source)} {arrow} {node_id(e.target)}")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------
# SVG through Graphviz

DOT_TIMEOUT = 60.0  # seconds: dot lays out a few thousand nodes in that time

INSTALL_DOT = ("install Graphviz, which provides the dot program: on Debian or Ubuntu "
               "`sudo apt-get install graphviz`, on macOS `brew install graphviz` "
               "(other systems: see graphviz.org/download); or write the dot text with "
               "--format dot and render it elsewhere")


def svg(dot_text: str, *, program: str = "dot", timeout: float = DOT_TIMEOUT) -> str:
    """Lay out dot text as SVG with Graphviz's dot program (which must be installed)."""
    exe = shutil.which(program)
    if exe is None:
        raise UsageError("--format svg needs Graphviz's dot program, which is not installed",
                         hint=INSTALL_DOT)
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"dot did not finish within {timeout:g} s: the graph is too large "
                         "to lay out", hint="use --format tree, or --format dot > graph.dot "
                         "and run dot on it yourself") from None
    except OSError as e:
        raise UsageError(f"could not run {exe}: {e}", hint=INSTALL_DOT) from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackpropError(f"dot failed (exit code {done.returncode})"
                            + (f": {said[0]}" if said else ""),
                            hint="--format dot shows the text that dot was given")
    return done.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# JSON data

def data(ev: Evaluation, jsonable: Callable[[object], object]) -> dict:
    """The graph as data: every node (inputs and constants too) and every edge.

    `jsonable` turns a number or an array into JSON (report.jsonable).
    """
    nodes = ev.graph.nodes
    out_nodes = []
    for i, node in enumerate(nodes):
        out_nodes.append({
            "id": node_id(i),
            "name": node.name,
            "op": node.op,
            "expr": node.text if node.computed else None,
            "value": jsonable(ev.values[i]),
            "shape": list(np.shape(ev.values[i])),
            "grad": None if node.is_const else jsonable(ev.grad(i)),
            "output": i == ev.graph.output,
        })
    out_edges = [{"from": node_id(e.source), "to": node_id(e.target), "slot": e.slot,
                  "local": None if e.local is None else jsonable(e.local)}
                 for e in edges(ev)]
    return {"nodes": out_nodes, "edges": out_edges}


# ---------------------------------------------------------------------------
# The terminal tree, planned: from the output down to the inputs.

TREE_LINES = 60  # rows the default tree may use, about a screen
TREE_DEPTH = 10  # levels below the output the default tree opens
FOLD = 12  # deeper than this, a subtree is continued below at the left margin

# Row kinds
FULL = "full"  # a node drawn in full; its operands follow one level deeper
CUT = "cut"  # a node drawn, its operands left out (row.hidden counts what they add)
REF = "ref"  # a node already drawn above: a short reference
CONST = "const"  # a constant, one short line
FOLDED = "folded"  # a node drawn in full whose operands are continued below
RESUME = "resume"  # the head of such a continuation, at the left margin


@dataclass(frozen=True)
class Row:
    node: int
    kind: str
    lead: str  # tree guides before the label: "│  ├─ "
    hidden: int = 0  # CUT: nodes left out below it and not counted anywhere else


@dataclass(frozen=True)
class TreePlan:
    rows: tuple[Row, ...]
    total: int  # nodes the output depends on (constants not counted)
    shown: int  # of these, drawn (in full or cut)
    hidden: int  # of these, left out: total - shown, the sum of the CUT rows' counts
    unused: tuple[int, ...]  # nodes the output does not depend on (not drawn)


def tree_plan(ev: Evaluation, full: bool = False, lines: int = TREE_LINES,
              depth: int = TREE_DEPTH, fold: int = FOLD) -> TreePlan:
    """Plan the tree: which nodes open, in which order the rows come, what is left out.

    Which nodes open is decided breadth-first from the output, so that what is near the
    output is seen first: a node opens while its operands' rows fit in `lines` and it is
    less than `depth` levels down (unless `full`). The rows then follow depth-first, in
    the order they are printed: a node reached again is a reference to its first row
    (always above it); a node that does not open is drawn with a count of the hidden
    nodes below it, each hidden node counted by one such row only. Rows deeper than
    `fold` continue at the left margin after the tree, because a terminal (and Rich's
    Tree) has no room for a hundred levels of guides.
    """
    graph = ev.graph
    nodes = graph.nodes
    n = len(nodes)
    root = graph.output
    used = graph.ancestors(root)
    opens = _opening(nodes, root, None if full else lines, None if full else depth)

    # Drawn somewhere: the nodes that open, and every operand of those.
    drawn_set = list(opens)
    for i in range(n):
        if opens[i]:
            for j in nodes[i].args:
                drawn_set[j] = True

    rows: list[Row] = []
    drawn = [False] * n
    later: deque[int] = deque()  # nodes whose operands are continued below
    # Stack entries: (node, level, lead of the row, lead of its operands' rows).
    stack: list[tuple[int, int, str, str]] = [(root, 0, "", "")]
    while stack or later:
        if not stack:
            i = later.popleft()
            rows.append(Row(i, RESUME, ""))
            _push_operands(stack, nodes[i].args, 1, "")
            continue
        i, level, lead, inner = stack.pop()
        node = nodes[i]
        if node.is_const:
            rows.append(Row(i, CONST, lead))
        elif drawn[i]:
            rows.append(Row(i, REF, lead))
        elif not opens[i]:
            drawn[i] = True
            rows.append(Row(i, CUT if node.args else FULL, lead))
        elif level >= fold:
            drawn[i] = True
            rows.append(Row(i, FOLDED, lead))
            later.append(i)
        else:
            drawn[i] = True
            rows.append(Row(i, FULL, lead))
            _push_operands(stack, node.args, level + 1, inner)

    rows = _count_hidden(nodes, rows, drawn_set)
    total = sum(1 for i in range(n) if used[i] and not nodes[i].is_const)
    shown = sum(drawn)
    hidden = sum(r.hidden for r in rows)
    unused = tuple(i for i in range(n) if not used[i] and not nodes[i].is_const)
    return TreePlan(tuple(rows), total, shown, hidden, unused)


def _count_hidden(nodes, rows: list[Row], drawn: list[bool]) -> list[Row]:
    """Give each CUT row the number of hidden nodes it leads to, counting each once.

    A hidden operand belongs to the first CUT row (in print order) that uses it directly;
    then, in print order, each CUT row walks down from the operands it owns and takes every
    hidden node not yet taken. So the counts add up to all hidden nodes, and a row whose
    own operand is hidden always counts it.
    """
    owner: dict[int, int] = {}  # hidden node → the row that counts it
    cuts = [r for r, row in enumerate(rows) if row.kind == CUT]
    for r in cuts:
        for j in nodes[rows[r].node].args:
            if not drawn[j] and not nodes[j].is_const and j not in owner:
                owner[j] = r
    out = list(rows)
    for r in cuts:
        stack = [j for j in set(nodes[rows[r].node].args) if owner.get(j) == r]
        count = len(stack)
        while stack:
            for a in nodes[stack.pop()].args:
                if not drawn[a] and not nodes[a].is_const and a not in owner:
                    owner[a] = r
                    count += 1
                    stack.append(a)
        out[r] = Row(rows[r].node, CUT, rows[r].lead, count)
    return out


def _push_operands(stack: list, args: tuple[int, ...], level: int, inner: str) -> None:
    # Pushed last to first, so that the first operand is popped (printed) first.
    for k in range(len(args) - 1, -1, -1):
        last = k == len(args) - 1
        stack.append((args[k], level, inner + ("└─ " if last else "├─ "),
                      inner + ("   " if last else "│  ")))


def _opening(nodes, root: int, lines: int | None, depth: int | None) -> list[bool]:
    """Breadth-first from the output: the nodes that open while the budget lasts.

    Opening a node costs one row per operand (each use is a row: a node, a reference or
    a constant), and the output's own row costs one.
    """
    opens = [False] * len(nodes)
    used = 1
    seen = {root}
    queue: deque[tuple[int, int]] = deque([(root, 0)])
    while queue:
        i, level = queue.popleft()
        node = nodes[i]
        if not node.computed:
            continue
        if depth is not None and level >= depth:
            break  # breadth-first: every node after this one is as deep or deeper
        if lines is not None and used + len(node.args) > lines:
            break
        opens[i] = True
        used += len(node.args)
        for j in node.args:
            if j not in seen:
                seen.add(j)
                queue.append((j, level + 1))
    return opens
