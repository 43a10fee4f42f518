"""Near misses on the command line (#19 items 10, 11): a mistyped command, option or
closed-choice value is an error in the tool's own words (a JSON document with --json)
that says what was meant; `help` is a command; every closed-choice option completes to
its values through the shell's real completion mechanism."""

from __future__ import annotations

import json

import pytest

from backpropcli.cli.commands import SPECS
from backpropcli.core.near import slip
from tests.cli.test_typos import completions

WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
CLOSED = [(spec, o) for spec in SPECS for o in spec.options if o.choices]


def test_every_closed_choice_option_is_known():
    # the options whose values are a closed list carry that list (their help names it)
    named = {(s.name, o.name) for s, o in CLOSED}
    for want in [("graph", "format"), ("explain", "format"), ("export", "to"),
                 ("descend", "optimizer"), ("descend", "schedule"), ("export", "optimizer"),
                 ("export", "schedule"), ("quiz", "ask")]:
        assert want in named, want


def _near_miss(choice: str) -> str:
    return choice[:-1] if len(choice) > 3 else choice[0] + choice[2:] + choice[1]


@pytest.mark.parametrize(("spec", "option"), CLOSED, ids=lambda x: getattr(x, "name", ""))
def test_a_near_miss_of_every_choice_is_put_right(cli, spec, option):
    for choice in option.choices:
        typo = _near_miss(choice)
        if typo in option.choices:
            continue
        args = [spec.name, *(WORKED if spec.program else []), f"--{option.name}", typo]
        if spec.name == "quiz":
            args.append("--sheet")
        if spec.name == "export" and option.name != "to":
            args.append("--descend")  # a descent's options apply with it only
        code, out, err = cli(*args)
        assert code == 2, (args, err)
        assert f"did you mean --{option.name} {choice}?" in err, (args, err)
        code, out, err = cli(*args, "--json")
        assert code == 2 and json.loads(out)["error"]["hint"].endswith(f"{choice}?"), out


@pytest.mark.parametrize(("args", "words"), [
    (["evl", *WORKED], ["error: unknown command 'evl'", "did you mean `backprop eval`?"]),
    (["desend", "g = x^2"], ["did you mean `backprop descend`?"]),
    (["zzz"], ["unknown command 'zzz'", "commands: eval, step"]),
    (["help", "evl"], ["did you mean `backprop eval`?"]),
    (["--full", "eval", *WORKED], ["a command's options go after it"]),
    (["eval", *WORKED, "--hemp"], ["unknown option --hemp", "did you mean --help?"]),
    (["eval", *WORKED, "--hemp", "3"], ["did you mean --help?"]),
    (["step", "--hemp"], ["did you mean --help?"]),
    (["eval", "g = x*y", "-x", "3", "--y", "2"], ["-x: options take two dashes",
                                                  "write --x 3"]),
    (["eval", "-x", "3", "g = x*y"], ["options take two dashes"]),
    (["step", "-lr", "0.1"], ["options take two dashes", "write --lr 0.1"]),
    (["eval", "g = x", "--x", "1", "-json"], ["write --json"]),
])
def test_mistyped_words_are_said_in_the_tools_style(cli, args, words):
    code, out, err = cli(*args)
    assert code == 2 and out == "", (args, out)
    assert err.startswith("error: ") and "╭" not in err and "Usage:" not in err, err
    assert all(w in err for w in words), err
    code, out, err = cli(*args, "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage", out


def test_the_process_exits_2_with_a_json_document(backprop):
    done = backprop("evl", "g = x", "--json")
    assert done.returncode == 2 and json.loads(done.stdout)["command"] is None


def test_a_program_that_starts_with_a_minus_is_still_a_program(cli):
    code, out, err = cli("eval", "-x", "--x", "2")
    assert code == 0 and "-x = -2" in out


def test_help_is_a_command(cli):
    assert cli("help")[1].rstrip() == cli("--help")[1].rstrip()
    for spec in SPECS:
        code, out, err = cli("help", spec.name)
        assert code == 0 and out.rstrip() == cli(spec.name, "--help")[1].rstrip(), spec.name
    assert "help" in cli("--help")[1].split("Commands")[1]


def test_a_slip_is_one_letter():
    assert slip("evl", "eval") and slip("hemp", "help") and not slip("hemp", "json")


@pytest.mark.parametrize(("spec", "option"), CLOSED, ids=lambda x: getattr(x, "name", ""))
def test_every_closed_choice_option_completes_to_its_choices(backprop, spec, option):
    words = f"backprop {spec.name} g.bp --{option.name} "
    assert completions(backprop, words, len(words.split())) == list(option.choices)
    first = option.choices[-1]
    words += first[:1]
    assert completions(backprop, words, len(words.split()) - 1) == [
        c for c in option.choices if c.startswith(first[:1])]


def test_completion_of_a_list_and_of_values_typed(backprop, tmp_path):
    assert completions(backprop, "backprop quiz --ask local,g", 3) == ["local,grad"]
    (tmp_path / "net.bp").write_text("g = x")
    assert completions(backprop, "backprop descend --lr ", 3, cwd=tmp_path) == []
    assert completions(backprop, "backprop eval --json ", 3, cwd=tmp_path) == ["net.bp"]
    assert completions(backprop, "backprop hel", 1) == ["help"]  # he: hessian, help


def test_install_completion_writes_the_script_and_sources_it(backprop, tmp_path):
    done = backprop("--install-completion", env={"HOME": str(tmp_path), "SHELL": "/bin/bash"})
    assert done.returncode == 0, done.stderr
    script = tmp_path / ".bash_completions" / "backprop.sh"
    assert "_BACKPROP_COMPLETE" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()
    assert "completion installed" in done.stderr
