"""SymPy expressions written in the program's language (tasks/formula_text.py): what
backprop's parser reads back as the same number, with the house's parentheses."""

from __future__ import annotations

import math

import pytest

from backpropcli.core.engine import forward
from backpropcli.lang.parse import parse
from backpropcli.tasks.formula_text import UNWRITABLE, Unwritable, count, written
from backpropcli.tasks.values import bind

sympy = pytest.importorskip("sympy")
x, y, z = sympy.symbols("x y z")
sigmoid, relu = sympy.Function("sigmoid"), sympy.Function("relu")
POINT = {"x": 0.7, "y": -1.3, "z": 2.1}


@pytest.mark.parametrize(("expr", "text"), [
    (x - (y - z), "x - y + z"),
    (x - y * z, "x - y * z"),
    (x / (2 * y), "x / (2 * y)"),
    (-x**2, "-x^2"),
    ((-x)**3, "-x^3"),
    (x**-2, "1 / x^2"),
    (x**sympy.Rational(1, 2), "x^0.5"),
    (sympy.Rational(1, 3) * x, "x / 3"),
    (sympy.Rational(1, 10) + x, "x + 0.1"),
    (sympy.Rational(1, 10**300) * x, "1e-300 * x"),
    (2 * sympy.pi * x, "2 * pi * x"),
    (sympy.exp(x), "exp(x)"),
    (sympy.E * x, "e * x"),
    (2 * sigmoid(x) * (1 - sigmoid(x)), "2 * (1 - sigmoid(x)) * sigmoid(x)"),
    (y - x * (1 - relu(x + y)), "-x * (1 - relu(x + y)) + y"),
    (x**(y - 1), "x^(y - 1)"),
    ((x * z)**y, "(x * z)^y"),
])
def test_written_reads_back(expr, text):
    assert written(expr) == text
    graph = parse(text)
    values, _ = forward(graph, bind(graph, {k: v for k, v in POINT.items()
                                            if graph.find_input(k) is not None}))
    namespace = {"sigmoid": lambda v: 1 / (1 + math.exp(-v)), "relu": lambda v: max(v, 0.0)}
    want = float(expr.subs(POINT).replace(sigmoid, lambda v: namespace["sigmoid"](float(v)))
                 .replace(relu, lambda v: namespace["relu"](float(v))).evalf())
    assert float(values[graph.output]) == pytest.approx(want, rel=1e-12)


def test_what_the_language_cannot_say_is_refused():
    with pytest.raises(Unwritable):
        written(sympy.zoo * x)
    with pytest.raises(Unwritable, match="t2 = sum"):
        written(x * sympy.Symbol(UNWRITABLE + "t2 = sum(t1)"))


def test_count_is_the_tree_without_recursion():
    assert count(x * y + z) == 5  # add(mul(x, y), z)
    deep = x
    for _ in range(5000):  # deeper than Python's recursion limit
        deep = sigmoid(deep)
    assert count(deep) == 5001
    assert written(deep).count("sigmoid(") == 5000
