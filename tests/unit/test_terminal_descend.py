"""terminal/descend.py, the loss curve in the terminal: labelled ends, bounded size,
a shape that follows
the values, readable without colour, fitting whatever width the console has."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from rich.console import Console
from rich.table import Table

from backpropcli.core import fmt
from backpropcli.core.errors import MathError, UsageError
from backpropcli.terminal import descend as descend_view

DECREASING = 10 * np.exp(-np.arange(1001) / 150) + 0.05
BRAILLE = range(0x2801, 0x2900)  # lit cells; U+2800 (no dot) is never written


def show(values, console_width: int = 80, **kw) -> list[str]:
    console = Console(record=True, width=console_width, color_system=None)
    console.print(descend_view.curve(values, **kw))
    return console.export_text().splitlines()


def plot_rows(lines: list[str]) -> list[str]:
    """The rows of the drawing: from the first ┤ to the └ of the x axis."""
    first = next(i for i, s in enumerate(lines) if "┤" in s)
    axis = next(i for i, s in enumerate(lines) if "└" in s)
    start = lines[first].index("┤") + 1
    width = lines[axis].count("─")
    return [s[start:].ljust(width) for s in lines[first:axis]]


def steps(lines: list[str]) -> list[str]:
    """The labels under the x axis."""
    return lines[next(i for i, s in enumerate(lines) if "└" in s) + 1].split()


def ink(rows: list[str]) -> np.ndarray:
    """(rows, columns) of lit braille dots counted per cell."""
    out = np.zeros((len(rows), len(rows[0])), dtype=int)
    for i, r in enumerate(rows):
        for j, ch in enumerate(r):
            if ord(ch) in BRAILLE:
                out[i, j] = bin(ord(ch) - 0x2800).count("1")
    return out


def test_a_decreasing_series_slopes_down_with_labelled_ends():
    lines = show(DECREASING, title="Loss curve of g")
    assert lines[0] == "Loss curve of g"
    assert len(lines) == 1 + 12 + 3  # title, 12 rows, axis, steps, values
    top, bottom = fmt.number(DECREASING.max()), fmt.number(DECREASING.min())
    assert lines[1].lstrip().startswith(top + " ┤")
    assert lines[12].lstrip().startswith(bottom + " ┤")
    assert steps(lines) == ["0", "step", "1000"]
    assert lines[-1] == (f"step 0: {fmt.number(DECREASING[0])}  →  "
                         f"step 1000: {fmt.number(DECREASING[-1])}")
    dots = ink(plot_rows(lines))
    assert dots[:, 0].any() and dots[:, -1].any()  # drawn from the first to the last column
    assert all(dots[:, j].any() for j in range(dots.shape[1]))  # unbroken
    heights = [np.average(np.arange(dots.shape[0]), weights=dots[:, j])
               for j in range(dots.shape[1])]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(heights))
    assert heights[0] < 1 and heights[-1] > dots.shape[0] - 2


def test_an_increasing_series_slopes_up():
    dots = ink(plot_rows(show(np.linspace(-5, 5, 300), height=6)))
    first = np.flatnonzero(dots[:, 0])
    last = np.flatnonzero(dots[:, -1])
    assert first.min() == dots.shape[0] - 1 and last.max() == 0


@pytest.mark.parametrize("n", [1, 2, 10, 1000, 1_000_001])
def test_any_length_fits_and_labels_its_steps(n):
    values = np.linspace(3.0, -12.72, n)
    lines = show(values, height=8)
    assert len(lines) <= 8 + 3
    assert max(len(s) for s in lines) <= 60  # the default width
    labels = steps(lines)
    assert labels[0] == "0" and (n == 1 or labels[-1] == str(n - 1))
    assert lines[-1].startswith("step 0: 3")
    if n > 1:
        assert lines[-1].endswith(f"step {n - 1}: -12.72")
    assert ink(plot_rows(lines)).any()


def test_a_single_value_is_one_mark_in_the_middle():
    lines = show([3.0], height=5)
    dots = ink(plot_rows(lines))
    rows, cols = np.nonzero(dots)
    assert len(set(cols)) == 1 and abs(cols[0] - dots.shape[1] / 2) <= 1
    (labelled,) = [s for s in lines if "┤" in s]
    assert labelled.startswith("3 ┤") and labelled.index("┤") + 1 + cols[0] == lines[-2].index("0")
    assert steps(lines) == ["0"] and lines[-1] == "step 0: 3"


@pytest.mark.parametrize("value", [0.0, -3.0, 1e300])
def test_a_constant_is_a_level_line_labelled_once(value):
    lines = show([value] * 50, height=6)
    dots = ink(plot_rows(lines))
    lit = np.flatnonzero(dots.any(axis=1))
    assert len(lit) == 1 and dots[lit[0]].all()  # one row, every column
    label = fmt.number(value)
    assert sum(s.lstrip().startswith(label + " ┤") for s in lines) == 1
    assert sum("┤" in s for s in lines) == 1


def test_negative_values():
    values = -np.linspace(1, 100, 40)
    lines = show(values)
    assert lines[0].lstrip().startswith("-1 ┤") and lines[11].lstrip().startswith("-100 ┤")


def test_a_spike_of_one_step_in_a_million_shows():
    values = np.zeros(1_000_001)
    values[654_321] = 1.0
    dots = ink(plot_rows(show(values, height=6)))
    top = np.flatnonzero(dots[0])
    assert len(top) == 1 and abs(top[0] / dots.shape[1] - 0.654) < 0.03


def test_log_scale_is_said_and_spaces_decades_evenly():
    falling = 3 * 10 ** -np.linspace(0, 8, 200)
    lines = show(falling, title="g")
    assert lines[0] == "g  (log scale)"
    assert lines[1].lstrip().startswith("3 ┤") and lines[12].lstrip().startswith("3e-8 ┤")
    dots = ink(plot_rows(lines))
    # A straight line on a log axis: the middle column is about half way down.
    mid = np.average(np.arange(12), weights=dots[:, dots.shape[1] // 2])
    assert abs(mid - 5.5) < 1
    assert "log scale" not in "\n".join(show(falling, log=False))
    with pytest.raises(UsageError):
        descend_view.curve([-1.0, 1.0], log=True)


@pytest.mark.parametrize("console_width", [80, 40, 24, 12, 8])
def test_width_adapts_to_the_console(console_width):
    lines = show(DECREASING, console_width, width=60, height=6)
    assert max(len(s) for s in lines) <= min(60, console_width)
    assert len(lines) <= 6 + 3 + (console_width < 24)  # narrow: first and last value apart
    assert ink(plot_rows(lines)).any()
    labels = steps(lines)
    assert labels[-1] == "1000" and labels[0] in ("0", "1000")  # never cut to "100"


def test_inside_a_table_cell_it_takes_the_cell_width():
    table = Table("curve")
    table.add_row(descend_view.curve(DECREASING, width=200, height=4))
    console = Console(record=True, width=50, color_system=None)
    console.print(table)
    assert max(len(s) for s in console.export_text().splitlines()) <= 50


def test_readable_without_colour_and_titles_are_not_markup():
    console = Console(record=True, width=80, force_terminal=True, no_color=True)
    console.print(descend_view.curve(DECREASING, title="[bold]g[/bold] [x, y]"))
    text = console.export_text()
    assert text.splitlines()[0] == "[bold]g[/bold] [x, y]"
    assert "\x1b[3" not in console.export_text(styles=True)  # no colour codes
    assert ink(plot_rows(text.splitlines())).sum() > 50  # the shape is in the characters


def test_values_that_cannot_be_drawn():
    with pytest.raises(UsageError):
        descend_view.curve([])
    with pytest.raises(MathError):
        descend_view.curve([1.0, float("inf")])


def test_kept_steps_are_drawn_on_the_real_step_axis():
    # A long descent keeps only some steps: the fall from 10 to 0 between step 0 and
    # step 100 is the first tenth of an axis that ends at step 1000, not half of it.
    lines = show([10.0, 0.0, 0.0], steps=[0, 100, 1000], height=8)
    assert steps(lines) == ["0", "step", "1000"]
    assert lines[-1] == "step 0: 10  →  step 1000: 0"
    dots = ink(plot_rows(lines))
    low = np.flatnonzero(dots[-1])
    assert low.min() <= 0.1 * dots.shape[1] + 1 and dots[:, low.min() + 2:-1][:-1].sum() == 0


def test_thinned_steps_of_a_million_label_the_end():
    steps = np.append(np.arange(0, 1_000_000, 128), 1_000_000)
    values = 10 * np.exp(-steps / 150_000.0)
    lines = show(values, steps=steps, height=6)
    assert lines[-2].split() == ["0", "step", "1000000"]
    assert lines[-1].endswith("step 1000000: " + fmt.number(values[-1]))
    same = show(values, height=6)  # as if consecutive: the same shape, other labels
    assert plot_rows(lines) == plot_rows(same)


def test_steps_must_match_the_values():
    with pytest.raises(UsageError):
        descend_view.curve([1.0, 2.0], steps=[0])
    with pytest.raises(UsageError):
        descend_view.curve([1.0, 2.0, 3.0], steps=[0, 5, 5])
