"""The README's tables of functions and of array ops are made from the op table, so that
they cannot drift from it: this test renders them from OPS (each row's doc, its forms
and its derivative as `shows` writes it) and fails if README.md holds anything else
between the markers.

After changing a row, write the tables into README.md again with

    python -m tests.unit.test_readme
"""

from __future__ import annotations

import re
import sys

from backpropcli.core.kernels import NAMESPACE
from backpropcli.core.ops import OPS, Op
from tests.helpers import ROOT

README = ROOT / "README.md"
OPERANDS = ("a", "b")
STATICS = {"axis": ("axis",), "index": ("i", "j")}  # what a form calls its statics
# Words a derivative may use and still be a formula (shown as code), rather than prose
FORMULA_WORDS = {"a", "b", "g", "out", "s", "if", "else"} | set(OPS) | set(NAMESPACE)


def forms(op: Op) -> str:
    """How the op is written: `exp(a)`, `a @ b`, `sum(a)`, `sum(a, axis)`, `a[i]`, ..."""
    low, high = op.statics
    counts = range(low, min(high, low + 1) + 1)  # no statics, or the fewest and one more
    return ", ".join(f"`{op.read(OPERANDS[: op.arity], STATICS.get(op.static_kind, ())[:n])}`"
                     for n in counts)


def written(text: str) -> str:
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    return f"`{text}`" if words <= FORMULA_WORDS else text


def derivatives(op: Op, joint: str) -> str:
    """The rule for each operand: "`b`" for one, "`b` to a, `a` to b" for two; the
    statics named as in the first form (s → i in `a[i]`)."""
    static = STATICS.get(op.static_kind, ())[: max(op.statics[0], 1)]
    rules = [written(op.derivative(k, OPERANDS, "out", static, upstream="g"))
             for k in range(op.arity)]
    if op.arity == 1:
        return rules[0]
    return ", ".join(f"{rule} {joint} {OPERANDS[k]}" for k, rule in enumerate(rules))


def function_table() -> str:
    """The elementwise functions, called by name."""
    lines = ["| function | computes | derivative |", "| --- | --- | --- |"]
    lines += [f"| {forms(op)} | {op.doc} | {derivatives(op, 'for')} |"
              for op in OPS.values() if op.called and op.elementwise]
    return "\n".join(lines)


def array_table() -> str:
    """Which ops are elementwise, then every other op, with what it passes back."""
    symbols = " ".join(op.read(("", "")).strip() for op in OPS.values()
                       if op.elementwise and not op.called and op.arity == 2)
    names = " ".join(op.name for op in OPS.values() if op.elementwise and op.called)
    lines = [f"**Array ops.** Elementwise ops (`{symbols}`, `{names}`) work element by "
             "element, with broadcasting (below). The others:", "",
             "| form | computes | passes back (g: the upstream gradient; out: the result) |",
             "| --- | --- | --- |"]
    lines += [f"| {forms(op)} | {op.doc} | {derivatives(op, 'to')} |"
              for op in OPS.values() if not op.elementwise]
    return "\n".join(lines)


def framework_table() -> str:
    """Each op's forward pass in PyTorch and in JAX (`backprop export`), from the table's
    framework columns."""
    lines = ["| op | torch | jax |", "| --- | --- | --- |"]
    lines += [f"| `{op.name}` | `{op.torch}` | `{op.jax}` |" for op in OPS.values()]
    return "\n".join(lines)


TABLES = {"functions": function_table, "array-ops": array_table,
          "frameworks": framework_table}


def block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- ops:{name} -->)(.*?)(<!-- /ops:{name} -->)", re.S)


def rendered(text: str) -> str:
    """The README text with every table between its markers rendered afresh."""
    for name, render in TABLES.items():
        text = block(name).sub(lambda m, r=render: f"{m.group(1)}\n{r()}\n\n{m.group(3)}", text)
    return text


def test_the_readme_tables_are_the_op_tables():
    text = README.read_text(encoding="utf-8")
    for name in TABLES:
        assert len(block(name).findall(text)) == 1, f"README.md lost its ops:{name} markers"
    assert text == rendered(text), (
        "README.md's op tables differ from core/ops.py: write them again with "
        "`python -m tests.unit.test_readme`")


def test_every_function_is_in_a_table():
    text = function_table() + array_table()
    assert all(f"`{op.name}(" in text for op in OPS.values() if op.called)
    assert all(op.doc for op in OPS.values()), "every row needs a doc: the tables show it"


if __name__ == "__main__":
    README.write_text(rendered(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote the op tables into {README}\n")
