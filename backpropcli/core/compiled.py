"""Straight-line code for repeated evaluation: descent steps and gradient checks.

The engine walks the graph node by node and keeps every local derivative and every
chain-rule term, which is what the tables need and far more than a descent step does.
`compile` writes the same computation once as one Python function of the inputs: a
line per node forward, a line per edge backward, pasted from the op table's rule texts
with `a`, `b`, `out`, `g` replaced by numbered variables. No user text ever enters the
generated code: variables are numbered, constants are bound by name in its namespace,
and the only literals are whole numbers (axes, indices, shapes).

Because the rules are the same text, evaluated on the same operands in the same order
(contributions to a node summed in the engine's order), the compiled values and
gradients are identical to the engine's, bit for bit; a test holds them to that.
The code is specialised to the shapes of the inputs it was compiled for: kernels whose
Python only asks which case the shapes are (matrix products with a vector, reductions,
summing a broadcast gradient back) are written out for those shapes
(kernels.INLINE), making the same numpy calls on the same operands without the Python
around them, so the bit-for-bit agreement holds there too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import buffers
from .engine import forward
from .folding import fold
from .graph import CONST, Graph, Value
from .kernels import INLINE, NAMESPACE, unbroadcast_text
from .ops import OPS, substitute


@dataclass(frozen=True)
class Compiled:
    graph: Graph
    inputs: tuple[str, ...]  # the functions' argument order
    shapes: tuple[tuple[int, ...], ...]  # each input's shape, as compiled for
    watch: tuple[str, ...]  # other nodes whose values value_and_grad also returns
    source: str  # the generated value_and_grad, for reading and for tests
    _forward: tuple[str, ...]  # the forward lines, to build `value` when first asked for
    _env: dict
    _lines: tuple[str, ...]  # value_and_grad's lines, before its return
    _returned: tuple[str, tuple[str, ...], str]  # its value, gradients and watched values
    _into: dict = field(default_factory=dict, compare=False, repr=False)  # by positions

    # Each function is made (Python's compile of the generated text) when first asked
    # for: a descent asks only for `into`, a check only for these two.
    @cached_property
    def value_and_grad(self) -> Callable:
        """(*inputs) -> (value, tuple of ∂output/∂input, watched values)."""
        return _define("value_and_grad", (*self._lines, _return(self._returned)), self._env)

    @cached_property
    def value(self) -> Callable:
        """(*inputs) -> output value: the forward lines alone, for finite differences."""
        return _define("value", self._forward, self._env)

    def into(self, positions: Sequence[int]) -> Callable:
        """value_and_grad writing the gradients of the inputs at `positions` into arrays
        given first: (*outs, *inputs) -> (value, gradients, watched), those gradients
        being the arrays given (a descent's optimizer reads them where it keeps them:
        no copy). The same numbers: the last operation of each is written `out=` it."""
        key = tuple(positions)
        if key not in self._into:
            gradients = self._returned[1]
            lines = buffers.into(self._lines, [(gradients[k], f"o{k}") for k in key])
            params = ", ".join([*(f"o{k}" for k in key), self._env["__params__"]])
            self._into[key] = _define(
                "value_and_grad_into",
                (*lines, _return(self._returned, {k: f"o{k}" for k in key})),
                {**self._env, **buffers.UFUNCS}, params)
        return self._into[key]

    def args(self, inputs: Mapping[str, Value]) -> list:
        """Inputs by name → the positional arguments, refusing a shape it was not made for."""
        out = []
        for name, shape in zip(self.inputs, self.shapes, strict=True):
            v = inputs[name]
            if np.shape(v) != shape:
                raise ValueError(f"{name} has shape {np.shape(v)}, compiled for {shape}")
            out.append(v)
        return out


def compile_graph(
    graph: Graph, example: Mapping[str, Value], watch: Sequence[int] = ()
) -> Compiled:
    """Compile for inputs shaped like `example` (evaluated once to learn every node's shape).
    The values of the `watch` nodes are returned beside the output's (accuracy, say)."""
    values, _ = forward(graph, example)  # values only: to learn the shapes
    nodes = graph.nodes
    inputs = list(graph.inputs)
    env: dict[str, object] = dict(NAMESPACE)  # the generated code's globals
    held: dict[int, str] = {}  # nodes whose value is in another variable than v{i}
    fwd = _forward_lines(graph, graph.ancestors(graph.output, *watch), values, env, held)
    bwd, grad = _backward_lines(graph, values, env, held)
    result = _var(nodes, env, held, graph.output)
    each = tuple(_input_gradients(inputs, grad, values, env))
    watched = "".join(f"{_var(nodes, env, held, w)}, " for w in watch)
    params = ", ".join(f"v{i}" for i in inputs)
    if any(type(v) is np.ndarray and v.size >= buffers.BIG for v in values):
        returned = set(re.findall(r"\w+", f"{result} {' '.join(each)} {watched}"))
        lines = buffers.with_buffers([*fwd, *bwd], env,
                                     {f"v{i}": values[i] for i in inputs}, returned)
        fwd, bwd = lines[:len(fwd)], lines[len(fwd):]
    env.pop("__builtins__", None)  # (put there by folding's eval; the functions get their own)
    return Compiled(
        graph=graph,
        inputs=tuple(nodes[i].name for i in inputs),
        shapes=tuple(np.shape(values[i]) for i in inputs),
        watch=tuple(nodes[w].name for w in watch),
        source=_source("value_and_grad", params,
                       (*fwd, *bwd, _return((result, each, watched)))),
        _forward=(*fwd, f"return {result}"),
        _env={**env, "__params__": params},
        _lines=(*fwd, *bwd),
        _returned=(result, each, watched),
    )


def _return(returned: tuple[str, tuple[str, ...], str],
            instead: Mapping[int, str] | None = None) -> str:
    """The return line: the value, the gradients (some by other names), the watched."""
    value, gradients, watched = returned
    names = ", ".join((instead or {}).get(k, g) for k, g in enumerate(gradients))
    return f"return {value}, ({names}{',' if names else ''}), ({watched})"  # (a,) for one


def _forward_lines(graph: Graph, needed: Sequence[bool], values: Sequence,
                   env: dict, held: dict[int, str]) -> list[str]:
    """A line per computed node that the output or a watched node needs, in node order
    (which is topological): `v{i} = ` the op's forward rule on its operands. A node
    whose operands are all constants is worked out now (folding.py); a node whose line would
    read as an earlier one's (the same op on the same operands: `c1 * v14` twice) is
    that node's value, with no line: ops are pure, so it is the same value."""
    nodes = graph.nodes
    lines = []
    seen: dict[str, str] = {}
    for i, node in enumerate(nodes):
        if not (needed[i] and node.computed):
            continue
        expr = fold(_rule(OPS[node.op].fwd, nodes, node, i, values, env, held), env)
        name = expr if expr in env else seen.get(expr)  # folded whole: a name
        if name is not None:
            held[i] = name
            continue
        seen[expr] = f"v{i}"
        lines.append(f"v{i} = {expr}")
    return lines


_CALL = re.compile(r"\b([A-Za-z_]\w*)\(((?:a|b|g|out|s)(?:, (?:a|b|g|out|s))*)\)")


def _rule(text: str, nodes, node, i: int, values: Sequence, env: dict,
          held: dict[int, str], names: dict[str, str] | None = None) -> str:
    """A rule's text at node i: the kernel calls that kernels.INLINE writes out for
    these shapes replaced by their text, then the letters by the variables."""
    shapes = {"g": np.shape(values[i]), "out": np.shape(values[i])}
    for letter, j in zip("ab", node.args, strict=False):
        shapes[letter] = np.shape(values[j])

    def inline(m: re.Match) -> str:
        write = INLINE.get(m.group(1))
        made = write(shapes, tuple(node.static), _hoister(env)) if write is not None else None
        return m.group(0) if made is None else f"({made})"

    return substitute(_CALL.sub(inline, text), names or _names(nodes, env, held, node))


def _backward_lines(graph: Graph, values: Sequence, env: dict,
                    held: dict[int, str]) -> tuple[list[str], dict[int, str]]:
    """The chain rule, in the engine's order: users from the output down, operands left
    to right, each contribution added to what the operand has so far (so sums come out
    bit for bit as the engine's). Returns the lines and, for every node the output
    depends on, the variable holding ∂out/∂node. A first contribution that is just the
    user's gradient passed on (add, sub) only renames it, writing no line; one that
    reads no variable of the run (the gradient of a mean of data: constant) is worked
    out now (folding.py)."""
    nodes, out = graph.nodes, graph.output
    needs = graph.requires_grad()
    env["g_seed"] = np.ones_like(values[out])[()]  # ∂out/∂out: ones, as the engine seeds
    grad: dict[int, str] = {out: "g_seed"}
    lines = []
    for i in range(out, -1, -1):
        node = nodes[i]
        if i not in grad or not node.computed:
            continue
        op = OPS[node.op]
        names = {**_names(nodes, env, held, node), "out": _var(nodes, env, held, i),
                 "g": grad[i]}
        for k, j in enumerate(node.args):
            if not needs[j]:  # as the engine: no gradient into what no input reaches
                continue
            term = _term(op, k, names, nodes, i, values, env, held)
            if j not in grad and term == grad[i]:
                grad[j] = term
                continue
            expr = f"{grad[j]} + {term}" if j in grad else term
            expr = fold(expr, env)
            if expr not in env:  # (folded whole, it is a name in the namespace)
                lines.append(f"g{j} = {expr}")
            grad[j] = expr if expr in env else f"g{j}"
    return lines, grad


def _term(op, k: int, names: dict[str, str], nodes, i: int, values: Sequence,
          env: dict, held: dict[int, str]) -> str:
    """One edge's contribution to ∂out/∂(operand k), as an expression: the upstream
    gradient `g` times the local derivative for an elementwise op (written as `g` or
    `-g` when that is ±1), summed back to the operand's shape where it was broadcast to
    the node's; other ops (matmul, sum, indexing) give their vector-Jacobian product."""
    node = nodes[i]
    if not op.elementwise:
        return _rule(op.vjp[k], nodes, node, i, values, env, held, names)
    g, rule = names["g"], op.local[k]
    term = {"1": g, "-1": f"-{g}"}.get(rule) or \
        f"{g} * ({_rule(rule, nodes, node, i, values, env, held, names)})"
    return unbroadcast_text(term, np.shape(values[i]), np.shape(values[node.args[k]]),
                            _hoister(env))


def _hoister(env: dict) -> Callable[[object], str]:
    """A function that binds a value made at compile time (a ones array) in the generated
    code's namespace and returns its name."""
    def hoist(value: object) -> str:
        name = f"h{len(env)}"  # the namespace only grows: a fresh name
        env[name] = value
        return name
    return hoist


def _input_gradients(inputs: Sequence[int], grad: dict[int, str], values: Sequence,
                     env: dict) -> list[str]:
    """The variable holding each input's gradient; zeros of its shape, bound by name,
    for an input that the output does not depend on."""
    out = []
    for i in inputs:
        if i not in grad:
            env[f"z{i}"] = np.zeros_like(values[i])
        out.append(grad.get(i, f"z{i}"))
    return out


def _var(nodes, env: dict, held: dict[int, str], j: int) -> str:
    """The variable holding node j's value: `v{j}`; a constant is `c{j}`, bound in the
    namespace, so that its value enters the code by name and never as text; a node
    worked out at compile time or computed by an earlier line has that name (`held`)."""
    if j in held:
        return held[j]
    if nodes[j].op == CONST:
        env[f"c{j}"] = nodes[j].value
        return f"c{j}"
    return f"v{j}"


def _source(name: str, params: str, body) -> str:
    return f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body)


def _define(name: str, body, env: dict, params: str | None = None) -> Callable:
    params = env["__params__"] if params is None else params
    namespace = {k: v for k, v in env.items() if k != "__params__"}
    code = compile(_source(name, params, body), f"<backprop {name}>", "exec")
    exec(code, namespace)  # safe: generated from op-table rules and node numbers, no user text
    return namespace[name]


def _names(nodes, env: dict, held: dict[int, str], node) -> dict[str, str]:
    """What a rule's letters stand for at this node: `a`, `b` its operands' variables,
    `s` its static arguments (axes, indices, shapes) as a literal."""
    names = {"s": repr(tuple(node.static))}
    for slot, letter in zip(node.args, "ab", strict=False):
        names[letter] = _var(nodes, env, held, slot)
    return names
