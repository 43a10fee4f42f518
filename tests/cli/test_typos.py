"""A CLI that forgives: for every option of every command, a one-letter slip of its name
(a letter dropped, added, changed, or two swapped) is an error that names the slip and
suggests an option it is one slip from; and the other helps a mistyped command line
gets."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backpropcli.cli.commands import SPECS
from backpropcli.core.near import slip

WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
OPTIONS = [(spec, o) for spec in SPECS for o in spec.options if o.name != "NAME"]


@st.composite
def slips(draw):
    spec, option = draw(st.sampled_from(OPTIONS))
    name = option.name
    k = draw(st.integers(0, len(name)))
    letter = draw(st.sampled_from(string.ascii_lowercase))
    kind = draw(st.sampled_from(["drop", "add", "change", "swap"]))
    if kind == "drop" and k < len(name):
        typo = name[:k] + name[k + 1:]
    elif kind == "add":
        typo = name[:k] + letter + name[k:]
    elif kind == "change" and k < len(name):
        typo = name[:k] + letter + name[k + 1:]
    elif kind == "swap" and k + 1 < len(name):
        typo = name[:k] + name[k + 1] + name[k] + name[k + 2:]
    else:
        typo = name + letter
    return spec, option, typo


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slips())
def test_a_slip_of_any_option_is_named_and_the_option_suggested(cli, case):
    spec, option, typo = case
    names = {o.name for o in spec.options}
    if typo in names or typo in ("x", "y", "z") or not typo or typo == option.name:
        return  # another real option, or one of the program's inputs
    args = [spec.name] + (WORKED if spec.program else []) + [f"--{typo}"]
    if option.metavar is not None:
        args.append("1")
    code, out, err = cli(*args)
    assert code == 2, (args, err)
    assert f"--{typo}" in err, (args, err)
    said = err.split("did you mean --", 1)
    assert len(said) == 2, (args, err)
    meant = said[1].split("?")[0]
    assert meant in names and slip(typo, meant), (args, err)


@pytest.mark.parametrize(("args", "words"), [
    (["eval", *WORKED, "--ouptut", "g"], ["unknown option --ouptut", "did you mean --output?"]),
    (["eval", *WORKED, "--jsn"], ["unknown option --jsn", "did you mean --json?"]),
    (["eval", *WORKED, "--jsno", "--full"], ["unknown option --jsno", "--json?"]),
    (["step", "--steps", "3"], ["unknown option --steps", "an option of `backprop descend`"]),
    (["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--zz", "2"],
     ["the program does not use zz", "did you mean --z?"]),
])
def test_mistyped_command_lines(cli, args, words):
    code, out, err = cli(*args)
    assert code == 2 and all(w in err for w in words), err


def test_help_and_version(cli):
    for args in (["eval", "-h"], ["step", "-h"], ["-h"], ["eval", "--help"]):
        code, out, err = cli(*args)
        assert code == 0 and "Usage" in out, (args, out, err)
    code, out, err = cli("--version")
    assert code == 0 and out.startswith("backprop ")


def completions(backprop, words: str, cword: int, cwd=None) -> list[str]:
    import os
    import subprocess

    from tests.helpers import command

    env = {**os.environ, "_BACKPROP_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}
    r = subprocess.run(command(), capture_output=True, text=True, env=env, cwd=cwd,
                       timeout=60)
    return r.stdout.split()


def test_shell_completion(backprop, tmp_path):
    # what bash asks for when TAB is pressed: commands, options, program files
    assert completions(backprop, "backprop de", 1) == ["descend", "depth"]
    assert completions(backprop, "backprop des", 1) == ["descend"]
    assert "--output" in completions(backprop, "backprop eval --ou", 2)
    assert completions(backprop, "backprop step --l", 2) == ["--lr"]
    (tmp_path / "net.bp").write_text("g = x")
    (tmp_path / "data").mkdir()
    assert completions(backprop, "backprop eval n", 2, cwd=tmp_path) == ["net.bp"]
    assert completions(backprop, "backprop eval d", 2, cwd=tmp_path) == ["data/"]
    r = backprop("--show-completion", env={"SHELL": "/bin/bash"})
    assert r.returncode == 0 and "_BACKPROP_COMPLETE" in r.stdout


def test_every_help_page_has_one_layout(cli):
    for args in ([], *([spec.name] for spec in SPECS)):
        code, out, err = cli(*args, "--help")
        assert code == 0, err
        heads = [line for line in out.splitlines() if line and not line.startswith(" ")]
        assert heads[0].startswith("Usage: backprop"), out
        assert "Options" in heads and "Examples" in heads, out
        assert "╭" not in out and "<bool>" not in out  # Typer's boxes and its flag type
