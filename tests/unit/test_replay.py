"""The replay's frames (tasks/replay.py) are the engine's own passes, read in order:
on random scalar and array programs, the forward frames are the forward pass's values,
the backward frames are the backward sweep's terms in its order (users from the output
down), each node's running total goes from the one before to the next, and the totals
are the gradients eval reports, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backpropcli.core.engine import evaluate
from backpropcli.core.errors import LimitError, MathError
from backpropcli.lang.parse import parse
from backpropcli.tasks import replay as rp

SCALAR_OPS = ["+", "-", "*"]
FUNCS = ["tanh", "sigmoid", "sin", "relu", "abs", "exp"]


@st.composite
def scalar_programs(draw):
    lines, names = [], ["x", "y", "z"]
    for i in range(draw(st.integers(1, 10))):
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        expr = f"{a} {draw(st.sampled_from(SCALAR_OPS))} {b}"
        if draw(st.booleans()):
            expr = f"{draw(st.sampled_from(FUNCS))}({expr} * 0.3)"
        if draw(st.booleans()):
            expr = f"max({expr}, {draw(st.sampled_from(names))})"
        name = draw(st.sampled_from([f"n{i}", *names]))
        lines.append(f"{name} = {expr}")
        names.append(name)
    return "\n".join(lines)


# Arrays: a matrix W (2×3), vectors u (3,) and v (2,), a number s; each statement is
# shape-safe by construction, and broadcasting (a number or a vector against a matrix)
# makes the chain rule sum back over axes.
ARRAY_STATEMENTS = [
    "h = W @ u", "h = tanh(W @ u + v)", "m = W * u", "m = W * s + W", "m = W * v[0]",
    "k = sum(W * u, 0)", "k = mean(W, 1) * v", "k = softmax(W @ u) * v",
    "q = u * u + s", "q = relu(u - s) * u", "h = sigmoid(v) * v", "m = transpose(W) * v",
]


@st.composite
def array_programs(draw):
    chosen = draw(st.lists(st.sampled_from(ARRAY_STATEMENTS), min_size=1, max_size=5))
    outputs = {"h": "sum(h)", "m": "sum(m)", "k": "sum(k)", "q": "sum(q)"}
    made = [line.split(" = ")[0] for line in chosen]
    total = " + ".join(outputs[n] for n in dict.fromkeys(made))
    return "\n".join([*chosen, f"L = {total} + s * s"])


def array_point(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(2, 3)), "u": rng.normal(size=3), "v": rng.normal(size=2),
            "s": np.float64(rng.normal())}


def frames_agree(text: str, inputs: dict) -> None:
    graph = parse(text)
    inputs = {k: v for k, v in inputs.items() if k in graph.input_names}
    try:
        ev = evaluate(graph, inputs)
    except MathError:
        return
    replay = rp.replay(ev, max_frames=10**6)
    frames = replay.frames
    forward = [f for f in frames if f.kind == "forward"]
    assert [f.node for f in forward] == rp.shown_nodes(ev)
    for f in forward:
        assert f.value is ev.values[f.node]
    if ev.constant:
        assert len(frames) == len(forward)
        return
    assert frames[len(forward)].kind == "seed" and frames[-1].kind == "gradient"
    backward = [f for f in frames if f.kind == "backward"]
    assert len(backward) == rp.edges(ev) == len(frames) - len(forward) - 2
    # the engine's order: users from the output down, each user's operands in order
    order = [(-f.user, f.slot) for f in backward]
    assert order == sorted(order)
    totals: dict[int, object] = {}
    for f in backward:
        node = graph.nodes[f.user]
        assert node.args[f.slot] == f.node
        assert f.upstream is ev.grads[f.user] or np.array_equal(f.upstream, ev.grads[f.user])
        before = totals.get(f.node)
        assert (f.before is None) == (before is None)
        if before is not None:
            assert np.array_equal(f.before, before)
        expected = f.value if before is None else before + f.value
        assert np.array_equal(f.after, expected)
        totals[f.node] = f.after
        if f.local is not None:
            assert f.local is ev.local[f.user][f.slot]
    for j, total in totals.items():  # the running totals end at the gradients, exactly
        assert np.array_equal(total, ev.grads[j]), graph.nodes[j].name
    gradients = dict(frames[-1].gradients)
    for name, g in ev.gradients().items():
        assert np.array_equal(gradients[name], g)


@settings(max_examples=60, deadline=None)
@given(scalar_programs(), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_scalar_frames_are_the_engines_passes(text, xs):
    frames_agree(text, {n: np.float64(v) for n, v in zip("xyz", xs, strict=True)})


@settings(max_examples=40, deadline=None)
@given(array_programs(), st.integers(0, 2**16))
def test_array_frames_are_the_engines_passes(text, seed):
    frames_agree(text, array_point(seed))


def test_a_node_used_twice_gets_two_additions():
    ev = evaluate(parse("b = a * a"), {"a": np.float64(3)})
    back = [f for f in rp.replay(ev).frames if f.kind == "backward"]
    assert [(f.use, f.before, f.after) for f in back] == [(1, None, 3.0), (2, 3.0, 6.0)]
    replay = rp.replay(ev)
    said = [rp.title(replay, n) for n, f in enumerate(replay.frames) if f.kind == "backward"]
    assert said == ["backward 1 of 2: b → a (first use)", "backward 2 of 2: b → a (second use)"]
    assert rp.lines(replay, len(replay.frames) - 2)[-1] == "total     ∂b/∂a += 3 → 6   (was 3)"


def test_the_worked_example_reads_as_the_article():
    ev = evaluate(parse("f = x*y; g = f + z"),
                  {"x": np.float64(3), "y": np.float64(-4), "z": np.float64(2)})
    replay = rp.replay(ev)
    n = next(k for k, f in enumerate(replay.frames)
             if f.kind == "backward" and ev.graph.nodes[f.node].name == "x")
    assert rp.title(replay, n) == "backward 3 of 4: f → x"
    assert rp.lines(replay, n) == ["upstream  ∂g/∂f = 1", "local     ∂f/∂x = y = -4",
                                   "product   1 · (-4) = -4", "total     ∂g/∂x += -4 → -4"]
    assert rp.lines(replay, len(replay.frames) - 1) == ["∂g/∂x = -4", "∂g/∂y = 3", "∂g/∂z = 1"]


def test_broadcasting_says_which_axis_is_summed():
    ev = evaluate(parse("L = sum(W * x)"), {"W": np.ones((2, 3)), "x": np.arange(3.0)})
    replay = rp.replay(ev)
    into_x = next(f for f in replay.frames if f.kind == "backward"
                  and ev.graph.nodes[f.node].name == "x")
    assert into_x.summed == "summed over axis 0"
    n = replay.frames.index(into_x)
    assert "shapes    t1 (2, 3) → x (3,)" in rp.lines(replay, n)


def test_too_many_frames_are_refused_before_any_is_made():
    ev = evaluate(parse("g = x*y + z"), {"x": np.float64(1), "y": np.float64(2),
                                          "z": np.float64(3)})
    total = rp.frame_count(ev)
    assert len(rp.replay(ev, max_frames=total).frames) == total
    with pytest.raises(LimitError, match=f"replays in {total} frames"):
        rp.replay(ev, max_frames=total - 1)


def test_a_constant_output_replays_only_its_forward_pass():
    ev = evaluate(parse("g = exp(3) * 4"), {})
    frames = rp.replay(ev).frames
    assert {f.kind for f in frames} <= {"forward"}
