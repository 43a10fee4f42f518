"""A program as a self-contained Python script: NumPy with the backward pass written
out by hand, PyTorch, or JAX (`backprop export`).

The numpy script is the program's own back-propagation, readable: a forward section
with one named line per node (`t1 = x * y`), a backward section with one line per
edge from the output down (`dx = dt1 * y`), each gate's rule as a comment, and a
node used twice getting the sum of its gradients. The lines are the op table's rule
texts with the rule letters replaced by the nodes' names, in the engine's order (the
compiler's, core/compiled.py), so the script computes what `eval` does, bit for bit.
The torch and jax scripts write the forward pass with each op's framework column of
the table and let the framework's autodiff find the gradient.

Every script holds its starting point as numbers (`repr` of each float, exact when
read back), reads load(...) data from its file (relative to the script's folder) or
holds it, and prints one JSON document (schema backprop/1) with `value`, `inputs` and
`gradients`, as `eval --json` does; with a descent (`--descend`) it runs the same
optimizer, learning rate, schedule and steps as `descend` and prints its final point.

No user text becomes code: a name reaches the script as an identifier matching
[A-Za-z_][A-Za-z0-9_]* (renamed where it is a keyword or a name the script itself
uses: `print` becomes `print_`), and only the JSON keys, file names and column names
are written as string literals, by repr(), which escapes every quote and control.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.engine import forward
from ..core.errors import UsageError
from ..core.graph import Graph, Node
from ..core.ops import OPS, Op, substitute
from ..tasks.descend import Settings
from ..tasks.point import SCHEMA, Point
from . import export_names as naming
from . import export_text as parts
from .export_names import Names

FRAMEWORKS = ("numpy", "torch", "jax")
EMBED_LIMIT = 100_000  # elements of data a script may hold as a literal (--embed-data)


@dataclass(frozen=True)
class Data:
    """Where a script finds the data of a load(...) node: a path relative to the
    script's folder and the columns chosen, or (embedded) the array itself."""

    path: str | None
    columns: tuple[str, ...] = ()
    value: object = None


def script(graph: Graph, point: Point, to: str, *, data: Mapping[int, Data] | None = None,
           settings: Settings | None = None, watch: Sequence[int] = ()) -> str:
    """The script for `to` (numpy, torch, jax) of the program at `point`; with `settings`,
    it also runs the descent and prints its final point. `data` says where each
    load(...) node's data comes from (by node index)."""
    if to not in FRAMEWORKS:
        raise UsageError(f"--to {to}: choose numpy, torch or jax")
    data = dict(data or {})
    values, _ = forward(graph, point.inputs)  # the shapes, for the backward pass's sums
    needed = graph.ancestors(graph.output, *watch)
    _refuse_missing(graph, needed, to)
    names = Names(graph, to)
    writer = _Writer(graph, point, to, names, values, needed, data, list(watch), settings)
    return writer.text()


def _refuse_missing(graph: Graph, needed: Sequence[bool], to: str) -> None:
    """Exit 2 for an op the framework lacks (an empty column in the op table)."""
    for i, node in enumerate(graph.nodes):
        if needed[i] and node.computed:
            op = OPS[node.op]
            if to != "numpy" and not getattr(op, to):
                raise UsageError(f"cannot export to {to}: the op {op.name} has no {to} "
                                 f"form in the op table (node {node.name} = {node.text})",
                                 hint=f"export it with --to numpy, or give the row a "
                                      f"{to}= column")
            if to == "numpy":
                for text in (op.fwd, *op.rules()):
                    for name in naming.called(text):
                        if naming.spell(name) is None:
                            raise UsageError(f"cannot export the op {op.name}: its rule "
                                             f"uses {name}, which a script cannot define",
                                             hint="export it with --to torch or --to jax")


# ---------------------------------------------------------------------------
# Writing a script

class _Writer:
    def __init__(self, graph: Graph, point: Point, to: str, names: Names, values: list,
                 needed: Sequence[bool], data: dict[int, Data], watch: list[int],
                 settings: Settings | None) -> None:
        self.graph, self.point, self.to, self.names = graph, point, to, names
        self.values, self.needed, self.data, self.watch = values, needed, data, watch
        self.settings = settings
        self.inputs = list(graph.inputs)
        self.datas = [i for i, n in enumerate(graph.nodes) if n.is_data and needed[i]]
        self.used: set[str] = set()  # NAMESPACE names the numpy rules call

    # -- pieces -----------------------------------------------------------------
    def operand(self, j: int, user: Node) -> str:
        """How node j reads as an operand of `user`: its name, or a constant's value. A
        number stays a literal beside a node (x * 2.0); a constant among constants, or
        an array, is made a value of the framework, so that it computes as one."""
        node = self.graph.nodes[j]
        if not node.is_const or node.is_data:
            return self.names.value[j]
        alone = all(self.graph.nodes[k].is_const and not self.graph.nodes[k].is_data
                    for k in user.args)
        infix = bool(OPS[user.op].reads) or self.to == "numpy"
        if np.ndim(node.value) == 0 and infix and not alone:  # type: ignore[arg-type]
            v = float(node.value)  # type: ignore[arg-type]
            return naming.number(v) if v >= 0 and str(v)[0] != "-" else f"({naming.number(v)})"
        if self.to == "torch":
            return f"torch.tensor({naming.nested(node.value)})"
        if self.to == "jax":
            return f"jnp.array({naming.nested(node.value)})"
        return naming.literal(node.value)

    def letters(self, i: int) -> dict[str, str]:
        node = self.graph.nodes[i]
        names = {"s": repr(tuple(node.static)), "out": self.names.value[i]}
        for slot, letter in zip(node.args, "ab", strict=False):
            names[letter] = self.operand(slot, node)
        return names

    def forward_line(self, i: int) -> str:
        node = self.graph.nodes[i]
        op = OPS[node.op]
        if self.to == "numpy":
            self.used.update(naming.called(op.fwd))
            text = naming.statics(naming.numpy_text(op.fwd), node.static)
        else:
            text = naming.statics(getattr(op, self.to), node.static or op.implied)
        return f"{self.names.value[i]} = {substitute(text, self.letters(i))}"

    def comment(self, i: int, slots: Sequence[int]) -> str:
        """What a node's backward lines do, in the op table's words: its gate, or else
        its derivative for each operand (the rule as a person writes it)."""
        node = self.graph.nodes[i]
        op = OPS[node.op]
        operands = [self.operand(j, node) for j in node.args]
        out = self.names.value[i]
        head = f"# {out} = {op.read(operands, node.static)}"
        if op.gate:
            return f"{head}: {op.gate}"
        ranks = [np.ndim(self.values[j]) for j in node.args]  # @ of vectors reads otherwise
        if op.elementwise:
            rules = ", ".join(f"d{out}/d{operands[k]} = "
                              f"{op.derivative(k, operands, out, node.static)}"
                              for k in slots)
            return f"{head}: {op.name} rule, {rules}"
        dout = self.names.gradient(i)
        rules = ", ".join(f"{operands[k]} gets "
                          f"{op.derivative(k, operands, out, node.static, dout, ranks)}"
                          for k in slots)
        return f"{head}: {rules}"

    def term(self, op: Op, k: int, names: dict[str, str], shape: tuple, operand: tuple) -> str:
        """One edge's share of the operand's gradient: upstream times the local
        derivative (summed back to the operand's shape where it was broadcast), or the
        op's vector-Jacobian product; written as compiled.py writes it."""
        rule = op.rules()[k]
        self.used.update(naming.called(rule))
        text = substitute(naming.numpy_text(rule), names)
        if not op.elementwise:
            return text
        g = names["g"]
        if rule in ("1", "-1"):
            term = g if rule == "1" else f"-{g}"
        else:
            bare = naming.IDENT.match(text) or re.fullmatch(r"\d[\d.e+-]*|\(-[\d.e+-]+\)", text)
            term = f"{g} * {text}" if bare else f"{g} * ({text})"
        if shape != operand:
            self.used.add("unbroadcast")
            return f"unbroadcast({term}, {operand!r})"
        return term

    # -- the numpy backward pass ----------------------------------------------------
    def backward(self) -> list[str]:
        """The chain rule in the engine's order (compiled.py's): users from the output
        down, operands left to right, each contribution added to what the operand has."""
        graph, nodes, out = self.graph, self.graph.nodes, self.graph.output
        needs = graph.requires_grad()
        seed = self.names.gradient(out)
        lines = [f"{seed} = np.ones_like({self.names.value[out]})[()]"
                 f"  # d{self.names.value[out]}/d{self.names.value[out]} = 1"]
        have: dict[int, str] = {out: seed}
        for i in range(out, -1, -1):
            node = nodes[i]
            if i not in have or not node.computed:
                continue
            op = OPS[node.op]
            names = {**self.letters(i), "g": have[i]}
            edges = [(k, j) for k, j in enumerate(node.args) if needs[j]]
            if not edges:
                continue
            lines.append(self.comment(i, [k for k, _ in edges]))
            for k, j in edges:
                term = self.term(op, k, names, np.shape(self.values[i]),
                                 np.shape(self.values[j]))
                d = self.names.gradient(j)
                if j in have:
                    lines.append(f"{d} = {have[j]} + {term}"
                                 f"  # {self.names.value[j]} is used again: its gradients add up")
                else:
                    lines.append(f"{d} = {term}")
                have[j] = d
        self.have = have
        return lines

    def value_and_grad(self) -> str:
        """The numpy function: forward lines, backward lines, and what it returns."""
        forward_lines = self.forward_lines()
        backward_lines = self.backward()
        grads = []
        for i in self.inputs:
            if i in self.have:
                grads.append(self.have[i])
            else:
                grads.append(f"np.zeros_like({self.names.value[i]})")
        params = ", ".join(self.names.value[i] for i in self.inputs + self.datas)
        body = ["# forward pass: a line per node", *forward_lines, "",
                "# backward pass: a line per edge, from the output down (d<name> is the",
                f"# gradient of {self.names.value[self.graph.output]} with respect to <name>)",
                *backward_lines,
                f"return {self.names.value[self.graph.output]}, [{', '.join(grads)}], "
                f"[{''.join(self.names.value[w] + ', ' for w in self.watch)}]"]
        doc = '"""The value of the output and its gradient with respect to every input."""'
        return f"def value_and_grad({params}):\n    {doc}\n" + \
            "".join(f"    {line}\n" if line else "\n" for line in body)

    def forward_lines(self) -> list[str]:
        return [self.forward_line(i) for i, node in enumerate(self.graph.nodes)
                if self.needed[i] and node.computed]

    def forward_function(self) -> str:
        params = ", ".join(self.names.value[i] for i in self.inputs + self.datas)
        watched = "".join(self.names.value[w] + ", " for w in self.watch)
        body = [*self.forward_lines(),
                f"return {self.names.value[self.graph.output]}, ({watched})"]
        doc = '"""The forward pass: a line per node; the output, and the watched values."""'
        return f"def forward({params}):\n    {doc}\n" + "".join(f"    {line}\n" for line in body)

    # -- the whole script -----------------------------------------------------------
    def constants(self) -> list[str]:
        point, nodes = self.point, self.graph.nodes
        inputs = "".join(f"    {nodes[i].name!r}: {naming.literal(self.values[i])},\n"
                         for i in self.inputs)
        out = ["# the starting point: the program's defaults and the values given, exactly",
               "INPUTS = {\n" + inputs + "}" if inputs else "INPUTS = {}",
               f"PARAMS = {[p for p in point.params]!r}  # the inputs a step moves",
               f"OUTPUT = {nodes[self.graph.output].name!r}",
               f"SCHEMA = {SCHEMA!r}",
               f"COMMAND = {'descend' if self.settings else 'eval'!r}"]
        rows = []
        for i in self.datas:
            d = self.data.get(i)
            if d is None or d.path is None:
                value = nodes[i].value if d is None or d.value is None else d.value
                rows.append(f"    {nodes[i].name!r}: {naming.literal(value)},\n")
            else:
                args = ", ".join(repr(a) for a in (d.path, *d.columns))
                rows.append(f"    {nodes[i].name!r}: load({args}),\n")
        out.append("# data read by load(...), a constant: never moved\n"
                   "DATA = {\n" + "".join(rows) + "}" if rows else "DATA = {}")
        return out

    def descent_constants(self) -> list[str]:
        s = self.settings
        assert s is not None
        names = [self.graph.nodes[w].name for w in self.watch]
        moving = [k for k, i in enumerate(self.inputs) if self.graph.nodes[i].name
                  in self.point.params]
        out = [f"OPTIMIZER = {s.optimizer!r}", f"LR = {naming.number(s.lr)}", f"STEPS = {s.steps}",
               f"SCHEDULE = {s.schedule!r}", f"ASCEND = {s.ascend!r}",
               f"MOVING = {tuple(moving)!r}  # the params' places in INPUTS",
               f"WATCH = {names!r}  # nodes followed beside the output"]
        if s.optimizer == "momentum":
            out.append(f"MU = {naming.number(s.momentum)}")
        if s.optimizer == "adam":
            out += [f"BETA1 = {naming.number(s.beta1)}", f"BETA2 = {naming.number(s.beta2)}",
                    f"EPS = {naming.number(s.eps)}"]
        return out

    def text(self) -> str:
        to = self.to
        framework = parts.FRAMEWORK[to]
        function = self.value_and_grad() if to == "numpy" else self.forward_function()
        kernels_text = naming.kernel_sources(self.used) if to == "numpy" else []
        out = ["#!/usr/bin/env python3\n"
               f'"""A backprop program as Python: {parts.TITLES[to]}\n\n'
               "Exported by `backprop export`; run it with python, and it prints one JSON\n"
               "document (schema backprop/1) with the value, the inputs and the gradients.\n"
               '"""\n\n' + "from __future__ import annotations\n\n" + parts.HEAD.rstrip()]
        if framework["imports"]:
            out.append(framework["imports"])
        if any(self.data.get(i) is not None and self.data[i].path is not None
               for i in self.datas):
            out.append("# the data reader: backpropcli/tasks/datareader.py, verbatim (backprop "
                       "reads\n# data files by these very rules)\n\n"
                       + naming.reader_source().rstrip())
            out.append(parts.LOAD.rstrip())
        out.append("\n".join(self.constants()))
        if kernels_text:
            out.append("# the kernels the op table's rules call beyond numpy "
                       "(backpropcli/core/kernels.py)\n\n" + "\n\n\n".join(kernels_text))
        out.append(function.rstrip())
        if framework.get("gradient"):
            out.append(framework["gradient"].rstrip())
        out.append(parts.WRITE.rstrip())
        if self.settings is None:
            out.append(framework["main"].rstrip())
        else:
            out.append("\n".join(self.descent_constants()))
            out.append(parts.OPTIMIZERS[self.settings.optimizer].rstrip())
            out.append(framework["evaluate"].rstrip())
            out.append(parts.DESCEND.rstrip())
            out.append(parts.DESCEND_MAIN_TEMPLATE.format(start=parts.DESCEND_MAIN[to]))
        out.append('if __name__ == "__main__":\n    main()')
        return "\n\n\n".join(out) + "\n"


def data_sources(graph: Graph, base: Path | None, folder: Path, embed: bool) -> dict[int, Data]:
    """Where the script finds each load(...) node's data: the same file, by a path
    relative to the script's folder; or, with `embed`, the numbers themselves."""
    out: dict[int, Data] = {}
    for i, node in enumerate(graph.nodes):
        if node.data is None:
            continue
        if embed:
            size = int(np.size(node.value))  # type: ignore[arg-type]
            if size > EMBED_LIMIT:
                raise UsageError(f"--embed-data: {node.name} has {size} elements, more than "
                                 f"a script should hold ({EMBED_LIMIT})",
                                 hint="leave out --embed-data: the script reads the file")
            out[i] = Data(None, value=node.value)
            continue
        file, columns = node.data
        path = Path(os.path.expanduser(file))
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        try:
            where = os.path.relpath(path.resolve(), folder.resolve())
        except ValueError:  # another drive (Windows): the absolute path
            where = str(path.resolve())
        out[i] = Data(Path(where).as_posix(), tuple(columns))
    return out
