"""Why deep nets stop learning: `backprop depth`.

A stack of L fully connected layers, `h_l = act(h_{l-1} @ W_l + b_l)`, on a few random
examples, under a squared error. The net is a backprop program (program()): the weights
are inputs with the random starts of the language (randn, xavier, he), the data and the
targets are constants written in it. measure() evaluates that program with the
calculator's own engine, so what it reports is exactly what `eval` and `descend` see, and
reads at each layer the norm of ∂L/∂W_l, the size of the activations and the mean slope
of the activation function (the engine's local derivative of each act node).

Why the norms change from layer to layer: going one layer down, the gradient is
multiplied by the slope act′(z) of every unit and by Wᵀ. For a random W of n inputs with
entries of spread s, Wᵀ multiplies a vector's length by about s·√n (its gain). So a
layer's factor is about gain × slope: σ′ ≤ ¼ caps sigmoid at a quarter of the gain;
tanh′ = 1 − tanh² is near 0 where the units saturate; relu′ is 0 or 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core import fmt
from ..core.engine import evaluate
from ..core.errors import LimitError, MathError
from .program import start

ACTS = ("sigmoid", "tanh", "relu")
INITS = ("normal", "xavier", "he")
CALL = {"normal": "randn", "xavier": "xavier", "he": "he"}  # the language's initializers
EXAMPLES = 16  # rows of data: enough for an average, few enough to read in the program
MAX_LAYERS = 200
MAX_WIDTH = 1024
# Weights in all: 64 layers of 256 units, or 4 of 1024 (each weight is evaluated
# several times over, and a gradient is kept for each).
MAX_WEIGHTS = 1 << 22
# A per-layer factor within [1/LEVEL, LEVEL] keeps the norms level: past it, ten layers
# make a factor of 10 or more (1.25^10 ≈ 9.3).
LEVEL = 1.25


@dataclass(frozen=True)
class Net:
    act: str = "sigmoid"
    layers: int = 10
    init: str = "normal"
    width: int = 32
    seed: int = 0
    examples: int = EXAMPLES

    @property
    def spread(self) -> float:
        """The standard deviation of the starting weights."""
        n = self.width
        return {"normal": 1.0, "xavier": math.sqrt(1 / n), "he": math.sqrt(2 / n)}[self.init]

    @property
    def gain(self) -> float:
        """About how much Wᵀ lengthens a vector: spread · √width."""
        return self.spread * math.sqrt(self.width)


def check_size(layers: int, width: int, limit: int = MAX_WEIGHTS) -> None:
    """Refuse a net of more than `limit` weights before anything is made."""
    weights = layers * width * width
    if weights > limit:
        most = max(1, limit // (width * width))
        raise LimitError(f"{layers} layers of width {width} are {weights:,} weights, more than "
                         f"the limit of {limit:,} (layers × width²)",
                         hint=f"use fewer layers (at most {most} at width {width}) or a "
                              f"smaller width")


@dataclass(frozen=True)
class Layer:
    index: int  # 1 is next to the data, L next to the loss
    param: str  # W1 ...
    norm: float  # ‖∂L/∂W_l‖ (Frobenius)
    factor: float | None  # norm / the norm of the layer above (l + 1); None for the top
    rms: float  # the activations' size: √mean(h_l²)
    slope: float  # the mean of act′(z_l) over the units and the examples


@dataclass(frozen=True)
class Depth:
    net: Net
    program: str  # the .bp text that was evaluated
    loss: float
    layers: tuple[Layer, ...]  # from layer 1 (the data's) to L (the loss's)
    factor: float | None  # the geometric mean of the factors (None: one layer, or a zero)
    reason: str  # why, in one sentence
    # the weights and biases the engine evaluated (drawn from `seed`), so that the norms
    # can be checked by any other computation of the same net
    inputs: dict = field(default_factory=dict)


def _matrix(a: np.ndarray) -> str:
    rows = (", ".join(f"{v:.4g}" for v in row) for row in a)
    return "[" + ",\n     ".join(f"[{r}]" for r in rows) + "]"


def program(net: Net) -> str:
    """The net as a backprop program: data, targets, weights, layers, loss."""
    check_size(net.layers, net.width)
    rng = np.random.default_rng([net.seed, 22])  # the data's own stream, apart from the weights'
    n, w, act = net.examples, net.width, net.act
    x = rng.standard_normal((n, w))
    z = rng.standard_normal((n, w))
    y = 1 / (1 + np.exp(-z)) if act == "sigmoid" else np.tanh(z) if act == "tanh" else \
        np.maximum(z, 0)
    top = f"h{net.layers}"
    lines = [
        f"# backprop depth --act {act} --layers {net.layers} --init {net.init} "
        f"--width {w} --seed {net.seed}",
        f"# {net.layers} fully connected {act} layers of {w} units on {n} random examples,",
        f"# weights from {CALL[net.init]}(...), biases 0, under the mean squared error.",
        f"#   backprop eval FILE --seed {net.seed}      the gradient depth measured",
        f"#   backprop descend FILE --seed {net.seed}   train it from the same start",
        "# X (the data) and Y (the targets, act of random numbers: values the last layer",
        "# can reach) are fixed draws, written inside a formula (1 * [...]) so that they",
        "# are constants: a bare array would declare an input, which a step would move.",
        f"X = 1 * {_matrix(x)}",
        f"Y = 1 * {_matrix(y)}",
    ]
    for k in range(1, net.layers + 1):
        lines += [f"W{k} = {CALL[net.init]}({w}, {w})", f"b{k} = zeros({w})"]
    below = "X"
    for k in range(1, net.layers + 1):
        lines.append(f"h{k} = {act}({below} @ W{k} + b{k})")
        below = f"h{k}"
    lines.append(f"L = mean(({top} - Y)^2)")
    return "\n".join(lines) + "\n"


def measure(net: Net) -> Depth:
    """Evaluate the net's program (weights from `seed`, as `eval --seed` makes them) and
    read the gradient's norm, the activations' size and the act's slope at each layer."""
    text = program(net)
    graph, point = start(text, {}, seed=net.seed)
    try:
        ev = evaluate(graph, point.inputs)
    except MathError as e:
        raise MathError(f"{e.message}: the net's numbers overflowed",
                        hint=f"{net.act} with {net.init} init grows with every layer; try "
                             "fewer --layers, or --init he (relu) or xavier") from None
    norms, rms, slopes = [], [], []
    for k in range(1, net.layers + 1):
        grad = ev.grad(_index(graph, f"W{k}"))
        h = _index(graph, f"h{k}")
        local = ev.local[h][0]  # the engine's act′(z) for every unit and example
        norms.append(_norm(grad))
        rms.append(_norm(ev.values[h]) / math.sqrt(np.size(ev.values[h])))
        slopes.append(float(np.mean(local)))
    if not all(map(math.isfinite, norms + rms)):
        raise MathError("a gradient's norm is too large for a float",
                        hint="try fewer --layers or another --init")
    layers = tuple(Layer(k + 1, f"W{k + 1}", norms[k],
                         norms[k] / norms[k + 1] if k + 1 < len(norms) and norms[k + 1] else None,
                         rms[k], slopes[k]) for k in range(net.layers))
    factor = mean_factor(norms)
    return Depth(net, text, float(ev.value), layers, factor, reason(net, layers, factor),
                 dict(ev.inputs()))


def _index(graph, name: str) -> int:
    i = graph.find(name)
    assert i is not None, name  # program() wrote it
    return i


def _norm(a) -> float:
    """√Σa², scaled by the largest |a| first: a deep relu net's numbers reach 1e200, whose
    squares would overflow."""
    a = np.abs(np.asarray(a, dtype=np.float64))
    top = float(a.max()) if a.size else 0.0
    return 0.0 if top == 0 else top * float(np.sqrt(np.sum(np.square(a / top))))


def mean_factor(norms: list[float]) -> float | None:
    """The factor per layer on average (the geometric mean of n_l / n_(l+1)): from the
    top layer's norm to the first's in L - 1 steps. None for one layer or a zero norm."""
    if len(norms) < 2 or min(norms) <= 0:
        return None
    return (norms[0] / norms[-1]) ** (1 / (len(norms) - 1))


def reason(net: Net, layers: tuple[Layer, ...], factor: float | None) -> str:
    """Why the norms change as they do, in one sentence, from the act, the init and what
    was measured."""
    if factor is None:
        if len(layers) < 2:
            return "one layer: there is no layer below it to compare (try --layers 10)"
        dead = [lay.index for lay in layers if lay.norm == 0]
        return (f"the gradient is exactly 0 at layer {dead[-1]}: every unit there is off "
                f"on every example, so nothing flows further down")
    per = _per(factor)
    gain = f"{fmt.number(net.gain, 2)}"
    slope = fmt.number(float(np.mean([lay.slope for lay in layers])), 2)
    if net.act == "sigmoid":
        return (f"σ′ ≤ ¼ (here {slope} on average), so each sigmoid layer passes back at "
                f"most a quarter of the gradient times the weights' gain (≈ {gain} with "
                f"{net.init} init): {per}")
    if net.act == "tanh":
        if factor < 1 / LEVEL or slope_small(layers):
            against = "which outweighs" if factor < 1 else "outweighed by"
            return (f"with {net.init} init the tanh units saturate at ±1, where tanh′ = "
                    f"1 − tanh² ≈ 0 (here {slope} on average), {against} the weights' gain "
                    f"≈ {gain}: {per}")
        return (f"{net.init} init keeps z near the linear middle of tanh (tanh′ {slope} on "
                f"average) and the weights' gain ≈ {gain}: {per}")
    top, first = layers[-1].rms, layers[0].rms
    growth = (top / first) ** (1 / max(1, len(layers) - 1)) if first > 0 else 0.0
    if net.init == "he":
        return (f"he init (variance 2/width) makes up for the half of the signal relu "
                f"zeroes, so relu's variance is kept from layer to layer (activations "
                f"×{fmt.number(growth, 2)} per layer): {per}")
    return (f"relu′ is 0 or 1, so ∂L/∂W keeps its norm from layer to layer whatever the "
            f"scale, but with {net.init} init each layer multiplies the activations by "
            f"{fmt.number(growth, 2)} (rms {fmt.rough(first)} at layer 1, {fmt.rough(top)} at "
            f"layer {len(layers)}), and every gradient's size with them: {per}")


def slope_small(layers: tuple[Layer, ...]) -> bool:
    return float(np.mean([lay.slope for lay in layers])) < 0.5


def _per(factor: float) -> str:
    f = fmt.number(factor, 2)
    if factor < 1 / LEVEL:
        return (f"the gradient shrinks ×{f} per layer toward the input "
                f"({fmt.number(1 / factor, 2)}× less at each layer down)")
    if factor > LEVEL:
        return f"the gradient grows ×{f} per layer toward the input (it explodes)"
    return f"the norms stay level (×{f} per layer)"
