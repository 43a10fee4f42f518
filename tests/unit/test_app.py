"""A command's ordinary run goes straight to its handler, without Typer (app.run_app),
and answers exactly as the Typer app answers the same command line: the same exit code,
stdout and stderr, and the same session left behind. What Click would read itself (a
command's --help, -h among a short option's letters, --, a shell asking for
completions) goes through Typer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backpropcli.cli import app as cli

# Command lines run in turn in one folder (a step goes on from the eval before it),
# each with what stdin holds.
RUNS = {
    "eval": [(["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"], "")],
    "eval-json": [(["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--json"],
                   "")],
    "steps": [(["eval", "L = (a - 3)^2", "--a", "0"], ""), (["step", "--lr", "0.1"], ""),
              (["step", "--lr=0.1", "--json"], ""), (["history", "--json"], "")],
    "stdin": [(["eval", "-", "--x", "-1e-3", "--json"], "g = x^2\n")],
    "piped-document": [(["eval", "g = x^2", "--x", "2", "--json"], ""),
                       (["step", "--json"], "not a document")],
    "missing-value": [(["eval", "g = x*y", "--x", "1", "--json"], "")],
    "missing-value-text": [(["eval", "g = x*y", "--x", "1"], "")],
    "typo": [(["eval", "g = x", "--x", "1", "--jsn"], "")],
    "elsewhere": [(["eval", "g = x", "--x", "1", "--steps", "3"], "")],
    "math": [(["check", "g = log(x)", "--x", "-1"], "")],
    "nothing": [(["eval"], ""), (["step", "--json"], "")],
    "quiz": [(["quiz", "g = x*y", "--x", "1", "--y", "2", "--json"], "2\n1\n")],
}


def _typer(args: list[str], stdin: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli.app, args, input=stdin)
    return r.exit_code, r.stdout, r.stderr


def _direct(args: list[str], stdin: str, monkeypatch) -> tuple[int, str, str]:
    assert cli._direct(args) is not None
    with CliRunner().isolation(input=stdin) as (out, err, _):
        monkeypatch.setattr(sys, "argv", ["backprop", *args])
        code = cli.run_app()
        sys.stdout.flush()
        sys.stderr.flush()
        return (code, out.getvalue().decode("utf-8", "replace"),
                err.getvalue().decode("utf-8", "replace"))


def _sessions(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / ".backprop").glob("*"))}


@pytest.mark.parametrize("case", RUNS)
def test_a_run_without_typer_answers_as_typer(case, tmp_path, monkeypatch):
    seen = {}
    for way in ("typer", "direct"):
        folder = tmp_path / way[0]  # names of one length: the errors wrap alike
        folder.mkdir()
        monkeypatch.chdir(folder)
        said = [_typer(args, stdin) if way == "typer" else _direct(args, stdin, monkeypatch)
                for args, stdin in RUNS[case]]
        # the folder's name (an error says where no session was found) aside
        said = [(code, out.replace(str(folder), "HERE"), err.replace(str(folder), "HERE"))
                for code, out, err in said]
        seen[way] = said, _sessions(folder)
    assert seen["direct"] == seen["typer"]


@pytest.mark.parametrize("args", [
    [], ["--version"], ["--json", "eval"], ["help", "eval"], ["evl", "g = x"],
    ["eval", "--help"], ["eval", "g = x", "--x", "1", "-h"], ["eval", "g = x", "-xh"],
    ["eval", "g = x", "--help=1"], ["eval", "--", "g = x", "--x", "1"]])
def test_what_click_reads_goes_through_typer(args):
    assert cli._direct(args) is None


def test_a_shell_asking_for_completions_goes_through_typer(monkeypatch):
    args = ["eval", "g = x", "--x", "1"]
    assert cli._direct(args) is not None
    monkeypatch.setenv("_BACKPROP_COMPLETE", "complete_bash")
    assert cli._direct(args) is None


@pytest.mark.parametrize("args", [["eval", "g = x", "--x", "-4"], ["eval", "g = x", "--x=-1"],
                                  ["step", "-lr", "0.1"], ["eval", "-", "--x", "1"],
                                  ["eval", "g = x", "--set", "help=1"]])
def test_values_that_look_like_options_are_a_run(args):
    assert cli._direct(args) is not None


@pytest.mark.parametrize(("given", "expected"), [
    ({}, "1"),  # one BLAS thread by default: no thread spins beside a run
    ({"OPENBLAS_NUM_THREADS": "4"}, "4"),  # what the user sets, they get
    ({"OMP_NUM_THREADS": "3"}, None),  # OpenBLAS reads this one too: left to it
])
def test_the_command_runs_blas_on_one_thread_unless_told(monkeypatch, given, expected):
    import os

    from backpropcli.cli import app, entry

    for name in entry.THREADS:  # (set, then deleted: so put back as it was after)
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    seen = {}
    monkeypatch.setattr(app, "main", lambda: seen.update(os.environ))
    entry.main()
    assert seen.get("OPENBLAS_NUM_THREADS") == expected
