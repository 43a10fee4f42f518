"""cmdline.py: how a program command sorts its arguments into the program, its own
options and input values, and where the program text comes from."""

from __future__ import annotations

import pytest

from backpropcli.api.checks import names, positive, whole
from backpropcli.cli import options
from backpropcli.cli.options import split
from backpropcli.cli.spelling import OPTIONS
from backpropcli.core.errors import UsageError
from backpropcli.tasks.program import read_program


def program_source(arg: str, _=None):
    return read_program(arg)

PROGRAM_OPTIONS = (*options.PROGRAM, options.FULL, options.JSON)


def parts(*tokens: str):
    line = split(list(tokens), PROGRAM_OPTIONS)
    return line.program, line.options, line.values


def usage_error(*tokens: str) -> str:
    with pytest.raises(UsageError) as e:
        split(list(tokens), PROGRAM_OPTIONS)
    assert e.value.exit_code == 2
    return e.value.message


@pytest.mark.parametrize(("tokens", "values"), [
    (["--x", "3"], {"x": "3"}),
    (["--x=3"], {"x": "3"}),
    (["--y", "-4"], {"y": "-4"}),
    (["--y=-4"], {"y": "-4"}),
    (["--x", "-1e-3"], {"x": "-1e-3"}),
    (["--x", "-.5"], {"x": "-.5"}),
    (["--W", "[1, -2]"], {"W": "[1, -2]"}),
    (["--W", "@w.json"], {"W": "@w.json"}),
    (["--x="], {"x": ""}),
    (["--a_b2", "1"], {"a_b2": "1"}),
    (["--x", "--y"], {"x": "--y"}),  # a value is whatever follows
])
def test_values(tokens, values):
    program, options, got = parts("g = x", *tokens)
    assert program == "g = x" and got == values and options == {}


def test_the_program_may_stand_anywhere():
    assert parts("--x", "3", "g = x*y", "--y", "-4") == \
        ("g = x*y", {}, {"x": "3", "y": "-4"})
    assert parts("--x", "3", "--y", "-4", "g = x*y")[0] == "g = x*y"
    assert parts("--", "g = x")[0] == "g = x"


def test_set_gives_a_value_to_an_input_named_like_an_option():
    program, options, values = parts("y = json * output", "--set", "json=1",
                                     "--set=output=-2", "--json")
    assert values == {"json": "1", "output": "-2"}
    assert options == {"json": True}
    assert parts("g = x", "--set", " x = 3")[2] == {"x": " 3"}  # the value is read later


@pytest.mark.parametrize(("tokens", "words"), [
    (["--set", "3=4"], "write --set NAME=VALUE"),
    (["--set", "x"], "write --set NAME=VALUE"),
    (["--set", "=1"], "write --set NAME=VALUE"),
    (["--set"], "--set needs a value"),
])
def test_set_needs_a_name_and_a_value(tokens, words):
    assert words in usage_error("g = x", *tokens)


def test_options_and_flags():
    program, options, values = parts(
        "g = x", "--json", "--full", "--output", "f", "--params", "x,y", "--freeze=y",
        "--seed", "3", "--state", "s.json", "--x", "1")
    assert options == {"json": True, "full": True, "output": "f", "params": "x,y",
                       "freeze": "y", "seed": "3", "state": "s.json"}
    assert values == {"x": "1"}


def test_a_flag_takes_no_value():
    assert usage_error("g = x", "--json=1") == "--json takes no value"
    assert usage_error("g = x", "--full=yes") == "--full takes no value"


def test_duplicates():
    assert usage_error("g = x", "--x", "1", "--x", "2") == "x is given twice"
    assert usage_error("g = x", "--x", "1", "--set", "x=2") == "x is given twice"
    assert usage_error("g = x", "--x=1", "--x=1") == "x is given twice"


def test_a_missing_value():
    assert usage_error("g = x", "--x") == "--x needs a value"
    assert usage_error("g = x", "--output") == "--output needs a value"


def test_an_unexpected_extra_argument():
    message = usage_error("g = x", "3")
    assert message.startswith("unexpected argument '3'") and "'g = x'" in message
    long = "g = " + " + ".join(["x"] * 20)
    assert "..." in usage_error(long, "extra")  # the program is shortened in the message


def test_an_option_that_is_not_a_name():
    assert usage_error("g = x", "--1x", "3") == "unknown option --1x"
    assert usage_error("g = x", "--x-y", "3") == "unknown option --x-y"


def test_nothing_but_options():
    assert parts("--x", "1") == (None, {}, {"x": "1"})
    assert parts() == (None, {}, {})


# ---------------------------------------------------------------------------

def test_names():
    """The API's checks read options as typed; their errors name the parameter, which
    the command line spells as its option."""
    assert names(None, "params") is None
    assert names("a,b", "params") == ["a", "b"]
    assert names(" a , ,b,", "params") == ["a", "b"]
    with pytest.raises(UsageError, match=r"^freeze: '1b' is not a name") as e:
        names("a,1b", "freeze")
    e.value.spelled(OPTIONS)
    assert e.value.message == "--freeze: '1b' is not a name"


def test_whole_and_positive():
    assert whole("3", "seed") == 3 and whole("-2", "seed") == -2
    for bad in ("3.5", "x", ""):
        with pytest.raises(UsageError, match=r"^seed takes a whole number"):
            whole(bad, "seed")
    assert positive("0.1", "lr") == 0.1 and positive("1e-3", "lr") == 0.001
    for bad in ("0", "-1", "inf", "nan", "x"):
        with pytest.raises(UsageError, match=r"^lr ") as e:
            positive(bad, "lr")
        e.value.spelled(OPTIONS)
        assert e.value.message.startswith("--lr ")


# ---------------------------------------------------------------------------
# program_source

def test_program_text_is_itself():
    assert program_source("g = x*y", None) == ("g = x*y", None)
    assert program_source("x", None) == ("x", None)  # no file named x here


def test_program_from_a_file(tmp_path):
    (tmp_path / "p.bp").write_text("g = x + 1\n")
    (tmp_path / "plain").write_text("g = x\n")
    assert program_source(str(tmp_path / "p.bp")) == ("g = x + 1\n", tmp_path)
    assert program_source(str(tmp_path / "plain")) == ("g = x\n", tmp_path)
    assert program_source("p.bp") == ("g = x + 1\n", tmp_path)  # tests run in tmp_path


def test_program_file_problems(tmp_path):
    with pytest.raises(UsageError, match=r"no such program file: missing\.bp"):
        program_source("missing.bp")
    (tmp_path / "folder.bp").mkdir()
    with pytest.raises(UsageError, match=r"cannot read folder\.bp"):
        program_source("folder.bp")
    (tmp_path / "bytes.bp").write_bytes(b"g = \xff")
    with pytest.raises(UsageError, match=r"cannot read bytes\.bp"):
        program_source("bytes.bp")


def test_a_name_too_long_for_the_file_system_is_program_text():
    text = "g" * 5000
    assert program_source(text) == (text, None)
    assert program_source("a\x00b") == ("a\x00b", None)


def test_a_tilde_without_such_a_user_is_not_expanded():
    assert program_source("~0") == ("~0", None)
    assert program_source("~\x00") == ("~\x00", None)
    with pytest.raises(UsageError, match="no such program file"):
        program_source("~no_such_user_here/p.bp")


def test_program_from_stdin(cli):
    code, out, err = cli("eval", "-", "--x", "2", "--json", stdin="g = x\n")
    assert code == 0, err
    code, out, err = cli("eval", "-", "--x", "2", stdin="")
    assert code == 2 and "stdin is a terminal or empty" in err
