"""Names and numbers in an exported script (output/export.py): the script's identifier
for each node's value and gradient, floats written exactly, and the op table's rules
spelled for a numpy script (np.exp, the kernels by name, the statics as arguments).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import keyword
import re
from collections.abc import Sequence

import numpy as np

from ..core import kernels
from ..core.graph import Graph
from ..core.kernels import NAMESPACE
from ..tasks import datareader
from . import export_text as parts

# ---------------------------------------------------------------------------
# Names: the program's own where they are safe, else renamed

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Names:
    """The script's identifier for each node's value and gradient. A program's name is
    kept where it is a valid identifier and nothing the script itself uses (keywords,
    builtins, np, torch, json, its own functions); otherwise it gets a suffix."""

    def __init__(self, graph: Graph, to: str) -> None:
        self.taken: set[str] = set(reserved(to))
        self.value: dict[int, str] = {}
        self.grad: dict[int, str] = {}
        for i, node in enumerate(graph.nodes):
            if not node.is_const or node.is_data:
                self.value[i] = self._claim(node.name.replace("#", "_"))

    def _claim(self, wanted: str) -> str:
        if not IDENT.match(wanted):
            wanted = "v"
        candidate, k = wanted, 1
        while candidate in self.taken or keyword.iskeyword(candidate) \
                or (candidate.startswith("__") and candidate.endswith("__")):
            k += 1
            candidate = f"{wanted}_" if k == 2 else f"{wanted}_{k}"
        self.taken.add(candidate)
        return candidate

    def gradient(self, i: int) -> str:
        if i not in self.grad:
            self.grad[i] = self._claim("d" + self.value[i])
        return self.grad[i]


def reserved(to: str) -> frozenset[str]:
    """Every name the script of `to` uses for itself: keywords, builtins, the modules,
    and each identifier written in its fixed parts (found by parsing them, so that a
    name added to a template is reserved without a list to keep)."""
    found = set(keyword.kwlist) | set(dir(builtins)) | set(NAMESPACE) | KERNELS.keys()
    found |= {"np", "torch", "jax", "jnp", "json", "sys", "csv", "difflib", "Path",
              "annotations"}
    texts = (parts.HEAD, reader_source(), parts.LOAD, parts.DESCEND, parts.WRITE,
             *parts.OPTIMIZERS.values(), *parts.FRAMEWORK[to].values())
    for text in texts:
        for stmt in ast.parse(text).body:  # module level: a name there is a global
            if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
                found.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                found.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                found.update((a.asname or a.name).split(".")[0] for a in stmt.names)
    # and the constants the script defines at the top (INPUTS, LR, ...)
    found |= {"INPUTS", "PARAMS", "OUTPUT", "SCHEMA", "COMMAND", "DATA", "OPTIMIZER", "LR",
              "STEPS", "SCHEDULE", "ASCEND", "MOVING", "WATCH", "MU", "BETA1", "BETA2", "EPS",
              "HERE", "main", "value_and_grad", "forward"}
    return frozenset(found)


# ---------------------------------------------------------------------------
# Literals: numbers exactly as they are (repr of a float reads back the same float)

def number(v) -> str:
    return repr(float(v))


def nested(value) -> str:
    """An array's elements as nested Python lists of float literals."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return number(a)
    if a.ndim == 1:
        return "[" + ", ".join(number(x) for x in a) + "]"
    return "[" + ", ".join(nested(row) for row in a) + "]"


def literal(value) -> str:
    """A value as numpy: np.float64(3.0), np.array([1.0, -2.0])."""
    if np.ndim(value) == 0:
        return f"np.float64({number(value)})"
    return f"np.array({nested(value)})"


# ---------------------------------------------------------------------------
# Spelling the op table's rules

# How a name of kernels.NAMESPACE is written in a numpy script: numpy's own functions
# as np.name, the kernels by their own name (their source goes into the script).
KERNELS = {name: fn for name, fn in vars(kernels).items()
            if inspect.isfunction(fn) and fn.__module__ == kernels.__name__}


def spell(name: str) -> str | None:
    fn = NAMESPACE.get(name)
    if fn is None:
        return name  # a rule variable or a keyword
    if fn is abs:
        return "abs"
    if getattr(np, name, None) is fn:
        return f"np.{name}"
    if KERNELS.get(name) is fn:
        return name
    return None


CALLED = re.compile(r"(?<![.\w])([A-Za-z_]\w*)")


def called(text: str) -> list[str]:
    return [m for m in CALLED.findall(text) if m in NAMESPACE]


def numpy_text(text: str) -> str:
    """A rule with numpy's functions written np.exp, np.sign, ..."""
    return CALLED.sub(lambda m: spell(m.group(1)) or m.group(1), text)


def statics(text: str, static: Sequence[int]) -> str:
    """The statics in a rule: `[s]` an index (x[0, 2]), `, *s` the axis spread as an
    argument (torch.sum(x, 1), or nothing), and `s` the tuple the kernels take."""
    inside = ", ".join(map(str, static))
    text = text.replace("[s]", f"[{inside}]")
    return re.sub(r",\s*\*s\b", (", " + inside) if static else "", text)


def kernel_sources(used: set[str]) -> list[str]:
    """The source of every kernel the rules use, and of the kernels those call, in the
    order kernels.py defines them."""
    wanted, todo = set(), [n for n in used if n in KERNELS]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(n for n in CALLED.findall(inspect.getsource(KERNELS[name]))
                    if n in KERNELS and n not in wanted)
    order = sorted(wanted, key=lambda n: inspect.getsourcelines(KERNELS[n])[1])
    return [inspect.getsource(KERNELS[n]).rstrip() for n in order]


def reader_source() -> str:
    """The data reader, tasks/datareader.py, as a script carries it: its text verbatim
    from its first import on (its docstring and `from __future__` line are the script's
    own at its top), so that the script reads files by the tool's very rules."""
    text = inspect.getsource(datareader)
    body = ast.parse(text).body
    first = next(stmt for stmt in body
                 if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
                 and not (isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"))
    lines = text.splitlines()[first.lineno - 1:]
    return "\n".join(lines).strip() + "\n"
