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
The code is specialised to the shapes of the inputs it was compiled for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .engine import forward
from .graph import CONST, Graph
from .kernels import NAMESPACE
from .ops import OPS, substitute


@dataclass(frozen=True)
class Compiled:
    graph: Graph
    inputs: tuple[str, ...]  # the functions' argument order
    shapes: tuple[tuple[int, ...], ...]  # each input's shape, as compiled for
    watch: tuple[str, ...]  # other nodes whose values value_and_grad also returns
    source: str  # the generated value_and_grad, for reading and for tests
    value_and_grad: Callable  # (*inputs) -> (value, tuple of ∂output/∂input, watched values)
    _forward: tuple[str, ...]  # the forward lines, to build `value` when first asked for
    _env: dict

    @cached_property
    def value(self) -> Callable:
        """(*inputs) -> output value: the forward lines alone, for finite differences."""
        return _define("value", self._forward, self._env)

    def args(self, inputs: Mapping[str, object]) -> list:
        """Inputs by name → the positional arguments, refusing a shape it was not made for."""
        out = []
        for name, shape in zip(self.inputs, self.shapes, strict=True):
            v = inputs[name]
            if np.shape(v) != shape:
                raise ValueError(f"{name} has shape {np.shape(v)}, compiled for {shape}")
            out.append(v)
        return out


def compile_graph(
    graph: Graph, example: Mapping[str, object], watch: Sequence[int] = ()
) -> Compiled:
    """Compile for inputs shaped like `example` (evaluated once to learn every node's shape).
    The values of the `watch` nodes are returned beside the output's (accuracy, say)."""
    values, _ = forward(graph, example)
    nodes = graph.nodes
    out = graph.output
    needed = graph.ancestors(out, *watch)
    inputs = list(graph.inputs)
    env: dict[str, object] = dict(NAMESPACE)

    def var(j: int) -> str:
        if nodes[j].op == CONST:
            env[f"c{j}"] = nodes[j].value
            return f"c{j}"
        return f"v{j}"

    fwd = []
    for i, node in enumerate(nodes):
        if needed[i] and node.computed:
            fwd.append(f"v{i} = {substitute(OPS[node.op].fwd, _names(node, var))}")
    result = var(out)

    # Backward, in the engine's order: users from the output down, operands left to right.
    # grad[j] names the variable holding ∂out/∂node j so far; a first contribution that is
    # just the user's gradient passed on (add, sub) only renames it, writing no line.
    env["g_seed"] = np.ones_like(values[out])[()]
    grad: dict[int, str] = {out: "g_seed"}
    bwd = []
    for i in range(out, -1, -1):
        node = nodes[i]
        if i not in grad or not node.computed:
            continue
        op = OPS[node.op]
        names = {**_names(node, var), "out": f"v{i}", "g": grad[i]}
        for k, j in enumerate(node.args):
            if nodes[j].op == CONST:
                continue
            if op.elementwise:
                rule = op.local[k]
                term = {"1": grad[i], "-1": f"-{grad[i]}"}.get(rule) or \
                    f"{grad[i]} * ({substitute(rule, names)})"
                if np.shape(values[i]) != np.shape(values[j]):
                    term = f"unbroadcast({term}, {np.shape(values[j])!r})"
            else:
                term = substitute(op.vjp[k], names)
            if j in grad:
                bwd.append(f"g{j} = {grad[j]} + {term}")
                grad[j] = f"g{j}"
            elif term == grad[i]:
                grad[j] = term
            else:
                bwd.append(f"g{j} = {term}")
                grad[j] = f"g{j}"

    outputs = []
    for i in inputs:
        if i not in grad:  # the output does not depend on this input
            env[f"z{i}"] = np.zeros_like(values[i])
        outputs.append(grad.get(i, f"z{i}"))
    watched = "".join(f"{var(w)}, " for w in watch)
    body = (*fwd, *bwd, f"return {result}, ({', '.join(outputs)},), ({watched})")
    params = ", ".join(f"v{i}" for i in inputs)
    return Compiled(
        graph=graph,
        inputs=tuple(nodes[i].name for i in inputs),
        shapes=tuple(np.shape(values[i]) for i in inputs),
        watch=tuple(nodes[w].name for w in watch),
        source=_source("value_and_grad", params, body),
        value_and_grad=_define("value_and_grad", body, env, params),
        _forward=(*fwd, f"return {result}"),
        _env={**env, "__params__": params},
    )


def _source(name: str, params: str, body) -> str:
    return f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body)


def _define(name: str, body, env: dict, params: str | None = None) -> Callable:
    params = env["__params__"] if params is None else params
    namespace = {k: v for k, v in env.items() if k != "__params__"}
    code = compile(_source(name, params, body), f"<backprop {name}>", "exec")
    exec(code, namespace)  # safe: generated from op-table rules and node numbers, no user text
    return namespace[name]


def _names(node, var) -> dict[str, str]:
    names = {"s": repr(tuple(node.static))}
    for slot, letter in zip(node.args, "ab", strict=False):
        names[letter] = var(slot)
    return names
