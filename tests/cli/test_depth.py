"""`backprop depth`: the issue's two examples, the view at 80 and 50 columns, --plot,
--emit and then eval/descend on the program, the limits, and --json."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest


def test_sigmoid_twenty_layers_shows_the_gradient_vanish(cli):
    code, out, err = cli("depth", "--act", "sigmoid", "--layers", "20")
    assert code == 0, err
    assert "Gradient by layer: 20 sigmoid layers of 32 units" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("W")]
    assert [r[0] for r in rows[:20]] == [f"W{k}" for k in range(20, 0, -1)]  # the table
    assert [r[0] for r in rows[20:40]] == [f"W{k}" for k in range(20, 0, -1)]  # the bars
    assert "factor per layer (geometric mean, W20 down to W1): ×0." in out
    assert "σ′ ≤ ¼" in out and "shrinks" in out


def test_relu_with_he_init_stays_level(cli):
    code, out, err = cli("depth", "--act", "relu", "--layers", "20", "--init", "he",
                         "--width", "64")
    assert code == 0, err
    assert "20 relu layers of 64 units" in out and "he init" in out
    assert "the norms stay level" in out


@pytest.mark.parametrize("columns", ["80", "50"])
def test_the_view_fits_the_terminal(backprop, columns):
    done = backprop("depth", "--layers", "12", env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert max(map(len, done.stdout.splitlines())) <= int(columns)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_a_picture(cli, suffix):
    code, out, err = cli("depth", "--layers", "6", "--plot", f"bars{suffix}")
    assert code == 0, err
    assert f"wrote the bars to bars{suffix}" in err
    data = Path(f"bars{suffix}").read_bytes()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (960, 576)
    else:
        assert b"<svg" in data[:400] and b"W1" not in data[:0]


def test_plot_with_an_unknown_suffix_is_refused_first(cli):
    code, out, err = cli("depth", "--plot", "bars.jpeg")
    assert code == 2
    assert "--plot takes a" in err and not Path("bars.jpeg").exists()


def test_emit_writes_the_program_that_eval_and_descend_take(cli):
    code, out, err = cli("depth", "--act", "tanh", "--layers", "4", "--width", "6",
                         "--emit", "net.bp", "--json")
    assert code == 0, err
    depth = json.loads(out)
    text = Path("net.bp").read_text()
    assert text == depth["source"]
    assert "W1 = randn(6, 6)" in text and "h4 = tanh(h3 @ W4 + b4)" in text
    code, out, err = cli("eval", "net.bp", "--seed", "0", "--json")
    assert code == 0, err
    grads = json.loads(out)["gradients"]
    assert [float(np.linalg.norm(grads[f"W{k}"])) for k in range(1, 5)] == \
        pytest.approx([layer["norm"] for layer in depth["layers"]], rel=1e-12)
    code, out, err = cli("descend", "net.bp", "--seed", "0", "--steps", "100", "--lr", "1",
                         "--json")
    assert code == 0, err
    run = json.loads(out)["descend"]
    assert run["first"] == pytest.approx(depth["loss"]) and run["last"] < run["first"]
    assert "X" not in json.loads(out)["params"]  # the data never moves


@pytest.mark.parametrize(("args", "said", "fix"), [
    (["--layers", "1000"], "--layers must be at most 200", "already plain at 20"),
    (["--width", "100000"], "--width must be at most 1,024", "try --width 64"),
    (["--layers", "200", "--width", "1024"], "more than the limit of 4,194,304",
     "fewer layers (at most 4 at width 1024)"),
    (["--layers", "0"], "--layers must be at least 1", ""),
    (["--layers", "many"], "--layers takes a whole number", ""),
    (["--act", "softmax"], "--act", "sigmoid, tanh, relu"),
])
def test_absurd_sizes_are_refused_with_the_limit(cli, args, said, fix):
    code, out, err = cli("depth", *args)
    assert code == 2
    assert said in err and fix in err
    code, out, err = cli("depth", *args, "--json")
    assert code == 2
    assert said in json.loads(out)["error"]["message"]


def test_json_is_one_document(cli):
    code, out, err = cli("depth", "--layers", "3", "--json")
    assert code == 0, err
    doc = json.loads(out)  # the cli fixture holds it to the schema
    assert doc["command"] == "depth" and doc["net"]["layers"] == 3
    assert [layer["param"] for layer in doc["layers"]] == ["W1", "W2", "W3"]
    assert doc["layers"][-1]["factor"] is None
    assert doc["factor"] == pytest.approx(
        (doc["layers"][0]["norm"] / doc["layers"][-1]["norm"]) ** 0.5)


@pytest.mark.parametrize(("act", "init"), [("sigmoid", "normal"), ("tanh", "xavier"),
                                           ("relu", "he")])
def test_the_document_alone_lets_numpy_check_the_norms(cli, act, init):
    # everything the net is made of is in the document: X and Y in `source`, the starting
    # weights and biases in `inputs`; a plain NumPy forward and backward pass of the same
    # net must find the same norms
    code, out, err = cli("depth", "--act", act, "--init", init, "--layers", "4", "--width", "5",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)
    given = {line.split(" = ")[0]: np.array(json.loads(line.split(" = 1 * ")[1]))
             for line in " ".join(doc["source"].split("\n     ")).splitlines()
             if " = 1 * [" in line}
    w = {k: np.array(v, dtype=float) for k, v in doc["inputs"].items()}
    fn = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
          "relu": lambda z: np.maximum(z, 0)}[act]
    slope = {"sigmoid": lambda h: h * (1 - h), "tanh": lambda h: 1 - h**2,
             "relu": lambda h: (h > 0).astype(float)}[act]
    hs = [given["X"]]
    for k in range(1, 5):
        hs.append(fn(hs[-1] @ w[f"W{k}"] + w[f"b{k}"]))
    g = 2 * (hs[-1] - given["Y"]) / hs[-1].size  # ∂mean((h - Y)²)/∂h
    norms = {}
    for k in range(4, 0, -1):
        gz = g * slope(hs[k])
        norms[k] = np.linalg.norm(hs[k - 1].T @ gz)
        g = gz @ w[f"W{k}"].T
    for layer in doc["layers"]:
        assert layer["norm"] == pytest.approx(norms[layer["layer"]], rel=1e-9)
