"""The counting rule tables (core/counting.py): a pass run on them counts each rule it
calls and computes what the plain pass computes; the plain tables are the op table's
own, so that an uncounted pass calls the rules directly."""

from __future__ import annotations

import numpy as np

from backpropcli.core.counting import counting
from backpropcli.core.engine import RULES, backward, evaluate, forward
from backpropcli.core.jvp import jvp
from backpropcli.core.ops import FWD, LOCAL, VJP
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind


def test_the_plain_tables_are_the_op_tables():
    assert RULES.fwd is FWD and RULES.local is LOCAL and RULES.vjp is VJP


def test_counted_passes_compute_what_plain_passes_do():
    graph = parse("h = tanh(W @ x); L = sum(h * h) + max(h[0], 0.1)")
    inputs = bind(graph, {"W": np.array([[1.0, -2.0], [0.5, 0.3]]), "x": np.array([0.2, -0.1])})
    rules, tally = counting()
    needs = graph.requires_grad()
    values, local = forward(graph, inputs, needs, rules=rules)
    grads, terms = backward(graph, values, local, needs, rules=rules)
    plain = evaluate(graph, inputs)
    assert all(np.array_equal(a, b) for a, b in zip(values, plain.values, strict=True))
    assert np.array_equal(grads[graph.inputs[0]], plain.gradients()["W"])
    computed = sum(n.computed for n in graph.nodes)
    assert tally.values == computed
    assert tally.locals == sum(len(r) for r in local if r is not None
                               ) - sum(d is None for r in local if r is not None for d in r)
    assert tally.vjps == sum(1 for t in terms for term in t if term.local is None)


def test_a_sweep_counts_a_tangent_per_operand_that_carries_one():
    graph = parse("f = x*y; g = f + z")
    inputs = bind(graph, {"x": np.float64(3), "y": np.float64(-4), "z": np.float64(2)})
    rules, tally = counting()
    jvp(graph, inputs, {"x": np.float64(1)}, rules)
    assert (tally.values, tally.tangents) == (2, 2)  # ḟ = ẋ·y, ġ = ḟ
    tally.clear()
    jvp(graph, inputs, {"z": np.float64(1)}, rules)
    assert (tally.values, tally.tangents) == (2, 1)  # f does not move along z
