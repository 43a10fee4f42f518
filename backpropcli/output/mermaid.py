"""The computation graph as a Mermaid flowchart, which GitHub draws from a ```mermaid
block. Labels are escaped as Mermaid entities (picture.py says what they hold).
"""

from __future__ import annotations

from ..core.engine import Evaluation
from .picture import edges, kind, label_lines, needed, node_id

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
    kinds = [kind(ev, i, used[i]) for i in range(len(ev.graph.nodes))]
    present = set(kinds)
    parts = ["flowchart LR"]
    parts += [f"  classDef {k} {style}" for k, style in _MERMAID_CLASSES.items() if k in present]
    for i, what in enumerate(kinds):
        opening, closing = _MERMAID_SHAPE[what]
        label = mermaid_text("\n".join(label_lines(ev, i, used[i])))
        style = "" if what == "op" else f":::{what}"
        parts.append(f'  {node_id(i)}{opening}"{label}"{closing}{style}')
    for e in edges(ev):
        arrow = f'-->|"{mermaid_text(e.label)}"|' if e.label else "-->"
        parts.append(f"  {node_id(e.source)} {arrow} {node_id(e.target)}")
    return "\n".join(parts) + "\n"
