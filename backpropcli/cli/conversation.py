"""The conversation of `backprop quiz`: where its words go and where its answers come
from (the asking itself is the API's: api.quiz).

The words go to stdout, or to stderr with --json (stdout is data: the one document the
command ends with). Answers come from the terminal a line at a time; when stdin is not
a terminal, from its lines, read at once (app.py reads stdin once, and bounded) and
echoed after their prompts so that the transcript reads as a dialogue. End of input
stops the quiz with the score so far.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from ..api import OutputError, UsageError
from ..output.text import visible
from .options import CommandLine
from .spec import Env


@dataclass
class Talk:
    """Where the quiz's words go, and where its answers come from."""

    write: Callable[[str], None]
    read: Callable[[], str | None]  # the next line of input, None at its end
    echo: bool  # the answers come from a pipe: write each after its prompt


def piped_answers(line: CommandLine, env: Env) -> list[str] | None:
    """The lines of piped answers, read now (None: a terminal, read as the quiz goes)."""
    if _terminal(sys.stdin):
        return None
    if line.program == "-":
        raise UsageError("PROGRAM - reads the program from stdin, which leaves no answers "
                         "to read there", hint="give the program as text or a file, or use "
                                               "--sheet and --answers FILE")
    piped = env.stdin() or ""
    if piped.lstrip().startswith("{"):  # eval ... --json | backprop quiz: not answers
        raise UsageError("stdin holds a JSON document, where the quiz reads its answers, one "
                         "per line", hint="grade a sheet of answers with --answers -; for a "
                                          "quiz on a program, give PROGRAM (or use the session)")
    return piped.splitlines()


def talk(as_json: bool, answers: list[str] | None) -> Talk:
    """Words to stdout (stderr with --json); answers from `answers`, or the terminal."""
    stream = sys.stderr if as_json else sys.stdout

    def write(text: str) -> None:
        if stream is None and as_json:  # stderr closed (2>&-): the talk has nowhere to go
            return
        try:
            stream.write(visible(text))
            stream.flush()
        except (OSError, ValueError, AttributeError) as e:  # AttributeError: closed
            raise OutputError(f"cannot write the quiz: {getattr(e, 'strerror', None) or e}"
                              ) from None

    if answers is None:
        def read() -> str | None:
            try:
                text = sys.stdin.readline()
            except (OSError, ValueError):  # the terminal went away, or sent no text
                return None
            return text.rstrip("\r\n") if text else None

        return Talk(write, read, echo=False)
    lines = iter(answers)
    return Talk(write, lambda: next(lines, None), echo=True)


def _terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False
