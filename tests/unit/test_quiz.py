"""The quiz's tasks: the questions (ids, order, right answers), reading answers with the
program's own parser, the tolerance, grading and what to practise, made-up problems."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings

from backpropcli import api
from backpropcli.core.errors import BackpropError, UsageError
from backpropcli.lang.parse import parse
from backpropcli.output import document as doc
from backpropcli.output import passes
from backpropcli.tasks import answers, grading, problems
from backpropcli.tasks import quiz as quizzing
from tests.quizfill import answers_from, nudged
from tests.unit.test_engine_random import Oracle, points, programs


def make(program: str, kinds=quizzing.KINDS, lr=None, tol=quizzing.TOL, **values):
    r = api.evaluate(program, values)
    return quizzing.make(r.evaluation, r.point, tuple(kinds), lr, tol)


WORKED = ("f = x*y; g = f + z", {"x": 3, "y": -4, "z": 2})


def test_worked_example_questions_in_the_order_worked_by_hand():
    quiz = make(WORKED[0], **WORKED[1])
    assert [q.id for q in quiz.questions] == [
        "value:f", "value:g",
        "local:f:x", "local:f:y", "local:g:f", "local:g:z",
        "tangent:f:x", "tangent:g:x",  # forward mode along the first param
        "grad:z", "grad:f", "grad:y", "grad:x",  # from the output down, as eval's table
        "step:x", "step:y", "step:z"]
    right = {q.id: float(q.right) for q in quiz.questions}
    assert right == pytest.approx({
        "value:f": -12, "value:g": -10, "local:f:x": -4, "local:f:y": 3, "local:g:f": 1,
        "local:g:z": 1, "tangent:f:x": -4, "tangent:g:x": -4,
        "grad:z": 1, "grad:f": 1, "grad:y": 3, "grad:x": -4,
        "step:x": 3.4, "step:y": -4.3, "step:z": 1.9})
    assert quiz.lr == 0.1  # step questions without --lr: the step command's default
    assert quiz.find("grad:x").uses == ("grad:f", "local:f:x")
    assert quiz.find("local:f:x").uses == ("value:y",)
    assert quiz.find("step:x").uses == ("value:x", "grad:x")


def test_default_kinds_and_what_is_given():
    assert quizzing.kinds_of(None, None) == ("local", "grad")
    assert quizzing.kinds_of(None, 0.5) == ("local", "grad", "step")
    assert quizzing.kinds_of("step, VALUE", None) == ("value", "step")
    for bad in ("", "values", "local,nope"):
        with pytest.raises(UsageError):
            quizzing.kinds_of(bad, None)
    with pytest.raises(UsageError, match=r"^lr is the learning rate"):  # the API names lr
        quizzing.kinds_of("local", 0.5)
    quiz = make(WORKED[0], kinds=("local", "grad"), **WORKED[1])
    given = quiz.given()
    # the inputs, the forward pass (values are not asked) and the start of the backward pass
    assert set(given) == {"value:x", "value:y", "value:z", "value:f", "value:g", "grad:g"}
    steps = make(WORKED[0], kinds=("step",), lr=0.5, **WORKED[1])
    assert {"grad:x", "grad:y", "grad:z"} <= set(steps.given())  # what a step needs
    assert float(steps.find("step:x").right) == pytest.approx(5.0)


def test_a_node_taking_an_operand_twice_gets_a_question_per_use():
    quiz = make("b = a + a; c = b * b", a=3)
    ids = [q.id for q in quiz.questions]
    assert [i for i in ids if i.startswith("local:")] == \
        ["local:b:a:1", "local:b:a:2", "local:c:b:1", "local:c:b:2"]
    assert quiz.find("local:c:b:2").use == 2 and quiz.find("local:c:b:2").slot == 1
    assert float(quiz.find("grad:a").right) == 24
    assert quiz.find("grad:a").uses == ("grad:b", "local:b:a:1", "local:b:a:2")


def test_names_of_the_eval_tables_reassigned_and_unnamed():
    quiz = make("c = a * 2; c = c + a; d = c * c", a=1)
    ids = {q.id for q in quiz.questions}
    # the first version of c keeps the plain name, the second is c#1
    assert {"value:c", "value:c#1", "local:c#1:c", "local:c#1:a", "grad:c",
            "local:d:c#1:1"} <= ids
    assert "local:c:2" not in ids  # a number written in the program is no operand
    unnamed = make("g = x*y + z", x=3, y=-4, z=2)
    assert unnamed.find("local:t1:x") is not None and unnamed.find("grad:t1") is not None


def test_ops_that_are_not_elementwise_have_no_local_question():
    quiz = make("h = relu(W @ x + b); L = sum(h)", W="[[1, -2], [0, 1]]", x="[1, 1]",
                b="[1, 1]")
    ids = [q.id for q in quiz.questions]
    assert not any(i.startswith(("local:t1:", "local:L:")) for i in ids)
    assert quiz.find("grad:W").shape == (2, 2)
    # an add gate's local gradient is 1 for every element: asked with the node's shape
    np.testing.assert_array_equal(quiz.find("local:t2:b").right, [1, 1])


def test_nothing_to_ask():
    with pytest.raises(UsageError, match="no questions"):
        make("g = sum(x)", kinds=("local",), x="[1, 2]")


# ---------------------------------------------------------------------------
# answers

@pytest.mark.parametrize(("text", "value"), [
    ("-4", -4.0), ("1*3", 3.0), ("0.5", 0.5), ("-2/3", -2 / 3), (" 3 ", 3.0), ("1e-3", 1e-3),
    ("-(-4)", 4.0), ("2^3", 8.0), ("sigmoid(0)", 0.5), ("(1 - 0.25) * 4", 3.0),
])
def test_answers_are_numbers_or_arithmetic(text, value):
    assert float(answers.read_answer(text)) == pytest.approx(value)


def test_array_answers():
    np.testing.assert_array_equal(answers.read_answer("[1, -2]"), [1, -2])
    np.testing.assert_array_equal(answers.read_answer("[[1, 0], [0, 1]] * 2"),
                                  [[2, 0], [0, 2]])


@pytest.mark.parametrize("text", [
    "", "x", "x + 1", "y = 3", "-4; y = 3", "1/0", "log(-1)", "randn(2)", "uniform(2)",
    'load("data.csv")', "__import__('os').system('true')", "3 +", "[1, 2", "[[1, 2], [3]]",
    "1" * 400,
])
def test_what_is_not_a_number(text):
    with pytest.raises(answers.NotANumber):
        answers.read_answer(text)


def test_answers_from_json():
    assert answers.from_json("grad:x", None) is None
    assert float(answers.from_json("grad:x", -4)) == -4
    assert float(answers.from_json("grad:x", "-2/3")) == pytest.approx(-2 / 3)
    np.testing.assert_array_equal(answers.from_json("grad:W", [[1, 2]]), [[1, 2]])
    for bad in (True, {"a": 1}, "abc", [1, "a"], [[1, 2], [3]]):
        with pytest.raises(answers.NotANumber, match="grad:x"):
            answers.from_json("grad:x", bad)


def test_tolerance_is_relative_above_one_and_absolute_below():
    tol = 1e-3
    assert answers.agrees(0.7311, 0.7310585786300049, tol)
    assert answers.agrees(0.731, 0.7310585786300049, tol)
    assert not answers.agrees(0.73, 0.7310585786300049, tol)
    assert answers.agrees(1000.9, 1000, tol) and not answers.agrees(1001.1, 1000, tol)
    assert answers.agrees(0.0009, 0, tol) and not answers.agrees(0.0011, 0, tol)
    assert answers.agrees(0.73, 0.7310585786300049, 1e-2)
    assert answers.agrees(np.array([1, 2]), np.array([1, 2.001]), tol)
    assert answers.agrees(np.float64(1), np.array([1, 1]), tol)  # one number for all
    assert not answers.fits(np.array([1, 1, 1]), np.array([1, 1]))
    assert answers.wrong_elements(np.array([1, 3]), np.array([1, 2]), tol) == [(1,)]


# ---------------------------------------------------------------------------
# grading

def test_grading_a_sheet_and_the_score():
    quiz = make(WORKED[0], kinds=("local", "grad"), **WORKED[1])
    given = {"local:f:x": np.float64(-4), "local:f:y": np.float64(3.0004),
             "local:g:f": np.float64(1), "grad:x": np.float64(4), "grad:y": np.float64(3)}
    result = grading.grade(quiz, given)
    verdicts = {g.question.id: g.verdict for g in result.graded}
    assert verdicts["local:f:y"] == grading.RIGHT  # within the tolerance
    assert verdicts["grad:x"] == grading.WRONG
    assert verdicts["local:g:z"] == grading.UNANSWERED
    s = result.score
    assert (s.asked, s.right, s.wrong, s.unanswered) == (8, 4, 1, 3)
    assert not result.all_right
    assert result.by_kind()["local"].unanswered == 1
    assert result.by_node()["x"].wrong == 1
    assert list(result.by_node()) == ["x", "y", "f", "z", "g"]  # forward order
    assert grading.failure(result).exit_code == 1
    assert result.practice().topic == "chain"  # what was answered wrong: a gradient
    unanswered = grading.grade(quiz, {q.id: q.right for q in quiz.questions[:3]})
    assert unanswered.practice().topic == "rest"


def test_two_tries():
    quiz = make("f = x * y", kinds=("local",), x=2, y=5)
    q = quiz.questions[0]
    assert grading.verdict(q, (np.float64(5),), quiz.tol) == grading.RIGHT
    assert grading.verdict(q, (np.float64(2), np.float64(5)), quiz.tol) == grading.SECOND
    assert grading.verdict(q, (np.float64(2), np.float64(2)), quiz.tol) == grading.WRONG
    assert grading.verdict(q, (), quiz.tol) == grading.UNANSWERED
    right = [grading.Graded(q, (np.float64(2), np.float64(5)), grading.SECOND)
             for q in quiz.questions]
    result = grading.QuizResult(quiz, tuple(right))
    assert result.all_right and grading.failure(result) is None  # the second try counts
    assert result.practice().topic == "local" and result.practice().op == "mul"


@pytest.mark.parametrize(("program", "values", "missed", "topic", "level"), [
    ("f = x*y; g = f + z", {"x": 3, "y": -4, "z": 2}, "value:f", "forward", 2),
    ("f = x*y; g = f + z", {"x": 3, "y": -4, "z": 2}, "grad:x", "chain", 2),
    ("f = x*y; g = f + z", {"x": 3, "y": -4, "z": 2}, "step:x", "step", 2),
    ("b = a + a; c = b * b", {"a": 3}, "grad:a", "reuse", 4),
    ("f = sigmoid(x)", {"x": 1}, "local:f:x", "local", 3),
    ("f = x / y", {"x": 1, "y": 2}, "local:f:y", "local", 4),
])
def test_what_to_practise(program, values, missed, topic, level):
    quiz = make(program, **values)
    result = grading.grade(quiz, {q.id: q.right + (q.id == missed) for q in quiz.questions})
    p = result.practice()
    assert (p.topic, p.level) == (topic, level)
    every = grading.grade(quiz, {q.id: q.right for q in quiz.questions})
    assert every.practice().topic == "next" and every.practice().level == 3


def test_reading_an_answer_sheet():
    sheet = grading.read_answer_sheet('{"answers": {"grad:x": -4, "grad:q": 1}}', "a.json")
    assert sheet.point is None and sheet.kinds is None
    assert grading.asked_kinds(sheet.answers) == ("grad",)
    quiz = make(WORKED[0], kinds=("grad",), **WORKED[1])
    with pytest.raises(grading.ValueProblem, match="no question 'grad:q'"):
        grading.read_answers(quiz, sheet, "a.json")
    for text, said in (("[]", "no answers"), ("{", "not a valid JSON"),
                       ('{"answers": [1]}', "no answers"),
                       ('{"answers": {}, "quiz": {"lr": -1}}', "quiz.lr"),
                       ('{"answers": {}, "quiz": {"ask": "grad"}}', "quiz.ask")):
        with pytest.raises(grading.ValueProblem, match=said):
            grading.read_answer_sheet(text, "a.json")


# ---------------------------------------------------------------------------
# made-up problems

@pytest.mark.parametrize("level", problems.PROBLEM_LEVELS)
def test_same_seed_same_problem(level):
    a = problems.make_problem(level, 42)
    b = problems.make_problem(level, 42)
    assert (a.program, a.values) == (b.program, b.values)
    others = {str(problems.make_problem(level, seed).values) for seed in range(20)}
    assert len(others) > 3  # the seed matters


@pytest.mark.parametrize("level", problems.PROBLEM_LEVELS)
@pytest.mark.parametrize("seed", range(25))
def test_made_up_numbers_can_be_worked_by_hand(level, seed):
    p = problems.make_problem(level, seed)
    for v in p.values.values():
        a = np.asarray(v, dtype=float)
        assert np.all(a == np.round(a)) and np.all(np.abs(a) <= 18)  # whole and small
    quiz = make(p.program, kinds=("value", "local", "grad"), **p.values)
    # level 3 sits at σ(0): halves and quarters; the others: whole numbers or one decimal
    scale = 100 if level == 3 else 10
    for q in quiz.questions:
        scaled = np.asarray(q.right, dtype=float) * scale
        assert np.allclose(scaled, np.round(scaled)), (p.program, p.values, q.id, q.right)
    if level == 1:
        assert p.program in ("f = x + y", "f = x * y", "f = max(x, y)")
    if level == 4:  # a node used twice: some gradient is a sum of terms
        assert any(len(quiz.evaluation.terms[i]) > 1 for i in range(len(quiz.graph.nodes)))
    if level == 5:
        assert quiz.find("grad:W").shape == (2, 2)


def test_levels_and_seeds():
    with pytest.raises(UsageError, match=r"^level 6"):  # the API names level
        problems.make_problem(6, 1)
    p = problems.make_problem()
    assert p.level == problems.LEVEL and 0 <= p.seed < problems.SEEDS
    assert problems.make_problem(2, 7).program == "f = x * y; g = f + z"


# ---------------------------------------------------------------------------
# grading agrees with the eval and step documents, on random programs

def _documents(program: str, values: dict):
    """The quiz sheet (every kind, lr 0.1) and the eval and step documents, as JSON
    reads them back."""
    r = api.evaluate(program, values)
    quiz = quizzing.make(r.evaluation, r.point, quizzing.KINDS, 0.1)
    s = api.step(r, lr=0.1)

    def back(d: dict) -> dict:
        return json.loads(doc.dumps(d))

    along = (r.point.params or r.evaluation.graph.input_names)[0]
    f = api.forward(r, direction={along: 1.0})
    return (quiz, back(doc.quiz_sheet(quiz)), back(doc.document("eval", r.evaluation, r.point)),
            back(doc.document("step", s.evaluation, s.point)),
            back(doc.document("forward", r.evaluation, r.point, **passes.forward_fields(f))))


def _graded(quiz, answers_: dict):
    sheet = grading.AnswerSheet(answers_)
    return grading.grade(quiz, grading.read_answers(quiz, sheet, "the sheet"))


def check_agreement(program: str, values: dict, every: bool = True) -> None:
    """A sheet filled with the documents' numbers is all right; any one answer moved
    past the tolerance is wrong, and alone; moved within it, still right."""
    quiz, sheet, evaluated, stepped, forwarded = _documents(program, values)
    right = answers_from(sheet, evaluated, stepped, forwarded)
    assert set(right) == {q.id for q in quiz.questions}
    assert _graded(quiz, right).all_right, program
    ids = list(right) if every else list(right)[:: max(1, len(right) // 12)]
    for qid in ids:
        off = _graded(quiz, {**right, qid: nudged(right[qid], 2.0, quiz.tol)})
        assert [g.question.id for g in off.missed] == [qid], (program, qid)
        near = _graded(quiz, {**right, qid: nudged(right[qid], 0.5, quiz.tol)})
        assert near.all_right, (program, qid)


def test_grading_agrees_with_eval_on_made_up_problems():
    for level in problems.PROBLEM_LEVELS:
        for seed in range(6):
            p = problems.make_problem(level, seed)
            check_agreement(p.program, p.values)


@settings(max_examples=50, deadline=None)  # each example grades a whole quiz
@given(statements=programs(), point=points)
def test_grading_agrees_with_eval_on_random_programs(statements, point):
    oracle = Oracle(point)
    _, text = oracle.run(statements)
    assume(not (oracle.nonfinite or oracle.extreme))
    values = {n: point[n] for n in parse(text).input_names}
    try:
        r = api.evaluate(text, values)
        api.step(r, lr=0.1)
    except BackpropError:
        assume(False)
    assume(all(np.all(np.abs(v) < 1e100) for v in r.evaluation.values if v is not None))
    check_agreement(text, values)


# ---------------------------------------------------------------------------
# piped answers, a line at a time

class Watched:
    """A stream of bytes that records how much each call asked for and got."""

    def __init__(self, data: bytes) -> None:
        import io

        self.data, self.stream, self.calls = data, io.BytesIO(data), []

    def readline(self, size: int = -1) -> bytes:
        got = self.stream.readline(size)
        self.calls.append((size, len(got)))
        return got

    def read(self, size: int = -1) -> bytes:
        got = self.stream.read(size)
        self.calls.append((size, len(got)))
        return got

    def tell(self) -> int:
        return self.stream.tell()


def test_piped_answers_are_read_one_line_at_a_time():
    stream = Watched(b"-4\n3\r\n\n" + b"1\n" * 100_000)
    lines = answers.AnswerLines(stream, limit=10**9)
    assert [lines(), lines(), lines(), lines()] == ["-4", "3", "", "1"]
    # four lines read, nothing ahead of them held: the stream is where the fourth ended
    assert stream.tell() == len(b"-4\n3\r\n\n1\n")
    assert vars(lines).keys() == {"stream", "origin", "limit", "taken", "lines", "_blank",
                                  "_held"}
    assert all(0 < size <= answers.LINE_BYTES for size, _ in stream.calls)
    lines.drain()  # the rest read a chunk at a time, none of it kept
    assert stream.tell() == len(stream.data)
    assert max(got for _, got in stream.calls) <= answers.CHUNK
    assert lines() is None


def test_a_line_too_long_to_be_an_answer_is_cut_and_refused():
    stream = Watched(b"7" * (5 * answers.LINE_BYTES) + b"\n-4\n")
    lines = answers.AnswerLines(stream, limit=10**9)
    long = lines()
    assert answers.LONGEST < len(long) <= answers.LINE_BYTES
    assert max(got for _, got in stream.calls) <= answers.LINE_BYTES
    with pytest.raises(answers.NotANumber, match="more than 100000 characters"):
        answers.read_answer(long)
    assert lines() == "-4"  # the rest of the long line was dropped, not read as answers


def test_piped_answers_past_the_limit_are_refused_naming_it():
    lines = answers.AnswerLines(Watched(b"1\n" * 100), limit=50)
    assert [lines() for _ in range(25)] == ["1"] * 25
    with pytest.raises(BackpropError, match=r"more than the limit of 50 bytes "
                                            r"\(BACKPROP_MAX_BYTES\)") as e:
        lines()
    assert e.value.exit_code == 2
    quiet = answers.AnswerLines(Watched(b"1\n" * 100), limit=50)
    assert quiet() == "1"
    with pytest.raises(BackpropError, match="more than the limit"):
        quiet.drain()  # what the quiz did not need still counts
    whole = answers.AnswerLines(Watched(b"1\n" * 25), limit=50)
    whole.drain()  # exactly at the limit: read


def test_piped_answers_first_looks_ahead_without_losing_a_line():
    lines = answers.AnswerLines(Watched(b"\n  \n-4\n3\n"), limit=10**9)
    assert lines.first() == "-4"
    assert [lines(), lines(), lines(), lines(), lines()] == ["", "", "-4", "3", None]
    blank = answers.AnswerLines(Watched(b"\n \n\n"), limit=10**9)
    assert blank.first() is None and blank() is None  # blank lines alone: no answers
    bom = answers.AnswerLines(Watched("\ufeff-4\n".encode()), limit=10**9)
    assert bom() == "-4"
    bad = answers.AnswerLines(Watched(b"1\n\xff\n"), limit=10**9)
    assert bad() == "1"
    with pytest.raises(UsageError, match=r"stdin is not UTF-8 text \(line 2"):
        bad()


# ---------------------------------------------------------------------------
# a sheet's settings, every one checked

@pytest.mark.parametrize(("settings", "said"), [
    ('{"tol": 1e308}', "quiz.tol is 1e+308, more than the cap of 0.1"),
    ('{"tol": 1' + "0" * 400 + "}", "quiz.tol is a number of 401 digits, more than the cap"),
    ('{"tol": NaN}', "quiz.tol must be a positive number, not nan"),
    ('{"tol": -1e-3}', "quiz.tol must be a positive number, not -0.001"),
    ('{"lr": Infinity}', "quiz.lr must be a finite number, not inf"),
    ('{"lr": 1' + "0" * 400 + "}", "quiz.lr must be a finite number, not a number of 401"),
    ('{"lr": true}', "quiz.lr must be a positive number, not true"),
    ('{"ask": ["grad", 3]}', "quiz.ask must be a list of kinds"),
    ('{"random": {"level": 6, "seed": 1}}', "quiz.random must be null or"),
    ('{"random": {"level": 2, "seed": -1}}', "quiz.random must be null or"),
    ('{"random": {"level": 2, "seed": 1' + "0" * 400 + "}}", "quiz.random must be null or"),
    ("[]", "'quiz' must be an object of settings, not a list"),
])
def test_a_sheets_settings_are_checked(settings, said):
    with pytest.raises(BackpropError, match=re.escape(f"s.json: {said}")) as e:
        grading.read_answer_sheet('{"answers": {}, "quiz": ' + settings + "}", "s.json")
    assert e.value.exit_code == 2


def test_a_sheets_settings_within_bounds_are_read():
    sheet = grading.read_answer_sheet('{"answers": {"grad:x": 1}, "quiz": {"tol": 0.1, '
                                      '"lr": 1e-300, "ask": ["step", "grad"], "random": '
                                      '{"level": 5, "seed": 0}}}', "s.json")
    assert (sheet.tol, sheet.lr, sheet.kinds) == (0.1, 1e-300, ("grad", "step"))
    assert sheet.problem == {"level": 5, "seed": 0}


@pytest.mark.parametrize("tol", [0.0, -1.0, 0.1000001, 1e308, float("inf"), float("nan")])
def test_a_quiz_takes_no_tolerance_past_the_cap(tol):
    with pytest.raises(UsageError, match=r"at most 0\.1"):
        make(WORKED[0], tol=tol, **WORKED[1])
    assert make(WORKED[0], tol=quizzing.MAX_TOL, **WORKED[1]).tol == 0.1
