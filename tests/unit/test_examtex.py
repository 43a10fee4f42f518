"""The exam in LaTeX (output/examtex.py): two whole documents, a page per variant,
ASCII with every special character escaped, whatever the quiz's words hold."""

from __future__ import annotations

import re

import pytest

import backpropcli as bp
from backpropcli.output.examtex import latex, text


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_both_documents_are_whole_and_ascii(level):
    made = bp.exam(random=True, level=level, variants=3, seed=1,
                   ask="value,local,grad,step", lr=0.1)
    for tex in (latex(made), latex(made, key=True)):
        assert tex.startswith("% backprop quiz") and r"\documentclass" in tex
        assert tex.rstrip().endswith(r"\end{document}") and tex.isascii()
        assert tex.count(r"\clearpage") == 2 and r"\allowdisplaybreaks" in tex
        body = "".join(ln for ln in tex.splitlines() if not ln.startswith("%"))
        body = re.sub(r"\\[\\{}]", "", body)  # line breaks and escaped braces
        assert body.count("{") == body.count("}")


def test_text_escapes_specials_and_sets_symbols_in_math():
    said = text("a_b # 50% & {x} \\ $ ~ ^ −1 × σ ∂ · → ≤ 😀")
    assert said.isascii()
    for escaped in (r"a\_b", r"\#", r"50\%", r"\&", r"\{x\}", r"\textbackslash{}", r"\$",
                    r"$-$1", r"$\times$", r"$\sigma$", r"$\partial$", r"$\le$", "[U+1F600]"):
        assert escaped in said, escaped


def test_a_program_with_awkward_names_is_escaped():
    made = bp.exam("_a_b = my_var * x_1\nc = _a_b + _a_b; c = c * x_1", my_var=2, x_1=3)
    tex = latex(made) + latex(made, key=True)
    assert r"\mathit{my\_var}" in tex and r"\mathit{c\#1}" in tex and tex.isascii()
