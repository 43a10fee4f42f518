"""No input ever gives a traceback: random text as PROGRAM, as values and as arguments.

Every run must end with exit code 0, 1 or 2, with no "Traceback" and no "internal
error" (the CLI's last-resort net for bugs) anywhere; with --json, stdout must be
exactly one JSON document, and an error document exactly when the code is not 0.
Most runs are in-process (the Typer app under CliRunner, whose own traceback is
caught and shown here); a handful go through the installed `backprop` command.
"""

from __future__ import annotations

import json
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backpropcli.cli.app import app

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Pieces of the language, to make text that is nearly a program.
TOKENS = ["x", "y", "z", "g", "out", "exp", "log", "max", "min", "sum", "mean", "softmax",
          "index", "transpose", "uniform", "randn", "relu", "0", "1", "-4", "2.5", "1e-3",
          "1e400", ".5", "3.", "+", "-", "*", "/", "^", "**", "@", "(", ")", "[", "]", ",",
          ";", "\n", "=", "+=", "-=", "*=", "/=", "# note\n", " ", "\t", "\r\n"]
token_text = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
latin1_text = st.binary(max_size=60).map(lambda b: b.decode("latin-1"))
any_text = st.one_of(st.text(max_size=60), latin1_text, token_text)


def run(args: list[str], stdin: str | None = None):
    """Invoke the app in-process and check what every run must satisfy."""
    result = CliRunner().invoke(app, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown = "".join(traceback.format_exception(*result.exc_info))
        raise AssertionError(f"{args!r} raised:\n{shown}")
    out, err = result.stdout, result.stderr
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, err)
    for stream in (out, err):
        assert "Traceback" not in stream, (args, stream)
        assert "internal error" not in stream, (args, stream)
    if "--json" in args and "--help" not in args:
        check_one_document(out, result.exit_code, args)
    return result.exit_code, out, err


def check_one_document(out: str, code: int, args) -> dict:
    assert out.endswith("\n") and out.count("\n") == 1, (args, out)  # one line, one document
    doc = json.loads(out)
    assert isinstance(doc, dict) and doc["schema"] == "backprop/1", (args, out)
    if code == 0:
        assert "error" not in doc, (args, out)
    else:
        error = doc["error"]
        assert error["kind"] and error["message"], (args, out)
    return doc


# ---------------------------------------------------------------------------
# Random text in-process

@FUZZ
@given(program=any_text, as_json=st.booleans())
def test_random_text_as_program(program, as_json):
    run(["eval", program, *(["--json"] if as_json else [])])


@FUZZ
@given(program=token_text, values=st.lists(st.sampled_from(["1", "-4", "0", "[1, 2]"]),
                                            min_size=3, max_size=3))
def test_token_soup_with_values(program, values):
    # Values for x, y, z where the program uses them; others give 'does not use' (exit 2).
    args = ["eval", program, "--json"]
    for name, value in zip(("x", "y", "z"), values, strict=True):
        args += [f"--{name}", value]
    run(args)


@FUZZ
@given(value=any_text, as_json=st.booleans())
def test_random_text_as_a_value(value, as_json):
    code, out, err = run(["eval", "g = x * y", "--x", value, "--y", "2",
                          *(["--json"] if as_json else [])])
    assert code in (0, 2)


ARGUMENTS = st.lists(st.one_of(
    any_text,
    st.sampled_from(["--x", "--y", "--set", "--output", "--params", "--freeze", "--seed",
                     "--state", "--full", "--lr", "--ascend", "--", "-", "--json=1",
                     "--x=", "--set=x=1", "--help"]),
), max_size=6)


@FUZZ
@given(command=st.sampled_from(["eval", "step", "history", "reset"]), args=ARGUMENTS)
def test_random_arguments_to_every_command(command, args):
    # --json first: after an option that takes a value, it would be that value
    run([command, "--json", *args])
    run([command, *args])


@FUZZ
@given(doc=st.one_of(any_text, st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=5),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids,
                                                              max_size=3),
    max_leaves=8).map(json.dumps)))
def test_random_documents_on_stdin(doc):
    run(["step", "--json"], stdin=doc)
    run(["eval", "--json"], stdin=doc)


@FUZZ
@given(fields=st.dictionaries(
    st.sampled_from(["schema", "program", "output", "inputs", "params", "base", "error"]),
    st.one_of(st.just("backprop/1"), st.just("g = x*y"), st.just("g"), st.text(max_size=8),
              st.dictionaries(st.sampled_from(["x", "y", "q"]),
                              st.one_of(st.floats(allow_nan=False), st.text(max_size=3),
                                        st.lists(st.integers(), max_size=3)), max_size=3),
              st.lists(st.sampled_from(["x", "y", "q", 1]), max_size=3), st.none()),
))
def test_nearly_valid_documents_on_stdin(fields):
    run(["step", "--lr", "0.1", "--json"], stdin=json.dumps(fields))


# ---------------------------------------------------------------------------
# Cases worth naming

WORKED = ["--x", "3", "--y", "-4", "--z", "2"]


@pytest.mark.parametrize(("program", "code"), [
    ("(" * 10_000 + "x" + ")" * 10_000, 0),
    ("(" * 10_000, 2),
    ("g = " + "-" * 10_001 + "x", 0),
    ("__import__('os')", 2),
    ("__import__('os').system('true')", 2),
    ("\x01\x02\x1b[31m\x7f", 2),
    ("g = " + "a" * 10_000 + " * 2", 2),  # an input with a very long name and no value
    ("g = 1e400 * x", 2),
    ("", 2),
    ("   ", 2),
    ("# only a comment", 2),
    ("# one\n# two\n\n", 2),
    (";;;\n;", 2),
    ("g = x *", 2),
    ("g = max(x)", 2),
    ("g = sum(x, 0.5)", 2),
    ("g = x[1]", 2),  # indexing a number: a shape error
    ("g = [1, [2]]", 2),
    ("g = uniform(2) + 1", 2),
    ("g = exp(x)", 0),
    ("g = exp(x * 1000)", 1),
])
@pytest.mark.parametrize("as_json", [False, True])
def test_named_programs(program, code, as_json):
    names = {"x": "1", "y": "1", "z": "1"}
    args = ["eval", program]
    for name in sorted(names):
        if name in program:
            args += [f"--{name}", names[name]]
    got, out, err = run([*args, *(["--json"] if as_json else [])])
    assert got == code, (program[:40], out[-300:], err[-300:])
    if code and not as_json:
        assert err.startswith("error:") and out == ""


@pytest.mark.parametrize(("value", "code"), [
    ("nan", 2), ("inf", 2), ("-inf", 2), ("NaN", 2), ("Infinity", 2), ("1e400", 2),
    ("-1e400", 2), ("1e308", 1), ("1e-400", 0), ("[1, nan]", 2), ("[" * 5000, 2),
    ("[[1, 2], [3]]", 2), ("[]", 2), ('"3"', 2), ("[true]", 2), ("0x10", 2), ("", 2),
    ("  3  ", 0), ("@", 2), ("@missing.json", 2), ("@.", 2), ("\x00", 2), ("١٢", 2),
    ("1_000", 2),
])
def test_named_values(value, code):
    # 1e308 * 10 overflows: the mathematics fails (1), the value itself was fine.
    # '١٢' (12 in Arabic-Indic digits) and 1_000 are numbers to float(), not to a person.
    got, out, err = run(["eval", "g = x * 10", "--x", value, "--json"])
    assert got == code, (value, out)


def test_missing_program_file_and_a_directory(tmp_path):
    code, out, err = run(["eval", "nowhere/missing.bp", "--json"])
    assert code == 2 and "missing.bp" in json.loads(out)["error"]["message"]
    (tmp_path / "folder.bp").mkdir()
    for program in ("folder.bp", str(tmp_path)):
        code, out, err = run(["eval", program, *WORKED])
        assert code == 2 and err.startswith("error:"), (program, err)
        code, out, err = run(["eval", program, *WORKED, "--json"])
        assert code == 2


def test_empty_stdin_as_the_program():
    code, out, err = run(["eval", "-", "--json"], stdin="")
    assert code == 2 and "stdin" in json.loads(out)["error"]["message"]
    code, out, err = run(["eval", "-"], stdin="")
    assert code == 2 and "stdin" in err


@pytest.mark.parametrize("args", [
    ["step", "--lr", "abc", "--json"],
    ["step", "--bogus", "--json"],
    ["history", "extra", "--json"],
    ["reset", "--json", "--state"],
])
def test_option_errors_of_declared_options_are_json_documents(args):
    code, out, err = run(args)
    assert code == 2


# ---------------------------------------------------------------------------
# The installed command: a few runs, as a user's shell would make them

@pytest.mark.parametrize("args", [
    ["eval", "(" * 10_000 + "x" + ")" * 10_000, "--x", "2", "--json"],
    ["eval", "__import__('os')", "--json"],
    ["eval", "g = x", "--x", "nan", "--json"],
    ["eval", "g = x", "--x", "inf"],
    ["eval", "\x01\x02\x7f\u202e\ufeff", "--json"],
    ["eval", "g = " + "q" * 50_000, "--json"],
    ["eval", "missing.bp"],
    ["eval", ".", "--json"],
    ["step", "--lr", "abc", "--json"],
])
def test_installed_command_never_shows_a_traceback(backprop, args):
    r = backprop(*args)
    assert r.returncode in (0, 1, 2), r.stderr[-500:]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr[-2000:]
    if "--json" in args:
        check_one_document(r.stdout, r.returncode, args)


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                       max_size=40))
def test_installed_command_with_random_text(backprop, program):
    r = backprop("eval", program, "--x", "1", "--json")
    assert r.returncode in (0, 1, 2) and "Traceback" not in r.stderr
    check_one_document(r.stdout, r.returncode, program)


def test_a_step_whose_change_overflows():
    # g goes from -1e308 to 1e308: each is a number, their difference is not.
    assert run(["eval", "g = 1e308 * x", "--x", "-1"])[0] == 0
    code, out, err = run(["step", "--lr", "2e-308", "--ascend", "--json"])
    assert code == 1 and json.loads(out)["error"]["kind"] == "math"
    code, out, err = run(["step", "--lr", "2e-308", "--ascend"])
    assert code == 1 and err.startswith("error:")
    code, out, err = run(["history", "--json"])
    assert [h["step"] for h in json.loads(out)["history"]] == [0]  # nothing was saved
