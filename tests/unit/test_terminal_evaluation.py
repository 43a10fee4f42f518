"""terminal/evaluation.py, eval's tables with vectors, matrices, data and broadcasting:
shapes and values shown,
arrays abbreviated to fit (everything with full), and what non-elementwise ops and
broadcast operands do in the chain rule."""

from __future__ import annotations

import numpy as np
import pytest
from rich.console import Console

from backpropcli.core import fmt
from backpropcli.core.engine import evaluate
from backpropcli.tasks.program import start, take_step
from backpropcli.terminal import evaluation, views, widgets
from tests.helpers import SAMPLES


def shown(renderable, width: int = 100) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def sample(name: str, **values: str):
    graph, point = start((SAMPLES / f"{name}.bp").read_text(), values, base=SAMPLES)
    return evaluate(graph, point.inputs), point


def test_forward_table_of_a_layer():
    ev, _ = sample("layer")
    assert shown(evaluation.forward_table(ev)) == """\
Forward pass
  node  computes        shape   value
  W     input           (3, 2)  [[ 0.5, -0.2],
                                 [ 0.1,  0.4],
                                 [-0.3,  0.8]]
  b     input           (3,)    [0, 0.1, -0.1]
  x     input           (2,)    [1, -2]
  t1    W @ x           (3,)    [0.9, -0.7, -1.9]
  t2    t1 + b          (3,)    [0.9, -0.6, -2]
  h     tanh(t2)        (3,)    [0.7163, -0.537, -0.964]
  t3    h - [1, 0, -1]  (3,)    [-0.2837, -0.537, 0.036]
  t4    t3^2            (3,)    [0.0805, 0.2884, 0.0013]
  L     sum(t4)         ()      0.3702                    ← output
"""


def test_data_rows_say_where_the_data_comes_from():
    ev, _ = sample("twolayer")
    text = shown(evaluation.forward_table(ev))
    assert "X     data (twolayer.csv, 8×2)  (8, 2)  [[   1,    1]," in text
    assert "y     data (twolayer.csv, 8)    (8,)    [1, -1, -1, 1, 1, -1, -1, 1]" in text
    assert text.count("\n") > 8 + 8  # all eight rows of X


def test_non_elementwise_ops_say_what_they_pass_back():
    ev, _ = sample("twolayer")
    local = shown(evaluation.local_table(ev), width=140)
    assert "ops that are not elementwise show what they pass back" in local
    assert "∂t1/∂W1         transpose(X) @ ∂L/∂t1" in local
    # h (8×4) @ W2 (a vector): h's gradient is an outer product (g @ transpose(W2) would
    # be a dot product in the language)
    assert "∂t3/∂h          outer(∂L/∂t3, W2)                       (not elementwise)" in local
    assert "∂L/∂t5          ∂L/∂L / n copied to each element of t5" in local
    backward = shown(evaluation.backward_table(ev), width=120)
    assert "∂L/∂W1    = transpose(X) @ ∂L/∂t1" in backward
    # b1 (4,) was added to every row of an 8×4 matrix; b2 to each of 8 outputs
    assert "∂L/∂b1    = ∂L/∂t2 · ∂t2/∂b1 (summed over axis 0)" in backward
    assert "∂L/∂b2    = ∂L/∂p · ∂p/∂b2 (summed)" in backward
    assert "∂L/∂X" not in backward  # data gets no gradient


def test_index_and_reductions_in_the_local_table(cli):
    code, out, err = cli("eval", "L = sum(W, 0)[1] + mean(softmax(W))",
                         "--W", "[[1, 2], [3, 4]]")
    assert code == 0, err
    assert "∂t2/∂t1         ∂L/∂t2 at t1[1], 0 elsewhere" in out
    assert "∂t1/∂W          ∂L/∂t1 copied to each element of W" in out
    # softmax of a matrix: the sum is along the axis (sum(...) of every element is wrong)
    assert "∂t3/∂W          t3 * (∂L/∂t3 - sum(∂L/∂t3 * t3) along the axis)" in out


def test_arrays_fit_the_column_instead_of_wrapping():
    value = np.arange(64.0).reshape(4, 16) / 7
    for width in (40, 60, 80, 120):
        text = shown(widgets.ArrayCell(value), width)
        assert all(len(line) <= width for line in text.splitlines()), width
        assert len(text.splitlines()) == 4  # a matrix row per line, never wrapped
    narrow, wide = shown(widgets.ArrayCell(value), 40), shown(widgets.ArrayCell(value), 120)
    assert narrow.count(",") < wide.count(",")
    assert shown(widgets.ArrayCell(value, full=True), 400).count(",") == 63


def test_a_big_matrix_is_abbreviated_and_full_has_a_limit():
    big = np.random.default_rng(0).standard_normal((1000, 1000))
    text = shown(widgets.ArrayCell(big))
    assert len(text.splitlines()) == 7 and "..." in text
    assert f"[[{fmt.number(big[0, 0])}," in text.replace(" ", "")
    capped = shown(widgets.value_cell(big, full=True))
    assert "1,000,000 elements: too many to print; --json writes every one" in capped
    assert len(capped.splitlines()) < 10


def test_step_with_arrays_shows_a_block_per_param():
    ev, point = sample("neuron_vector")
    before, after, moved = take_step(ev.graph, point, 0.1)
    text = shown(views.step_report(before, after, moved.params, 0.1))
    assert text == """\
Gradient-descent step, lr = 0.1
  param  value  ∂f/∂param  −lr·∂f/∂param  new value
  b         -3     0.1966        -0.0197    -3.0197
  param  shape
  w      (2,)   value      [2, -3]
                ∂f/∂w      [-0.1966, -0.3932]
                −lr·∂f/∂w  [0.0197, 0.0393]
                new value  [2.0197, -2.9607]
  x      (2,)   value      [-1, -2]
                ∂f/∂x      [0.3932, -0.5898]
                −lr·∂f/∂x  [-0.0393, 0.059]
                new value  [-1.0393, -1.941]
f: 0.7311 → 0.652   (decreased by 0.079)"""


@pytest.mark.parametrize(("value", "expected"), [
    ([[1, -2.5], [30, 4]], "[[   1, -2.5],\n [  30,    4]]"),
    ([1, -2.5, 3], "[1, -2.5, 3]"),
    ([[0.5, -0.0005083], [1, 2]], "[[    0.5, -0.0005],\n [      1,       2]]"),
    (list(range(10)), "[0, 1, 2, ..., 7, 8, 9]"),
])
def test_fmt_block(value, expected):
    assert fmt.block(value) == expected


def test_fmt_block_edges_and_full():
    v = np.arange(100.0).reshape(10, 10)
    assert fmt.block(v, edge=1) == "[[ 0, ...,  9],\n ...,\n [90, ..., 99]]"
    assert fmt.block(v, full=True).count("\n") == 9


@pytest.mark.parametrize(("operand", "result", "said"), [
    ((4,), (8, 4), "summed over axis 0"), ((), (8,), "summed"),
    ((3, 1), (3, 5), "summed over axis 1"),
    ((1, 5), (2, 3, 5), "summed over axes 0, 1"), ((2, 3), (2, 3), ""),
])
def test_fmt_summed(operand, result, said):
    assert fmt.summed(operand, result) == said
