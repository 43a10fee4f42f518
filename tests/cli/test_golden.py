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
    from backpropcli.tasks.program import program_source

    text, base = program_source(str(SAMPLES / sample))
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
    from backpropcli.output.terminal import views

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
    from backpropcli.output.terminal import views
    from backpropcli.tasks import program

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
