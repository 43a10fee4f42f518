"""Every row of the op table against central finite differences, through the engine.

For each op, at several shapes, the engine evaluates `L = sum((op(a, b)) * r)` (r a
random array of the op's output shape, so that every output element matters) and its
gradient with respect to every element of every input is compared with a central
difference of L, and the compiled form of the same program (core/compiled.py, which
pastes the row's rule texts into code) must give the engine's numbers bit for bit. The
operands are drawn away from kinks and domain edges; the kinks themselves have their
own tests below, which pin the conventions stated in ops.py.

The property test iterates over OPS, so a row added later is covered automatically,
and fails loudly until SAMPLERS says how to draw that row's operands.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backpropcli.core.compiled import compile_graph
from backpropcli.core.engine import evaluate, forward
from backpropcli.core.kernels import NAMESPACE, unbroadcast
from backpropcli.core.ops import FUNCTIONS, FWD, LOCAL, OPS, Op
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind

EPS = 1e-6  # the step of the central difference
RTOL = ATOL = 1e-5

# ---------------------------------------------------------------------------
# How to draw each op's operands


@dataclass(frozen=True)
class Case:
    operands: tuple  # one float64 scalar or array per operand
    static: tuple[int, ...] = ()  # an axis, an index


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


MODERATE = floats(-3, 3)
POSITIVE = floats(0.2, 4)  # log, sqrt, the base of pow: clear of 0
AWAY_FROM_ZERO = st.one_of(floats(0.1, 3), floats(-3, -0.1))  # relu, abs, a denominator
EXPONENT = floats(-2.5, 2.5)

UNARY_SHAPES = [(), (3,), (2, 3)]
# Equal shapes, and every way numpy broadcasts: a scalar on either side, a vector
# against the rows of a matrix, a column against a row.
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((3,), ()), ((), (3,)),
                 ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3))]


def value(draw, shape: tuple[int, ...], elements: st.SearchStrategy[float]):
    if shape == ():
        return np.float64(draw(elements))
    return draw(hnp.arrays(np.float64, shape, elements=elements))


def elementwise(*domains: st.SearchStrategy[float], apart: bool = False) -> Callable:
    """Operands of an elementwise op, each from its domain, at every shape pairing.
    `apart`: the two operands are never (nearly) equal anywhere (max, min)."""

    @st.composite
    def draw_case(draw) -> Case:
        shapes = draw(st.sampled_from(BINARY_SHAPES if len(domains) == 2 else
                                      [(s,) for s in UNARY_SHAPES]))
        operands = tuple(value(draw, s, d) for s, d in zip(shapes, domains, strict=True))
        if apart:
            gap = np.abs(np.subtract(*operands))
            assume(np.min(gap) > 1e-2)
        return Case(operands)

    return draw_case()


@st.composite
def matmul_case(draw) -> Case:
    left, right = draw(st.sampled_from([((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)),
                                        ((3,), (3,))]))
    return Case((value(draw, left, MODERATE), value(draw, right, MODERATE)))


@st.composite
def outer_case(draw) -> Case:
    left, right = draw(st.sampled_from([(2,), (3,), (1,)])), draw(st.sampled_from([(3,), (1,)]))
    return Case((value(draw, left, MODERATE), value(draw, right, MODERATE)))


def axes(ndim: int) -> list[tuple[int, ...]]:
    """No axis, and every axis counted from either end."""
    return [(), *[(k,) for k in range(-ndim, ndim)]]


@st.composite
def reduction_case(draw, shapes=((), (3,), (2, 3)), elements=MODERATE) -> Case:
    shape = draw(st.sampled_from(shapes))
    static = draw(st.sampled_from(axes(len(shape)))) if shape else ()
    return Case((value(draw, shape, elements),), static)


@st.composite
def transpose_case(draw) -> Case:
    shape = draw(st.sampled_from([(), (3,), (2, 3), (2, 3, 4)]))
    return Case((value(draw, shape, MODERATE),))


@st.composite
def index_case(draw) -> Case:
    shape, count = draw(st.sampled_from([((4,), 1), ((2, 3), 1), ((2, 3), 2)]))
    static = tuple(draw(st.integers(-n, n - 1)) for n in shape[:count])
    return Case((value(draw, shape, MODERATE),), static)


def apart_at_the_top(case: Case) -> bool:
    """No two elements within 1e-2 of each other, so that no nudge of the central
    difference moves which one is the largest (amax's ties have a test of their own)."""
    flat = np.sort(np.ravel(case.operands[0]))
    return bool(np.all(np.diff(flat) > 1e-2))


SAMPLERS: dict[str, st.SearchStrategy[Case]] = {
    "add": elementwise(MODERATE, MODERATE),
    "sub": elementwise(MODERATE, MODERATE),
    "mul": elementwise(MODERATE, MODERATE),
    "div": elementwise(MODERATE, AWAY_FROM_ZERO),
    "pow": elementwise(POSITIVE, EXPONENT),
    "neg": elementwise(MODERATE),
    "exp": elementwise(MODERATE),
    "log": elementwise(POSITIVE),
    "sqrt": elementwise(POSITIVE),
    "sin": elementwise(MODERATE),
    "cos": elementwise(MODERATE),
    "tanh": elementwise(MODERATE),
    "sigmoid": elementwise(floats(-6, 6)),
    "relu": elementwise(AWAY_FROM_ZERO),
    "abs": elementwise(AWAY_FROM_ZERO),
    "sign": elementwise(AWAY_FROM_ZERO),  # flat on both sides: both derivatives are 0
    "max": elementwise(MODERATE, MODERATE, apart=True),
    "min": elementwise(MODERATE, MODERATE, apart=True),
    "matmul": matmul_case(),
    "outer": outer_case(),
    "sum": reduction_case(),
    "mean": reduction_case(),
    "transpose": transpose_case(),
    "index": index_case(),
    "softmax": reduction_case(shapes=((3,), (2, 3))),
    "logsumexp": reduction_case(shapes=((3,), (2, 3))),
    "amax": reduction_case().filter(apart_at_the_top),
}


def test_every_op_has_a_sampler():
    missing = sorted(set(OPS) - set(SAMPLERS))
    assert not missing, (
        f"add a sampler to tests/test_ops.py SAMPLERS for the new op(s) {missing}: "
        "every row of the op table is checked against finite differences")
    assert not set(SAMPLERS) - set(OPS), "SAMPLERS names an op the table does not have"


# ---------------------------------------------------------------------------
# The check

NAMES = ("a", "b")


def program(op_name: str, case: Case) -> str:
    expr = OPS[op_name].read(NAMES[: OPS[op_name].arity], case.static)
    return f"L = sum(({expr}) * r)"


def central_difference(graph, inputs: dict, name: str) -> np.ndarray:
    def loss(values: dict) -> float:
        vals, _ = forward(graph, values)
        return float(vals[graph.output])

    x = np.asarray(inputs[name], dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        shifted = []
        for sign in (1, -1):
            moved = x.copy()
            moved[idx] += sign * EPS
            value = moved if x.ndim else np.float64(moved)
            shifted.append(loss({**inputs, name: value}))
        grad[idx] = (shifted[0] - shifted[1]) / (2 * EPS)
    return grad


def check(op_name: str, case: Case, r_elements: st.SearchStrategy[float], draw) -> None:
    a, b = (*case.operands, None)[:2]
    out_shape = np.shape(FWD[op_name](a, b, case.static))
    given_values = dict(zip(NAMES, case.operands, strict=False))
    given_values["r"] = value(draw, out_shape, r_elements)
    text = program(op_name, case)
    graph = parse(text)
    inputs = bind(graph, given_values)
    ev = evaluate(graph, inputs)
    grads = ev.gradients()
    assert set(grads) == set(given_values), text
    for name in grads:
        assert np.shape(grads[name]) == np.shape(inputs[name]), (text, name)
        expected = central_difference(graph, inputs, name)
        np.testing.assert_allclose(
            grads[name], expected, rtol=RTOL, atol=ATOL,
            err_msg=f"{text}: ∂L/∂{name} at {given_values} (static {case.static})")
    compiled = compile_graph(graph, inputs)
    compiled_value, compiled_grads, _ = compiled.value_and_grad(*compiled.args(inputs))
    assert np.array_equal(compiled_value, ev.value), text
    for name, g in zip(compiled.inputs, compiled_grads, strict=True):
        assert np.array_equal(g, grads[name]), (text, name, "compiled")


@pytest.mark.parametrize("op_name", sorted(OPS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_local_gradients_match_finite_differences(op_name, data):
    assert op_name in SAMPLERS, f"no sampler for {op_name}: add one to SAMPLERS"
    case = data.draw(SAMPLERS[op_name], label="case")
    check(op_name, case, floats(-2, 2), data.draw)


def test_every_shape_pairing_is_drawn_for_binary_elementwise_ops():
    # The sampler must reach the broadcasting pairs, not only equal shapes.
    seen = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(SAMPLERS["mul"])
    def collect(case):
        seen.add(tuple(np.shape(x) for x in case.operands))

    collect()
    assert seen == set(BINARY_SHAPES)


# ---------------------------------------------------------------------------
# Kinks and ties: the conventions ops.py states (the same as PyTorch)

def gradients(text: str, **values) -> dict:
    graph = parse(text)
    given_values = {k: np.asarray(v, dtype=float) if np.ndim(v) else np.float64(v)
                    for k, v in values.items()}
    return evaluate(graph, bind(graph, given_values)).gradients()


def test_relu_derivative_at_zero_is_zero():
    g = gradients("L = sum(relu(x))", x=[-1.0, 0.0, 2.0])
    assert g["x"].tolist() == [0.0, 0.0, 1.0]
    assert gradients("L = relu(x)", x=0.0)["x"] == 0.0


def test_sign_is_flat_everywhere_the_kink_included():
    g = gradients("L = sum(sign(x) * 3)", x=[-1.0, 0.0, 2.0])
    assert np.array_equal(g["x"], [0.0, 0.0, 0.0])


def test_abs_derivative_at_zero_is_zero():
    g = gradients("L = sum(abs(x))", x=[-1.0, 0.0, 2.0])
    assert g["x"].tolist() == [-1.0, 0.0, 1.0]
    assert gradients("L = abs(x)", x=0.0)["x"] == 0.0


@pytest.mark.parametrize("op", ["max", "min"])
def test_a_tie_sends_half_to_each_operand(op):
    g = gradients(f"L = {op}(a, b)", a=2.0, b=2.0)
    assert (g["a"], g["b"]) == (0.5, 0.5)
    g = gradients(f"L = sum({op}(a, b))", a=[1.0, 2.0, 3.0], b=[2.0, 2.0, 2.0])
    winner = [0.0, 0.5, 1.0] if op == "max" else [1.0, 0.5, 0.0]
    assert g["a"].tolist() == winner
    assert g["b"].tolist() == [1 - w for w in winner]


@pytest.mark.parametrize("op", ["max", "min"])
def test_op_of_a_node_with_itself_has_derivative_one(op):
    assert gradients(f"L = {op}(x, x)", x=-1.5)["x"] == 1.0
    assert gradients(f"L = sum({op}(x, x))", x=[1.0, -2.0])["x"].tolist() == [1.0, 1.0]


def test_a_tie_against_a_constant_still_gives_half():
    assert gradients("L = max(x, 2)", x=2.0)["x"] == 0.5
    assert gradients("L = min(x, 2)", x=2.0)["x"] == 0.5


@pytest.mark.parametrize(("values", "axis", "expected"), [
    ([1, 3, 3], "", [0, 0.5, 0.5]),
    ([[2, 2, 2], [5, 1, 0]], ", 1", [[1 / 3, 1 / 3, 1 / 3], [1, 0, 0]]),
    ([[2, 2], [2, 1]], ", 0", [[0.5, 1], [0.5, 0]]),
    (4, "", 1),
])
def test_amax_shares_the_gradient_among_the_tied_largest(values, axis, expected):
    # the convention of ops.py (and torch.amax): each tied element gets an equal share
    grads = gradients(f"m = sum(amax(x{axis}))", x=values)
    np.testing.assert_allclose(grads["x"], expected)


def test_pow_derivative_in_the_exponent_at_base_zero_is_zero():
    # a^b is flat in b at a = 0 (for b > 0): xlogy takes 0 · log 0 as 0, not nan.
    g = gradients("L = a^b", a=0.0, b=2.0)
    assert (g["a"], g["b"]) == (0.0, 0.0)


# ---------------------------------------------------------------------------
# unbroadcast: the adjoint of numpy's broadcasting

@pytest.mark.parametrize(("big", "small"), [
    ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), ()), ((2, 3), (2, 1)), ((2, 3), (1, 3)),
    ((4, 2, 3), (2, 1)), ((4, 2, 3), (1, 1, 3)), ((3,), (1,)), ((3,), ()), ((), ()),
])
def test_unbroadcast_sums_down_to_the_shape(big, small):
    x = np.arange(1.0, 1.0 + np.prod(big, dtype=int)).reshape(big)
    got = unbroadcast(x, small)
    assert np.shape(got) == small
    assert np.sum(got) == pytest.approx(np.sum(x))  # nothing lost, nothing counted twice


def test_unbroadcast_of_a_matching_shape_is_the_same_object():
    x = np.ones((2, 3))
    assert unbroadcast(x, (2, 3)) is x


def test_unbroadcast_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert unbroadcast(x, (3,)).tolist() == [5.0, 7.0, 9.0]
    assert unbroadcast(x, (2, 1)).tolist() == [[6.0], [15.0]]
    assert unbroadcast(x, (1, 3)).tolist() == [[5.0, 7.0, 9.0]]
    assert unbroadcast(x, ()) == 21.0


@st.composite
def broadcast_pair(draw):
    """A shape and a shape that broadcasts to it (dropped leading axes, axes set to 1)."""
    big = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    keep = draw(st.integers(0, len(big)))
    small = tuple(1 if draw(st.booleans()) else n for n in big[len(big) - keep:])
    return big, small


@settings(max_examples=100, deadline=None)
@given(pair=broadcast_pair(), data=st.data())
def test_unbroadcast_is_the_adjoint_of_broadcasting(pair, data):
    # ⟨broadcast(u), v⟩ = ⟨u, unbroadcast(v)⟩ for every u of the small shape and v of the big one.
    big, small = pair
    u = data.draw(hnp.arrays(np.float64, small, elements=floats(-2, 2)))
    v = data.draw(hnp.arrays(np.float64, big, elements=floats(-2, 2)))
    back = unbroadcast(v, small)
    assert np.shape(back) == small
    left = np.sum(np.broadcast_to(u, big) * v)
    right = np.sum(u * back)
    assert left == pytest.approx(right, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------
# facts of a row that are not its mathematics: the quiz reads them from the row only

def _ops_of_made_up_problems() -> dict[str, int]:
    """Each op the made-up quiz problems use, with the lowest level that uses it."""
    from backpropcli.tasks.problems import PROBLEM_LEVELS, make_problem

    lowest: dict[str, int] = {}
    for level in PROBLEM_LEVELS:
        for seed in range(12):
            graph = parse(make_problem(level, seed).program)
            for node in graph.nodes:
                if node.computed:
                    lowest.setdefault(node.op, level)
    return lowest


def test_every_row_says_its_quiz_level():
    from backpropcli.tasks.problems import PROBLEM_LEVELS

    field = next(f for f in dataclasses.fields(Op) if f.name == "level")
    # no default: a new row must choose one, never silently get some level
    assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    for op in OPS.values():
        assert op.level in PROBLEM_LEVELS, op.name
    used = _ops_of_made_up_problems()
    assert {"add", "mul", "max", "sigmoid", "div", "pow", "matmul", "relu"} <= set(used)
    for name, level in used.items():  # the lowest level whose problems practise it
        assert OPS[name].level == level, (name, OPS[name].level, level)


@pytest.mark.parametrize("op", [op for op in OPS.values() if op.elementwise], ids=str)
def test_the_rule_with_numbers_is_the_local_rule_in_the_language(op):
    # What the quiz's derivation puts numbers in: written with the rule variables and
    # the functions a student types (no kernel such as xlogy), and equal to the rule.
    assert len(op.numbers) in (0, op.arity)
    a, b = np.float64(0.7), np.float64(1.3)  # off every kink, inside every domain
    out = FWD[op.name](a, b, ())
    for k in range(op.arity):
        text = op.with_numbers(k)
        if not text:  # the row says numbers read worse than the formula here
            continue
        names = set(re.findall(r"(?<![.\w])[A-Za-z_]\w*", text))
        assert names <= {"a", "b", "out", *FUNCTIONS}, (op.name, k, text)
        by_hand = eval(text, dict(NAMESPACE), {"a": a, "b": b, "out": out})  # table text
        assert by_hand == pytest.approx(LOCAL[op.name][k](out, a, b, ()), rel=1e-12)
