"""output/mermaid.py: the mermaid text, checked for syntax, escaping and stable ids."""

from __future__ import annotations

import pytest

from backpropcli.output import mermaid, picture
from tests.graphcheck import check_mermaid, mermaid_label
from tests.pictures import run, seed, weird

# mermaid

def test_mermaid_of_the_worked_example():
    ev = seed()
    parsed = check_mermaid(mermaid.mermaid(ev))
    labels = parsed["labels"]
    assert labels["n3"] == "f = x * y\n= -12\n∂g/∂f = 1"
    assert labels["n0"] == "x = 3\n∂g/∂x = -4"
    assert parsed["classes"]["n4"] == "output"
    assert parsed["classes"]["n0"] == "input"
    assert ("n0", "n3", "∂f/∂x = -4") in parsed["edges"]


def test_mermaid_escapes_quotes_brackets_and_entities():
    ev = weird()
    text = mermaid.mermaid(ev)
    parsed = check_mermaid(text)
    for i in range(len(ev.graph.nodes)):
        assert parsed["labels"][picture.node_id(i)] == "\n".join(picture.label_lines(ev, i))
    assert "#quot;" in text and "#93;" in text and "#35;" in text and "#124;" in text
    assert parsed["classes"][picture.node_id(2)] == "constant"


def test_mermaid_arrays_and_renamed_nodes():
    ev = run("c = x * [1, -2]; c = c + 1; h = W @ c; L = sum(h)", x=2, W="[[1, 2], [3, 4]]")
    parsed = check_mermaid(mermaid.mermaid(ev))
    assert "c = x * [1, -2]\n= [2, -4]\nshape (2,)\n∂L/∂c = [4, 6]" in \
        parsed["labels"].values()


def test_mermaid_check_catches_broken_text():
    good = mermaid.mermaid(seed())
    with pytest.raises(AssertionError):
        check_mermaid(good.replace("f = x * y", 'f = "x" * y'))
    with pytest.raises(AssertionError):
        check_mermaid(good.replace("f = x * y", "f = x[0] * y"))
    with pytest.raises(AssertionError):
        check_mermaid(good.replace("-->", "->", 1))
    with pytest.raises(AssertionError):
        mermaid_label("c#1")
