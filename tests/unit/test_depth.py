"""tasks/depth.py through bp.depth: the per-layer norms against a NumPy net built
independently from the emitted program's data and the seed's weights, what the norms do
for each act and init, the program itself, the limits, and the bars' width."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import backpropcli as bp
from backpropcli.output.depth_text import bars
from backpropcli.tasks import depth as deep

ACTS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda h: h * (1 - h)),
    "tanh": (np.tanh, lambda h: 1 - h * h),
    "relu": (lambda z: np.maximum(z, 0), lambda h: (h > 0) * 1.0),
}


def constant(program: str, name: str) -> np.ndarray:
    """The matrix the program writes as `name = 1 * [[...]]`, read as JSON."""
    text = re.search(rf"^{name} = 1 \* (\[.*?\]\])$", program, re.S | re.M)
    assert text is not None
    return np.array(json.loads(text.group(1)))


def numpy_norms(program: str, act: str, init: str, layers: int, width: int, seed: int):
    """‖∂L/∂W_l‖ of the same net, by hand: the data as the program writes it, the weights
    as a generator of this seed draws them in the order the inputs are declared (W1, b1,
    W2, ...; zeros draws nothing), forward and backward written out."""
    x, y = constant(program, "X"), constant(program, "Y")
    rng = np.random.default_rng(seed)
    scale = {"normal": 1.0, "xavier": math.sqrt(2 / (2 * width)), "he": math.sqrt(2 / width)}
    weights = [rng.standard_normal((width, width)) * scale[init] for _ in range(layers)]
    f, slope = ACTS[act]
    hs = [x]
    for w in weights:
        hs.append(f(hs[-1] @ w))
    g = 2 * (hs[-1] - y) / y.size  # ∂ mean((h - Y)^2) / ∂h
    norms = []
    for k in reversed(range(layers)):
        dz = g * slope(hs[k + 1])
        norms.append(np.linalg.norm(hs[k].T @ dz))
        g = dz @ weights[k].T
    return norms[::-1], float(np.mean((hs[-1] - y) ** 2))


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("init", deep.INITS)
def test_the_norms_are_those_of_a_numpy_net_with_the_same_weights(act, init):
    d = bp.depth(act=act, init=init, layers=6, width=12, seed=3)
    want, loss = numpy_norms(d.program, act, init, 6, 12, 3)
    np.testing.assert_allclose(d.norms, want, rtol=1e-9)
    assert d.depth.loss == pytest.approx(loss, rel=1e-12)
    factors = [k.factor for k in d.layers]
    np.testing.assert_allclose(factors[:-1], np.array(want[:-1]) / np.array(want[1:]))
    assert factors[-1] is None


def test_the_emitted_program_evaluates_to_the_same_numbers():
    d = bp.depth(act="tanh", layers=4, width=8, init="xavier", seed=5)
    r = bp.evaluate(d.program, seed=5)
    assert r.value == d.depth.loss
    assert [float(np.linalg.norm(r.gradients[f"W{k}"])) for k in range(1, 5)] == \
        pytest.approx(d.norms, rel=1e-12)
    assert set(r.gradients) == {f"{p}{k}" for p in "Wb" for k in range(1, 5)}  # X, Y: constants


def test_sigmoid_shrinks_the_gradient_at_least_four_times_per_layer():
    # σ′ ≤ ¼, and xavier's weights have a gain of about 1: at most a quarter passes back
    d = bp.depth(act="sigmoid", layers=12, init="xavier")
    assert d.factor is not None and d.factor <= 0.25
    assert d.norms[0] < d.norms[-1] * 1e-6
    assert "σ′ ≤ ¼" in d.reason and "shrinks" in d.reason
    # normal init's weights (gain √32) win some of it back, but it still shrinks
    d = bp.depth(act="sigmoid", layers=12)
    assert d.factor is not None and d.factor < 1 / deep.LEVEL
    assert "shrinks" in d.reason


def test_relu_with_he_init_stays_within_a_band():
    d = bp.depth(act="relu", layers=20, init="he", width=64)
    assert max(d.norms) / min(d.norms) < 10
    assert d.factor is not None and 1 / deep.LEVEL <= d.factor <= deep.LEVEL
    assert "he init" in d.reason and "level" in d.reason
    rms = [k.rms for k in d.layers]
    assert max(rms) / min(rms) < 10  # the variance is kept


def test_relu_with_normal_init_blows_the_activations_up():
    d = bp.depth(act="relu", layers=10, width=32)
    assert d.layers[-1].rms > 1e4 * d.layers[0].rms
    assert "multiplies the activations" in d.reason


def test_tanh_with_normal_init_saturates():
    d = bp.depth(act="tanh", layers=10)
    assert np.mean([k.slope for k in d.layers]) < 0.5
    assert "saturate" in d.reason


def test_one_layer_has_nothing_to_compare():
    d = bp.depth(layers=1)
    assert d.factor is None and "one layer" in d.reason


@pytest.mark.parametrize(("kwargs", "said"), [
    ({"layers": 201}, "layers must be at most 200"),
    ({"layers": 0}, "layers must be at least 1"),
    ({"width": 1025}, "width must be at most 1,024"),
    ({"layers": 100, "width": 1024}, "more than the limit of 4,194,304"),
    ({"act": "softmax"}, "act"),
    ({"init": "glorot"}, "init"),
    ({"seed": -1}, "seed"),
])
def test_absurd_sizes_and_bad_choices_are_refused(kwargs, said):
    with pytest.raises(bp.BackpropError) as e:
        bp.depth(**kwargs)
    assert said in e.value.message
    assert e.value.kind in ("usage", "limit")


def test_the_limit_says_how_many_layers_fit():
    with pytest.raises(bp.BackpropError) as e:
        deep.check_size(100, 1024)
    assert "at most 4 at width 1024" in (e.value.hint or "")


@pytest.mark.parametrize(("kind", "variance"), [("xavier", 2 / (300 + 200)), ("he", 2 / 300)])
def test_the_scaled_initializers_have_their_variance(kind, variance):
    r = bp.evaluate(f"W = {kind}(300, 200); L = sum(W)", seed=1)
    w = r.inputs["W"]
    assert w.shape == (300, 200)
    assert np.var(w) == pytest.approx(variance, rel=0.03)


@pytest.mark.parametrize("width", [50, 80])
def test_the_bars_fit_the_width(width):
    d = bp.depth(act="sigmoid", layers=20, init="xavier").depth
    lines = bars(d, width)
    assert all(len(line) <= width for line in lines)
    top = [len(line.split()[1]) for line in lines[:-1]]  # the bars, W20 first
    assert top[0] == max(top)  # the largest norm has the longest bar
    assert top == sorted(top, reverse=True)  # and they shrink with the norms here


def test_level_norms_draw_level_bars():
    # the scale spans at least two decades: norms within a factor 2 look alike
    d = bp.depth(act="relu", layers=8, init="he", width=64).depth
    lengths = [len(line.split()[1]) for line in bars(d, 80)[:-1]]
    assert min(lengths) > 0.8 * max(lengths)
