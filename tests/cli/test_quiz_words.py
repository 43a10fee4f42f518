"""Issue 19, item 5: the quiz's words at the right level: a number too large for a float
said so, an answer of the wrong shape not counted, the score a result and not an error,
and the key a teacher grades with."""

from __future__ import annotations

import json

import pytest

WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
RIGHT = ["-4", "3", "1", "1", "1", "1", "3", "-4"]  # local,grad in the quiz's order


def lines(*answers: str) -> str:
    return "".join(a + "\n" for a in answers)


def test_too_large_for_a_float_is_said_and_not_counted(cli):
    code, out, _ = cli("quiz", *WORKED, stdin=lines("1e400", *RIGHT))
    assert "1e400 is too large for a float" in out
    assert "not a number" not in out.split("[2/")[0]
    assert code == 0 and "8 of 8 right" in out


@pytest.mark.parametrize("slip", ["[1]", "[-4, 1]", "[[1]]"])
def test_a_list_for_one_number_is_not_a_try(cli, slip):
    code, out, _ = cli("quiz", *WORKED, stdin=lines(slip, *RIGHT))
    first = out.split("[2/")[0]
    assert "∂t1/∂x is a single number" in first and "not counted" in first
    assert "Hint" not in first and "One more try" not in first
    assert code == 0 and "Score: 8 of 8 right" in out  # right on the first counted try


@pytest.mark.parametrize("slip", ["5", "[1, 2, 3]", "[[1, 1]]"])
def test_an_array_question_answered_in_another_shape_is_not_a_try(cli, slip):
    code, out, _ = cli("quiz", "g = sum(x*y)", "--x", "[1, 2]", "--y", "[3, 4]",
                       "--ask", "local", stdin=lines(slip, "[3, 4]", "[1, 2]", "[1, 1]"))
    first = out.split("[2/")[0]
    assert "is an array of shape (2,)" in first and "[a, b]" in first
    assert "Hint" not in first
    assert code == 0, out


def test_one_number_for_an_array_that_is_that_number_everywhere_is_right(cli):
    code, out, _ = cli("quiz", "g = sum(x + y)", "--x", "[1, 2]", "--y", "[3, 4]",
                       "--ask", "local", stdin=lines("1", "1", "1"))
    assert code == 0 and "not counted" not in out


def test_the_score_is_a_result_not_an_error(cli):
    code, out, err = cli("quiz", *WORKED, stdin=lines("-4", "2"))
    assert code == 1
    assert out.rstrip().splitlines()[-1] == "Result: 1 of 8 answers right (1 wrong, " \
                                            "6 not answered)"
    assert "error" not in err
    code, out, _ = cli("quiz", *WORKED, "--json", stdin=lines("-4", "2"))
    assert code == 1 and json.loads(out)["error"]["kind"] == "quiz"  # as before
    code, out, err = cli("quiz", *WORKED, stdin=lines(*RIGHT))
    assert code == 0 and "Result" not in out and err == ""


# --- quiz --key ---------------------------------------------------------------------

def test_key_has_the_sheets_questions_with_their_answers(cli):
    code, out, _ = cli("quiz", *WORKED, "--sheet", "--json")
    sheet = json.loads(out)
    code, out, _ = cli("quiz", *WORKED, "--key", "--json")
    assert code == 0
    key = json.loads(out)
    assert key["quiz"]["key"] is True and "key" not in sheet["quiz"]
    assert [q["id"] for q in key["quiz"]["questions"]] == \
        [q["id"] for q in sheet["quiz"]["questions"]]
    for asked, keyed in zip(sheet["quiz"]["questions"], key["quiz"]["questions"], strict=True):
        assert {k: v for k, v in keyed.items() if k != "right"} == asked
    assert key["answers"] == {q["id"]: q["right"] for q in key["quiz"]["questions"]}
    assert key["answers"]["grad:x"] == -4 and key["answers"]["local:t1:y"] == 3
    assert all(v is None for v in sheet["answers"].values())  # the sheet still tells none


def test_key_graded_as_a_sheet_is_all_right(cli, tmp_path):
    code, out, _ = cli("quiz", "--random", "--level", "5", "--seed", "3", "--key", "--json")
    path = tmp_path / "key.json"
    path.write_text(out)
    code, out, _ = cli("quiz", "--answers", str(path), "--json")
    assert code == 0 and json.loads(out)["quiz"]["score"]["all_right"] is True


def test_key_as_text_shows_each_answer(cli):
    code, out, _ = cli("quiz", *WORKED, "--key")
    assert code == 0
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines()
            if line.strip().startswith(("local:", "grad:"))}
    assert rows == {"local:t1:x": "-4", "local:t1:y": "3", "local:g:t1": "1",
                    "local:g:z": "1", "grad:z": "1", "grad:t1": "1", "grad:y": "3",
                    "grad:x": "-4"}
    assert "answer" in out and "The key" in out


@pytest.mark.parametrize("other", [["--sheet"], ["--answers", "x.json"]])
def test_key_is_one_mode_of_three(cli, other):
    code, _, err = cli("quiz", *WORKED, "--key", *other)
    assert code == 2 and "--key" in err
