"""The exam's variants (tasks/exam.py) and its Markdown and document (output/exam.py):
a variant made again from the exam's seed and its number alone, every variant a
different problem, the key's file beside the sheets'."""

from __future__ import annotations

import pytest

import backpropcli as bp
from backpropcli.api import UsageError
from backpropcli.output.exam import exam_document, markdown, md
from backpropcli.tasks import exam
from backpropcli.tasks.problems import SEEDS, make_problem


def test_a_variants_seed_is_the_same_everywhere_and_short():
    # SHA-256, not hash(): the same on every machine and under every PYTHONHASHSEED
    assert exam.variant_seed(7, 1) == exam.variant_seed(7, 1)
    seeds = {exam.variant_seed(7, k) for k in range(1, 200)}
    assert len(seeds) == 199 and all(0 <= s < SEEDS for s in seeds)
    assert exam.variant_seed(7, 1) != exam.variant_seed(8, 1)


def test_a_variant_is_made_again_from_its_number_alone():
    made = exam.variants(3, 7, 20)
    for k in (1, 9, 20):
        again = exam.variant(3, 7, k)
        assert again == made[k - 1] and again.variant == k
        alone = make_problem(3, again.seed)  # `quiz --random --level 3 --seed S`
        assert (alone.program, alone.values) == (again.program, again.values)


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_the_variants_are_different_problems(level):
    made = exam.variants(level, 1, 60)
    assert len({exam._said(p) for p in made}) == 60


def test_a_level_that_runs_out_of_problems_says_how_many():
    with pytest.raises(UsageError, match=r"made only \d+ different problems"):
        exam.variants(4, 1, 200)


@pytest.mark.parametrize(("path", "key"), [
    ("exam.tex", "exam-key.tex"), ("out/exam.md", "out/exam-key.md"), ("exam", "exam-key"),
    (".tex", ".tex-key"), ("a.b/exam", "a.b/exam-key"), ("x.tar.md", "x.tar-key.md")])
def test_the_key_goes_beside_the_sheets(path, key):
    assert exam.key_path(path) == key


@pytest.mark.parametrize("count", [0, 201, True, 2.0])
def test_the_count_is_checked(count):
    with pytest.raises(UsageError, match="variants"):
        exam.check_count(count)


def test_markdown_escapes_what_would_be_markup():
    assert md("my_var *x* [1] <b> #") == r"my\_var \*x\* \[1\] \<b\> \#"


def test_the_markdown_sheets_hold_no_answer():
    made = bp.exam(random=True, level=2, variants=3, seed=5, ask="grad")
    sheets, key = markdown(made), markdown(made, key=True)
    assert sheets.count("Name:") == 3 and "**" not in sheets
    for v in made.variants:
        for q in v.quiz.questions:
            assert f"`{q.id}`" in sheets
        assert f"## Variant {v.number}: the key" in key
        assert "### Chain rule" in key  # explain's derivation, a level down


def test_the_document_carries_every_sheet():
    made = bp.exam(random=True, level=1, variants=2, seed=5)
    doc = exam_document(made, True, ["e.md", "e-key.md"])["exam"]
    assert doc["files"] == ["e.md", "e-key.md"] and doc["key"] is True
    assert [s["quiz"]["variant"] for s in doc["sheets"]] == [1, 2]
    assert all(s["quiz"]["key"] for s in doc["sheets"])
