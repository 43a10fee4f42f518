"""What each method to the derivatives costs (tasks/cost.py): the op evaluations the
engine counts, read against the program's size exactly, what reverse mode keeps, which
method wins and the sentence that says so, and the limits."""

from __future__ import annotations

import numpy as np
import pytest

from backpropcli.core.engine import evaluate
from backpropcli.core.errors import LimitError, ProgramError
from backpropcli.lang.parse import parse
from backpropcli.tasks.cost import cost, times
from backpropcli.tasks.values import bind


def _cost(text: str, repeats: int = 1, **values):
    graph = parse(text)
    arrays = {k: np.asarray(v, dtype=float)[()] for k, v in values.items()}
    return cost(evaluate(graph, bind(graph, arrays)), repeats)


@pytest.mark.parametrize("n", [1, 2, 5, 40])
def test_a_chain_of_n_ops_of_one_input(n):
    # x → sin → sin → ... n times: every op has one operand, which carries the tangent
    text = "; ".join(f"a{k} = sin({'x' if k == 0 else f'a{k - 1}'})" for k in range(n))
    c = _cost(text, x=0.3)
    assert (c.numerical.forward_passes, c.numerical.values) == (2, 2 * n)
    assert (c.forward.forward_passes, c.forward.values, c.forward.tangents) == (1, n, n)
    assert (c.reverse.forward_passes, c.reverse.backward_passes) == (1, 1)
    assert (c.reverse.values, c.reverse.locals, c.reverse.terms) == (n, n, n)
    assert c.reverse.evaluations == 3 * n and c.forward.evaluations == 2 * n
    # with one input, the sweep beats the forward and backward pass
    assert c.cheapest.name == "forward" and "forward mode is 1.5× cheaper" in c.sentence()


@pytest.mark.parametrize("k", [2, 5, 20])
def test_forward_mode_sweeps_once_per_input_and_reverse_once(k):
    # g = x0*w + x1*w + ...: k products, k - 1 sums, k + 1 inputs
    text = "g = " + " + ".join(f"x{j}*w" for j in range(k))
    c = _cost(text, w=2.0, **{f"x{j}": float(j) for j in range(k)})
    nodes = 2 * k - 1
    n = k + 1
    assert c.numerical.values == 2 * n * nodes
    assert c.forward.forward_passes == n and c.forward.values == n * nodes
    # p_j = x_j*w, then s_1 = p_0 + p_1, s_m = s_(m-1) + p_m. Along x_0: p_0 and every sum
    # (one term each); along x_j: p_j, s_j and the sums above it; along w: one term in
    # each product, two in each sum.
    along_x = k + sum(k + 1 - j for j in range(1, k))
    along_w = k + 2 * (k - 1)
    assert c.forward.tangents == along_x + along_w
    assert c.reverse.values == nodes and c.reverse.locals == 2 * k + 2 * (k - 1)
    assert c.reverse.terms == 2 * k + 2 * (k - 1)  # every edge, once
    assert c.cheapest.name == "reverse"
    assert c.sentence().startswith(f"for this program, reverse mode is {times(c.ratio(c.forward))}")


def test_the_worked_example_counted():
    c = _cost("f = x*y; g = f + z", x=3.0, y=-4.0, z=2.0)
    assert (c.numerical.values, c.forward.values, c.forward.tangents) == (12, 6, 5)
    assert (c.reverse.values, c.reverse.locals, c.reverse.terms, c.reverse.vjps) == (2, 4, 4, 0)
    assert c.sentence() == ("for this program, reverse mode is 1.1× cheaper than forward and "
                            "1.2× cheaper than numerical")


def test_what_reverse_mode_keeps():
    c = _cost("h = tanh(W @ x); L = sum(h * h)", W=[[1.0, 2.0], [3.0, 4.0]], x=[0.1, -0.2])
    # values: W (4), x (2), W @ x (2), h (2), h*h (2), L (1); locals: tanh's (2), h*h's (2 + 2)
    assert c.saved_values == 13 and c.saved_locals == 6
    assert c.saved_bytes == 8 * (13 + 6)
    assert c.reverse.vjps == 3  # W @ x to W and to x, sum to h*h
    assert not c.jacobian


def test_an_array_output_compares_the_whole_jacobian():
    c = _cost("y = [1, 2, 3] * x + w", x=2.0, w=1.0)
    assert c.jacobian and c.outputs == 3 and len(c.inputs) == 2
    assert c.reverse.backward_passes == 3 and c.forward.forward_passes == 2
    assert c.cheapest.name == "forward"
    assert c.sentence().startswith("for this program, forward mode wins: with 3 outputs and "
                                   "2 inputs")


def test_more_inputs_than_outputs_reverse_wins_the_jacobian():
    c = _cost("y = W @ x", W=np.ones((2, 6)).tolist(), x=[1.0] * 6)
    assert c.reverse.backward_passes == 2 and c.forward.forward_passes == 18
    assert c.cheapest.name == "reverse"
    assert "for the whole Jacobian, 2 outputs by 18 inputs" in c.sentence()


def test_times_are_medians_of_the_repeats():
    c = _cost("g = x*y", repeats=3, x=1.0, y=2.0)
    assert c.repeats == 3 and all(m.seconds > 0 and m.spread >= 0 for m in c.methods)


def test_limits_and_refusals():
    with pytest.raises(LimitError, match="at most 1000"):
        _cost("g = sum(x*x)", x=[1.0] * 1001)
    with pytest.raises(LimitError, match="1,200 backward sweeps"):
        _cost("y = outer(a, b)", a=[1.0] * 40, b=[1.0] * 30)
    with pytest.raises(ProgramError, match="depends on no input"):
        _cost("g = 3 + 4")


def test_a_numerical_evaluation_that_is_not_finite_is_counted_as_far_as_it_ran():
    # x − h is below 0, where log is not finite: that pass stops at its first node
    c = _cost("g = log(x) + y", x=1e-7, y=1.0)
    assert c.failed == 1 and c.numerical.values == 2 + 1 + 2 * 2
