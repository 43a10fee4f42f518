"""The compiled evaluator gives the engine's values and gradients, bit for bit."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backpropcli.core.compiled import compile_graph
from backpropcli.core.engine import evaluate
from backpropcli.core.errors import MathError
from backpropcli.lang.parse import parse
from tests.helpers import SAMPLES


def same(graph, inputs):
    ev = evaluate(graph, inputs)
    c = compile_graph(graph, inputs)
    # As descend and check call it: a finite result may pass through an overflow on the
    # way (sigmoid's exp(-v) of a very negative v is inf, and 1 / (1 + inf) is 0).
    with np.errstate(all="ignore"):
        value, grads, _ = c.value_and_grad(*c.args(inputs))
        forward_only = c.value(*c.args(inputs))
    assert np.array_equal(value, ev.value)
    for name, g in zip(c.inputs, grads, strict=True):
        assert np.shape(g) == np.shape(ev.gradients()[name]), name
        assert np.array_equal(g, ev.gradients()[name]), name
    assert np.array_equal(forward_only, ev.value)
    # and as descend calls it: every gradient written into an array of its own
    outs = [np.empty(np.shape(g)) for g in grads]
    with np.errstate(all="ignore"):
        value, into, _ = c.into(range(len(outs)))(*outs, *c.args(inputs))
    assert np.array_equal(value, ev.value)
    for name, g, out, o in zip(c.inputs, into, outs, grads, strict=True):
        assert g is out, name
        assert np.array_equal(out, ev.gradients()[name]), name
        assert o is not out, name
    return c


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.bp")))
def test_every_sample(sample):
    from backpropcli.tasks.program import start

    graph, point = start((SAMPLES / sample).read_text(), {}, base=SAMPLES, seed=0)
    same(graph, point.inputs)


def test_arrays_and_structural_ops():
    graph = parse("h = tanh(W @ x + b); L = sum(h * h) + mean(softmax(h)) + logsumexp(h) + h[0]"
                  " + sum(transpose(W) @ h) + max(h[1], 0.1) + mean(W, 0)[1]")
    rng = np.random.default_rng(0)
    same(graph, {"W": rng.normal(size=(3, 2)), "x": rng.normal(size=2),
                 "b": np.float64(0.3)})


def test_unused_input_gets_zeros_of_its_shape():
    graph = parse("f = x * y; g = f + z").with_output(2)
    c = same(graph, {"x": np.float64(3), "y": np.float64(-4), "z": np.ones(3)})
    _, grads, _ = c.value_and_grad(np.float64(3), np.float64(-4), np.ones(3))
    assert np.array_equal(grads[2], np.zeros(3))


def test_watched_nodes_are_returned():
    graph = parse("acc = sign(x); loss = x * x")
    c = compile_graph(graph, {"x": np.float64(-2)}, watch=[graph.find("acc")])
    assert c.value_and_grad(np.float64(-2))[2] == (-1,)


def test_generated_code_reads_as_the_chain_rule():
    # A line per node forward; backward, a gradient passed on through + and - is renamed
    # (no line), a second use of x adds to its first contribution, in the engine's order;
    # z's gradient, -1 whatever the inputs, is worked out once (k...) and has no line.
    graph = parse("f = x*y; g = f - z + x")
    c = same(graph, {"x": np.float64(3), "y": np.float64(-4), "z": np.float64(2)})
    assert re.sub(r"\bk\d+", "k", c.source).splitlines() == [
        "def value_and_grad(v0, v1, v3):",
        "    v2 = v0 * v1",
        "    v4 = v2 - v3",
        "    v5 = v4 + v0",
        "    g0 = g_seed + g_seed * (v1)",
        "    g1 = g_seed * (v0)",
        "    return v5, (g0, g1, k,), ()",  # (k: a name the namespace numbers)
    ]
    assert c.value_and_grad(3.0, -4.0, 2.0)[1][2] == -1


def test_constants_are_folded_and_repeated_lines_shared():
    # [...] / 16 reads data alone: worked out once, no line; Y * Z twice is one line; the
    # gradient of a mean (constant) is folded too. Still the engine's, bit for bit.
    graph = parse("Z = ([[1, 2], [3, 4], [5, 6]] / 16) @ W\n"
                  "loss = mean(logsumexp(Z) - sum(Y * Z, 1)) + mean(Y * Z) + 0.5 * sum(W^2)")
    rng = np.random.default_rng(1)
    c = same(graph, {"W": rng.normal(size=(2, 2)), "Y": rng.normal(size=(3, 2))})
    body = [line.strip() for line in c.source.splitlines()[1:-1]]
    assert not any("/ 16" in line or "/ c" in line for line in body), c.source
    assert [line.split(" = ")[1] for line in body].count("v6 * v4") == 1, c.source  # Y * Z
    assert not any(line.startswith("g") and "g_seed" in line for line in body), c.source


def test_parts_that_read_no_variable_are_folded_and_x_to_the_1_is_x():
    # x^2's derivative is b·a^(b−1): with b = 2 a constant, b − 1 is worked out once and
    # a ** 1.0 is a (exact), so each square's gradient is two products, with no power
    graph = parse("loss = sum(W^2) + b^2 + 0.5 * sum((W @ x - y)^2)")
    rng = np.random.default_rng(2)
    c = same(graph, {"W": rng.normal(size=(3, 2)), "x": rng.normal(size=2),
                     "y": rng.normal(size=3), "b": np.float64(0.25)})
    backward = [line for line in c.source.splitlines() if line.strip().startswith("g")]
    assert backward and not any("**" in line or " - 1" in line for line in backward), c.source


def test_generated_code_holds_no_user_text():
    graph = parse("secret_name = weird_input * 2 + other")
    c = compile_graph(graph, {"weird_input": np.float64(1), "other": np.float64(2)})
    assert "secret" not in c.source and "weird" not in c.source and "other" not in c.source


def test_shape_is_checked():
    graph = parse("y = sum(x)")
    c = compile_graph(graph, {"x": np.ones(3)})
    with pytest.raises(ValueError, match=r"x has shape \(4,\), compiled for \(3,\)"):
        c.args({"x": np.ones(4)})


def test_non_finite_start_is_reported_by_the_engine():
    with pytest.raises(MathError):
        compile_graph(parse("y = log(x)"), {"x": np.float64(0)})


OPS = ["+", "-", "*"]
FUNCS = ["tanh", "sigmoid", "sin", "relu", "abs", "exp"]


@st.composite
def programs(draw):
    lines = []
    names = ["x", "y", "z"]
    for i in range(draw(st.integers(1, 12))):
        # literals too: an expression of constants alone is folded at compile time
        a, b = (draw(st.sampled_from([*names, "0.5", "2"])) for _ in "ab")
        op = draw(st.sampled_from(OPS))
        expr = f"{a} {op} {b}"
        if draw(st.booleans()):
            expr = f"{draw(st.sampled_from(FUNCS))}({expr} * 0.3)"
        if draw(st.booleans()):
            expr = f"max({expr}, {draw(st.sampled_from(names))})"
        name = draw(st.sampled_from([f"n{i}", *names]))  # reassignment included
        lines.append(f"{name} = {expr}")
        names.append(name)
    return "\n".join(lines)


@settings(max_examples=60, deadline=None)
@given(programs(), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_programs_match_the_engine(text, xs):
    graph = parse(text)
    inputs = {n: np.float64(v) for n, v in zip(("x", "y", "z"), xs, strict=True)
              if n in graph.input_names}
    try:
        evaluate(graph, inputs)
    except MathError:
        return
    same(graph, inputs)


@settings(max_examples=25, deadline=None)
@given(programs(), st.integers(0, 2**32 - 1))
def test_random_programs_on_large_arrays_match_the_engine(text, seed):
    # Arrays of BIG elements and more: the compiled code writes them into buffers, with
    # elementwise chains fused into one; still the engine's, bit for bit, call after call.
    from backpropcli.core.buffers import BIG

    graph = parse(text)
    rng = np.random.default_rng(seed)
    shape = (BIG // 64 + 3, 64)
    for _ in range(2):  # the buffers of the first call are written again by the second
        inputs = {n: rng.uniform(-2, 2, size=shape) for n in graph.input_names}
        try:
            evaluate(graph, inputs)
        except MathError:
            return
        same(graph, inputs)


def test_returned_values_are_not_overwritten_by_the_next_call():
    graph = parse("h = tanh(W @ x + b); loss = sum(h * h)")
    rng = np.random.default_rng(3)
    first = {"W": rng.normal(size=(300, 40)), "x": rng.normal(size=(40, 30)),
             "b": rng.normal(size=30)}
    c = compile_graph(graph, first)
    assert "out=" in c.source  # 300 × 30 hidden values: in a buffer
    value, grads, _ = c.value_and_grad(*c.args(first))
    kept = [np.copy(g) for g in grads]
    second = {k: v + 1 for k, v in first.items()}
    c.value_and_grad(*c.args(second))
    assert all(np.array_equal(g, k) for g, k in zip(grads, kept, strict=True))
    assert np.array_equal(grads[0], evaluate(graph, first).gradients()["W"])


@pytest.mark.parametrize("shape", [(1347, 10), (450, 3), (5, 4), (40, 7, 3), (3, 200)])
def test_max_along_a_short_axis_is_numpys(shape):
    from backpropcli.core.kernels import _max

    rng = np.random.default_rng(4)
    a = rng.normal(size=shape)
    a[1, 1] = np.nan
    for axis in range(-len(shape), len(shape)):
        for keep in (False, True):
            assert np.array_equal(_max(a, axis, keep), np.max(a, axis=axis, keepdims=keep),
                                  equal_nan=True)


def test_a_line_that_raises_is_left_to_raise_at_run_time():
    # with_buffers runs the lines once to learn shapes; a line that raises stops the
    # rewriting there (the run raises at it as before), and what was rewritten still runs
    from backpropcli.core.buffers import BIG, with_buffers

    env: dict = {"tanh": np.tanh}
    lines = ["v1 = v0 * 2.0", "v2 = v1 @ v0[:3]", "v3 = tanh(v1)"]  # v2: shapes differ
    out = with_buffers(lines, env, {"v0": np.ones(BIG)}, keep=set())
    assert out[0].startswith("v1 = _multiply(v0, 2.0, out=") and out[1:] == lines[1:]
    scope = {**env, "v0": np.ones(BIG)}
    exec(out[0], scope)
    assert np.array_equal(scope["v1"], np.full(BIG, 2.0))


@pytest.mark.parametrize(("rows", "by_ones"), [(100, True), (2**20 + 1, False)])
def test_a_matrixs_columns_are_summed_by_a_product_with_ones_up_to_a_million_rows(
        rows, by_ones):
    # BLAS's ones @ X where numpy would reduce a row at a time; past 2^20 rows numpy's
    # sum, so that the ones never cost more memory than 8 MB. Still the engine's.
    graph = parse("loss = sum(sum(X * w, 0)) + sum(mean(X + b, 0))")
    rng = np.random.default_rng(5)
    c = same(graph, {"X": rng.normal(size=(rows, 2)), "w": rng.normal(size=2),
                     "b": np.float64(0.5)})
    assert ("@" in c.source) is by_ones, c.source  # (the program itself has no @)
