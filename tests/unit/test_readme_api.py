"""The README's Python API section, run line by line as a REPL session: every `>>>`
statement is executed in order, and what it prints (or the value it shows) must be the
output written under it (doctest's `...` stands for any text). Unlike doctest, an output
may hold blank lines, as the tables do.

Also a script, for a check outside the checkout against an installed package:
    python tests/unit/test_readme_api.py README.md
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import sys
import traceback
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Python API"


def blocks(readme: str) -> list[str]:
    """The ```pycon blocks of the Python API section."""
    start = readme.index(SECTION + "\n")
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start:end if end != -1 else None]
    return re.findall(r"^```pycon\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def examples(block: str) -> list[tuple[str, str]]:
    """(source, expected output) pairs: a `>>>` line and its `...` continuations, then
    every line up to the next `>>>`."""
    out: list[tuple[list[str], list[str]]] = []
    for line in block.split("\n"):
        if line.startswith(">>> "):
            out.append(([line[4:]], []))
        elif out and not out[-1][1] and (line.startswith("... ") or line == "...") \
                and _continues(out[-1][0]):
            out[-1][0].append(line[4:])
        elif out:
            out[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"text before the first >>>: {line!r}")
    return [("\n".join(src), "\n".join(want).strip("\n")) for src, want in out]


def _continues(source: list[str]) -> bool:
    """Whether a statement so far is still open: a compound statement's header or body."""
    return source[0].rstrip().endswith(":") or len(source) > 1


def run(readme: str) -> tuple[int, list[str]]:
    """Run every example of the section in one namespace: how many ran, and each
    mismatch described."""
    namespace: dict = {"__name__": "__readme__"}
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS
    problems, count = [], 0
    for block in blocks(readme):
        for source, want in examples(block):
            count += 1
            got = io.StringIO()
            try:
                code = compile(source + "\n", "<README>", "single")
                with contextlib.redirect_stdout(got):
                    exec(code, namespace)
            except Exception:
                got.write(traceback.format_exc())
            text = "\n".join(line.rstrip() for line in got.getvalue().strip("\n").split("\n"))
            if not checker.check_output(want + "\n", text + "\n", flags):
                problems.append(f">>> {source}\nexpected:\n{want}\ngot:\n{text}\n")
    return count, problems


def test_the_readme_python_api_session_runs_as_shown():
    count, problems = run(README.read_text(encoding="utf-8"))
    assert count >= 20, count
    assert not problems, "\n".join(problems)


def test_the_session_covers_every_call_of_the_api():
    text = "\n".join(blocks(README.read_text(encoding="utf-8")))
    for call in ("bp.evaluate(", "bp.step(", "bp.descend(", "bp.check(", "bp.explain(",
                 "bp.BackpropError", ".gradients", ".history", ".nodes"):
        assert call in text, call


def test_a_wrong_line_is_caught():
    readme = f"{SECTION}\n\n```pycon\n>>> 1 + 1\n3\n>>> print('a')\n...\n```\n"
    count, problems = run(readme)
    assert count == 2 and len(problems) == 1 and "expected:\n3" in problems[0]


if __name__ == "__main__":
    n, bad = run(Path(sys.argv[1] if len(sys.argv) > 1 else README).read_text(encoding="utf-8"))
    print("\n".join(bad) or f"all {n} examples ran as shown")
    sys.exit(1 if bad else 0)
