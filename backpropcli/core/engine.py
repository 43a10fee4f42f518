"""Forward pass, backward pass and a gradient-descent step, as loops over the graph.

forward: every node's value, and for elementwise ops the local derivative of the
node with respect to each operand (known as soon as the operands are). backward:
walking the nodes from the output down, each node hands each operand its share of
the gradient, upstream × local (or the op's vector-Jacobian product for matrix
products, reductions and indexing); a node used several times receives several
terms, summed. Every term is kept so that the chain rule can be shown line by line.

Numbers are numpy float64 scalars and float64 arrays; numpy's rules apply (1/0 is
inf, broadcasting), and any value or gradient that is not finite stops the pass
with a MathError that names the node.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import fmt
from .errors import LimitError, MathError, ShapeError, ValueProblem
from .graph import CONST, INPUT, Graph, Node, Value
from .kernels import unbroadcast
from .limits import check_shape
from .ops import FWD, LOCAL, OPS, VJP


class Rules(NamedTuple):
    """The rule tables a pass calls: the op table's own, or (for `backprop cost`, which
    counts what each method evaluates) the same rules wrapped by core/counting.py. A
    pass looks them up once, before its loop, so the plain run pays nothing for it."""

    fwd: Mapping[str, Callable]
    local: Mapping[str, tuple[Callable, ...]]
    vjp: Mapping[str, tuple[Callable, ...]]


RULES = Rules(FWD, LOCAL, VJP)


class Term(NamedTuple):
    """One chain-rule term: ∂out/∂user · ∂user/∂operand, flowing into the operand.
    (A named tuple rather than a dataclass: there is one per edge, made in a hot loop.)"""

    user: int  # the node that uses the operand
    slot: int  # which operand of the user it is
    upstream: Value  # ∂out/∂user
    local: Value | None  # ∂user/∂operand for elementwise ops; None where only the product is known
    value: Value  # the contribution


@dataclass(frozen=True)
class Evaluation:
    """A program evaluated at a point: values, local derivatives, gradients, chain-rule terms."""

    graph: Graph
    values: tuple
    local: tuple  # per node: a tuple with one local derivative per operand, or None
    grads: tuple  # per node: ∂output/∂node, or None where the output does not depend on it
    terms: tuple  # per node: the Terms summed into its gradient
    needs: tuple[bool, ...] = ()  # per node: it depends on an input (Graph.requires_grad)

    def __post_init__(self) -> None:
        if not self.needs:  # made by hand (a test): work it out
            object.__setattr__(self, "needs", tuple(self.graph.requires_grad()))

    @property
    def output(self) -> Node:
        return self.graph.nodes[self.graph.output]

    @property
    def value(self):
        return self.values[self.graph.output]

    def inputs(self) -> dict[str, Value]:
        return {self.graph.nodes[i].name: self.values[i] for i in self.graph.inputs}

    def grad(self, i: int):
        """∂output/∂node i, zero (of the node's shape) where the output does not depend on
        it; None for a node that depends on no input (log(2), the output of 3 + 4): no
        gradient is worked out there (∂(2^y)/∂y with y = log(2) is not 0; it is simply
        not asked), as for its local gradients. Every input has one."""
        if not self.needs[i]:
            return None
        g = self.grads[i]
        return np.zeros_like(self.values[i]) if g is None else g

    @property
    def constant(self) -> bool:
        """The output depends on no input: there is nothing to differentiate."""
        return not self.needs[self.graph.output]

    def gradients(self) -> dict[str, Value]:
        return {self.graph.nodes[i].name: self.grad(i) for i in self.graph.inputs}


def finite(v) -> bool:
    if type(v) is np.float64:  # the common case, without numpy's array machinery
        return math.isfinite(v)
    return bool(np.isfinite(v).all())


class _Terms:
    """An evaluation's chain-rule terms, worked out when first read: only the tables
    show them (a JSON document, a step, a descent never do), so the backward pass
    does not keep them; reading them runs it again, keeping them, on the same values,
    which gives the same numbers."""

    def __init__(self, graph: Graph, values: list, local: list, needs: list[bool]) -> None:
        self._args: tuple | None = (graph, values, local, needs)
        self._terms: tuple = ()

    def _made(self) -> tuple:
        if self._args is not None:
            graph, values, local, needs = self._args
            self._terms = tuple(backward(graph, values, local, needs, record=True)[1])
            self._args = None
        return self._terms

    def __getitem__(self, i):
        return self._made()[i]

    def __len__(self) -> int:
        return len(self._made())

    def __iter__(self):
        return iter(self._made())


def evaluate(graph: Graph, inputs: Mapping[str, Value]) -> Evaluation:
    """Run the forward and the backward pass at the given input values."""
    needs = graph.requires_grad()
    values, local = forward(graph, inputs, needs)
    grads, _ = backward(graph, values, local, needs, record=False)
    return Evaluation(graph, tuple(values), tuple(local), tuple(grads),
                      _Terms(graph, values, local, needs),  # type: ignore[arg-type]
                      tuple(needs))


def forward(graph: Graph, inputs: Mapping[str, Value],
            needs: list[bool] | None = None, rules: Rules = RULES) -> tuple[list, list]:
    """Every node's value, and each elementwise node's local derivatives with respect to
    the operands that depend on an input (`needs`; None for the others: no gradient
    flows there, so their rule is not asked for). Without `needs`, values only."""
    fwd, local_rules = rules.fwd, rules.local
    n = len(graph.nodes)
    values: list = [None] * n
    local: list = [None] * n
    with np.errstate(all="ignore"):
        for i, node in enumerate(graph.nodes):
            if node.op == INPUT:
                values[i] = inputs[node.name]
                continue
            if node.op == CONST:
                if node.value is None:  # load(...) data that values.load_data has not read
                    raise ValueProblem(f"{node.name} = {node.text}: the data was not read",
                                       line=node.line, column=node.column, source=graph.source)
                values[i] = node.value
                continue
            a, b = _operands(node, values)
            if OPS[node.op].static_kind == "axis" and node.static and \
                    not -np.ndim(a) <= node.static[0] < np.ndim(a):
                # numpy lets np.sum(number, axis=0) through; the gradient would not fit
                raise _shape_error(graph, node, values, None)
            if type(a) is np.ndarray or type(b) is np.ndarray:
                _check_size(graph, node, a, b)
            try:
                out = fwd[node.op](a, b, node.static)
            except (ValueError, IndexError, TypeError) as e:
                raise _shape_error(graph, node, values, e) from None
            except MemoryError:
                raise _memory_error(graph, node) from None
            if not finite(out):
                raise MathError(
                    f"{node.name} = {node.text} is {fmt.nonfinite(out)}"
                    f"{_operand_values(graph, node, values)}",
                    line=node.line, column=node.column, source=graph.source,
                    hint=OPS[node.op].hint or None,
                )
            values[i] = out
            if needs is not None and OPS[node.op].elementwise:
                local[i] = tuple(rule(out, a, b, node.static) if needs[j] else None
                                 for rule, j in zip(local_rules[node.op], node.args, strict=True))
    return values, local


def backward(graph: Graph, values: list, local: list,
             needs: list[bool] | None = None, record: bool = True, rules: Rules = RULES,
             seed: Value | None = None, trail: list | None = None) -> tuple[list, list]:
    """Gradients of the output by the chain rule, one reverse sweep over the nodes,
    and (if `record`) the terms summed into each. The sweep starts from ∂out/∂out =
    ones (the gradient of the output's sum), or from `seed`, of the output's shape (one
    row of an array output's Jacobian: a unit at one element). `trail`, if given,
    receives every term as the sweep makes it (with `record`): (operand, term, the
    operand's gradient so far), the backward pass edge by edge in its own order, for
    `backprop replay`. (Every gradient has the shape of a value the forward pass made:
    no new limits.)"""
    vjp = rules.vjp
    nodes = graph.nodes
    needs = graph.requires_grad() if needs is None else needs
    grads: list = [None] * len(nodes)
    terms: list = [()] * len(nodes)  # a node's terms become a list at its first term
    out_index = graph.output
    grads[out_index] = np.ones_like(values[out_index])[()] if seed is None \
        else seed  # [()]: a scalar stays a scalar
    with np.errstate(all="ignore"):
        for i in range(out_index, -1, -1):
            g, node = grads[i], nodes[i]
            if g is None or not node.computed:
                continue
            op = OPS[node.op]
            a, b = _operands(node, values)
            for k, j in enumerate(node.args):
                if not needs[j]:  # constants, and what is made of them alone, get none
                    continue
                if op.elementwise:
                    loc = local[i][k]
                    c = unbroadcast(g * loc, getattr(values[j], "shape", ()))
                else:
                    loc = None
                    c = vjp[node.op][k](g, values[i], a, b, node.static)
                if not finite(c):
                    raise _gradient_error(graph, i, k, loc, values)
                if record:
                    if not terms[j]:
                        terms[j] = []
                    terms[j].append(t := Term(i, k, g, loc, c))
                grads[j] = c if grads[j] is None else grads[j] + c
                if trail is not None and record:
                    trail.append((j, t, grads[j]))
    return grads, terms


# ---------------------------------------------------------------------------

def _operands(node: Node, values: list):
    args = node.args
    return values[args[0]], (values[args[1]] if len(args) > 1 else None)


def _check_size(graph: Graph, node: Node, a, b) -> None:
    """Refuse a result past the element limit before numpy makes it: broadcasting two
    long vectors against each other, or an outer product by @, can ask for terabytes."""
    op = OPS[node.op]
    try:
        if op.contracts:
            shape = matmul_shape(np.shape(a), np.shape(b))
        elif op.spreads:
            shape = (*np.shape(a), *np.shape(b))
        elif op.elementwise and b is not None:
            shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        else:
            return
    except ValueError:
        return  # the op itself says why the shapes do not fit
    try:
        check_shape(shape, f"{node.name} = {node.text}")
    except LimitError as e:
        raise LimitError(e.message, line=node.line, column=node.column, source=graph.source,
                         hint=e.hint) from None


def matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a @ b, as numpy reads it: a vector is a row on the left (its axis
    dropped from the result), a column on the right; other axes broadcast."""
    if not a or not b:
        raise ValueError("@ needs arrays")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError("inner axes differ")
    shape = (*np.broadcast_shapes(a2[:-2], b2[:-2]), a2[-2], b2[-1])
    if len(b) == 1:
        shape = shape[:-1]
    if len(a) == 1:
        shape = (*shape[:-2], shape[-1]) if len(b) > 1 else shape[:-1]
    return shape


def _memory_error(graph: Graph, node: Node) -> LimitError:
    return LimitError(f"{node.name} = {node.text}: not enough memory for the result",
                      line=node.line, column=node.column, source=graph.source,
                      hint="use smaller arrays")


def _operand_values(graph: Graph, node: Node, values: list) -> str:
    parts = []
    for j in node.args:
        if graph.nodes[j].op != CONST:
            parts.append(f"{graph.nodes[j].name} = {fmt.brief(values[j])}")
    return (" where " + ", ".join(parts)) if parts else ""


def _shape_error(graph: Graph, node: Node, values: list, e: Exception | None) -> ShapeError:
    """Say why numpy refused: the node, its expression, the operands' shapes, and the rule."""
    op = OPS[node.op]
    shapes = [np.shape(values[j]) for j in node.args]
    said = [fmt.shape(s) for s in shapes]
    first = graph.nodes[node.args[0]].name
    hint = None
    if op.static_kind == "index":
        what, hint = _index_problem(first, shapes[0], node.static)
    elif op.static_kind == "axis":
        what, hint = _axis_problem(op.name, first, shapes[0], node.static)
    elif op.contracts:
        left, right = (_operand(graph, j) for j in node.args)
        what = f"shapes {said[0]} @ {said[1]} do not fit"
        if all(shapes):
            inner = shapes[1][-2] if len(shapes[1]) > 1 else shapes[1][0]
            which = "second-to-last" if len(shapes[1]) > 2 else "first"
            # say the shape the left operand was expected to have (data read with a column
            # too few, say), and what the right one would need instead
            hint = (f"to fit {right}, {left} of shape {said[0]} would need shape "
                    f"{fmt.shape((*shapes[0][:-1], inner))}: the last axis of the left "
                    f"operand ({shapes[0][-1]}) must equal the {which} axis of the right "
                    f"one ({inner})")
        else:
            hint = "@ needs vectors or matrices on both sides; use * for numbers"
    elif op.spreads:
        what = f"{op.name} takes two vectors, not shapes {said[0]} and {said[1]}"
        hint = "a @ b for a product of matrices, a * b for one element by element"
    elif len(shapes) == 2:
        what = f"shapes {said[0]} and {said[1]} do not broadcast"
        hint = "from the right, each axis must be equal, or 1 on one side"
    else:
        what = f"not possible for shape {said[0]} ({str(e).splitlines()[0]})"
    return ShapeError(f"{node.name} = {node.text}: {what}", line=node.line,
                      column=node.column, source=graph.source, hint=hint)


def _operand(graph: Graph, j: int) -> str:
    """An operand as the program wrote it: its name, the expression of an unnamed one
    ("Xt / 16", never t11), and the file of data read by load(...)."""
    node = graph.nodes[j]
    if node.data is not None:  # read by load(...)
        return f"{node.name} (from {node.data[0]})"
    return node.name if graph.find(node.name) == j and not _unnamed(graph, j) \
        else f"({node.text})"


def _unnamed(graph: Graph, j: int) -> bool:
    return j not in graph.names.values()


def _axes(n: int) -> str:
    return f"{n} axis" if n == 1 else f"{n} axes"


def _index_problem(name: str, shape: tuple, index: tuple) -> tuple[str, str | None]:
    if not shape:
        return f"{name} is a number, not an array: there is nothing to index", None
    if len(index) > len(shape):
        return (f"{len(index)} indices for {name} of shape {fmt.shape(shape)}, which has "
                f"{_axes(len(shape))}", f"give at most {len(shape)}")
    for axis, (i, n) in enumerate(zip(index, shape, strict=False)):
        if not -n <= i < n:
            return (f"index {i} is out of range for axis {axis} of {name}, of length {n}",
                    f"along that axis, indices run from 0 to {n - 1}, or from -1 to -{n} "
                    "counting from the end")
    return f"index {list(index)} does not fit shape {fmt.shape(shape)}", None


def _axis_problem(op: str, name: str, shape: tuple, static: tuple) -> tuple[str, str | None]:
    if not shape:
        return (f"{name} is a number: {op} needs an array to work along an axis",
                f"{op} of a vector or matrix, e.g. {op}([1, 2, 3])")
    axis = static[0] if static else -1
    n = len(shape)
    return (f"axis {axis} is out of range for {name} of shape {fmt.shape(shape)}",
            f"{name} has {_axes(n)}: " + ("0, or -1" if n == 1 else
                                          f"0 to {n - 1}, or -1 to -{n} from the end"))


def _gradient_error(graph: Graph, i: int, k: int, loc, values: list) -> MathError:
    node = graph.nodes[i]
    operand = graph.nodes[node.args[k]].name
    detail = f" (∂{node.name}/∂{operand} = {fmt.brief(loc)})" if loc is not None else ""
    return MathError(
        f"the gradient is not finite at {node.name} = {node.text}{detail}"
        f"{_operand_values(graph, node, values)}",
        line=node.line, column=node.column, source=graph.source,
        hint="the derivative does not exist here (a vertical tangent or a pole)",
    )

