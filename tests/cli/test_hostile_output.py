"""Output under attack, through the real `backprop` in subprocesses: output that cannot be
written (a full disk, a closed stdout) fails cleanly and changes nothing; odd text
(a lone surrogate, bytes that are not UTF-8) still gives valid output; terminal escapes
and Rich markup in user text are shown, never obeyed; and eval draws before it saves.
The shared checks are tests/hostile.py's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile import (
    ESC,
    SESSION,
    WORKED,
    checked,
    clean,
    doc_text,
    flat,
    in_parallel,
    one_json,
    raw_controls,
    result,
    run,
    text,
    worked_session,
)

# ---------------------------------------------------------------------------
# 8. Clean failures writing output

OUTPUTS = {"step-json": ["step", "--json"], "step-text": ["step"],
           "eval-json": ["eval", *WORKED, "--json"], "eval-text": ["eval", *WORKED]}


def _full_case(args: list[str]):
    def case(folder: Path):
        before = worked_session(folder)
        with open("/dev/full", "wb") as full:
            r = run(*args, stdout=full, cwd=folder)
        return r, before, (folder / SESSION).read_bytes()
    return case


@pytest.fixture(scope="module")
def full_results(tmp_path_factory):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    return in_parallel(tmp_path_factory, "full",
                       {key: _full_case(args) for key, args in OUTPUTS.items()})


@pytest.mark.parametrize("key", list(OUTPUTS))
def test_output_to_a_full_disk_fails_cleanly_and_changes_nothing(full_results, key):
    r, before, after = result(full_results, key)
    clean(r, 2)
    assert "cannot write the output" in flat(r.stderr), text(r.stderr)
    assert after == before


@pytest.mark.parametrize("args", [*OUTPUTS.values(), ["history", "--json"]],
                         ids=[*OUTPUTS, "history-json"])
def test_a_closed_stdout_fails_cleanly_and_changes_nothing(tmp_path, args):
    before = worked_session(tmp_path)
    r = run(*args, preexec_fn=lambda: os.close(1))
    clean(r, 2)
    assert "stdout" in flat(r.stderr) or "cannot write" in flat(r.stderr), text(r.stderr)
    assert SESSION.read_bytes() == before

def test_a_lone_surrogate_in_a_document_still_gives_valid_json():
    doc = doc_text("g = x*y + z # \ud800", inputs={"x": 3, "y": -4, "z": 2})
    assert "\\ud800" in doc
    r = run("step", "--json", stdin=doc)
    clean(r, 0)
    out = one_json(r)
    assert out["program"] == "g = x*y + z # \ud800"
    assert out["inputs"]["x"] == pytest.approx(3.4)
    r = run("step", "--json")  # and the session saved from it goes on
    clean(r, 0)
    assert one_json(r)["inputs"]["x"] == pytest.approx(3.83)
    clean(run("step"), 0)


def test_a_program_with_a_byte_that_is_not_utf8_is_evaluated_and_saved():
    env = {"LC_ALL": "C"}
    r = run(b"eval", b"g = x*y + z # caf\xe9", b"--x", b"3", b"--y", b"-4", b"--z", b"2",
            env=env)
    clean(r, 0)
    assert SESSION.exists()
    clean(run("step", env=env), 0)
    r = run("step", "--json", env=env)
    clean(r, 0)
    assert one_json(r)["inputs"]["x"] == pytest.approx(3.83)


# ---------------------------------------------------------------------------
# 9. Terminal safety: escapes shown, never obeyed; Rich markup shown literally

def _escape_args(folder: Path, kind: str) -> tuple[list[str], str, bool]:
    """(args, stdin, whether the message must show the text, escaped)."""
    if kind == "load-name":
        return ["eval", f'X = load("a{ESC}.csv"); y = sum(X)'], "", True
    if kind == "comment-caret":
        return ["eval", f"g = x\ng = = 1 # {ESC}", "--x", "1"], "", False
    if kind == "option-name":
        return ["eval", "g = x", "--x", "1", f"--{ESC}x", "1"], "", True
    if kind == "option-c1":
        return ["eval", "g = x", "--x", "1", "--\x9bx", "1"], "", True
    if kind == "option-esc":
        return ["eval", "g = x", "--x", "1", "--\x1bx", "1"], "", True
    if kind == "state-missing":
        return ["step", "--state", f"s{ESC}.json"], "", True
    if kind == "state-not-session":
        (folder / f"t{ESC}.json").write_text("{}")
        return ["eval", "g = x", "--x", "1", "--state", f"t{ESC}.json"], "", True
    if kind == "at-file":
        return ["eval", "g = sum(x)", "--x", f"@w{ESC}.json"], "", True
    if kind == "piped-program":
        return ["step"], doc_text(f"g = x\ng = = 1 # {ESC}"), False
    assert kind == "piped-output"
    return ["step"], doc_text(f"g = x # {ESC}", output=f"g{ESC}"), True


ESCAPES = ["load-name", "comment-caret", "option-name", "option-c1", "option-esc",
           "state-missing", "state-not-session", "at-file", "piped-program", "piped-output"]
ESCAPES_JSON = ["load-name", "option-name", "state-not-session", "at-file", "piped-output"]
MARKUP = {
    "load": ["eval", 'X = load("[/red]w.csv"); g = sum(X)'],
    "at-file": ["eval", "g = sum(x)", "--x", "@[/red]w.json"],
    "caret": ["eval", "g = x\ng = = 1 # [/red] [bold]x", "--x", "1"],
    "not-session": ["eval", *WORKED, "--state", "[red]t.json"],
}


def _escape_case(kind: str, as_json: bool):
    def case(folder: Path):
        args, stdin, echoed = _escape_args(folder, kind)
        return run(*args, *(["--json"] if as_json else []), stdin=stdin, cwd=folder), echoed
    return case


def _markup_case(args: list[str]):
    def case(folder: Path):
        (folder / "[red]t.json").write_text("{}")
        return run(*args, cwd=folder)
    return case


@pytest.fixture(scope="module")
def escape_results(tmp_path_factory):
    cases = {f"{kind}-False": _escape_case(kind, False) for kind in ESCAPES}
    cases.update({f"{kind}-True": _escape_case(kind, True) for kind in ESCAPES_JSON})
    cases.update({f"markup-{key}": _markup_case(args) for key, args in MARKUP.items()})
    return in_parallel(tmp_path_factory, "escapes", cases)


@pytest.mark.slow  # escape_results: some 20 runs of backprop, 4.5 s
@pytest.mark.parametrize("kind", ESCAPES)
def test_escapes_in_user_text_never_reach_the_terminal(escape_results, kind):
    r, echoed = result(escape_results, f"{kind}-False")
    clean(r, 2)
    assert not raw_controls(r.stdout), raw_controls(r.stdout)
    assert not raw_controls(r.stderr), text(r.stderr)
    if echoed:  # the user still sees what was there, as escapes
        assert "\\x1b" in text(r.stderr) or "\\x9b" in text(r.stderr), text(r.stderr)
    if kind in ("comment-caret", "piped-program"):  # the line under the caret is shown
        assert "\\x1b]52" in text(r.stderr), text(r.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ESCAPES_JSON)
def test_escapes_in_user_text_are_escaped_in_the_json_document(escape_results, kind):
    r, echoed = result(escape_results, f"{kind}-True")
    clean(r, 2)
    assert not raw_controls(r.stdout), raw_controls(r.stdout)
    assert not raw_controls(r.stderr), text(r.stderr)
    shown = one_json(r)["error"]["message"]
    assert "\x1b" in shown or "\x9b" in shown, shown  # json.loads gives them back


def test_an_escape_in_a_successful_document_is_escaped():
    r = run("step", "--json", stdin=doc_text(f"g = x # {ESC}"))
    clean(r, 0)
    assert not raw_controls(r.stdout)
    assert one_json(r)["program"] == f"g = x # {ESC}"


@pytest.mark.slow
@pytest.mark.parametrize("key", list(MARKUP))
def test_rich_markup_in_messages_is_shown_literally(escape_results, key):
    said = checked(result(escape_results, f"markup-{key}"), 2)
    assert "MarkupError" not in said
    assert "[/red]" in said or "[red]t.json" in said, said


def test_rich_markup_in_session_paths_is_shown_literally():
    r = run("reset", "--state", "[/bold]x.json")
    clean(r, 0)
    assert "MarkupError" not in text(r.stderr)
    assert "[/bold]x.json" in flat(r.stderr), text(r.stderr)
    r = run("eval", *WORKED, "--state", "[red]s.json")
    clean(r, 0)
    assert "MarkupError" not in text(r.stdout + r.stderr)
    assert Path("[red]s.json").exists()
    clean(run("step", "--state", "[red]s.json"), 0)
    r = run("reset", "--state", "[red]s.json")
    clean(r, 0)
    assert "[red]s.json" in flat(r.stderr), text(r.stderr)
    assert not Path("[red]s.json").exists()

# ---------------------------------------------------------------------------
# 11. eval draws before it saves (in-process: the drawing is made to fail)

@pytest.mark.parametrize("command", ["eval", "step"])
def test_a_drawing_that_fails_leaves_the_session_as_it_was(cli, monkeypatch, command):
    from backpropcli.terminal import views

    code, out, err = cli("eval", *WORKED)
    assert code == 0
    before = SESSION.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(views, "evaluation", broken)
    monkeypatch.setattr(views, "step_report", broken)
    args = ["eval", "g = x*y + z", "--x", "5", "--y", "6", "--z", "7"] if command == "eval" \
        else ["step"]
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert SESSION.read_bytes() == before
