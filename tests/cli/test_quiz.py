"""`backprop quiz` through the real command line: the questions asked over stdin, the
hints and derivations of each gate, the tolerance, the end of input, --json, the sheet
(which never holds an answer), grading a sheet, made-up problems, and the session left
as it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backpropcli.core import fmt
from tests.helpers import HEAVY, SAMPLES, command
from tests.quizfill import answers_from, filled, nudged

WORKED = ("f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2")


def lines(*answers: str) -> str:
    return "".join(a + "\n" for a in answers)


def test_worked_example_all_right(cli):
    code, out, err = cli("quiz", *WORKED, stdin=lines("-4", "3", "1", "1", "1", "1", "3", "-4"))
    assert code == 0, out + err
    assert out.startswith("Quiz: f = x*y; g = f + z\n  at x = 3, y = -4, z = 2; output g\n")
    asked = re.findall(r"^  (∂\S+) = (\S+)$", out, re.M)
    assert asked == [("∂f/∂x", "-4"), ("∂f/∂y", "3"), ("∂g/∂f", "1"), ("∂g/∂z", "1"),
                     ("∂g/∂z", "1"), ("∂g/∂f", "1"), ("∂g/∂y", "3"), ("∂g/∂x", "-4")]
    assert out.count("\n  right\n") == 8
    assert "[8/8] x is used by f = x * y; upstream ∂g/∂f = 1; local ∂f/∂x = -4" in out
    assert "Score: 8 of 8 right\n" in out
    assert "Practise next: every answer right: try a harder problem" in out
    assert "backprop quiz --random --level 3" in out
    assert err == ""


# One wrong answer twice for the first question asked: the hint after the first, the
# derivation (the line explain writes) after the second.
GATES = [
    ("add", ["f = x + y", "--x", "2", "--y", "5", "--ask", "local"], "5",
     "add gate: passes the gradient on unchanged to both inputs", "∂f/∂x = 1"),
    ("mul", ["f = x * y", "--x", "2", "--y", "5", "--ask", "local"], "2",
     "multiply gate: swaps its inputs' values", "∂f/∂x = y = 5"),
    ("max", ["f = max(x, y)", "--x", "2", "--y", "5", "--ask", "local"], "1",
     "max gate: routes the whole gradient to the larger input, none to the other",
     "∂f/∂x = (1 if x > y else 0.5 if x == y else 0) = 0"),
    ("sigmoid", ["f = sigmoid(x)", "--x", "0", "--ask", "local"], "0.5",
     "sigmoid rule: for out = sigmoid(a), ∂out/∂a = sigmoid(a) * (1 - sigmoid(a))",
     "∂f/∂x = sigmoid(x) * (1 - sigmoid(x)) = 0.5 · (1 - 0.5) = 0.25"),
    ("reuse", ["b = a + a; c = b * b", "--a", "3", "--ask", "grad"], "6",
     "sum over both uses of b: ∂c/∂b = ∂c/∂c · ∂c/∂b + ∂c/∂c · ∂c/∂b",
     "∂c/∂b = ∂c/∂c · ∂c/∂b + ∂c/∂c · ∂c/∂b = 1 · b + 1 · b = 1 · 6 + 1 · 6 = 12"),
    ("chain", ["f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2", "--ask", "grad",
               "--output", "f"], "4",
     "chain rule: upstream × local: ∂f/∂y = ∂f/∂f · ∂f/∂y; multiply gate",
     "∂f/∂y = ∂f/∂f · ∂f/∂y = 1 · x = 1 · 3 = 3"),
]


@pytest.mark.parametrize(("gate", "args", "wrong", "hint", "derivation"), GATES,
                         ids=[g[0] for g in GATES])
def test_hints_and_derivations(cli, gate, args, wrong, hint, derivation):
    code, out, err = cli("quiz", *args, stdin=lines(wrong, wrong))
    assert code == 1
    first = out.split("\n[2/")[0] + "\n"
    assert f"not right. Hint: {hint}" in first
    assert first.count("One more try:") == 1
    assert f"not right. {derivation}\n" in first
    assert "1 wrong" in out and "Missed  (with the right answers)" in out
    assert re.search(r"Result: \d+ of \d+ answers? right", out) and "error" not in err


def test_the_local_formula_only_after_a_wrong_try(cli):
    code, out, _ = cli("quiz", *WORKED, "--ask", "grad", stdin=lines("1", "1", "9", "3"))
    before, after = out.split("∂g/∂y = 9")
    assert "∂f/∂y = x" not in before
    assert "local: ∂f/∂y = x" in after.split("\n")[1]
    assert "right, on the second try" in after


@pytest.mark.parametrize(("answer", "tol", "right"), [
    ("0.1966", None, True), ("0.197", None, True), ("0.2", None, False),
    ("0.2", "0.02", True), ("1/(1+exp(-1)) * (1 - 1/(1+exp(-1)))", None, True),
])
def test_tolerance(cli, answer, tol, right):
    extra = ("--tol", tol) if tol else ()
    code, out, _ = cli("quiz", "f = sigmoid(x)", "--x", "1", "--ask", "local", *extra,
                       stdin=lines(answer, answer))
    assert (code == 0) is right
    assert ("\n  right\n" in out) is right


def test_a_non_number_is_asked_again_and_not_counted(cli):
    code, out, _ = cli("quiz", "f = x * y", "--x", "2", "--y", "5", "--ask", "local",
                       stdin=lines("five", "x", "", "5", "2"))
    assert code == 0
    assert "'five' is not a number" in out and "'x' is not a number" in out
    assert "no answer: write a number" in out
    assert out.count("\n  right\n") == 2 and "second try" not in out


def test_end_of_input_stops_with_the_score_so_far(cli):
    code, out, err = cli("quiz", *WORKED, stdin=lines("-4", "2"))
    assert code == 1
    assert "(end of input: the questions left count as not answered)" in out
    assert "Score: 1 of 8 right; 1 wrong; 6 not answered" in out
    assert "the input ended before the last question" in out
    assert out.endswith("Result: 1 of 8 answers right (1 wrong, 6 not answered)\n")
    assert "error" not in err  # a score is the quiz's result, not an error
    code, out, _ = cli("quiz", *WORKED)  # no input at all
    assert code == 1 and "0 of 8 right; 8 not answered" in out


def test_json_prompts_on_stderr_one_document_on_stdout(cli):
    code, out, err = cli("quiz", *WORKED, "--json",
                         stdin=lines("-4", "3", "1", "1", "1", "1", "3", "4", "4"))
    assert code == 1
    doc = json.loads(out)  # one document, nothing else
    assert doc["schema"] == "backprop/1" and doc["command"] == "quiz"
    assert doc["gradients"] == {"x": -4, "y": 3, "z": 1}  # the eval document's keys too
    q = doc["quiz"]
    assert q["score"] == {"asked": 8, "right": 7, "second_try": 0, "wrong": 1,
                          "unanswered": 0, "all_right": False, "stopped": False}
    last = q["questions"][-1]
    assert last["id"] == "grad:x" and last["answers"] == [4, 4] and last["verdict"] == "wrong"
    assert last["right"] == -4 and last["derivation"] == \
        "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4"
    assert q["by_kind"]["grad"]["wrong"] == 1 and q["by_node"]["x"]["wrong"] == 1
    assert q["practice"]["command"] == "backprop quiz --random --level 2"
    assert doc["error"]["kind"] == "quiz"
    assert "[1/8] f = x * y" in err and "∂g/∂x = 4" in err


def test_the_session_is_read_and_never_changed(cli, tmp_path):
    code, _, _ = cli("quiz", *WORKED, stdin=lines("-4"))
    assert not (tmp_path / ".backprop").exists()  # a quiz on PROGRAM makes no session
    cli("eval", "b = a + a; c = b * b", "--a", "3")
    session = tmp_path / ".backprop" / "session.json"
    before = session.read_bytes()
    code, out, _ = cli("quiz", "--ask", "grad", stdin=lines("12", "24"))
    assert code == 0 and "Quiz: b = a + a; c = b * b\n  at a = 3;" in out
    code, _, _ = cli("quiz", "--ask", "step", "--lr", "0.1", "--a", "1", stdin=lines("0.2"))
    assert code == 0  # a value typed on the command line replaces the saved one
    assert session.read_bytes() == before


# ---------------------------------------------------------------------------
# the sheet

def _numbers_in(doc, skip=("shape", "random")) -> set[float]:
    """Every number a JSON document holds (not shapes, nor a problem's level and seed)."""
    if isinstance(doc, dict):
        return set().union(*(_numbers_in(v) for k, v in doc.items() if k not in skip))
    if isinstance(doc, list):
        return set().union(*(_numbers_in(v) for v in doc))
    return {float(doc)} if isinstance(doc, (int, float)) and not isinstance(doc, bool) else set()


def _arrays_in(doc) -> set[str]:
    """Every array a JSON document holds as a value of its own, as JSON text."""
    if isinstance(doc, dict):
        return set().union(*(_arrays_in(v) for k, v in doc.items() if k != "shape"))
    if isinstance(doc, list) and doc and isinstance(doc[0], (list, int, float)):
        return {json.dumps(doc)}
    if isinstance(doc, list):
        return set().union(*(_arrays_in(v) for v in doc))
    return set()


@pytest.mark.parametrize("args", [
    list(WORKED), ["b = a + a; c = b * b", "--a", "3"], [str(SAMPLES / "neuron.bp")],
    ["--random", "--level", "4", "--seed", "3"], ["--random", "--level", "5", "--seed", "1"],
])
def test_a_sheet_never_holds_an_answer(cli, args):
    every = ("--ask", "value,local,grad,step", "--lr", "0.1")
    code, out, _ = cli("quiz", *args, *every, "--sheet", "--json")
    assert code == 0
    sheet = json.loads(out)
    assert not {"value", "gradients", "nodes"} & set(sheet)
    assert set(sheet["answers"].values()) == {None}
    code, out2, _ = cli("quiz", "--answers", "-", "--json", stdin=out)  # graded: all missing
    graded = json.loads(out2)["quiz"]["questions"]
    assert len(graded) == len(sheet["quiz"]["questions"]) > 5
    # What the sheet may show: the given numbers (inputs, the start of the backward pass),
    # the program's constants and the lr. A right answer equal to one of them is the
    # mathematics (∂f/∂x = y is the given y), not a leak.
    given = [*sheet["quiz"]["given"].values(), 0.1]
    allowed = {fmt.number(x) for v in given for x in np.ravel(v)}
    allowed |= {fmt.brief(np.array(v)) for v in given}
    allowed |= set(re.findall(r"\d+(?:\.\d+)?", sheet["program"]))
    held = _numbers_in(sheet)
    prompts = " ".join(q["prompt"] + ", " for q in sheet["quiz"]["questions"])
    for q in graded:
        right = np.array(q["right"])
        said = fmt.number(right) if right.ndim == 0 else fmt.brief(right)
        if said in allowed:
            continue
        assert not re.search(f"= {re.escape(said)}(, |; |:  )", prompts), (q["id"], said)
        if right.ndim == 0:
            assert float(right) not in held, (q["id"], said)
        else:
            assert json.dumps(q["right"]) not in _arrays_in(sheet), (q["id"], said)


def test_the_sheet_as_text(cli):
    code, out, _ = cli("quiz", *WORKED, "--sheet")
    assert code == 0
    assert "Given\n  x = 3, y = -4, z = 2, f = -12, g = -10, ∂g/∂g = 1" in out
    assert re.search(r"local:f:x\s+f = x \* y; x = 3, y = -4, f = -12:  ∂f/∂x = \?", out)
    assert re.search(r"grad:x\s+x is used by f = x \* y:  ∂g/∂x = \?", out)
    assert "--answers FILE" in out


def test_sheet_filled_in_and_graded(cli, tmp_path):
    code, out, _ = cli("quiz", *WORKED, "--ask", "grad,step", "--lr", "0.5", "--sheet",
                       "--json")
    sheet = json.loads(out)
    assert sheet["quiz"]["ask"] == ["grad", "step"] and sheet["quiz"]["lr"] == 0.5
    evaluated = json.loads(cli("eval", *WORKED, "--json")[1])
    stepped = json.loads(cli("step", "--lr", "0.5", "--json", stdin=json.dumps(evaluated))[1])
    right = answers_from(sheet, evaluated, stepped)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(filled(sheet, right)))
    code, out, err = cli("quiz", "--answers", str(path))  # the sheet says what it is for
    assert code == 0, out + err
    assert re.search(r"step:x\s+new x\s+5\s+5\s+right", out)
    assert "Score: 7 of 7 right" in out
    path.write_text(json.dumps(filled(sheet, {**right, "step:y": "-5.5 + 0.1"})))
    code, out, err = cli("quiz", *WORKED, "--answers", str(path), "--json")
    assert code == 1
    doc = json.loads(out)
    assert [q["id"] for q in doc["quiz"]["questions"] if q["verdict"] != "right"] == ["step:y"]
    code, out, err = cli("quiz", "f = x*y; g = f + z", "--x", "4", "--y", "-4", "--z", "2",
                         "--answers", str(path))
    assert code == 2 and "the answers are for another problem" in " ".join(err.split())
    code, out, err = cli("quiz", "--answers", str(path), "--lr", "0.1")
    assert code == 2 and "the answers are for lr = 0.5" in err
    code, out, err = cli("quiz", "--answers", str(path), "--x", "5")
    assert code == 2 and "--x: the answers are for the values their document holds" in err


def test_a_bare_sheet_of_answers(cli):
    code, out, err = cli("quiz", *WORKED, "--answers", "-",
                         stdin='{"answers": {"grad:x": -4, "grad:y": "1*3"}}')
    assert code == 1  # the questions asked are the kinds answered: grad:z, grad:f missing
    assert "Score: 2 of 4 right; 2 not answered" in out
    code, out, err = cli("quiz", *WORKED, "--answers", "-", "--ask", "grad",
                         stdin='{"answers": {"grad:x": -4, "grad:y": 3, "grad:z": 1, '
                               '"grad:f": 1}}')
    assert code == 0 and "Score: 4 of 4 right" in out


@pytest.mark.parametrize(("answers", "said"), [
    ('{"answers": {"grad:x": -4, "grad:w": 1, "nope": 2}}', "no question 'grad:w', 'nope'"),
    ('{"answers": {"grad:x": "minus four"}}', "the answer to grad:x in stdin: 'minus four'"),
    ('{"answers": {"grad:x": [1, "a"], "grad:y": false}}', "the answer to grad:y in stdin is "
                                                           "false, not a number"),
    ('{"answers": {"grad:x": {}}}', "the answer to grad:x in stdin is a dict"),
    ('{"grad:x": -4}', "stdin holds no answers"),
    ("[1, 2", "stdin is not a valid JSON document"),
])
def test_a_malformed_sheet_is_exit_2(cli, answers, said):
    code, out, err = cli("quiz", *WORKED, "--answers", "-", "--json", stdin=answers)
    assert code == 2
    doc = json.loads(out)
    assert said in doc["error"]["message"], doc["error"]


# The two big samples take 7 and 15 s: the slow tier.
BIG = ("moons.bp", "micrograd.bp", *HEAVY)


@pytest.mark.parametrize("sample", [
    pytest.param(p, marks=[pytest.mark.slow] if p.name in BIG else [])
    for p in sorted(SAMPLES.glob("*.bp"))], ids=lambda p: p.name)
def test_grading_agrees_with_eval_on_every_sample(cli, tmp_path, sample):
    common = (str(sample), "--seed", "0")
    code, out, err = cli("quiz", *common, "--ask", "value,local,grad,step", "--lr", "0.1",
                         "--sheet", "--json")
    assert code == 0, err
    sheet = json.loads(out)
    evaluated = json.loads(cli("eval", *common, "--json")[1])
    stepped = json.loads(cli("step", "--lr", "0.1", "--json", stdin=json.dumps(evaluated))[1])
    right = answers_from(sheet, evaluated, stepped)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(filled(sheet, right)))
    code, out, err = cli("quiz", "--answers", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["quiz"]["score"]["all_right"]
    for qid in right:
        wrong = {**right, qid: nudged(right[qid], 2.0, 1e-3)}
        path.write_text(json.dumps(filled(sheet, wrong)))
        code, out, _ = cli("quiz", "--answers", str(path), "--json")
        missed = [q["id"] for q in json.loads(out)["quiz"]["questions"]
                  if q["verdict"] != "right"]
        assert (code, missed) == (1, [qid])


# ---------------------------------------------------------------------------
# made-up problems

def test_random_same_seed_same_sheet(cli):
    one = cli("quiz", "--random", "--level", "3", "--seed", "11", "--sheet", "--json")[1]
    two = cli("quiz", "--random", "--level", "3", "--seed", "11", "--sheet", "--json")[1]
    assert one == two
    doc = json.loads(one)
    assert doc["quiz"]["random"] == {"level": 3, "seed": 11}
    assert doc["program"] == "dot = w0*x0 + w1*x1 + w2; f = sigmoid(dot)"
    other = json.loads(cli("quiz", "--random", "--level", "3", "--seed", "12", "--sheet",
                           "--json")[1])
    assert other["inputs"] != doc["inputs"] or other["program"] != doc["program"]


def test_random_without_a_seed_shows_it(cli):
    code, out, _ = cli("quiz", "--random", stdin="")
    seed = re.search(r"made-up problem, level 2, seed (\d+); again:\n    backprop quiz "
                     r"--random --level 2 --seed \1\n", out)
    assert seed, out
    again = json.loads(cli("quiz", "--random", "--level", "2", "--seed", seed.group(1),
                           "--sheet", "--json")[1])
    values = ", ".join(f"{k} = {fmt.number(v)}" for k, v in again["inputs"].items())
    assert f"at {values}; output g" in out


def test_random_problem_graded_later_without_the_seed(cli, tmp_path):
    sheet = json.loads(cli("quiz", "--random", "--level", "1", "--seed", "5", "--sheet",
                           "--json")[1])
    evaluated = json.loads(cli("eval", sheet["program"], *(
        a for k, v in sheet["inputs"].items() for a in (f"--{k}", str(v))), "--json")[1])
    path = tmp_path / "a.json"
    path.write_text(json.dumps(filled(sheet, answers_from(sheet, evaluated))))
    code, out, err = cli("quiz", "--answers", str(path))
    assert code == 0, err
    assert "made-up problem, level 1, seed 5" in out


@pytest.mark.parametrize(("args", "said"), [
    (["--sheet", "--answers", "a.json"], "--sheet writes the questions"),
    (["--level", "2", *WORKED], "--level is the made-up problem's"),
    (["--random", *WORKED], "--random makes up a problem"),
    (["--random", "--x", "1"], "--random makes up its own values"),
    (["--random", "--level", "9"], "--level 9: choose 1"),
    ([*WORKED, "--ask", "local", "--lr", "0.1"], "--lr is the learning rate"),
    ([*WORKED, "--ask", "gradient"],
     "--ask gradient: choose from value, local, tangent, grad, step"),
    (["-", "--x", "1"], "PROGRAM - reads the program from stdin"),
    (["g = sum(x)", "--x", "[1, 2]", "--ask", "local"], "no questions to ask"),
    ([*WORKED, "--answers", "missing.json"], "missing.json"),
    (list(WORKED), "stdin holds a JSON document, where the quiz reads its answers"),
])
def test_usage_errors(cli, args, said):
    piped = '{"schema": "backprop/1"}\n' if said.startswith("stdin holds") else "1\n"
    code, out, err = cli("quiz", *args, stdin=piped)
    assert code == 2
    assert said in err


def test_help(cli):
    code, out, _ = cli("quiz", "--help")
    assert code == 0
    for flag in ("--ask KINDS", "--lr RATE", "--tol TOL", "--random", "--level N", "--seed N",
                 "--sheet", "--answers FILE", "--json"):
        assert flag in out
    code, out, _ = cli("--help")
    assert "quiz" in out


def test_json_quiz_imports_no_rich(tmp_path):
    import subprocess

    code = ("import sys, io\n"
            "sys.argv = ['backprop', 'quiz', 'g = x*y', '--x', '1', '--y', '2', '--json']\n"
            "sys.stdin = io.StringIO('2\\n1\\n')\n"
            "sys.stdout = io.StringIO()\n"
            "from backpropcli.cli.app import run_app\n"
            "run_app()\n"
            "sys.stdout = sys.__stdout__\n"
            "print(sorted(m for m in ('rich', 'pydantic') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout + r.stderr


@pytest.mark.slow
def test_a_long_program_is_quizzed_whole(cli):
    # 20 000 questions, every one asked: what each may use is looked up, never copied
    # (copying what was known before each one would take minutes). Its speed is for a
    # benchmark to measure, not for a timed assertion on a shared machine.
    program = "\n".join(f"a{i + 1} = a{i} * 1.0001" for i in range(10_000))
    code, out, err = cli("quiz", program, "--a0", "1", "--json")
    assert code == 1
    assert json.loads(out)["quiz"]["score"]["unanswered"] == 20_000
    assert len(err.split("\n", 1)[0]) < 200  # the program said on one line, cut short


# ---------------------------------------------------------------------------
# piped answers: a line at a time, within the limit on every input

PEAK = ("import resource, sys\n"
        "sys.argv = ['backprop', 'quiz', 'f = x*y; g = f + z', '--x', '3', '--y', '-4',\n"
        "            '--z', '2']\n"
        "from backpropcli.cli.app import run_app\n"
        "code = run_app()\n"
        "sys.stderr.write(f'{code} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n")


def _peak_kib(stdin: bytes) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", PEAK], input=stdin, capture_output=True)
    code, peak = done.stderr.decode().split()[-2:]
    return int(code), int(peak)


def test_piped_answers_are_not_held_in_memory():
    # 30 MB of short answers (read whole and split they took about 13 times that); the
    # peak is compared with the same quiz on a few lines, in kilobytes (ru_maxrss)
    answers = lines("-4", "3", "1", "1", "1", "1", "3", "-4").encode()
    code, small = _peak_kib(answers)
    assert code == 0
    code, big = _peak_kib(answers * (30_000_000 // len(answers)))
    assert code == 0
    assert big - small < 60_000, (small, big)


def test_piped_answers_past_the_limit_exit_2_naming_it(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("BACKPROP_MAX_BYTES", "1000")
    code, out, err = cli("quiz", *WORKED, stdin=lines("-4", "3") + "junk\n" * 300)
    assert code == 2
    assert "the answers on stdin are more than the limit of 1000 bytes (BACKPROP_MAX_BYTES)" \
        in " ".join(err.split())
    # the quiz needed 8 lines: the rest still counts (as every input on stdin does)
    code, out, err = cli("quiz", *WORKED, "--json",
                         stdin=lines("-4", "3", "1", "1", "1", "1", "3", "-4") + "1\n" * 600)
    assert code == 2
    assert json.loads(out)["error"]["kind"] == "limit"
    code, out, _ = cli("quiz", *WORKED, stdin=lines("-4", "3", "1", "1", "1", "1", "3", "-4"))
    assert code == 0, out
    # a file on stdin is measured before anything is asked
    (tmp_path / "a.txt").write_text("1\n" * 600)
    with open(tmp_path / "a.txt") as f:
        done = subprocess.run([*command(), "quiz", *WORKED], stdin=f, capture_output=True,
                              text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "stdin is 1.2 KiB, more than the limit of 1000 bytes" in done.stderr


# ---------------------------------------------------------------------------
# a sheet's tolerance, a grader's program, and malformed sheets

def _graded_sheet(cli, tmp_path, **settings) -> tuple:
    """The worked example's sheet (grad and step), filled in 5 % off the right answers,
    with `settings` written into its quiz settings."""
    sheet = json.loads(cli("quiz", *WORKED, "--ask", "grad,step", "--sheet", "--json")[1])
    evaluated = json.loads(cli("eval", *WORKED, "--json")[1])
    stepped = json.loads(cli("step", "--lr", "0.1", "--json", stdin=json.dumps(evaluated))[1])
    right = answers_from(sheet, evaluated, stepped)
    sheet["quiz"].update(settings)
    path = tmp_path / "student.json"
    path.write_text(json.dumps(filled(sheet, {k: v * 1.05 for k, v in right.items()})))
    return path, right


@pytest.mark.parametrize("tol", [1e308, 0.5, 1, "1" + "0" * 400])
def test_a_sheets_tol_past_the_cap_is_refused(cli, tmp_path, tol):
    path, _ = _graded_sheet(cli, tmp_path)
    path.write_text(path.read_text().replace('"tol": 0.001', f'"tol": {tol}'))
    for program in ([], list(WORKED)):
        code, out, err = cli("quiz", *program, "--answers", str(path), "--json")
        assert code == 2, out  # never every answer right
        message = json.loads(out)["error"]["message"]
        assert str(path) in message and "more than the cap of 0.1" in message
    code, out, err = cli("quiz", *WORKED, "--tol", "0.5")
    assert code == 2 and "--tol must be at most 0.1" in err


def test_a_sheets_tol_within_the_cap_is_its_own_not_a_graders(cli, tmp_path):
    path, _ = _graded_sheet(cli, tmp_path, tol=0.1)
    code, out, err = cli("quiz", "--answers", str(path))  # the sheet's own problem
    assert code == 0, out + err
    # a grader who gives PROGRAM grades within their own tolerance, whatever the sheet says
    code, out, err = cli("quiz", *WORKED, "--answers", str(path))
    assert code == 1 and "Score: 0 of 7 right" in out
    assert "the sheet's tol 0.1 is not used: graded within tol 0.001 (the default)" in \
        " ".join(err.split())
    code, out, err = cli("quiz", *WORKED, "--answers", str(path), "--tol", "0.06", "--json")
    assert code == 0 and json.loads(out)["quiz"]["tol"] == 0.06
    code, out, err = cli("quiz", *WORKED, "--answers", str(path), "--tol", "0.01", "--json")
    assert code == 1 and json.loads(out)["quiz"]["tol"] == 0.01


def test_a_graders_program_sets_the_params_not_the_sheet(cli, tmp_path):
    path, right = _graded_sheet(cli, tmp_path)
    doc = json.loads(path.read_text())
    doc["params"] = ["x"]  # fewer step questions, had the sheet its way
    doc["answers"] = {k: v for k, v in right.items() if k not in ("step:y", "step:z")}
    path.write_text(json.dumps(doc))
    code, out, _ = cli("quiz", "--answers", str(path), "--json")
    assert code == 0  # its own problem: the student asks what they like
    code, out, _ = cli("quiz", *WORKED, "--answers", str(path), "--json")
    score = json.loads(out)["quiz"]["score"]
    assert code == 1 and score["unanswered"] == 2 and score["right"] == 5


BIG = "1" + "0" * 400  # an integer of hundreds of digits: OverflowError as a float


def _sheet_with(cli, tmp_path, change) -> str:
    path, right = _graded_sheet(cli, tmp_path)
    doc = json.loads(path.read_text())
    change(doc)
    text = json.dumps(doc).replace('"BIG"', BIG).replace('"NAN"', "NaN")
    path.write_text(text)
    return str(path)


def _set(*keys, value=None, drop=False):
    def change(doc):
        for k in keys[:-1]:
            doc = doc[k]
        if drop:
            del doc[keys[-1]]
        else:
            doc[keys[-1]] = value
    return change


@pytest.mark.parametrize("change", [
    _set("quiz", "tol", value="BIG"), _set("quiz", "lr", value="BIG"),
    _set("quiz", "tol", value="NAN"), _set("quiz", "lr", value="NAN"),
    _set("quiz", "lr", value=-1), _set("quiz", "lr", value="fast"),
    _set("quiz", "random", value={"level": "BIG", "seed": "BIG"}),
    _set("quiz", "random", value={"level": 9, "seed": 1}),
    _set("quiz", "random", value={"level": 2}), _set("quiz", "random", value=[2, 1]),
    _set("quiz", "ask", value=["x"]), _set("quiz", "ask", value="grad"),
    _set("quiz", value=1), _set("answers", "grad:x", value="BIG"),
    _set("answers", "grad:x", value="NAN"), _set("answers", "grad:x", value={"a": 1}),
    _set("answers", "grad:x", value=json.loads("[" * 40 + "1" + "]" * 40)),
    _set("answers", value=[1, 2]),
    _set("inputs", "x", value="BIG"), _set("inputs", "x", value="NAN"),
    _set("inputs", "x", value=None), _set("inputs", value={}), _set("output", drop=True),
    _set("output", value=1), _set("params", value="x"), _set("params", value=[1]),
    _set("program", value="f = = x"), _set("program", value=["f = x"]),
    _set("schema", value="backprop/9"), _set("base", value=3),
], ids=lambda c: "-")
def test_a_malformed_sheet_is_exit_2_naming_it(cli, tmp_path, change):
    path = _sheet_with(cli, tmp_path, change)
    for program in ([], list(WORKED)):
        code, out, err = cli("quiz", *program, "--answers", path, "--json")
        assert code == 2, out
        message = json.loads(out)["error"]["message"]
        assert "internal error" not in message
        assert path in message, message
        code, out, err = cli("quiz", *program, "--answers", "-", stdin=Path(path).read_text())
        assert code == 2 and "stdin" in err and "internal error" not in err, err


@pytest.mark.parametrize("text", [
    '{"answers": {"grad:x": ' + "[" * 100_000 + "]" * 100_000 + "}}",
    '{"answers": {"grad:x": 1' + "0" * 5000 + "}}",
    "{" * 10, '{"answers": {"grad:x": 1}, "quiz": {"tol": ' + BIG + "}}",
])
def test_a_sheet_that_is_no_json_or_nests_deep_is_exit_2(cli, tmp_path, text):
    (tmp_path / "s.json").write_text(text)
    code, out, err = cli("quiz", *WORKED, "--answers", "s.json", "--json")
    assert code == 2
    message = json.loads(out)["error"]["message"]
    assert "s.json" in message and "internal error" not in message
    assert "sys.set_int_max_str_digits" not in message and len(message) < 300
