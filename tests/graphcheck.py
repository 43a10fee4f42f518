"""Structural checks of the dot and mermaid text `backprop graph` writes, for the tests.

They check what a renderer needs, without the renderer: dot is a digraph whose braces
balance outside strings, whose statements are node or edge statements with well-formed
ids, whose strings are closed and escaped, and whose edges join declared nodes. Mermaid
is a flowchart whose every line is a class definition, a node or an edge of the forms
written, with quoted labels in which quotes, brackets and the like only appear as entity
codes. Both return the labels decoded, so a test can compare them with what was meant.
"""

from __future__ import annotations

import html
import re

DOT_ID = re.compile(r"n\d+\Z")
_DOT_NODE = re.compile(r"(n\d+) \[(.*)\];\Z")
_DOT_EDGE = re.compile(r"(n\d+) -> (n\d+)(?: \[(.*)\])?;\Z")
_DOT_DEFAULTS = re.compile(r"(graph|node|edge) \[(.*)\];\Z")


def dot_strings(text: str) -> list[str]:
    """Every double-quoted string in `text`, decoded; fails on an unclosed string or a
    raw line break inside one, and on braces that do not balance outside strings."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            buf = []
            while True:
                assert j < len(text), "a string is not closed"
                ch = text[j]
                assert ch != "\n", "a raw line break inside a string"
                if ch == "\\":
                    nxt = text[j + 1]
                    buf.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
                    j += 2
                    continue
                if ch == '"':
                    break
                buf.append(ch)
                j += 1
            raw = "".join(buf)
            bare = re.sub(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", "", raw)
            assert "&" not in bare, f"an & that starts no entity in {raw!r}"
            out.append(html.unescape(raw))  # Graphviz reads entities in every string
            i = j + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            assert depth >= 0, "a } closes nothing"
        i += 1
    assert depth == 0, "braces do not balance"
    return out


def _attrs(text: str) -> dict[str, str]:
    """key=value pairs of a dot attribute list; values quoted or bare words/numbers."""
    pairs = re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[\w.#-]+)(?:, |\Z)', text)
    rebuilt = ", ".join(f"{k}={v}" for k, v in pairs)
    assert rebuilt == text, f"attributes do not parse: {text!r}"
    return {k: (dot_strings(v)[0] if v.startswith('"') else v) for k, v in pairs}


def check_dot(text: str) -> dict:
    """Check dot text; return {"labels": {id: label}, "edges": [(a, b, label)],
    "attrs": {id: attrs}}."""
    dot_strings(text)  # strings closed, braces balanced
    lines = text.rstrip("\n").split("\n")
    assert re.fullmatch(r"digraph \w+ \{", lines[0]), lines[0]
    assert lines[-1] == "}"
    labels: dict[str, str] = {}
    attrs: dict[str, dict] = {}
    edges: list[tuple[str, str, str | None]] = []
    for line in lines[1:-1]:
        stmt = line.strip()
        if m := _DOT_DEFAULTS.match(stmt):
            _attrs(m.group(2))
        elif m := _DOT_EDGE.match(stmt):
            a = _attrs(m.group(3)) if m.group(3) else {}
            edges.append((m.group(1), m.group(2), a.get("label")))
        elif m := _DOT_NODE.match(stmt):
            assert m.group(1) not in labels, f"node {m.group(1)} declared twice"
            a = _attrs(m.group(2))
            labels[m.group(1)] = a["label"]
            attrs[m.group(1)] = a
        else:
            raise AssertionError(f"not a dot statement: {line!r}")
    for a, b, _ in edges:
        assert a in labels and b in labels, f"edge {a} -> {b} joins an undeclared node"
    return {"labels": labels, "edges": edges, "attrs": attrs}


_M_NODE = re.compile(r'  (n\d+)(\[|\(\(|\()"([^"]*)"(\]|\)\)|\))(?::::(\w+))?\Z')
_M_EDGE = re.compile(r'  (n\d+) -->(?:\|"([^"]*)"\|)? (n\d+)\Z')
_M_CLASS = re.compile(r"  classDef \w+ [\w:#,.\- ]+\Z")
_PAIRS = {"[": "]", "(": ")", "((": "))"}
_ENTITY = re.compile(r"#(\d+|[a-z]+);")
_FORBIDDEN = set('"[](){}<>|`&')


def mermaid_label(raw: str) -> str:
    """Check a quoted mermaid label and decode it (entities, <br> line breaks)."""
    body = raw.replace("<br>", "\n")
    bare = _ENTITY.sub("", body)
    assert not (_FORBIDDEN & set(bare)), f"unescaped character in label {raw!r}"
    assert "#" not in bare, f"a # that starts no entity in {raw!r}"
    return _ENTITY.sub(lambda m: chr(int(m.group(1))) if m.group(1).isdigit()
                       else html.unescape(f"&{m.group(1)};"), body)


def check_mermaid(text: str) -> dict:
    """Check mermaid text; return {"labels": {id: label}, "edges": [...], "classes": {}}."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] in ("flowchart LR", "flowchart BT", "flowchart TD", "flowchart RL")
    labels: dict[str, str] = {}
    classes: dict[str, str | None] = {}
    edges: list[tuple[str, str, str | None]] = []
    for line in lines[1:]:
        if _M_CLASS.match(line):
            continue
        if m := _M_NODE.match(line):
            ident, opening, raw, closing, cls = m.groups()
            assert _PAIRS[opening] == closing, f"shape brackets do not match: {line!r}"
            assert ident not in labels, f"node {ident} defined twice"
            labels[ident] = mermaid_label(raw)
            classes[ident] = cls
        elif m := _M_EDGE.match(line):
            a, raw, b = m.groups()
            edges.append((a, b, None if raw is None else mermaid_label(raw)))
        else:
            raise AssertionError(f"not a node, edge or classDef line: {line!r}")
    for a, b, _ in edges:
        assert a in labels and b in labels, f"edge {a} --> {b} joins an undefined node"
    return {"labels": labels, "edges": edges, "classes": classes}
