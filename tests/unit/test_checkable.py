"""Every number a table shows can be checked by hand (issue 19, item 4).

Over random programs, at points typed with few or many digits and at every precision
(the default, --digits N, --full), the eval view's tables are rendered and read back as
a reader would: each forward-pass row's numbers (`x * y = 0.00012345 · 123456.7`) and
each backward-pass row's products (`1 · (-4) + 2 · 3`) are parsed by backprop's own
language, recomputed, written at the precision of the shown result, and compared with
it. The same for a step's row: value + move = new value, −lr · gradient = move.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.console import Console

from backpropcli.core import checkable, fmt
from backpropcli.core.engine import evaluate, forward
from backpropcli.core.errors import MathError
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind
from backpropcli.terminal.evaluation import backward_table, forward_table
from backpropcli.terminal.step import step_report
from tests.unit.test_engine_random import INPUTS, Oracle, programs

# numbers as people type them: a few digits at any scale, or many
typed = st.one_of(
    st.floats(-3, 3, allow_nan=False),
    st.builds(lambda m, e: float(f"{m}e{e}"), st.integers(-99999, 99999), st.integers(-9, 3)),
)
points = st.fixed_dictionaries({n: typed for n in INPUTS})
precisions = st.one_of(st.just((None, False)), st.just((None, True)),
                       st.tuples(st.integers(1, fmt.MOST), st.just(False)))


def shown_value(text: str) -> float:
    """A row's numbers, as a reader would type them into backprop: `1 · (-4) + 2`."""
    graph = parse("out = " + text.replace("·", "*"))
    values, _ = forward(graph, bind(graph, {}))  # `out = -4` declares an input
    return float(values[graph.output])


def recomputes(numbers: str, result: str) -> bool:
    """Whether the numbers, recomputed and written as the result is, are the result."""
    try:
        again = shown_value(numbers)
    except MathError:
        return False
    if result == "0":  # a zero is written "0" at every precision
        return fmt.number(again) == "0" or abs(again) < 1e-300
    return fmt.number(again) == result or fmt.significant(again, _digits(result)) == result


def _digits(text: str) -> int:
    """The significant digits of a shown number: 15.2407 has 6, 1.5e-5 has 2."""
    mantissa = text.lstrip("-").partition("e")[0].replace(".", "").lstrip("0")
    return max(1, len(mantissa))


def rows(renderable) -> list[list[str]]:
    console = Console(record=True, width=3000, color_system=None)
    console.print(renderable)
    return [re.split(r"\s{2,}", line.strip()) for line in console.export_text().splitlines()]


def evaluation(statements, point):
    oracle = Oracle(point)
    _, text = oracle.run(statements)
    graph = parse(text)
    try:
        ev = evaluate(graph, bind(graph, {n: np.float64(point[n]) for n in graph.input_names}))
    except MathError:
        assume(False)
    return text, ev


def check_tables(ev, where: str) -> int:
    checked = 0
    for cells in rows(forward_table(ev))[2:]:  # the title, the header
        if len(cells) >= 3 and " = " in cells[1]:
            numbers = cells[1].split(" = ", 1)[1]
            assert recomputes(numbers, cells[2]), f"{where}\nforward row {cells}"
            checked += 1
    for cells in rows(backward_table(ev))[2:]:
        if len(cells) >= 4 and cells[2].startswith("= ") and "more term" not in cells[2]:
            assert recomputes(cells[2][2:], cells[3]), f"{where}\nbackward row {cells}"
            checked += 1
    return checked


@settings(max_examples=150, deadline=None)  # 300 took 4 s, near the fast tier's 5 s
@given(statements=programs(), point=points, precision=precisions)
def test_every_row_recomputes_to_its_shown_result(statements, point, precision):
    text, ev = evaluation(statements, point)
    with fmt.precision(*precision):
        check_tables(ev, f"{text}\nat {point}, precision {precision}")


@pytest.mark.parametrize(("program", "point", "row"), [
    # the issue's own cases: 1 + 1e-5 = 1 and factors whose product is 15.2346
    ("g = x + y", {"x": 0.99999, "y": 0.00001}, ["g", "x + y = 0.99999 + 1e-5", "1"]),
    ("g = x*y", {"x": 0.00012345, "y": 123456.7},
     ["g", "x * y = 0.00012345 · 123456.7", "15.2407"]),
])
def test_the_rows_of_the_issue(program, point, row):
    graph = parse(program)
    ev = evaluate(graph, bind(graph, {k: np.float64(v) for k, v in point.items()}))
    table = rows(forward_table(ev))
    assert [cells[:3] for cells in table if cells[0] == row[0]] == [row]
    # inputs as typed, not 1 and 0.0001234
    assert [cells[:3] for cells in table if cells[0] in point] == \
        [[name, "input", fmt.shortest(v)] for name, v in point.items()]


def test_a_row_that_did_not_recompute_gains_digits():
    # 0.0001234 · 123456.7 = 15.2346, not 15.2407: the factors need a digit more
    assert checkable.product([0.00012345, 123456.7], 0.00012345 * 123456.7) == \
        ["0.00012345", "123456.7"]
    # 3 · 0.2288 · 2 is 1.3728, the product 1.37268: sigmoid's slope needs 0.22878
    assert checkable.product([3, 0.22878, 2], 3 * 0.22878 * 2)[1] == "0.22878"
    # where the default already recomputes, nothing changes: 1 · (-4) = -4
    assert checkable.products([(1.0, -4.0)], -4.0) == [("1", "-4")]


@settings(max_examples=200, deadline=None)
@given(old=typed, grad=typed, lr=st.sampled_from([0.1, 0.01, 0.0123, 1e-4, -0.1]),
       precision=precisions)
def test_a_step_row_recomputes(old, grad, lr, precision):
    new = old - lr * grad
    assume(np.isfinite(new))
    with fmt.precision(*precision):
        value, slope, move = checkable.step(old, grad, lr, new)
        assert recomputes(f"{value} + ({move})", fmt.number(new))
        assert recomputes(f"{-lr!r} * ({slope})", move)


def test_the_worked_step_reads_as_before():
    graph = parse("g = x*y + z")
    before = evaluate(graph, bind(graph, {"x": np.float64(3), "y": np.float64(-4),
                                          "z": np.float64(2)}))
    after = evaluate(graph, bind(graph, {"x": np.float64(3.4), "y": np.float64(-4.3),
                                         "z": np.float64(1.9)}))
    table = rows(step_report(before, after, ["x", "y", "z"], 0.1))
    assert table[2:5] == [["x", "3", "-4", "+0.4", "3.4"], ["y", "-4", "3", "-0.3", "-4.3"],
                          ["z", "2", "1", "-0.1", "1.9"]]
    assert table[5] == ["g: -10 → -12.72", "(decreased by 2.72)"]


def test_digits_and_full_are_one_setting_that_ends_with_its_block():
    with fmt.precision(2):
        assert fmt.number(15.2407) == "15"
        assert fmt.number(0.000123456) == "0.00012"
        assert fmt.typed(0.99999) == "0.99999"  # what was typed stays as typed
    with fmt.precision(full=True):
        assert fmt.number(0.1 + 0.2) == "0.30000000000000004"
        assert fmt.number(1e-5) == "1e-5"
    assert fmt.number(15.240697) == "15.2407"
    assert fmt.typed(3.4000000000000004) == "3.4"  # a computed value, not one typed
    with pytest.raises(ValueError, match="digits"), fmt.precision(0):
        pass
