"""Narrow terminals keep every word whole (#19 §12): every command on every sample, and
every help page, drawn at 40, 50 and 80 columns, prints only words that it prints at 200
columns (a word broken inside, `back-propagatio`/`n` or `constan`/`t`, is a word it never
prints whole); check's verdict stays in its row at every width; a command to copy is
on a line of its own, never broken."""

from __future__ import annotations

import functools
import re

import pytest

from backpropcli.cli.commands import SPECS
from tests.helpers import HEAVY, ROOT, SAMPLES

WIDTHS = (40, 50, 80)
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.glob("*.bp"))
COMMANDS = (["eval"], ["explain"], ["check"], ["graph"], ["quiz", "--sheet"])
WORD = re.compile(r"[A-Za-z]+")


def drawn(cli, monkeypatch, width: int, *args: str, ok=(0,)) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = cli(*args)
    assert code in ok, (args, err)
    return out + err


@functools.cache
def vocabulary() -> frozenset[str]:
    """Every word the tool can print: those of its sources and samples (a view may
    print a word at 40 columns that it has no room to need at 200, such as a count of
    rows left out; a piece of a broken word, `constan`, is in none of them)."""
    files = [*ROOT.joinpath("backpropcli").rglob("*.py"), *SAMPLES.glob("*.bp")]
    return frozenset(w for f in files for w in WORD.findall(f.read_text(encoding="utf-8")))


def broken_words(cli, monkeypatch, *args: str, ok=(0,)) -> dict[int, set[str]]:
    """The words printed at each narrow width that are neither printed at 200 columns
    nor words of the tool's."""
    wide = set(WORD.findall(drawn(cli, monkeypatch, 200, *args, ok=ok))) | vocabulary()
    return {w: set(WORD.findall(drawn(cli, monkeypatch, w, *args, ok=ok))) - wide
            for w in WIDTHS}


# check on a heavy sample (a finite difference per weight, at every width) draws the
# same table as on the others, and costs a minute: the other samples stand for it
@pytest.mark.parametrize(("command", "sample"), [
    pytest.param(c, s, id=f"{c[0]}-{s}") for c in COMMANDS for s in SAMPLE_NAMES
    if not (s in HEAVY and c[0] == "check")])
def test_no_word_is_broken(cli, monkeypatch, sample, command):
    ok = (0, 1) if command[0] == "check" else (0,)  # moons.bp has kinks (relu at 0)
    broken = broken_words(cli, monkeypatch, command[0], str(SAMPLES / sample), *command[1:],
                          ok=ok)
    assert not any(broken.values()), broken


@pytest.mark.parametrize("args", [[spec.name, "--help"] for spec in SPECS] + [["--help"]],
                         ids=lambda a: a[0])
def test_no_word_of_a_help_page_is_broken(cli, monkeypatch, args):
    broken = broken_words(cli, monkeypatch, *args)
    assert not any(broken.values()), broken


def test_no_word_of_step_descend_history_and_errors_is_broken(cli, monkeypatch):
    assert cli("eval", str(SAMPLES / "seed.bp"))[0] == 0
    for args, ok in ((["step", "--lr", "0.1"], (0,)), (["history"], (0,)),
                     (["descend", "L = (a - 3)^2", "--a", "0", "--steps", "30"], (0,)),
                     (["eval", "g = x*y + z", "--x", "3"], (2,)),
                     (["eval", "g = sqrt(x)", "--x", "0"], (1,))):
        if args[0] == "step":  # each step moves on: draw the same step at every width
            monkeypatch.setenv("COLUMNS", "200")
        broken = broken_words(cli, monkeypatch, *args, ok=ok)
        assert not any(broken.values()), (args, broken)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_failed_check_says_fail_in_every_row(cli, monkeypatch, width):
    text = drawn(cli, monkeypatch, width, "check", str(SAMPLES / "neuron.bp"), "--tol", "1e-16",
                 ok=(1,))
    rows = [line.split() for line in text.splitlines()]
    for name in ("w0", "x0", "w1", "x1", "w2"):
        row = next(r for r in rows if r and r[0] == name)
        assert row[-1] == "FAIL", (width, row)


@pytest.mark.parametrize("width", WIDTHS)
def test_commands_to_copy_are_whole_lines(cli, monkeypatch, width):
    text = drawn(cli, monkeypatch, width, "quiz", "--random", "--level", "3", "--seed", "5",
                 "--sheet")
    assert "\n    backprop quiz --random --level 3 --seed 5\n" in text
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = cli("quiz", "--random", "--level", "1", "--seed", "5", stdin="0\n0\n0\n0\n")
    practise = out.split("Practise next:")[1]
    assert re.search(r"\n  backprop quiz --random --level \d[^\n]*\n", practise), practise
