"""terminal/player.py: the replay's screen, drawn without a terminal — the values and
gradients a frame knows on graph's tree, the current edge marked by characters (with
and without colour), every size from a phone's to a wide terminal, and a 300-node program
scrolled to its current edge."""

from __future__ import annotations

import re

import numpy as np
import pytest
from rich.cells import cell_len

from backpropcli.core.engine import evaluate
from backpropcli.lang.parse import parse
from backpropcli.output import tree
from backpropcli.tasks.replay import replay, title
from backpropcli.terminal.player import GETS, SENDS, known, screen
from tests.pictures import run, sample, seed

SGR = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> list[str]:
    return SGR.sub("", text).split("\n")


def row(lines: list[str], name: str) -> str:
    """The tree's row of a node (its first), its guides and marks aside."""
    return next(line for line in lines
                if line.lstrip("│├└─ ▶▼").startswith((f"{name} ", f"{name}  ")))


@pytest.fixture(scope="module")
def worked():
    return replay(seed())


def at(rp, wanted: str) -> int:
    return next(n for n in range(len(rp.frames)) if title(rp, n).endswith(wanted))


def test_a_value_appears_when_its_forward_frame_has_passed(worked):
    before = plain(screen(worked, at(worked, ": y"), 80, 24, False))
    assert row(before, "y").split()[-1] == "-4"
    assert row(before, "f").split()[-1] == "y"  # f = x * y: no value yet
    after = plain(screen(worked, at(worked, ": f"), 80, 24, False))
    assert "-12" in row(after, "f")


def test_a_gradient_appears_as_the_running_total_the_edges_have_brought(worked):
    n = at(worked, "f → x")
    lines = plain(screen(worked, n, 80, 24, False))
    assert row(lines, "x").split()[-2:] == ["3", "-4"]  # value, then ∂g/∂x just arrived
    assert row(lines, "y").split()[-1] == "-4"  # y's value; its gradient not yet there
    end = plain(screen(worked, len(worked.frames) - 1, 80, 24, False))
    assert row(end, "y").split()[-2:] == ["-4", "3"]


def test_the_current_edge_is_marked_by_characters_without_colour(worked):
    text = screen(worked, at(worked, "f → x"), 80, 24, False)
    assert "\x1b" not in text  # NO_COLOR: no escape at all
    lines = text.split("\n")
    assert row(lines, "f").lstrip("│├└─ ").startswith(f"{SENDS} f = x * y")
    assert row(lines, "x").lstrip("│├└─ ").startswith(f"{GETS} x")
    assert sum(GETS in line for line in lines) == 1
    assert sum(SENDS in line for line in lines) == 1
    assert lines[0].startswith(f"{at(worked, 'f → x') + 1}/11  backward 3 of 4: f → x")
    assert "q quit" in lines[-1]
    assert "∂f/∂x = y = -4" in text


def test_in_colour_the_marks_stay_and_the_edge_is_coloured(worked):
    text = screen(worked, at(worked, "f → x"), 80, 24, True)
    assert "\x1b[" in text
    hot = next(line for line in text.split("\n") if GETS in line)
    assert "43m" in hot  # on yellow
    assert SENDS in SGR.sub("", text)


def test_a_value_used_twice_marks_each_use_in_turn():
    rp = replay(run("b = a * a", a=3.0))
    first, second = at(rp, "b → a (first use)"), at(rp, "b → a (second use)")
    one = plain(screen(rp, first, 80, 24, False))
    two = plain(screen(rp, second, 80, 24, False))
    assert [k for k, line in enumerate(one) if GETS in line] != \
        [k for k, line in enumerate(two) if GETS in line]
    assert f"{GETS} a ↑ shown above" in "\n".join(two)
    assert row(one, "a").split()[-1] == "3" and row(two, "a").split()[-1] == "6"


@pytest.mark.parametrize("width", [80, 50, 30, 20, 12])
@pytest.mark.parametrize("height", [24, 12, 6])
def test_every_frame_fits_the_screen_exactly(worked, width, height):
    for n in range(len(worked.frames)):
        for colour in (False, True):
            lines = plain(screen(worked, n, width, height, colour))
            assert len(lines) == height
            assert max(cell_len(line) for line in lines) <= width
        assert plain(screen(worked, n, width, height, False))[0].startswith(f"{n + 1}/")


def test_tiny_screens_draw_something_and_never_fail(worked):
    for width in range(1, 9):
        for height in range(1, 5):
            for n in (0, at(worked, "f → x"), len(worked.frames) - 1):
                lines = plain(screen(worked, n, width, height, True))
                assert len(lines) == height
                assert max(cell_len(line) for line in lines) <= width


@pytest.mark.parametrize("name", ["neuron.bp", "reuse.bp", "layer.bp", "neuron_vector.bp"])
def test_the_samples_play_at_fifty_columns(name):
    rp = replay(sample(name))
    for n in range(len(rp.frames)):
        lines = plain(screen(rp, n, 50, 20, False))
        assert len(lines) == 20 and max(cell_len(line) for line in lines) <= 50


@pytest.fixture(scope="module")
def chain():
    """300 nodes: a0 = x*y, then a_i = a_(i-1) * x + y (two nodes a step)."""
    src = "\n".join(["a0 = x * y"] + [f"a{i} = a{i - 1} * x + y" for i in range(1, 150)])
    ev = evaluate(parse(src), {"x": np.float64(0.5), "y": np.float64(0.25)})
    assert len(ev.graph.nodes) > 300
    return replay(ev)


def test_a_big_tree_scrolls_to_the_current_edge(chain):
    rp = chain
    frames = [n for n, f in enumerate(rp.frames) if f.kind == "backward"]
    nodes = rp.evaluation.graph.nodes
    for n in [*frames[::37], frames[-1]]:
        f = rp.frames[n]
        lines = plain(screen(rp, n, 80, 24, False))
        assert len(lines) == 24 and max(cell_len(line) for line in lines) <= 80
        hot = [line for line in lines if GETS in line]
        assert len(hot) == 1
        assert hot[0].split(GETS)[1].split()[0] == nodes[f.node].name
        assert any("more above" in line or "more below" in line for line in lines)
        assert lines[1].split()[:2] == ["node", "value"]  # the headings stay on top


def test_a_big_tree_shows_each_forward_node_as_it_appears(chain):
    rp = chain
    nodes = rp.evaluation.graph.nodes
    for n in range(0, rp.counts["forward"], 41):
        lines = plain(screen(rp, n, 50, 16, False))
        hot = [line for line in lines if GETS in line]
        assert len(hot) == 1 and hot[0].split(GETS)[1].split()[0] == nodes[rp.frames[n].node].name


def test_the_running_totals_end_as_the_engine_gradients(chain):
    rp = chain
    ev = rp.evaluation
    seen, grads = known(rp, len(rp.frames) - 2)  # the last edge: before the end frame
    for i, g in enumerate(ev.grads):
        if g is not None and ev.needs[i]:
            assert grads[i] == g
    assert seen == {f.node for f in rp.frames if f.kind == "forward"}


def test_a_frame_before_any_edge_knows_no_gradient(worked):
    seen, grads = known(worked, 0)
    assert grads == {} and len(seen) == 1


def test_the_tree_is_graphs_tree():
    # The player draws the rows of tree_plan (full): as many tree rows, in its order.
    ev = sample("reuse.bp")
    rp = replay(ev)
    plan = tree.tree_plan(ev, full=True)
    lines = plain(screen(rp, len(rp.frames) - 1, 100, 60, False))
    names = [ev.graph.nodes[r.node].name for r in plan.rows]
    drawn = [line.lstrip("│├└─ ").split()[0] for line in lines[2:2 + len(names)]]
    assert drawn == names
