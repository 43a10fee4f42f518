"""The elision every long view shares: which items are shown, what stands for the rest,
and that each view still says it in its own words."""

from __future__ import annotations

from rich.console import Console

from backpropcli.output.terminal.widgets import ROWS, elide, fill, hidden, new_table


def shown(renderable, width: int = 100) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def test_a_short_list_is_shown_whole():
    items = list(range(ROWS))
    assert elide(items, False, str, lambda n: f"gap {n}") == [str(i) for i in items]
    assert hidden(ROWS, False) == 0


def test_a_long_list_keeps_its_ends_around_the_gap():
    made = []

    def show(i):
        made.append(i)
        return i

    out = elide(list(range(100)), False, show, lambda n: f"gap {n}")
    half = ROWS // 2
    assert out == [*range(half), f"gap {100 - 2 * half}", *range(100 - half, 100)]
    assert made == out[:half] + out[-half:]  # only the rows shown are made
    assert hidden(100, False) == 100 - 2 * half


def test_full_shows_every_item():
    assert elide(list(range(100)), True, str, lambda n: "gap") == [str(i) for i in range(100)]
    assert hidden(100, True) == 0


def test_a_table_says_how_many_rows_it_left_out_or_as_told():
    default = shown(fill(new_table("n"), list(range(100)), lambda i: (str(i),), False, "nodes"))
    assert f"… {100 - ROWS} more nodes (--full shows all)" in default
    dots = shown(fill(new_table("a", "b"), list(range(100)), lambda i: (str(i), str(i)), False,
                      gap=lambda n: ("…", "…")))
    rows = [line.split() for line in dots.splitlines()]
    assert "more" not in dots and rows.count(["…", "…"]) == 1


def test_explain_and_check_say_the_gap_as_before():
    from backpropcli.core.engine import evaluate
    from backpropcli.lang.parse import parse
    from backpropcli.output.terminal.check import check_report
    from backpropcli.output.terminal.explain import explanation
    from backpropcli.tasks.check import gradient_check
    from backpropcli.tasks.explain import explain
    from backpropcli.tasks.values import bind

    n = ROWS + 10
    graph = parse("g = " + " + ".join(f"a{k}*a{k}" for k in range(n)))
    inputs = bind(graph, {f"a{k}": float(k) for k in range(n)})
    text = shown(explanation(explain(evaluate(graph, inputs))), width=200)
    assert text.count("… 10 more inputs (--full shows all)") == 1
    assert "∂g/∂a19 =" in text and "∂g/∂a20 =" not in text and "∂g/∂a49 =" in text
    text = shown(check_report(gradient_check(graph, inputs)), width=200)
    assert "10 elements in the middle not shown (--full shows all)" in text
    assert [line.split() for line in text.splitlines()].count(["…"] * 5) == 1
