"""A count and its noun, in agreement: "1 more term", "2 more terms", "1 entry". Every
count the tool writes beside a noun goes through here, so that none says "1 more terms";
and the ordinals of a node's uses of an operand ("its first a")."""

from __future__ import annotations


def noun(n: int, one: str, many: str | None = None) -> str:
    """The noun for `n` things: `one` for exactly 1, else `many` (default: `one` + "s")."""
    return one if n == 1 else (many if many is not None else one + "s")


def counted(n: int, one: str, many: str | None = None, *, grouped: bool = False) -> str:
    """`n` and its noun: counted(1, "term") is "1 term", counted(3, "entry", "entries") is
    "3 entries"; `grouped` writes thousands with commas (12,000)."""
    return (f"{n:,}" if grouped else str(n)) + " " + noun(n, one, many)


ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}


def ordinal(n: int) -> str:
    """first, second, third, fourth, 5th, ..."""
    return ORDINALS.get(n, f"{n}th")
