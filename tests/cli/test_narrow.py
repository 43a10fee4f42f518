"""Narrow terminals: the views at 50 and 80 columns as golden files, and the promises
they keep at every width from 40 to 120 — no line wider than the terminal, and no
number broken across lines.

A narrow table gives up, in order, its optional columns (the numbers after a formula go
under it, the chain rule in numbers goes, an array's shape goes), then the width of its
text, which wraps between words; a number is never wrapped. Rewrite the files after a
deliberate change with UPDATE_GOLDEN=1 (see test_golden.py) and read the diff.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from rich.cells import cell_len

from tests.cli.test_golden import check_golden, evaluation, lines_of
from tests.helpers import SAMPLES

WIDTHS = (50, 80)
ALL = sorted(p.name for p in SAMPLES.glob("*.bp"))


def at(monkeypatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))


def run(cli, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, err
    return out


def widest(text: str) -> int:
    return max((cell_len(line.rstrip()) for line in text.splitlines()), default=0)


# ---------------------------------------------------------------------------
# golden files at 50 and 80 columns

@pytest.mark.parametrize("width", WIDTHS)
def test_eval_seed_narrow(cli, monkeypatch, width):
    at(monkeypatch, width)
    out = run(cli, "eval", str(SAMPLES / "seed.bp"))
    rows = lines_of(check_golden(f"narrow{width}_eval_seed.txt", out))
    assert widest(out) <= width
    # the worked example fits 50 columns whole: the same rows as at 100
    assert "f x * y = 3 · (-4) -12" in rows and "g f + z = -12 + 2 -10 ← output" in rows
    assert "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · (-4) -4" in rows
    assert "Gradient of g: ∂g/∂x = -4 ∂g/∂y = 3 ∂g/∂z = 1" in rows


@pytest.mark.parametrize("width", WIDTHS)
def test_eval_neuron_narrow(cli, monkeypatch, width):
    at(monkeypatch, width)
    out = run(cli, "eval", str(SAMPLES / "neuron.bp"))
    rows = lines_of(check_golden(f"narrow{width}_eval_neuron.txt", out))
    assert widest(out) <= width
    if width == 50:  # the numbers after each formula go on a line under it, and the
        # chain rule in numbers goes before any value is squeezed
        assert "f sigmoid(dot) 0.7311 ← output" in rows and "= sigmoid(1)" in rows
        assert "t1 w0 * x0 -2" in rows and "= 2 · (-1)" in rows
        assert "∂f/∂w0 = ∂f/∂t1 · ∂t1/∂w0 -0.1966" in rows
    else:
        assert "f sigmoid(dot) = sigmoid(1) 0.7311 ← output" in rows
        assert "∂f/∂w0 = ∂f/∂t1 · ∂t1/∂w0 = 0.1966 · (-1) -0.1966" in rows
    # each term of the gradient stays whole, its number beside its name
    assert "∂f/∂w0 = -0.1966" in out and "∂f/∂x1 = -0.5898" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_step_narrow(cli, monkeypatch, width):
    assert cli("eval", str(SAMPLES / "seed.bp"))[0] == 0
    at(monkeypatch, width)
    out = run(cli, "step", "--lr", "0.1")
    rows = lines_of(check_golden(f"narrow{width}_step_seed.txt", out))
    assert widest(out) <= width
    assert "x 3 -4 +0.4 3.4" in rows and "g: -10 → -12.72 (decreased by 2.72)" in rows


@pytest.mark.parametrize("width", WIDTHS)
def test_graph_micrograd_narrow(cli, monkeypatch, width):
    at(monkeypatch, width)
    out = run(cli, "graph", str(SAMPLES / "micrograd.bp"))
    rows = lines_of(check_golden(f"narrow{width}_graph_micrograd.txt", out))
    assert widest(out) <= width
    assert not any(re.search(r"\S…", row) for row in rows)  # no label cut short (c = c#…)
    assert any(row.startswith("g#1 = g + t15") for row in rows)
    assert any(row.startswith("│ │ │ ├─ c#2 = c#1 + t6") for row in rows)
    # a wrapped row keeps the guides of the rows below it: every line between the first
    # and the last child of g starts with g's guide
    lines = out.splitlines()
    first = next(k for k, line in enumerate(lines) if "├─ g = f / 2" in line)
    last = next(k for k, line in enumerate(lines) if "└─ t15" in line)
    assert all(line.startswith("  │") for line in lines[first + 1 : last])


@pytest.mark.parametrize("width", WIDTHS)
def test_descend_narrow(cli, monkeypatch, width):
    at(monkeypatch, width)
    out = run(cli, "descend", "L = (a - 3)^2", "--a", "0", "--steps", "30")
    rows = lines_of(check_golden(f"narrow{width}_descend_parabola.txt", out))
    assert widest(out) <= width
    assert "a 0 2.9963" in rows and "L: 9 → 1.379e-5 (step 0 → 30)" in rows
    assert any("⠉" in row or "⠙" in row for row in rows)  # the curve is drawn


@pytest.mark.parametrize("width", [*WIDTHS, 100])
def test_history_past_a_screen(cli, monkeypatch, width):
    # 61 entries: the middle 21 are a row of dots, counted under the table, and the
    # columns are as wide as without them (the count once sat in the first column and
    # pushed the table 33 columns right)
    assert cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", "60")[0] == 0
    at(monkeypatch, width)
    out = run(cli, "history")
    name = "history_long.txt" if width == 100 else f"narrow{width}_history_long.txt"
    rows = lines_of(check_golden(name, out))
    assert widest(out) <= width
    assert rows[1] == "step lr L change" and rows[-1] in (
        "21 steps in the middle not shown (--full shows all)",
        "all)")  # at 50 columns the count wraps between words
    assert "… … … …" in rows
    table = out.splitlines()[1 : 1 + 1 + 41]  # the header, 40 rows and the dots
    assert table[0].startswith("  step") and table[-1].split() == ["60", "0.1", "2.114e-11",
                                                                  "-1.189e-11"]
    assert max(len(line.rstrip()) for line in table) < 40


def test_a_long_forward_table_is_as_wide_as_its_rows(cli):
    # a 100-node program: the rows left out are a row of dots, not a sentence that
    # widens the node column
    program = "; ".join(["t0 = x"] + [f"t{k} = t{k - 1} + x" for k in range(1, 100)])
    out = run(cli, "eval", program, "--x", "1")
    lines = out.splitlines()
    assert lines[1].split() == ["node", "computes", "value"] and lines[2].startswith("  x ")
    assert lines[1].index("computes") == len("  node  ")  # t99 fits under "node"
    assert "60 nodes in the middle not shown (--full shows all)" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_help_narrow(cli, monkeypatch, width):
    at(monkeypatch, width)
    out = run(cli, "step", "--help")
    check_golden(f"narrow{width}_help_step.txt", out)
    example = 'backprop eval "g = x*y + z" --x 3 --y -4 --z 2 --json | backprop step --json'
    assert f"  {example}\n" in out  # never wrapped: it copies as one command line


@pytest.mark.parametrize("width", WIDTHS)
def test_error_hint_narrow(cli, monkeypatch, width):
    at(monkeypatch, width)
    code, out, err = cli("eval", "g = x*y + z", "--x", "3")
    assert code == 2 and out == ""
    check_golden(f"narrow{width}_error_hint.txt", err)
    assert "--y VALUE --z VALUE" in err  # the command to type is on one line
    code, _, err = cli("step", "--state", "nowhere/session.json")
    assert code == 2
    assert 'backprop eval "g = x*y + z" --x 3 --y -4 --z 2\n' in err


# ---------------------------------------------------------------------------
# every sample at every width

def drawn(renderable, width: int) -> str:
    """As the terminal shows it: nothing cropped (draw() prints with crop=False)."""
    from rich.console import Console

    from backpropcli.terminal.widgets import Clean

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False,
                      legacy_windows=False)
    console.print(Clean(renderable), crop=False)
    return console.file.getvalue()  # type: ignore[attr-defined]


# A number as the views write it (-0.1966, 1.379e-5, 3.), not inside a name (x0, t12).
NUMBER = re.compile(r"(?<![\w.#^/])-?\d+(?:\.\d*)?(?:e[+-]?\d*)?(?![\w.])")


def numbers(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def views_of(sample: str):
    from backpropcli.core import fmt
    from backpropcli.tasks import program
    from backpropcli.terminal import views

    ev, point = evaluation(sample)
    before, after, moved = program.take_step(ev.graph, point, 0.1)
    shown = {"eval": views.evaluation(ev, point.params), "graph": views.graph_tree(ev),
             "step": views.step_report(before, after, moved.params, 0.1)}
    # Numbers a narrower view may show that a wide one need not: an array's smallest
    # and largest element (where it is too narrow for its ends), and counts of nodes.
    moves = [-0.1 * np.asarray(g) for g in before.gradients().values()]
    known = {fmt.number(x) for ev_ in (ev, after)
             for v in [*ev_.values, *ev_.grads, *(loc for t in ev_.local if t for loc in t),
                       *moves]
             if v is not None for x in np.ravel(np.asarray(v, dtype=object))
             if x is not None and not isinstance(x, (list, tuple, np.ndarray))}
    return shown, known | {str(n) for n in range(len(ev.graph.nodes) + 1)}


@pytest.mark.slow
@pytest.mark.parametrize("sample", ALL)
def test_every_width_fits_and_no_number_is_broken(sample):
    shown, known = views_of(sample)
    for name, renderable in shown.items():
        wide = numbers(drawn(renderable, 200)) | known
        for width in range(40, 121):
            text = drawn(renderable, width)
            over = [line for line in text.splitlines() if cell_len(line.rstrip()) > width]
            assert not over, (name, width, over)
            broken = numbers(text) - wide
            assert not broken, (name, width, sorted(broken))


def test_a_number_split_across_lines_is_caught():
    # the check above would see the fault the issue showed (-0.196611 over 93)
    assert numbers("  w0  -0.196611\n      93") - numbers("  w0  -0.19661193") == \
        {"-0.196611", "93"}
    assert numbers("1.379e\n-5 x0 t12 ∂f/∂x0") == {"1.379e", "-5"}
