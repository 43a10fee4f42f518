"""The elision every long view shares: which items are shown, what stands for the rest,
and that each view still says it in its own words."""

from __future__ import annotations

from rich.console import Console

from backpropcli.terminal.widgets import ROWS, elide, fill, hidden, new_table


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


def test_a_table_says_how_many_rows_it_left_out_under_it():
    text = shown(fill(new_table("n", "name"), list(range(100)),
                      lambda i: (str(i), f"item{i}"), False, "nodes"))
    rows = [line.split() for line in text.splitlines()]
    assert rows.count(["…", "…"]) == 1  # a row of dots, one in each column
    assert rows[-1] == f"{100 - ROWS} nodes in the middle not shown (--full shows all)".split()
    # the row of dots does not widen the first column: the rows are as without it
    whole = shown(fill(new_table("n", "name"), list(range(ROWS // 2)),
                       lambda i: (str(i), f"item{i}"), False, "nodes"))
    assert text.splitlines()[:ROWS // 2 + 1] == whole.splitlines()


def test_a_column_without_a_header_gets_no_dots():
    text = shown(fill(new_table("n", ""), list(range(100)), lambda i: (str(i), "x"), False))
    assert [line.split() for line in text.splitlines()].count(["…"]) == 1


def test_explain_and_check_say_the_gap_as_before():
    from backpropcli.core.engine import evaluate
    from backpropcli.lang.parse import parse
    from backpropcli.tasks.check import gradient_check
    from backpropcli.tasks.explain import explain
    from backpropcli.tasks.values import bind
    from backpropcli.terminal.check import check_report
    from backpropcli.terminal.explain import explanation

    n = ROWS + 10
    graph = parse("g = " + " + ".join(f"a{k}*a{k}" for k in range(n)))
    inputs = bind(graph, {f"a{k}": float(k) for k in range(n)})
    text = shown(explanation(explain(evaluate(graph, inputs))), width=200)
    assert text.count("… 10 more inputs (--full shows all)") == 1
    assert "∂g/∂a19 =" in text and "∂g/∂a20 =" not in text and "∂g/∂a49 =" in text
    text = shown(check_report(gradient_check(graph, inputs)), width=200)
    assert "10 elements in the middle not shown (--full shows all)" in text
    assert [line.split() for line in text.splitlines()].count(["…"] * 5) == 1


# ---------------------------------------------------------------------------
# tables that fit the width they are drawn at

def _table():
    from backpropcli.terminal.widgets import Col

    table = new_table("name", Col("formula"), Col("", join=True, under=True, drop=1),
                      Col("value", right=True, number=True), Col("note", drop=2))
    table.add_row("f", "x * y", " = 3 · (-4)", "-12.123456", "a note here")
    table.add_row("g", "f + z", " = -12 + 2", "-10", "")
    return table


def test_a_table_gives_up_its_optional_columns_in_order():
    wide = shown(_table(), 100).splitlines()
    assert wide[1].split() == ["f", "x", "*", "y", "=", "3", "·", "(-4)", "-12.123456", "a",
                               "note", "here"]
    # too narrow for the numbers after the formula: they go on a line under it
    narrower = shown(_table(), 44).splitlines()
    assert [line.split() for line in narrower[1:3]] == [
        ["f", "x", "*", "y", "-12.123456", "a", "note", "here"], ["=", "3", "·", "(-4)"]]
    # narrower still: the note goes too, and nothing is wider than the width
    narrowest = shown(_table(), 30)
    assert "note" not in narrowest and "-12.123456" in narrowest
    assert max(len(line) for line in narrowest.splitlines()) <= 30


def test_a_number_is_never_wrapped_and_a_header_never_broken_inside_a_word():
    from backpropcli.terminal.widgets import Col

    for width in range(20, 60):  # from the width of the number, a gap and a word
        table = new_table(Col("a long header", right=True, number=True), "text")
        table.add_row("-0.19661193", "words that may wrap between them")
        text = shown(table, width)
        assert "-0.19661193" in text, width
        assert "header" in text.split(), width  # whole, if on a line of its own
    table = new_table(Col("n", right=True, number=True), "text")
    table.add_row("-0.19661193", "words")
    assert "-0.1…" in shown(table, 12)  # no room at all: cut, and marked so


def test_share_cuts_the_widest_first_and_none_below_its_least():
    from backpropcli.terminal.widgets import share

    assert share(30, [5, 10, 10], [1, 1, 1]) == [5, 10, 10]
    assert share(20, [5, 10, 10], [1, 1, 1]) == [5, 8, 7]
    assert share(20, [5, 20, 10], [5, 12, 1]) == [5, 12, 3]
