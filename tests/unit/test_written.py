"""Every formula the tool writes reads back, in the tool's own language, as the same
computation (issue 19, items 1 and 2).

Properties over random programs: each computed node's `expr`, parsed again with its
operands as inputs holding their values, gives the node's value; its forward-table
form with the numbers put in (3 · (-4)) gives the op applied to those numbers; each
local rule with names (y for ∂(x*y)/∂x) gives the local gradient; and each label of an
array rule (outer(∂h/∂t1, x)) that parses gives exactly the gradient passed back. The
programs lean on the cases that need parentheses: negative numbers as the base or the
exponent of a power, numbers in exponent notation, unary minus, right-associative
powers, nested differences and quotients.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backpropcli.core.engine import evaluate, forward
from backpropcli.core.errors import BackpropError
from backpropcli.core.ops import FWD, OPS
from backpropcli.core.written import ATOM, POWER, PRODUCT, SUM, UNARY, level
from backpropcli.lang.parse import parse
from backpropcli.tasks.explain import local_formula
from backpropcli.tasks.values import bind
from backpropcli.terminal.evaluation import operand_values

NAMES = ("x", "y", "z")
CONSTANTS = ("3", "2", "0.5", "1e-3", "2.5e-2", "1.5")
_NAME = re.compile(r"[A-Za-z_]\w*(?:#\d+)?|∂[^\s()/]+/∂[^\s()\[\],*]+")


def leaf():
    number = st.sampled_from(CONSTANTS).flatmap(
        lambda c: st.sampled_from((c, f"(-{c})", f"-{c}")))
    return st.one_of(st.sampled_from(NAMES), number)


def grow(children):
    return st.one_of(
        st.tuples(st.sampled_from(("+", "-", "*", "/", "^", "**")), children, children)
        .map(lambda t: f"({t[1]}) {t[0]} ({t[2]})"),
        st.tuples(st.sampled_from(("+", "-", "*", "/", "^")), children, children)
        .map(lambda t: f"{t[1]} {t[0]} {t[2]}"),  # bare: the grammar's precedence decides
        children.map(lambda t: f"-({t})"),
        children.map(lambda t: f"-{t}"),
        st.tuples(st.sampled_from(("tanh", "sin", "exp", "abs", "sigmoid")), children)
        .map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(("max", "min")), children, children)
        .map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    )


formulas = st.recursive(leaf(), grow, max_leaves=8)
points = st.fixed_dictionaries({n: st.sampled_from((-2.0, -0.5, 0.5, 1.5, 3.0)) for n in NAMES})


def evaluated(text: str, point: dict):
    """The program evaluated, or None where it is not a computation at a finite point."""
    try:
        graph = parse(text)
        return evaluate(graph, bind(graph, {k: np.float64(v) for k, v in point.items()
                                            if k in graph.input_names}))
    except BackpropError:
        return None


def read_back(formula: str, values: dict[str, object]):
    """`formula` parsed as a program of its own, its names given `values` (renamed to
    plain identifiers: the tables' c#1 and ∂g/∂f are no names of the language)."""
    renamed: dict[str, str] = {}

    def rename(m: re.Match) -> str:
        word = m.group(0)
        if word not in values:
            return word  # a function's name
        renamed.setdefault(word, f"v{len(renamed)}")
        return renamed[word]

    text = "out = " + _NAME.sub(rename, formula)
    graph = parse(text)
    given = {renamed[k]: v for k, v in values.items() if k in renamed}
    values_read, _ = forward(graph, bind(graph, given))  # the value alone: no gradient asked
    return values_read[graph.output]


def same(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True))


@settings(max_examples=300, deadline=None)
@given(formula=formulas, point=points)
def test_every_expr_reads_back_as_the_same_computation(formula, point):
    ev = evaluated(f"g = {formula} + x", point)
    assume(ev is not None)
    nodes = ev.graph.nodes
    for i, node in enumerate(nodes):
        if not node.computed:
            continue
        operands = {nodes[j].name: ev.values[j] for j in node.args if not nodes[j].is_const}
        assert same(read_back(node.text, operands), ev.values[i]), (formula, node.text)
        # with the numbers put in, as the forward table shows them (· read as *)
        shown = operand_values(ev, i)
        numbers = OPS[node.op].read(shown, node.static).replace(" * ", " · ")
        with np.errstate(all="ignore"):
            expected = FWD[node.op](*(np.float64(s) for s in shown), *(None,) * (2 - len(shown)),
                                    node.static)
        assume(np.isfinite(expected))
        assert same(read_back(numbers.replace("·", "*"), {}), expected), (formula, numbers)


@settings(max_examples=200, deadline=None)
@given(formula=formulas, point=points)
def test_every_local_rule_with_names_reads_back_as_the_local_gradient(formula, point):
    ev = evaluated(f"g = {formula} + x", point)
    assume(ev is not None)
    nodes = ev.graph.nodes
    for i, node in enumerate(nodes):
        if not node.computed or ev.local[i] is None:
            continue
        for k in range(len(node.args)):
            if ev.local[i][k] is None or not OPS[node.op].with_numbers(k):
                continue  # a constant operand; a rule written by cases (relu, max)
            if node.op == "pow" and k == 1 and np.any(ev.values[node.args[0]] == 0):
                continue  # ∂(a^b)/∂b at a = 0: the convention 0·log 0 = 0 (README), no formula
            rule = local_formula(ev.graph, i, k, values=ev.values)
            values = {nodes[a].name: ev.values[a] for a in node.args if not nodes[a].is_const}
            values[node.name] = ev.values[i]
            assert same(read_back(rule, values), ev.local[i][k]), (formula, node.text, rule)


# ---------------------------------------------------------------------------
# Labels of array rules: a label that parses is the gradient passed back, exactly

SHAPES = {  # operand shapes per op, every case a label reads differently for
    "matmul": [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)), ((3,), (3,))],
    "outer": [((2,), (3,))],
    "transpose": [((2, 3),), ((3,),)],
    "softmax": [((3,),), ((2, 3),)],
    "logsumexp": [((3,),), ((2, 3),)],
    "amax": [((3,),), ((2, 3),)],
    "sum": [((3,),), ((2, 3),)],
    "mean": [((3,),)],
    "index": [((4,),)],
}
MUST_PARSE = {"matmul", "outer", "transpose"}  # and softmax, logsumexp of vectors


@pytest.mark.parametrize("op_name", sorted(op for op in OPS if not OPS[op].elementwise))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_label_of_an_array_rule_is_true_for_its_shapes(op_name, data):
    assert op_name in SHAPES, f"add the operand shapes of {op_name} to SHAPES"
    shapes = data.draw(st.sampled_from(SHAPES[op_name]))
    elements = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 2))
    values = {n: data.draw(hnp.arrays(np.float64, s, elements=elements))
              for n, s in zip("ab", shapes, strict=False)}
    node = OPS[op_name].read(list(values), (0,) if op_name == "index" else ())
    graph = parse(f"h = {node}; L = sum(h * h)")
    ev = evaluate(graph, bind(graph, values))
    nodes = ev.graph.nodes
    i = graph.find("h")
    for k, j in enumerate(nodes[i].args):
        if nodes[j].is_const:
            continue
        upstream = "∂L/∂h"
        label = local_formula(graph, i, k, upstream=upstream, values=ev.values)
        given = {nodes[a].name: ev.values[a] for a in nodes[i].args}
        given.update({"h": ev.values[i], upstream: 2 * ev.values[i]})  # ∂(h·h)/∂h = 2h
        term = next(t for t in ev.terms[j] if t.user == i and t.slot == k)
        ranks = [np.ndim(ev.values[a]) for a in nodes[i].args]
        try:
            back = read_back(label, given)
        except BackpropError:  # words, not a formula: "g copied to each element of a"
            vector = op_name in ("softmax", "logsumexp") and ranks == [1]
            assert op_name not in MUST_PARSE and not vector, (op_name, shapes, label)
            continue
        assert np.shape(back) == np.shape(term.value), (op_name, shapes, label)
        assert same(back, term.value), (op_name, shapes, label)


# ---------------------------------------------------------------------------
# By hand: the cases of the issue, and the precedence levels

@pytest.mark.parametrize(("program", "node", "expr"), [
    ("g = (-x)^2 + (-3)^2", "t3", "(-3)^2"),
    ("g = x^-3", "g", "x^(-3)"),
    ("g = 2^3^x", "g", "2^t1"),
    ("g = (2^3)^x", "g", "t1^x"),
    ("g = (-2)^x", "g", "(-2)^x"),
    ("g = x * -4", "g", "x * (-4)"),
    ("g = x - -4", "g", "x - (-4)"),
    ("g = -4 + x", "g", "-4 + x"),
    ("g = 1e-3^x", "g", "1e-3^x"),
])
def test_exprs_by_hand(program, node, expr):
    graph = parse(program)
    assert graph.nodes[graph.find(node)].text == expr


@pytest.mark.parametrize(("op", "operands", "expr"), [
    ("sub", ["a", "b - c"], "a - (b - c)"),
    ("sub", ["a - b", "c"], "a - b - c"),
    ("div", ["a", "b * c"], "a / (b * c)"),
    ("div", ["a * b", "c"], "a * b / c"),
    ("neg", ["a + b"], "-(a + b)"),
    ("neg", ["x^2"], "-x^2"),
    ("pow", ["a^b", "c"], "(a^b)^c"),
    ("pow", ["a", "b^c"], "a^(b^c)"),
    ("pow", ["-3", "2"], "(-3)^2"),
    ("mul", ["-3", "-4"], "-3 * (-4)"),
    ("add", ["-12", "2"], "-12 + 2"),
    ("index", ["-[1, 2]"], "(-[1, 2])[0]"),
])
def test_read_parenthesises_as_the_grammar_needs(op, operands, expr):
    assert OPS[op].read(operands, (0,) if op == "index" else ()) == expr


@pytest.mark.parametrize(("text", "expected"), [
    ("x", ATOM), ("(-3)", ATOM), ("f(a, -b)", ATOM), ("x[0]", ATOM), ("1e-3", ATOM),
    ("x^2", POWER), ("-3", UNARY), ("-x^2", UNARY), ("-3 * x", PRODUCT),
    ("∂g/∂f @ x", PRODUCT), ("∂g/∂f", ATOM), ("a - b", SUM), ("-a + b", SUM),
])
def test_precedence_levels(text, expected):
    assert level(text) == expected


def test_the_issue_example_of_an_outer_product():
    graph = parse("h = sum(tanh(W @ x))")
    ev = evaluate(graph, bind(graph, {"W": np.array([[1.0, 2], [3, 4]]),
                                      "x": np.array([0.1, 0.2])}))
    i = graph.find("t1")
    assert local_formula(graph, i, 0, "∂h/∂t1", values=ev.values) == "outer(∂h/∂t1, x)"
    assert local_formula(graph, i, 1, "∂h/∂t1", values=ev.values) == "transpose(W) @ ∂h/∂t1"
