"""The language: precedence, statements, names, and errors with a place."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from lark import Lark

from backpropcli.core.errors import ProgramError, SyntaxProblem
from backpropcli.core.ops import FUNCTIONS, OPS
from backpropcli.lang.parse import parse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def value(text: str, **inputs):
    from backpropcli.core.engine import evaluate
    from backpropcli.tasks.values import bind

    graph = parse(text)
    return evaluate(graph, bind(graph, {k: np.float64(v) for k, v in inputs.items()})).value


def test_grammar_has_no_conflicts():
    from importlib.resources import files

    text = (files("backpropcli.lang.grammars") / "backprop.lark").read_text()
    Lark(text, parser="lalr", strict=True)


def test_grammar_aliases_are_op_names():
    from importlib.resources import files

    text = (files("backpropcli.lang.grammars") / "backprop.lark").read_text()
    import re

    aliases = set(re.findall(r"->\s*(\w+)", text))
    ops = aliases - {"assign", "augassign", "bare", "number", "string", "name", "call", "array",
                     "first", "more"}
    assert ops <= set(OPS), ops - set(OPS)
    assert not set(FUNCTIONS) & ops  # functions are called by name, not aliased


@pytest.mark.parametrize(("text", "expected"), [
    ("2^3^2", 512),
    ("2**3**2", 512),
    ("-2^2", -4),
    ("(-2)^2", 4),
    ("2^-1", 0.5),
    ("1 - 2 - 3", -4),
    ("8 / 4 / 2", 1),
    ("2 + 3 * 4", 14),
    ("-3 * -2", 6),
    ("+3", 3),
    ("1e-3 * 1000", 1),
    (".5 + 0.5", 1),
    ("max(2, 3) + min(2, 3)", 5),
])
def test_precedence(text, expected):
    assert value(text) == pytest.approx(expected)


def test_statements_and_separators():
    assert value("a = 2; b = a * 3\n\n; c = b + 1  # comment\n") == 7


def test_reassignment_sees_the_old_value():
    assert value("c = 1; c = c + 1; c = c * 10") == 20


def test_augmented_assignment():
    assert value("c = x; c += 1; c *= 3; c -= 2; c /= 2", x=1) == 2


def test_line_breaks_inside_brackets_continue_the_expression():
    assert value("y = (x +\n  1) * (\n 2)", x=1) == 4


def test_bare_expression_is_named_out():
    graph = parse("x * y + 1")
    assert graph.nodes[graph.output].name == "out"


def test_signed_number_declares_an_input_with_default():
    graph = parse("x = -4; y = x * 2")
    x = graph.nodes[graph.find("x")]
    assert x.is_input and x.value == -4


def test_computed_constant_is_not_an_input():
    graph = parse("k = 2 * 3; y = k * x")
    assert graph.input_names == ("x",)


def test_naming_of_reassigned_and_unnamed_nodes():
    graph = parse("c = a + b; c = c * 2; d = c * c + 1")
    names = [n.name for n in graph.nodes if n.computed]
    assert names == ["c", "c#1", "t1", "d"]  # the first version keeps the plain name
    graph = parse("x = x * 2; x = x + 1")  # an input is its name's first version
    assert [n.name for n in graph.nodes if not n.is_const] == ["x", "x#1", "x#2"]
    assert graph.nodes[graph.find("x")].name == "x#2"  # a name means its latest version


def test_unnamed_nodes_skip_taken_names():
    graph = parse("t1 = x * 2; y = t1 * x + 1")
    names = [n.name for n in graph.nodes if n.computed]
    assert names == ["t1", "t2", "y"]


def test_output_is_last_assigned_name():
    graph = parse("f = x*y; g = f + z")
    assert graph.nodes[graph.output].name == "g"


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("g = x*y + )", 1, 11, "expected an expression"),
    ("g = x*y +", 1, 10, "ends too early"),
    ("a = 1\nb = (a", 2, 7, "ends too early"),
    ("g = x $ y", 1, 7, "unexpected character '$'"),
    ("g = x y", 1, 7, "expected an operator"),
    ("x = = 2", 1, 5, "unexpected '='"),
])
def test_syntax_errors_have_a_place(text, line, column, words):
    with pytest.raises(SyntaxProblem) as e:
        parse(text)
    assert (e.value.line, e.value.column) == (line, column)
    assert words in e.value.message
    assert e.value.context().endswith("^")
    assert e.value.exit_code == 2


def test_caret_sits_under_the_column():
    with pytest.raises(SyntaxProblem) as e:
        parse("g = x*y + )")
    text, caret = e.value.context().split("\n")
    assert text[caret.index("^")] == ")"


@pytest.mark.parametrize(("text", "words"), [
    ("y = foo(x)", "unknown function foo"),
    ("y = expp(x)", "did you mean exp"),
    ("y = max(x)", "max takes 2 arguments, not 1"),
    ("y = exp(x, x)", "exp takes 1 argument"),
    ("y = sum(x, z)", "axis of sum must be a whole number"),
    ("y = x[1.5]", "whole number"),
    ("y = [1, [2]]", "ragged"),
    ("y = uniform(2) * 3", "random starting value"),
    ("y = x * 2; y = 3", "computed"),
    ("x = 1; x = 2", "already has a starting value"),
    ("", "empty"),
    ("# only a comment\n", "empty"),
])
def test_program_errors(text, words):
    with pytest.raises((ProgramError, SyntaxProblem)) as e:
        parse(text)
    assert words in (e.value.message + " " + (e.value.hint or ""))
    assert e.value.exit_code == 2


def test_user_text_is_never_evaluated():
    with pytest.raises(SyntaxProblem):
        parse("__import__('os').system('echo hi')")


def test_random_bytes_give_a_syntax_error():
    rng = np.random.default_rng(0)
    for _ in range(50):
        text = bytes(rng.integers(0, 256, 40, dtype=np.uint8)).decode("latin-1")
        with contextlib.suppress(SyntaxProblem, ProgramError):
            parse(text)


def test_maths_as_people_type_it():
    # − (U+2212), · × ⋅ and ÷ are the operators they are, σ(…) is sigmoid
    typed = parse("g = x·y − z ÷ 2 × 3 ⋅ 1; h = σ(g) − −1")
    plain = parse("g = x*y - z / 2 * 3 * 1; h = sigmoid(g) - -1")
    assert [(n.op, n.text) for n in typed.nodes] == [(n.op, n.text) for n in plain.nodes]


@pytest.mark.parametrize(("text", "column", "hint"), [
    ("y = 2x", 6, "write 2*x to multiply"),
    ("y = 3.5w + 1", 8, "write 3.5*w"),
    ("y = x²", 6, "write a power with ^: x^2"),
    ("y = x³ + 1", 6, "x^3"),
    ("y = x – 1", 7, "write - instead of –"),
])
def test_maths_that_is_not_the_language_says_what_to_type(text, column, hint):
    with pytest.raises(SyntaxProblem) as e:
        parse(text)
    assert e.value.column == column and hint in (e.value.hint or ""), e.value.hint


def test_a_name_assigned_after_its_use_says_so():
    from backpropcli.core.errors import ProgramError as Late
    from backpropcli.tasks.values import bind

    graph = parse("g = f + z; f = x*y")
    with pytest.raises(Late) as e:
        bind(graph, {"x": 1.0, "y": 2.0, "z": 3.0})
    assert e.value.message == "f is assigned on line 1 after its use here"
    assert (e.value.line, e.value.column) == (1, 5)  # the caret under the use
    assert bind(graph, {"x": 1.0, "y": 2.0, "z": 3.0, "f": 4.0})  # an input f, then another
