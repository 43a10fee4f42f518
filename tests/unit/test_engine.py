"""The engine on worked examples: forward values, local gradients, chain rule, step."""

from __future__ import annotations

import numpy as np
import pytest

from backpropcli.core.engine import evaluate
from backpropcli.core.errors import MathError
from backpropcli.core.optim import step
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind


def run(text: str, **values):
    graph = parse(text)
    return evaluate(graph, bind(graph, {k: np.float64(v) for k, v in values.items()}))


def node(ev, name):
    return ev.graph.find(name)


def test_worked_example_forward_and_backward():
    ev = run("f = x*y; g = f + z", x=3, y=-4, z=2)
    assert ev.values[node(ev, "f")] == -12
    assert ev.value == -10
    assert ev.gradients() == {"x": -4, "y": 3, "z": 1}
    f = node(ev, "f")
    assert ev.local[f] == (-4, 3)  # ∂f/∂x = y, ∂f/∂y = x
    assert ev.grads[f] == 1


def test_worked_example_one_step():
    ev = run("g = x*y + z", x=3, y=-4, z=2)
    moved = step(ev.inputs(), ev.gradients(), ["x", "y", "z"], 0.1)
    assert moved == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9})
    after = evaluate(ev.graph, moved)
    assert after.value == pytest.approx(-12.72)
    assert after.value - ev.value == pytest.approx(-2.72)


def test_step_moves_only_params():
    ev = run("g = x*y + z", x=3, y=-4, z=2)
    moved = step(ev.inputs(), ev.gradients(), ["x"], 0.1)
    assert moved["y"] == -4 and moved["z"] == 2 and moved["x"] == pytest.approx(3.4)


def test_sigmoid_neuron():
    ev = run("f = sigmoid(w0*x0 + w1*x1 + w2)", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    assert ev.value == pytest.approx(0.7310585786300049)
    g = ev.gradients()
    assert g["w0"] == pytest.approx(-0.19661193324148185)
    assert g["x0"] == pytest.approx(0.3932238664829637)
    assert g["w2"] == pytest.approx(0.19661193324148185)


def test_micrograd_readme_example():
    ev = run("""
        a = -4; b = 2
        c = a + b
        d = a * b + b**3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + relu(b + a)
        d += 3 * d + relu(b - a)
        e = c - d  # micrograd's own name: assigned, e is the program's node from here on
        f = e**2
        g = f / 2.0
        g += 10.0 / f
    """)
    assert ev.value == pytest.approx(24.7041, abs=1e-4)
    assert ev.gradients()["a"] == pytest.approx(138.8338, abs=1e-4)
    assert ev.gradients()["b"] == pytest.approx(645.5773, abs=1e-4)


def test_fan_out_is_summed():
    ev = run("b = a + a; c = b + b", a=1)
    assert ev.gradients()["a"] == 4
    a = node(ev, "a")
    assert len(ev.terms[a]) == 2 and len(ev.terms[node(ev, "b")]) == 2


def test_x_times_x():
    ev = run("y = x * x", x=3)
    assert ev.gradients()["x"] == 6


def test_unused_input_has_zero_gradient():
    ev = evaluate(parse("f = x*y; g = f + z").with_output(2), {"x": 3.0, "y": -4.0, "z": 2.0})
    assert ev.output.name == "f"
    assert ev.gradients()["z"] == 0


@pytest.mark.parametrize(("text", "value", "grad"), [
    ("y = relu(x)", 0, 0.0),            # relu'(0) = 0
    ("y = abs(x)", 0, 0.0),             # abs'(0) = sign(0) = 0
    ("y = max(x, x)", 2, 1.0),          # ties split: 0.5 + 0.5
    ("y = min(x, x)", 2, 1.0),
    ("y = max(x, 2)", 2, 0.5),
])
def test_kink_conventions(text, value, grad):
    ev = run(text, x=value)
    assert ev.gradients()["x"] == grad


@pytest.mark.parametrize(("text", "values"), [
    ("y = log(x)", {"x": 0}),
    ("y = 1 / x", {"x": 0}),
    ("y = exp(x)", {"x": 1000}),
    ("y = sqrt(x)", {"x": -1}),
])
def test_non_finite_values_name_the_node(text, values):
    with pytest.raises(MathError) as e:
        run(text, **values)
    assert e.value.exit_code == 1
    assert "y = " in e.value.message and e.value.line == 1


def test_infinite_derivative_is_a_math_error():
    with pytest.raises(MathError) as e:
        run("y = sqrt(x)", x=0)
    assert "gradient" in e.value.message


@pytest.mark.slow
def test_hundred_thousand_term_sum_does_not_recurse():
    text = "y = " + " + ".join(["x"] * 100_000)
    ev = run(text, x=1.5)
    assert ev.value == pytest.approx(150_000)
    assert ev.gradients()["x"] == 100_000


def test_long_chain_of_statements():
    text = "a0 = x\n" + "\n".join(f"a{i} = a{i-1} * 1.0001 + 0.5" for i in range(1, 20_000))
    ev = run(text, x=1)
    assert ev.gradients()["x"] == pytest.approx(1.0001 ** 19_999)


def test_deep_nesting_does_not_recurse():
    depth = 10_000
    ev = run("y = " + "(" * depth + "x" + ")" * depth + " * 2", x=3)
    assert ev.value == 6
    ev = run("y = " + "-" * 5_001 + "x", x=3)
    assert ev.value == -3


def test_gradients_flow_only_into_what_an_input_reaches():
    # x^(1+1) at x = -2: ∂(a^b)/∂b = a^b·log(a) is not a number for a < 0, but b = 1 + 1
    # depends on no input, so no gradient is asked of it (PyTorch: y = 4, ∂y/∂x = -4).
    from backpropcli.core.compiled import compile_graph
    from backpropcli.tasks.check import gradient_check
    from backpropcli.tasks.explain import explain

    graph = parse("y = x^(1+1)")
    inputs = bind(graph, {"x": np.float64(-2)})
    ev = evaluate(graph, inputs)
    assert ev.value == 4 and ev.gradients() == {"x": -4}
    t1 = graph.find("t1")
    assert ev.grads[t1] is None and not ev.needs[t1] and ev.local[t1] == (None, None)
    value, grads, _ = compile_graph(graph, inputs).value_and_grad(*inputs.values())
    assert value == 4 and grads == (-4,)
    assert gradient_check(graph, inputs).passed
    (der,) = explain(ev).derivations
    assert der.count == 1 and der.paths[0].product == -4


def test_a_constant_part_has_no_gradient_row():
    graph = parse("y = x * (2 * 3)")
    ev = evaluate(graph, bind(graph, {"x": np.float64(1)}))
    assert ev.gradients() == {"x": 6}
    assert [graph.nodes[j].name for j, g in enumerate(ev.grads) if g is not None] == ["x", "y"]
