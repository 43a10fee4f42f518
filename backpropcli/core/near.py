"""Near misses: which of a few known words a mistyped one most likely means. One place
for every "did you mean": an option's name (--ouptut), a command's (evl), and the value
of a closed-choice option (--format pgn, --optimizer adm, --ask grd)."""

from __future__ import annotations

from collections.abc import Iterable


def slip(a: str, b: str) -> bool:
    """Whether b is a one-letter slip of a: a letter added, dropped or changed, or two
    neighbours swapped (the optimal-string-alignment distance is at most 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate the word is most likely a slip of: one letter away, else the
    closest by difflib's measure if close enough."""
    candidates = [c for c in candidates if c != word]
    slips = [c for c in candidates if slip(word.lower(), c.lower())]
    if slips:
        return slips[0]
    import difflib  # noqa: PLC0415  (only for a word that is no slip: a mistake's hint)

    found = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return found[0] if found else None


def nearest_choice(word: str, choices: Iterable[str]) -> str | None:
    """The choice a mistyped value of a closed-choice option means (pgn: png, mardown:
    markdown), or None when none is near. Values are short, so difflib's bar is lower
    than for names (adm is adam, trch is torch)."""
    return closest(word.strip().lower(), choices, cutoff=0.6)

