"""tasks/learning.py: the warnings of a descent, on programs made to have dead units or a
vanishing layer, and silence on those that have neither."""

from __future__ import annotations

import backpropcli as bp
from backpropcli.tasks import learning
from tests.helpers import SAMPLES

# Four relu units on three examples; units 1 and 3 are negative on every row (and stay
# so: nothing flows back through them), units 0 and 2 are not.
DEAD = ("X = 1*[[1, 2], [3, -1], [0.5, 0.5]]\n"
        "W = [[1, -1, 2, -3], [1, -2, 1, -1]]\n"
        "h = relu(X @ W)\nL = mean(h^2)")


def test_dead_units_are_named_with_their_share():
    r = bp.descend(DEAD, steps=3, lr=0.01)
    (w,) = r.run.warnings
    assert w.kind == "dead_units" and w.names == ("h",)
    assert w.message.startswith("h: 2 of 4 relu units are dead")
    assert "they get no gradient" in w.message


def test_a_quarter_dead_is_not_worth_a_word():
    program = DEAD.replace("[[1, -1, 2, -3], [1, -2, 1, -1]]", "[[1, 1, 2, -3], [1, 2, 1, -1]]")
    assert bp.descend(program, steps=3, lr=0.01).run.warnings == ()


def test_a_vanishing_layer_names_both_weights():
    d = bp.depth(act="sigmoid", init="xavier", layers=12, width=8)
    r = bp.descend(d.program, seed=0, steps=2)
    vanishing = [w for w in r.run.warnings if w.kind == "vanishing"]
    assert len(vanishing) == 1
    assert vanishing[0].names == ("W1", "W12")
    assert "times below ‖∂L/∂W12‖" in vanishing[0].message


def test_a_cancelled_scalar_gradient_is_no_vanishing_layer():
    # b's terms cancel (1e-17 against W's 1): only matrices are compared
    r = bp.evaluate("W = [[1, 2], [3, 4]]; b = 0; L = sum(W^2) + b * (0.1 + 0.2 - 0.3)")
    assert learning.vanishing(r.evaluation, ["W", "b"]) == []


def test_the_samples_that_train_fine_stay_quiet():
    for name in ("moons.bp", "twolayer.bp", "layer.bp", "neuron.bp"):
        r = bp.descend(SAMPLES / name, seed=1, steps=300)
        assert r.run.warnings == (), name
