"""Arrays: gradients of every op at several shapes (against central differences),
layers and networks, vectors against scalars, broadcasting, JSON, steps and the
session, array values from files, and the errors shapes can cause."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backpropcli.core.engine import evaluate, forward
from backpropcli.core.errors import ProgramError, ShapeError
from backpropcli.lang.parse import parse
from backpropcli.tasks.program import start
from tests.helpers import SAMPLES

RNG = np.random.default_rng(20240611)


# ---------------------------------------------------------------------------
# central differences

def central_differences(graph, inputs: dict, h: float = 1e-6) -> dict:
    """∂output/∂input for every element of every input, by (f(x + h) - f(x - h)) / 2h.
    The output must be a number; only the forward pass is used."""

    def output(values: dict) -> float:
        return float(forward(graph, values)[0][graph.output])

    grads = {}
    for name, value in inputs.items():
        value = np.asarray(value, dtype=float)
        grad = np.zeros_like(value)
        for k in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[k] += h
            down[k] -= h
            grad[k] = (output({**inputs, name: up[()]}) -
                       output({**inputs, name: down[()]})) / (2 * h)
        grads[name] = grad
    return grads


def assert_gradients_match(ev, inputs: dict) -> None:
    expected = central_differences(ev.graph, inputs)
    for name, grad in ev.gradients().items():
        assert np.shape(grad) == np.shape(inputs[name]), name
        np.testing.assert_allclose(grad, expected[name], rtol=1e-5, atol=1e-7, err_msg=name)


def sample(shape, positive: bool = False):
    """Values away from 0 (and from kinks and ties): |x| in [0.5, 1.5]."""
    v = RNG.uniform(0.5, 1.5, size=shape)
    if not positive:
        v = v * RNG.choice([-1.0, 1.0], size=shape)
    return np.float64(v) if shape == () else v


def check_expression(expr: str, shapes: dict, positive: tuple[str, ...] = ()) -> None:
    """Check every gradient of L = sum(y * c), y = expr, where c is a random weight of y's
    shape (so that every element of y counts differently)."""
    inputs = {name: sample(shape, name in positive) for name, shape in shapes.items()}
    y_graph = parse(f"y = {expr}")
    y = forward(y_graph, inputs)[0][y_graph.output]
    inputs["c"] = sample(np.shape(y))
    graph = parse(f"y = {expr}; L = sum(y * c)")
    ev = evaluate(graph, inputs)
    assert_gradients_match(ev, inputs)


BROADCASTS = [((3,), (3,)), ((2, 3), (3,)), ((2, 3), ()), ((), (2, 3)), ((2, 1), (1, 3)),
              ((4, 2, 3), (2, 1)), ((3, 1), (3,))]


@pytest.mark.parametrize("shapes", BROADCASTS, ids=str)
@pytest.mark.parametrize("expr", ["a + b", "a - b", "a * b", "a / b", "a ^ b",
                                  "max(a, b)", "min(a, b)"])
def test_binary_elementwise_ops_broadcast(expr, shapes):
    check_expression(expr, {"a": shapes[0], "b": shapes[1]},
                     positive=("a",) if "^" in expr else ())


@pytest.mark.parametrize("shape", [(3,), (2, 3)], ids=str)
@pytest.mark.parametrize("expr", ["-a", "exp(a)", "log(a)", "sqrt(a)", "sin(a)", "cos(a)",
                                  "tanh(a)", "sigmoid(a)", "relu(a)", "abs(a)"])
def test_unary_elementwise_ops(expr, shape):
    check_expression(expr, {"a": shape}, positive=("a",) if expr in ("log(a)", "sqrt(a)")
                     else ())


@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                                    ((3,), (3,)), ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4))],
                         ids=str)
def test_matmul(shapes):
    check_expression("a @ b", {"a": shapes[0], "b": shapes[1]})


@pytest.mark.parametrize(("expr", "shape"), [
    ("sum(a)", (3,)), ("sum(a)", (2, 3)), ("sum(a, 0)", (2, 3)), ("sum(a, 1)", (2, 3)),
    ("sum(a, -1)", (2, 3, 4)), ("sum(a, 1)", (2, 3, 4)),
    ("mean(a)", (4,)), ("mean(a, 0)", (2, 3)), ("mean(a, -1)", (2, 3)), ("mean(a, 2)", (2, 3, 4)),
    ("transpose(a)", (2, 3)), ("transpose(a)", (3,)), ("transpose(a)", (2, 3, 4)),
    ("a[1]", (3,)), ("a[-1]", (3,)), ("a[1]", (2, 3)), ("a[1, 2]", (2, 3)),
    ("a[-1, 0]", (2, 3)), ("a[0, 1]", (2, 3, 4)),
    ("softmax(a)", (4,)), ("softmax(a)", (2, 3)), ("softmax(a, 0)", (2, 3)),
    ("softmax(a, 1)", (2, 3, 4)),
    ("logsumexp(a)", (4,)), ("logsumexp(a)", (2, 3)), ("logsumexp(a, 0)", (2, 3)),
], ids=lambda p: str(p))
def test_array_ops(expr, shape):
    check_expression(expr, {"a": shape})


def test_a_node_used_twice_with_broadcasting():
    # W is used in two places and b is broadcast over rows and added twice
    check_expression("tanh(X @ W + b) @ transpose(W) + b[0]",
                     {"X": (3, 2), "W": (2, 4), "b": (4,)})


# ---------------------------------------------------------------------------
# layers and networks

def test_two_layer_network_gradients_match_central_differences():
    text = (SAMPLES / "twolayer.bp").read_text()
    graph, point = start(text, {}, base=SAMPLES)
    ev = evaluate(graph, point.inputs)
    assert set(ev.gradients()) == {"W1", "b1", "W2", "b2"}  # the data X and y are no inputs
    assert_gradients_match(ev, point.inputs)


def test_random_two_layer_network_gradients():
    text = """
        W1 = randn(3, 5); b1 = randn(5); W2 = randn(5, 2); b2 = randn(2)
        h = relu(X @ W1 + b1)
        L = mean(logsumexp(h @ W2 + b2) - sum(softmax(h @ W2 + b2) * T, 1))
    """
    graph, point = start(text, {"X": "[[1, -2, 0.5], [0.3, 0.8, -1], [-0.7, 0.1, 2]]",
                                "T": "[[1, 0], [0, 1], [1, 0]]"}, seed=3)
    ev = evaluate(graph, point.inputs)
    assert_gradients_match(ev, point.inputs)


def test_vector_neuron_agrees_with_scalar_neuron():
    scalar_graph, scalar = start((SAMPLES / "neuron.bp").read_text(), {})
    vector_graph, vector = start((SAMPLES / "neuron_vector.bp").read_text(), {})
    s, v = evaluate(scalar_graph, scalar.inputs), evaluate(vector_graph, vector.inputs)
    assert np.shape(v.value) == ()
    assert v.value == pytest.approx(s.value)
    assert round(float(v.value), 4) == 0.7311
    gs, gv = s.gradients(), v.gradients()
    pairs = {("w", 0): "w0", ("w", 1): "w1", ("x", 0): "x0", ("x", 1): "x1"}
    for (name, k), scalar_name in pairs.items():
        assert v.inputs()[name][k] == s.inputs()[scalar_name]
        assert gv[name][k] == pytest.approx(gs[scalar_name]), (name, k)
    assert gv["b"] == pytest.approx(gs["w2"])
    assert np.shape(gv["w"]) == (2,) and np.shape(gv["x"]) == (2,)


def test_scalar_bias_over_rows_gets_the_sum_over_rows():
    X = sample((3, 2))
    w, t = sample((2,)), sample((3,))
    graph = parse("p = X @ w + b; L = sum(p * t)")
    ev = evaluate(graph, {"X": X, "w": w, "b": np.float64(0.5), "t": t})
    p = ev.graph.find("p")
    assert np.shape(ev.grad(p)) == (3,)
    # b was added to each of the 3 rows, so its gradient is the sum of theirs
    assert ev.gradients()["b"] == pytest.approx(np.sum(ev.grad(p)))
    assert ev.gradients()["b"] == pytest.approx(np.sum(t))
    np.testing.assert_allclose(ev.gradients()["w"], X.T @ t)


def test_layer_sample_shapes():
    graph, point = start((SAMPLES / "layer.bp").read_text(), {})
    ev = evaluate(graph, point.inputs)
    assert np.shape(ev.value) == ()
    assert np.shape(ev.gradients()["W"]) == (3, 2)
    assert_gradients_match(ev, point.inputs)


# ---------------------------------------------------------------------------
# through the command line: JSON, step, session

def test_json_has_nested_lists_and_every_node_its_shape(cli):
    code, out, err = cli("eval", str(SAMPLES / "twolayer.bp"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert isinstance(doc["inputs"]["W1"], list) and isinstance(doc["inputs"]["W1"][0], list)
    assert np.shape(doc["inputs"]["W1"]) == (2, 4)
    assert np.shape(doc["gradients"]["W1"]) == (2, 4)
    assert set(doc["inputs"]) == {"W1", "b1", "W2", "b2"}
    for node in doc["nodes"]:
        assert node["shape"] == list(np.shape(node["value"])), node["name"]
        assert np.shape(node["grad"]) == np.shape(node["value"]), node["name"]
    shapes = {n["name"]: n["shape"] for n in doc["nodes"]}
    assert shapes["h"] == [8, 4] and shapes["p"] == [8] and shapes["L"] == []
    assert doc["data"]["X"] == {"file": "twolayer.csv", "columns": ["x1", "x2"],
                                "shape": [8, 2]}
    assert doc["data"]["y"]["shape"] == [8]
    assert doc["base"] == str(SAMPLES)


def test_step_moves_array_params_and_never_the_data(cli):
    code, out, err = cli("eval", str(SAMPLES / "twolayer.bp"), "--json")
    assert code == 0, err
    before = json.loads(out)
    code, out, err = cli("step", "--lr", "0.5", "--json")
    assert code == 0, err
    after = json.loads(out)
    assert set(after["inputs"]) == {"W1", "b1", "W2", "b2"}
    for name in ("W1", "b1", "W2", "b2"):
        expected = np.asarray(before["inputs"][name]) - 0.5 * np.asarray(
            before["gradients"][name])
        np.testing.assert_allclose(after["inputs"][name], expected)
    assert after["value"] < before["value"]
    assert after["data"] == before["data"]


def test_session_and_piped_documents_carry_arrays(cli):
    code, out, err = cli("eval", str(SAMPLES / "neuron_vector.bp"), "--freeze", "x")
    assert code == 0, err
    assert "(2,)" in out
    first = json.loads(cli("step", "--lr", "1", "--json")[1])
    assert first["params"] == ["w", "b"] and first["inputs"]["x"] == [-1, -2]
    code, out, err = cli("step", "--lr", "1", "--json", stdin=json.dumps(first))
    assert code == 0, err
    second = json.loads(out)
    np.testing.assert_allclose(second["inputs"]["w"], np.asarray(first["inputs"]["w"]) -
                               np.asarray(first["gradients"]["w"]))
    assert second["value"] < first["value"]
    code, out, err = cli("step", "--lr", "1")  # on from the session, saved by the piped step
    assert code == 0, err
    assert "w" in out and "new value" in out
    code, out, _ = cli("history", "--json")
    assert [h["step"] for h in json.loads(out)["history"]] == [0, 1, 2, 3]


def test_array_output_takes_the_gradient_of_its_sum(cli):
    code, out, err = cli("eval", "y = W @ x", "--W", "[[1, 2], [3, 4]]", "--x", "[1, -1]",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == [-1, -1]
    assert doc["gradients"]["x"] == [4, 6] and doc["gradients"]["W"] == [[1, -1], [1, -1]]
    code, out, err = cli("step")
    assert code == 0, err
    assert "its sum went from -2" in out


# ---------------------------------------------------------------------------
# array values on the command line and from files

def _write_tables(folder: Path) -> dict:
    W = [[1.5, -2.0, 0.25], [3.0, 0.5, -1.0]]
    (folder / "w.json").write_text(json.dumps(W))
    np.save(folder / "w.npy", np.array(W))
    (folder / "w.csv").write_text("a,b,c\n1.5,-2,0.25\n3,0.5,-1\n")
    (folder / "w.txt").write_text("# a comment\n1.5 -2 0.25\n\n3 0.5 -1\n")
    return {"W": W}


@pytest.mark.parametrize("suffix", ["json", "npy", "csv", "txt"])
def test_file_values(cli, tmp_path, suffix):
    expected = _write_tables(tmp_path)["W"]
    code, out, err = cli("eval", "L = sum(W @ x)", "--W", f"@w.{suffix}",
                         "--x", "[1, 2, 3]", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["W"] == expected
    assert doc["gradients"]["x"] == np.sum(expected, axis=0).tolist()


def test_array_literals_and_values(cli):
    code, out, err = cli("eval", "w = [2, -3]; L = w @ x", "--x", "[[1], [2]]", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == [-4] and doc["gradients"]["w"] == [1, 2]
    code, out, err = cli("eval", "w = [2, -3]; L = w @ x", "--x", "[1, 2]", "--w", "[1, 1]",
                         "--json")
    assert json.loads(out)["value"] == 3


def test_random_starts_follow_the_seed(cli):
    runs = [json.loads(cli("eval", "W = randn(2, 3); L = sum(W^2)", "--seed", "7",
                           "--json")[1]) for _ in range(2)]
    assert runs[0]["inputs"] == runs[1]["inputs"]
    assert np.shape(runs[0]["inputs"]["W"]) == (2, 3)
    W = np.asarray(runs[0]["inputs"]["W"])
    np.testing.assert_allclose(runs[0]["gradients"]["W"], 2 * W)
    other = json.loads(cli("eval", "W = randn(2, 3); L = sum(W^2)", "--seed", "8",
                           "--json")[1])
    assert other["inputs"] != runs[0]["inputs"]
    uniform = json.loads(cli("eval", "W = uniform(4, 5); L = sum(W)", "--json")[1])
    assert np.all(np.abs(uniform["inputs"]["W"]) <= 1)


def test_big_matrix_from_a_file(cli, tmp_path):
    np.save(tmp_path / "big.npy", RNG.standard_normal((1000, 1000)))
    code, out, err = cli("eval", "L = sum(tanh(W @ x))", "--W", "@big.npy", "--x",
                         json.dumps([1.0] * 1000))
    assert code == 0, err
    assert "(1000, 1000)" in out and "..." in out
    assert len(out.splitlines()) < 60  # abbreviated, not a million numbers
    code, out, err = cli("step")
    assert code == 0, err
    assert len(out.splitlines()) < 40


# ---------------------------------------------------------------------------
# errors

@pytest.mark.parametrize(("program", "words"), [
    ("y = W @ x", ["y = W @ x", "shapes (2, 3) @ (2,) do not fit", "last axis", "(3)",
                   "to fit x, W of shape (2, 3) would need shape (2, 2)"]),
    ("y = x @ 3", ["(2,) @ ()", "use * for numbers"]),
    ("y = 2 @ x", ["() @ (2,)", "use * for numbers"]),
    ("y = W + x", ["y = W + x", "shapes (2, 3) and (2,) do not broadcast", "from the right"]),
    ("y = max(x, [1, 2, 3])", ["shapes (2,) and (3,) do not broadcast"]),
    ("y = x[2]", ["index 2 is out of range for axis 0 of x, of length 2", "0 to 1"]),
    ("y = x[-3]", ["index -3 is out of range", "-1 to -2"]),
    ("y = W[1, 3]", ["index 3 is out of range for axis 1 of W, of length 3"]),
    ("y = x[0, 1]", ["2 indices for x of shape (2,), which has 1 axis"]),
    ("y = x[0][0]", ["is a number, not an array"]),
    ("y = sum(x, 1)", ["axis 1 is out of range for x of shape (2,)", "x has 1 axis"]),
    ("y = mean(W, -3)", ["axis -3 is out of range for W of shape (2, 3)", "0 to 1"]),
    ("y = softmax(W, 2)", ["axis 2 is out of range for W"]),
    ("y = logsumexp(x, 5)", ["axis 5 is out of range for x"]),
    ("y = sum(x[0], 0)", ["is a number: sum needs an array"]),
])
def test_shape_errors_name_the_node_and_the_shapes(cli, program, words):
    code, out, err = cli("eval", f"W = [[1, 2, 3], [4, 5, 6]]; x = [1, 2]; {program}")
    assert code == 2, out + err
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in err
    # the caret points into the statement that failed, not at the declarations
    column = int(err.split("column ")[1].split(":")[0])
    assert column >= len("W = [[1, 2, 3], [4, 5, 6]]; x = [1, 2]; ")


def test_shape_error_as_json_has_a_place(cli):
    code, out, _ = cli("eval", "y = W @ x", "--W", "[[1, 2, 3]]", "--x", "[1, 2]", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "shape" and error["line"] == 1 and error["column"] == 5
    assert "(1, 3) @ (2,)" in error["message"]


@pytest.mark.parametrize(("program", "words"), [
    ("y = [[1, 2], [3]] * x", ["ragged array", "(1,) and (2,)"]),
    ("y = [[1, 2], [3, 4, 5]]", ["ragged array"]),
    ("y = [x, 1]", ["numbers only"]),
    ("y = []", ["at least one number"]),
    ("y = x[i]", ["index must be a whole number written in the program"]),
    ("y = x[0.5]", ["whole number, not 0.5"]),
    ("y = sum(x, 1, 2)", ["sum takes 1 or 2 arguments"]),
])
def test_literal_and_argument_errors(program, words):
    with pytest.raises(ProgramError) as e:
        parse(program)
    for w in words:
        assert w in e.value.message
    assert e.value.exit_code == 2 and e.value.line == 1


@pytest.mark.parametrize(("value", "words"), [
    ("[[1, 2], [3]]", ["ragged"]),
    ("[1, nan]", ["not an array of numbers"]),
    ("[]", ["empty"]),
    ("@missing.json", ["no such file"]),
])
def test_bad_array_values(cli, value, words):
    code, out, err = cli("eval", "y = sum(x)", "--x", value)
    assert code == 2
    for w in words:
        assert w in err, err


def test_shape_error_is_a_shape_error():
    graph = parse("y = a @ b")
    with pytest.raises(ShapeError):
        evaluate(graph, {"a": np.ones((2, 3)), "b": np.ones(2)})
