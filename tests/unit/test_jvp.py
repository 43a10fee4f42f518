"""Forward mode and second derivatives (core/jvp.py over core/dual.py), op by op.

For every row of the op table, at the shapes its sampler draws (tests/unit/test_ops.py),
the tangent of L = sum(op(a, b) * r) along a random direction must equal the central
difference of L along it, and the Hessian-vector product (forward-over-reverse) must equal
the central difference of the reverse pass's gradient along it: the second derivative
checked against finite differences of the first. The property test iterates over OPS,
so a row added later is covered without a line here. Then the conventions at kinks, the
quadratic bowl's exact Hessian, the limits, and PyTorch float64 on random programs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backpropcli.core.engine import evaluate, forward
from backpropcli.core.errors import LimitError, MathError
from backpropcli.core.jvp import MAX_HESSIAN, hessian, hvp, jvp, max_asymmetry
from backpropcli.core.ops import FWD, OPS
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind
from tests.unit.test_ops import MODERATE, NAMES, SAMPLERS, program, value

EPS = 1e-6


def _setup(op_name, case, draw):
    a, b = (*case.operands, None)[:2]
    out_shape = np.shape(FWD[op_name](a, b, case.static))
    given_values = dict(zip(NAMES, case.operands, strict=False))
    given_values["r"] = value(draw, out_shape, MODERATE)
    graph = parse(program(op_name, case))
    inputs = bind(graph, given_values)
    direction = {k: value(draw, np.shape(v), MODERATE) for k, v in inputs.items()}
    return graph, inputs, direction


def _moved(inputs, direction, h):
    return {k: np.asarray(v) + h * np.asarray(direction[k]) if np.ndim(v) else
            np.float64(v + h * direction[k]) for k, v in inputs.items()}


@pytest.mark.parametrize("op_name", sorted(OPS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_tangent_and_second_derivative_match_finite_differences(op_name, data):
    case = data.draw(SAMPLERS[op_name], label="case")
    graph, inputs, direction = _setup(op_name, case, data.draw)
    text = graph.source
    # forward mode: the tangent of L against (L(x + hv) - L(x - hv)) / 2h
    values, tangents = jvp(graph, inputs, direction)
    lo, hi = (forward(graph, _moved(inputs, direction, s * EPS))[0][graph.output]
              for s in (-1, 1))
    np.testing.assert_allclose(tangents[graph.output], (hi - lo) / (2 * EPS),
                               rtol=1e-5, atol=1e-5, err_msg=text)
    # the values as the plain pass's, to rounding (numpy's scalar ** and np.power differ)
    np.testing.assert_allclose(values[graph.output], evaluate(graph, inputs).value, rtol=1e-14)
    # forward-over-reverse: H·v against the central difference of the gradient
    gradient, product = hvp(graph, inputs, direction)
    reverse = evaluate(graph, inputs).gradients()
    h = 1e-5
    up = evaluate(graph, _moved(inputs, direction, h)).gradients()
    down = evaluate(graph, _moved(inputs, direction, -h)).gradients()
    for name in reverse:
        np.testing.assert_allclose(gradient[name], reverse[name], rtol=1e-13, atol=1e-15)
        expected = (np.asarray(up[name]) - np.asarray(down[name])) / (2 * h)
        np.testing.assert_allclose(product[name], expected, rtol=1e-4, atol=1e-4,
                                   err_msg=f"{text}: (H·v)[{name}]")


def _h(text, **values):
    graph = parse(text)
    inputs = bind(graph, values)
    return hessian(graph, inputs, list(graph.input_names))[1]


def test_the_quadratic_bowl_hessian_is_exact():
    h = _h("L = (a - 3)^2 + 2*(b + 1)^2 + a*b", a=0.3, b=-7)
    assert np.array_equal(h, [[2.0, 1.0], [1.0, 4.0]])
    assert max_asymmetry(h) == 0.0


@pytest.mark.parametrize(("text", "x"), [("y = relu(x) * x", 0.0), ("y = abs(x) * x", 0.0),
                                         ("y = relu(x)^2", 2.0)])
def test_second_derivatives_at_kinks_follow_the_table(text, x):
    # relu'' = 0 and abs'' = 0 everywhere, the kink included (PyTorch's double backward):
    # d²(relu(x)·x)/dx² = 2·relu'(x) + x·relu''(x) = 0 at 0; d²(relu(x)²)/dx² = 2 at 2
    expected = {"y = relu(x) * x": 0.0, "y = abs(x) * x": 0.0, "y = relu(x)^2": 2.0}[text]
    assert _h(text, x=x)[0, 0] == expected


def test_a_tie_of_max_shares_the_second_derivative_too():
    # max(x, y)·x at x = y: ∂/∂x = ½·x + max = ..., and ∂²/∂x∂y = ½ (half to each)
    h = _h("g = max(x, y) * x", x=1.0, y=1.0)
    assert h[0, 1] == 0.5 and h[1, 0] == 0.5 and h[0, 0] == 1.0 and h[1, 1] == 0.0


def test_a_second_derivative_that_is_not_finite_names_the_op():
    graph = parse("g = x^1.5")
    with pytest.raises(MathError, match=r"second derivative is not finite at g = x\^1.5 \(pow\)"):
        hvp(graph, bind(graph, {"x": 0.0}), {"x": 1.0})


def test_a_tangent_that_is_not_finite_names_the_node():
    graph = parse("g = sqrt(x) + x")
    with pytest.raises(MathError, match=r"derivative is not finite at t1 = sqrt\(x\)"):
        jvp(graph, bind(graph, {"x": 0.0}), {"x": 1.0})


def test_a_zero_tangent_contributes_zero_where_the_partial_is_not_finite():
    graph = parse("g = sqrt(x) + y")
    _, tangents = jvp(graph, bind(graph, {"x": 0.0, "y": 1.0}), {"x": 0.0, "y": 1.0})
    assert tangents[graph.output] == 1.0


def test_a_hessian_past_the_limit_is_refused():
    graph = parse("g = sum(w * w)")
    inputs = bind(graph, {"w": np.ones(MAX_HESSIAN + 1)})
    with pytest.raises(LimitError, match="at most 400 elements") as caught:
        hessian(graph, inputs, ["w"])
    assert "hvp" in (caught.value.hint or "")


@pytest.mark.slow
def test_forward_mode_runs_on_a_long_program_without_recursion():
    # 100 000 nodes: three per statement (tanh, *, +)
    text = "a = x\n" + "\n".join("a = tanh(a) * 0.9 + y" for _ in range(33_334))
    graph = parse(text)
    inputs = bind(graph, {"x": 0.1, "y": 0.2})
    _, tangents = jvp(graph, inputs, {"y": 1.0})
    assert np.isclose(tangents[graph.output], evaluate(graph, inputs).gradients()["y"])


# ---------------------------------------------------------------------------
# PyTorch float64, on random programs

torch = pytest.importorskip("torch")
SAFE = ["add", "sub", "mul", "sin", "cos", "tanh", "sigmoid", "exp", "max", "min", "neg"]


def _random_program(rng, arrays: bool):
    """Statements over x, y (numbers) or W, v (arrays), each op one of SAFE, summed at
    the end; returns the text and a torch function of the inputs by the op table's
    torch column."""
    names = ["x", "y"] if not arrays else ["W", "v"]
    lines, made = [], list(names)
    if arrays:
        lines.append("h = W @ v")
        made.append("h")
    for k in range(int(rng.integers(3, 7))):
        op = OPS[str(rng.choice(SAFE))]
        args = [str(rng.choice(made)) for _ in range(op.arity)]
        if op.name == "exp":
            args = [f"0.3 * {args[0]}"]
        lines.append(f"n{k} = {op.read(args)}" if op.reads else
                     f"n{k} = {op.name}({', '.join(args)})")
        made.append(f"n{k}")
    lines.append(f"L = sum({made[-1]} * {made[-2]})" if arrays else f"L = {made[-1]} * {made[-2]}")
    return "\n".join(lines)


def _torch_fn(text):
    def fn(*xs):
        env = dict(zip(["W", "v"] if len(xs[0].shape) else ["x", "y"], xs, strict=True))
        for line in text.splitlines():
            name, expr = (p.strip() for p in line.split("=", 1))
            for op in OPS.values():
                if op.called and expr.startswith(op.name + "("):
                    inner = expr[len(op.name) + 1:-1].split(", ")
                    ab = dict(zip("ab", (eval(a, {}, env) for a in inner), strict=False))
                    env[name] = eval(op.torch, {"torch": torch}, {**ab, "s": ()})
                    break
            else:
                env[name] = eval(expr.replace("sum(", "torch.sum("), {"torch": torch}, env)
        return env["L"]
    return fn


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func imports torch.jit
@pytest.mark.parametrize("arrays", [False, True])
@pytest.mark.parametrize("seed", range(12))
def test_against_pytorch_on_random_programs(seed, arrays):
    rng = np.random.default_rng(seed)
    text = _random_program(rng, arrays)
    graph = parse(text)
    values = {"W": rng.uniform(-1, 1, (3, 3)), "v": rng.uniform(-1, 1, 3)} if arrays \
        else {"x": rng.uniform(-1, 1), "y": rng.uniform(-1, 1)}
    names = [n for n in values if n in graph.input_names]
    if len(names) < len(values):
        pytest.skip("the program leaves an input out")
    inputs = bind(graph, values)
    ts = tuple(torch.tensor(np.asarray(values[n]), dtype=torch.float64) for n in names)
    dirs = {n: rng.uniform(-1, 1, np.shape(values[n])) for n in names}
    tdirs = tuple(torch.tensor(np.asarray(dirs[n]), dtype=torch.float64) for n in names)
    fn = _torch_fn(text)
    _, tj = torch.func.jvp(fn, ts, tdirs)
    _, tangents = jvp(graph, inputs, dirs)
    np.testing.assert_allclose(tangents[graph.output], tj.item(), rtol=1e-10, atol=1e-12)
    th = torch.autograd.functional.hessian(fn, ts)
    sizes = [int(np.size(values[n])) for n in names]
    full = np.block([[th[i][j].reshape(sizes[i], sizes[j]).numpy() for j in range(len(names))]
                     for i in range(len(names))])
    _, h = hessian(graph, inputs, names)
    np.testing.assert_allclose(h, full, rtol=1e-9, atol=1e-10, err_msg=text)
    _, product = hvp(graph, inputs, dirs)
    flat = np.concatenate([np.ravel(product[n]) for n in names])
    np.testing.assert_allclose(flat, full @ np.concatenate([np.ravel(dirs[n]) for n in names]),
                               rtol=1e-9, atol=1e-10)
