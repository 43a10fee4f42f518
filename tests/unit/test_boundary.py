"""The decision boundary of a classifier of two features (tasks/boundary.py): found from the
graph, evaluated by substituting a grid for the data, drawn with the points."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from backpropcli import api
from backpropcli.output import plot as plotting
from backpropcli.output import surface as drawing
from backpropcli.tasks import boundary as boundaries
from tests.helpers import SAMPLES

LOGISTIC = """X = load("moons.csv", "x1", "x2")
t = load("moons.csv", "label")
y01 = (t + 1) / 2
w = [0.5, -0.5]
b = 0
z = X @ w + b
p = sigmoid(z)
loss = -mean(y01 * log(p) + (1 - y01) * log(1 - p))
"""


@pytest.fixture(scope="module")
def moons():
    return api.descend(SAMPLES / "moons.bp", seed=1, steps=150)


def test_moons_is_found_from_its_graph(moons):
    b = api.boundary(moons)
    assert b is not None and b.features == ("x1", "x2") and b.prediction == "score"
    assert b.classes == (-1.0, 1.0) and b.threshold == 0.0
    assert b.points.shape == (100, 2) and b.labels.shape == (100,)
    # the share of points on their side is the program's own accuracy at the same params
    accuracy = next(n.value for n in moons.nodes if n.name == "accuracy")
    assert b.accuracy == pytest.approx(accuracy)


def test_the_grid_is_the_network_on_the_grid_points(moons):
    b = api.boundary(moons)
    v = moons.inputs
    X, Y = np.meshgrid(b.xs, b.ys)
    rows = np.column_stack([X.ravel(), Y.ravel()])
    h1 = np.maximum(rows @ v["W1"] + v["b1"], 0)
    h2 = np.maximum(h1 @ v["W2"] + v["b2"], 0)
    assert np.allclose(b.predicted, (h2 @ v["w3"] + v["b3"]).reshape(X.shape), rtol=1e-12)
    # the window holds every data point with a margin
    assert b.xs[0] < b.points[:, 0].min() and b.points[:, 0].max() < b.xs[-1]


def test_a_probability_against_0_1_labels_is_cut_at_one_half(tmp_path):
    (tmp_path / "moons.csv").write_bytes((SAMPLES / "moons.csv").read_bytes())
    (tmp_path / "logistic.bp").write_text(LOGISTIC)
    r = api.descend(tmp_path / "logistic.bp", steps=50, lr=0.5)
    b = api.boundary(r)
    assert b is not None and b.prediction == "p" and b.threshold == 0.5
    z = api.boundary(r, predict="z")  # named by the user: a logit, cut at its midpoint
    assert z is not None and z.prediction == "z"


def test_a_program_without_two_feature_columns_has_none():
    r = api.descend("g = (x-1)^2 + y^2", x=0, y=1, steps=3)
    assert api.boundary(r) is None
    with pytest.raises(api.UsageError, match="no node of that name"):
        api.boundary(r, predict="nosuch")


def test_a_prediction_that_needs_its_own_row_count_is_evaluated_batch_by_batch(moons):
    # the grid through the data's own shape, N rows at a time, gives the same values
    ev = moons.evaluation
    found = boundaries.find(ev.graph, ev.values)
    grid = np.random.default_rng(0).uniform(-1, 2, (250, 2))
    whole = boundaries._run(ev.graph, found[0], found[2], ev.inputs(), grid)
    parts = np.concatenate([boundaries._run(ev.graph, found[0], found[2], ev.inputs(),
                                            grid[k:k + 100]) for k in range(0, 250, 100)])
    assert np.allclose(whole, parts, rtol=1e-12)


def test_the_boundary_picture(moons):
    curve = plotting.of_run(moons.run, moons.settings, moons.output, "moons.bp")
    data = drawing.render(drawing.Scene(None, api.boundary(moons), [curve], "moons.bp"), "png")
    assert data.startswith(b"\x89PNG") and struct.unpack(">II", data[16:24]) == (1248, 552)
