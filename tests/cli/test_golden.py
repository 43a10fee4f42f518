"""Golden files: the tables a person reads, compared line by line with tests/golden/*.txt.

The output of the real command (in-process, 100 columns, no colour) must equal the
file, and so must the same renderables drawn on a pinned Rich console, so that the
layout does not hang on how the terminal is detected. Trailing spaces are ignored.

After a deliberate change of layout, rewrite the files and read the diff:

    UPDATE_GOLDEN=1 python -m pytest tests/cli/test_golden.py && git diff tests/golden

Each file must also hold the worked example's own numbers (from the article the
project started from), so a golden file rewritten from a wrong output cannot pass.
"""

from __future__ import annotations

import difflib
import io
import os

import pytest

from tests.helpers import GOLDEN, SAMPLES

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
WIDTH = 100


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n") + "\n"


def check_golden(name: str, text: str) -> str:
    """Compare with tests/golden/NAME (or rewrite it under UPDATE_GOLDEN=1); the file's text."""
    path = GOLDEN / name
    got = normalized(text)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no {path}: make it with UPDATE_GOLDEN=1 and check it by eye"
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            f"golden/{name}", "output"))
        pytest.fail(f"the output differs from golden/{name} "
                    f"(UPDATE_GOLDEN=1 rewrites it):\n{diff}")
    return want


def pinned(renderable) -> str:
    """What a renderable looks like on a 100-column console without colour."""
    from rich.console import Console

    console = Console(record=True, width=WIDTH, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def evaluation(sample: str):
    from backpropcli.core.engine import evaluate
    from backpropcli.tasks import program
    from backpropcli.tasks.program import read_program

    text, base = read_program(str(SAMPLES / sample))
    graph, point = program.start(text, {}, base=base)
    return evaluate(graph, point.inputs), point


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


# ---------------------------------------------------------------------------

def eval_golden(cli, sample: str, name: str) -> list[str]:
    """`backprop eval samples/SAMPLE` against golden/NAME, on the command and on a pinned
    console; the golden file's rows, with runs of spaces made one."""
    code, out, err = cli("eval", str(SAMPLES / sample))
    assert code == 0, err
    golden = check_golden(name, out)
    from backpropcli.terminal import views

    ev, point = evaluation(sample)
    assert normalized(pinned(views.evaluation(ev, point.params))) == golden
    return lines_of(golden)


def test_eval_seed(cli):
    rows = eval_golden(cli, "seed.bp", "eval_seed.txt")
    # the worked example: f = x*y = -12, g = f + z = -10, ∂g/∂x = y = -4, ∂g/∂y = x = 3
    assert "f x * y = 3 · (-4) -12" in rows
    assert "g f + z = -12 + 2 -10 ← output" in rows
    assert "∂f/∂x y -4" in rows and "∂f/∂y x 3" in rows
    assert "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · (-4) -4" in rows
    assert "∂g/∂y = ∂g/∂f · ∂f/∂y = 1 · 3 3" in rows
    assert "Gradient of g: ∂g/∂x = -4 ∂g/∂y = 3 ∂g/∂z = 1" in rows


def test_step_seed(cli):
    assert cli("eval", str(SAMPLES / "seed.bp"))[0] == 0
    code, out, err = cli("step", "--lr", "0.1")
    assert code == 0, err
    golden = check_golden("step_seed.txt", out)
    from backpropcli.tasks import program
    from backpropcli.terminal import views

    ev, point = evaluation("seed.bp")
    before, after, moved = program.take_step(ev.graph, point, 0.1)
    assert normalized(pinned(views.step_report(before, after, moved.params, 0.1))) == golden
    # one step of 0.1: x 3 → 3.4, y -4 → -4.3, z 2 → 1.9, g -10 → -12.72 (down by 2.72)
    rows = lines_of(golden)
    assert "Gradient-descent step, lr = 0.1" in rows
    assert "x 3 -4 +0.4 3.4" in rows
    assert "y -4 3 -0.3 -4.3" in rows
    assert "z 2 1 -0.1 1.9" in rows
    assert "g: -10 → -12.72 (decreased by 2.72)" in rows


def test_eval_reuse(cli):
    rows = eval_golden(cli, "reuse.bp", "eval_reuse.txt")
    # b = a + a = 6 and c = b * b = 36 at a = 3: each use of a and of b is a term of its own
    assert "c b * b = 6 · 6 36 ← output" in rows
    assert "∂c/∂b = ∂c/∂c · ∂c/∂b + ∂c/∂c · ∂c/∂b = 1 · 6 + 1 · 6 12" in rows
    assert "∂c/∂a = ∂c/∂b · ∂b/∂a + ∂c/∂b · ∂b/∂a = 12 · 1 + 12 · 1 24" in rows
    assert "Gradient of c: ∂c/∂a = 24" in rows


# ---------------------------------------------------------------------------
# explain, check, graph, descend, history: the other views a person reads

def command_golden(cli, name: str, *args: str, mask=None) -> list[str]:
    """The command's stdout against golden/NAME (after `mask`, for what varies from run
    to run); the rows with runs of spaces made one."""
    code, out, err = cli(*args)
    assert code == 0, err
    return lines_of(check_golden(name, mask(out) if mask else out))


def test_explain_seed(cli):
    rows = command_golden(cli, "explain_seed.txt", "explain", str(SAMPLES / "seed.bp"))
    assert "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4" in rows
    assert "∂g/∂y = ∂g/∂f · ∂f/∂y = 1 · x = 1 · 3 = 3" in rows
    assert "∂g/∂z = 1" in rows


def test_explain_reuse(cli):
    rows = command_golden(cli, "explain_reuse.txt", "explain", str(SAMPLES / "reuse.bp"))
    assert "∂c/∂a is the sum over 4 paths from c down to a:" in rows
    assert "∂c/∂a = 6 + 6 + 6 + 6 = 24" in rows


def test_explain_neuron_markdown_and_latex(cli):
    md = command_golden(cli, "explain_neuron.md", "explain", str(SAMPLES / "neuron.bp"),
                        "--format", "markdown")
    assert any("0.3932" in row for row in md)  # ∂f/∂x0 of the article's neuron
    tex = command_golden(cli, "explain_neuron.tex", "explain", str(SAMPLES / "neuron.bp"),
                         "--format", "latex")
    assert r"\begin{align*}" in tex and r"\end{align*}" in tex


def test_check_seed(cli):
    # The command's own table holds measured times, which vary (and so does its layout):
    # the golden file is the view of the same check with the times pinned.
    from dataclasses import replace

    from backpropcli.tasks.check import gradient_check
    from backpropcli.terminal import views

    code, out, err = cli("check", str(SAMPLES / "seed.bp"))
    assert code == 0 and "passed: all 3 gradients agree" in out, err
    ev, point = evaluation("seed.bp")
    check = gradient_check(ev.graph, point.inputs)
    check = replace(check, backprop=replace(check.backprop, seconds=0.0002),
                    numeric=replace(check.numeric, seconds=0.0011))
    rows = lines_of(check_golden("check_seed.txt", pinned(views.check_report(check))))
    assert rows[2].startswith("x -4 -4 ") and rows[2].endswith(" ok")
    assert rows[3].startswith("y 3 3 ") and rows[4].startswith("z 1 1 ")
    assert "back-propagation 1 forward + 1 backward 0.2 ms" in rows
    assert "finite differences 6 forward (2 per element, 3 elements) 1.1 ms" in rows
    assert "passed: all 3 gradients agree within tol 1e-5" in rows


def test_graph_seed(cli):
    rows = command_golden(cli, "graph_seed.txt", "graph", str(SAMPLES / "seed.bp"))
    assert "g = f + z -10 1 ← output" in rows
    assert "│ ├─ x input 3 -4" in rows and "└─ z input 2 1" in rows
    dot = command_golden(cli, "graph_seed.dot", "graph", str(SAMPLES / "seed.bp"),
                         "--format", "dot")
    assert any("∂f/∂x = -4" in row for row in dot)
    mermaid = command_golden(cli, "graph_seed.mmd", "graph", str(SAMPLES / "seed.bp"),
                             "--format", "mermaid")
    assert mermaid[0] == "flowchart LR"


def test_descend_a_parabola(cli):
    # L = (a - 3)^2 from a = 0 at lr 0.1: a_k = 3 - 3·0.8^k, L_k = 9·0.64^k
    rows = command_golden(cli, "descend_parabola.txt", "descend", "L = (a - 3)^2",
                          "--a", "0", "--steps", "30")
    assert "Gradient descent: sgd, lr 0.1, 30 steps" in rows
    assert "a 0 2.9963" in rows and "L: 9 → 1.379e-5 (step 0 → 30)" in rows


def test_history_after_steps(cli):
    assert cli("eval", str(SAMPLES / "seed.bp"))[0] == 0
    for _ in range(3):
        assert cli("step", "--lr", "0.1")[0] == 0
    rows = command_golden(cli, "history_seed.txt", "history")
    assert "1 0.1 -12.72 -2.72" in rows


def test_ascent_step_seed(cli):
    # up the gradient: each param moves by +lr·∂g/∂param (x: 3 + 0.1·(-4) = 2.6)
    assert cli("eval", str(SAMPLES / "seed.bp"))[0] == 0
    rows = command_golden(cli, "step_seed_ascend.txt", "step", "--lr", "0.1", "--ascend")
    assert "Gradient-ascent step, lr = 0.1" in rows
    assert "param value ∂g/∂param +lr·∂g/∂param new value" in rows
    assert "x 3 -4 -0.4 2.6" in rows and "y -4 3 +0.3 -3.7" in rows
    assert "z 2 1 +0.1 2.1" in rows
    assert "g: -10 → -7.52 (increased by 2.48)" in rows


def test_unbounded_descent_message(cli):
    code, out, err = cli("descend", str(SAMPLES / "seed.bp"))
    assert code == 1
    rows = lines_of(check_golden("descend_seed_unbounded.txt", out + err))
    assert any("g decreases without bound" in row for row in rows)
