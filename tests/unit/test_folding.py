"""Constant folding of the compiled form's lines (core/folding.py): what is folded, what
is rewritten, and what is left alone. That the folded code computes the engine's numbers
bit for bit is test_compiled.py's."""

from __future__ import annotations

import numpy as np
import pytest

from backpropcli.core.folding import fold


def env(**names) -> dict:
    return {"log": np.log, **names}


def test_a_line_of_constants_is_one_name():
    e = env(c1=np.float64(3.0))
    name = fold("log(c1) * 2", e)
    assert name in e and e[name] == np.log(3.0) * 2


def test_the_largest_constant_part_is_folded_and_x_to_the_1_is_x():
    e = env(c1=np.float64(2.0), k2=np.float64(0.5))
    assert fold("k2 * (c1 * v7**(c1 - 1))", e).count("*") == 1  # k·2 folded too
    e = env(c1=np.float64(3.0), k2=np.float64(0.5))
    text = fold("k2 * (c1 * v7**(c1 - 1))", e)
    assert "- 1" not in text and "v7 **" in text  # v7 ** 2.0 stays: not an identity


@pytest.mark.parametrize(("c", "joined"), [(2.0, True), (8.0, True), (1.0, True),
                                           (3.0, False), (0.5, False), (np.inf, False)])
def test_a_constant_times_a_power_of_two_times_x_is_one_product(c, joined):
    e = env(c1=np.float64(c), k2=np.full(3, 1e-4))
    text = fold("k2 * (c1 * v7)", e)
    assert (text.count("*") == 1) is joined, text
    if joined:
        x = np.array([1.5, -3.25e-7, 7.0])
        assert np.array_equal(eval(text, {**e, "v7": x}), e["k2"] * (e["c1"] * x))


def test_a_part_that_raises_is_left_to_raise_at_run_time():
    e = env(c1=np.ones(2))
    assert fold("v3 + c1[5] * 2", e) == "v3 + c1[5] * 2"


def test_a_line_with_no_constant_part_is_not_parsed_again():
    assert fold("v1 * (v1 > 0) + v2", env()) == "v1 * (v1 > 0) + v2"
