"""Issue 19, item 15: a count agrees with its noun everywhere, a choice's hint names its
option, a node's two uses of an operand are told apart, Ctrl-C (tests/cli/
test_quiz_terminal.py) and the point an unbounded descent keeps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from backpropcli.core.plural import counted, noun, ordinal

PACKAGE = Path(__file__).resolve().parents[2] / "backpropcli"


def test_counted_agrees():
    assert counted(1, "more term") == "1 more term"
    assert counted(2, "more term") == "2 more terms"
    assert counted(0, "entry", "entries") == "0 entries"
    assert counted(1, "entry", "entries") == "1 entry"
    assert counted(12000, "step", grouped=True) == "12,000 steps"
    assert noun(1, "node") == "node" and noun(3, "node") == "nodes"
    assert [ordinal(n) for n in (1, 2, 5)] == ["first", "second", "5th"]


def test_no_count_is_written_beside_a_fixed_plural():
    """The class of "(1 more terms)": a count in an f-string followed by "more <noun>s"
    goes through counted() instead."""
    pattern = re.compile(r"\{[^{}]*\} more [a-z]+s\b")
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in PACKAGE.rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


def test_one_more_term_in_the_backward_pass_and_the_hint(cli, monkeypatch):
    from backpropcli.output.quiztext import TERMS

    monkeypatch.setenv("COLUMNS", "250")  # each row on one line

    # a is used by TERMS + 1 nodes: its chain rule has one term more than is written
    uses = " + ".join(f"{a}*a" for a in range(2, TERMS + 3))
    code, out, err = cli("eval", f"c = {uses}", "--a", "1")
    assert code == 0, err
    text = " ".join(out.split())
    assert "(1 more term)" in text and "more terms" not in text
    code, out, _ = cli("quiz", f"c = {uses}", "--a", "1", "--ask", "grad",
                       stdin="0\n" * (2 * TERMS + 8))
    text = " ".join(out.split())
    assert "(1 more term)" in text and "more terms" not in text


def test_one_question_and_one_step_are_singular(cli):
    code, out, _ = cli("quiz", "g = 2*x", "--x", "1", "--ask", "grad", stdin="2\n")
    assert code == 0 and "1 question:" in out and "1 questions" not in out
    code, out, _ = cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", "1", "--json")
    assert json.loads(out)["descend"]["reason"] == "ran 1 step"


@pytest.mark.parametrize(("option", "right"), [
    ("--to", "numpy"), ("--optimizer", "sgd"), ("--schedule", "linear"), ("--format", "png")])
def test_a_choice_hint_names_the_option(cli, option, right):
    # a value near no choice lists them under the option's own name (a near miss is
    # answered with the choice meant: tests/cli/test_near_misses.py)
    command = {"--to": "export", "--format": "graph"}.get(option, "descend")
    code, _, err = cli(command, "g = x*x", "--x", "1", option, "banana")
    assert code == 2
    text = " ".join(err.split())
    assert f"{option} takes one of:" in text and right in text
    assert not re.search(r"\b(tos|formats|optimizers|schedules):", text)


def test_local_gradients_say_which_use(cli):
    samples = Path(__file__).resolve().parents[2] / "samples"
    code, out, _ = cli("eval", str(samples / "reuse.bp"))
    assert code == 0
    assert "∂b/∂a (first use)" in out and "∂b/∂a (second use)" in out
    assert "∂c/∂b (first use)" in out and "∂c/∂b (second use)" in out
    code, out, _ = cli("eval", "g = x*y", "--x", "1", "--y", "2")
    assert "first use" not in out  # one use: nothing to tell apart


def test_an_unbounded_descent_keeps_the_last_point_before_the_run_away(cli):
    code, out, _ = cli("descend", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2",
                       "--json")
    assert code == 1
    doc = json.loads(out)
    run = doc["descend"]
    assert run["stopped"] == "unbounded"
    kept = run["best_step"]
    assert kept == run["steps"] - 1  # the step before the one that ran away
    assert f"the session keeps the point of step {kept}, the last before the run away" \
        in doc["error"]["hint"]
    by_step = {h["step"]: h["value"] for h in run["history"]}
    code, out, _ = cli("eval", "--json")  # what the session kept
    assert json.loads(out)["value"] == pytest.approx(by_step[kept])
    assert json.loads(out)["value"] != pytest.approx(run["last"])
