"""Text shared by the views and the error messages: lists of names cut short."""

from __future__ import annotations

from backpropcli.core import fmt


def test_names_are_cut_after_the_first_few():
    assert fmt.names(["a", "b"]) == "a, b"
    assert fmt.names([str(i) for i in range(9)]) == "0, 1, 2, 3, 4, 5, 6, 7, …"
    assert fmt.names([str(i) for i in range(3)], most=2, more="...") == "0, 1, ..."
