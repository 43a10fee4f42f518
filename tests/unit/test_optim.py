"""Moving the params in place, all at once (optim.Flat), gives Optimizer.update's numbers
bit for bit: for every rule, on params of every shape, and through a whole descent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backpropcli.core.compiled import compile_graph
from backpropcli.core.optim import OPTIMIZERS, Flat, Optimizer
from backpropcli.tasks import descend
from tests.helpers import SAMPLES

SHAPES = [(), (3,), (2, 3), (1,)]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(OPTIMIZERS), st.floats(-1, 1), st.integers(0, 2**32 - 1),
       st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4))
def test_flat_steps_are_the_rules_bit_for_bit(name, lr, seed, shapes):
    rng = np.random.default_rng(seed)

    def value(shape):
        v = rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3)
        return np.float64(v) if shape == () else v

    xs = [value(s) for s in shapes] + [np.ones(2)]  # the last one does not move
    moving = list(range(len(shapes)))
    rule = Optimizer(name)
    flat = Flat(xs, moving, Optimizer(name))
    expected, got = list(xs), flat.xs()
    for t in range(1, 6):
        grads = [value(s) for s in shapes] + [np.zeros(2)]
        if t == 2:
            grads[0] = grads[0] * 0.0 - 0.0  # zeros of either sign
        assert flat.gradients_finite(grads)
        expected = [rule.update(j, x, g, lr, t) if j in moving else x
                    for j, (x, g) in enumerate(zip(expected, grads, strict=True))]
        got = flat.step(lr, t)
        for e, g in zip(expected, got, strict=True):
            assert type(e) is type(g) and np.shape(e) == np.shape(g)
            assert np.array_equal(e, g) and np.array_equal(np.signbit(e), np.signbit(g))


def test_a_gradient_that_is_not_finite_is_seen():
    flat = Flat([np.zeros(3), np.float64(1)], [0, 1], Optimizer())
    assert not flat.gradients_finite([np.array([0.0, np.inf, 0.0]), np.float64(0)])
    assert not flat.gradients_finite([np.zeros(3), np.float64(np.nan)])


def test_earlier_points_are_never_written():
    # the loop keeps the point before and the best one as views: a step writes elsewhere
    flat = Flat([np.arange(3.0)], [0], Optimizer())
    first = flat.xs()[0]
    flat.keep_best()
    flat.gradients_finite([np.ones(3)])
    for _ in range(6):
        flat.step(0.5, 1)
    assert np.array_equal(first, np.arange(3.0))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("sample", ["digits.bp", "moons.bp", "neuron.bp"])
def test_a_descent_is_the_rules_step_by_step(sample, optimizer):
    from backpropcli.tasks.program import start

    graph, point = start((SAMPLES / sample).read_text(), {}, base=SAMPLES, seed=0)
    compiled = compile_graph(graph, point.inputs)
    settings_ = descend.Settings(lr=0.05, steps=4, optimizer=optimizer, schedule="linear")
    run = descend.run(compiled, dict(point.inputs), point.params, settings_)
    # the same descent written with Optimizer.update, one param at a time
    xs = compiled.args(point.inputs)
    rule = Optimizer(optimizer)
    with np.errstate(all="ignore"):
        for k in range(4):
            _, grads, _ = compiled.value_and_grad(*xs)
            lr = descend.learning_rate(settings_, k)
            xs = [rule.update(j, x, g, lr, k + 1) if n in point.params else x
                  for j, (n, x, g) in enumerate(zip(compiled.inputs, xs, grads, strict=True))]
    for name, x in zip(compiled.inputs, xs, strict=True):
        assert np.array_equal(run.inputs[name], x), name
        assert type(run.inputs[name]) is type(x), name
