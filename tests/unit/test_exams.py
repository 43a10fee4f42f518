"""bp.exam (api/exams.py): the sheets of an exam as a result that shows itself, every
argument checked with the Python parameter named; bp.grade of a variant by its number."""

from __future__ import annotations

import pytest

import backpropcli as bp
from backpropcli.api import MAX_VARIANTS, BackpropError


def test_an_exam_is_its_variants_and_shows_their_answers():
    made = bp.exam(random=True, level=2, variants=3, seed=4)
    assert [v.number for v in made.variants] == [1, 2, 3] and (made.level, made.seed) == (2, 4)
    assert made.command() == "backprop quiz --random --level 2 --variants 3 --seed 4"
    shown = repr(made)
    assert "Variant 3" in shown and "answer" in shown
    drawn = bp.exam(random=True, variants=2)
    assert drawn.seed is not None and drawn.level == 2


@pytest.mark.parametrize(("kwargs", "said"), [
    ({"random": True, "variants": MAX_VARIANTS + 1}, f"at most {MAX_VARIANTS}"),
    ({"random": True, "variants": "many"}, "variants takes a whole number"),
    ({"random": True, "variants": 2, "seed": -1}, "seed must be 0 or more"),
    ({"variants": 2}, "add random"),
])
def test_a_wrong_argument_names_its_parameter(kwargs, said):
    with pytest.raises(BackpropError, match=said):
        bp.exam("g = x*y", x=1, y=2, **kwargs) if "random" not in kwargs else bp.exam(**kwargs)


def test_a_variant_is_graded_by_its_number():
    made = bp.exam(random=True, level=3, variants=4, seed=9)
    quiz = made.variants[2].quiz
    answers = {q.id: float(q.right) for q in quiz.questions}
    graded = bp.grade({"variant": 3, "answers": answers}, random=True, level=3, seed=9,
                      variants=4)
    assert graded.all_right and graded.quiz.problem.variant == 3
    with pytest.raises(BackpropError, match="the exam has 2 variants"):
        bp.grade({"variant": 3, "answers": answers}, random=True, level=3, seed=9, variants=2)
