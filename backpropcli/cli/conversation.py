"""The conversation of `backprop quiz`: where its words go and where its answers come
from (the asking itself is the API's: api.quiz).

The words go to stdout, or to stderr with --json (stdout is data: the one document the
command ends with). Answers come from the terminal a line at a time; when stdin is not
a terminal, from its lines, read one at a time as the quiz asks for them (AnswerLines:
one line held, never the stream; every byte counted against the limit on inputs) and
echoed after their prompts so that the transcript reads as a dialogue. End of input
stops the quiz with the score so far.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..api import OutputError, UsageError, check_bytes
from ..output.text import visible
from .options import CommandLine
from .spec import Env
from .streams import refuse_device

if TYPE_CHECKING:  # the quiz's modules load with a quiz, not at every start
    from ..api import AnswerLines


@dataclass
class Talk:
    """Where the quiz's words go, and where its answers come from."""

    write: Callable[[str], None]
    read: Callable[[], str | None]  # the next line of input, None at its end
    echo: bool  # the answers come from a pipe: write each after its prompt


def piped_answers(line: CommandLine, env: Env) -> AnswerLines | None:
    """The piped answers, to be read a line at a time (None: a terminal, read as the quiz
    goes). A regular file over the limit, or a device, is refused before any is read."""
    from ..api import AnswerLines
    stream = sys.stdin
    if line.flag("ignore-stdin"):  # as with < /dev/null: no answers, each question unanswered
        return AnswerLines(io.BytesIO())
    if _terminal(stream):
        return None
    if line.program == "-":
        raise UsageError("PROGRAM - reads the program from stdin, which leaves no answers "
                         "to read there", hint="give the program as text or a file, or use "
                                               "--sheet and --answers FILE")
    answers = AnswerLines(_bytes(stream))
    first = answers.first()
    if first is not None and first.lstrip().startswith("{"):  # eval --json | quiz: not answers
        raise UsageError("stdin holds a JSON document, where the quiz reads its answers, one "
                         "per line", hint="grade a sheet of answers with --answers -; for a "
                                          "quiz on a program, give PROGRAM (or use the session)")
    return answers


def _bytes(stream):
    """stdin as bytes (a stream of text without a buffer, as a test may set, encoded),
    measured first where it can be: a file by its size, a device refused."""
    if stream is None or stream.closed:
        return io.BytesIO()
    refuse_device(stream)
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        info = None  # no descriptor: a test's stream, counted as it is read
    if info is not None and stat.S_ISREG(info.st_mode):
        check_bytes(info.st_size, "stdin")
    buffer = getattr(stream, "buffer", None)
    return buffer if buffer is not None else _Encoded(stream)


class _Encoded:
    """A text stream read as UTF-8 bytes."""

    def __init__(self, text) -> None:
        self.text = text

    def readline(self, size: int = -1) -> bytes:
        return self.text.readline(size).encode("utf-8", "surrogateescape")

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8", "surrogateescape")


def talk(as_json: bool, answers: Callable[[], str | None] | None) -> Talk:
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
            except KeyboardInterrupt:  # Ctrl-C at the prompt: end its line, then stop
                with contextlib.suppress(OutputError):  # ("interrupted" follows, exit 130)
                    write("\n")
                raise
            return text.rstrip("\r\n") if text else None

        return Talk(write, read, echo=False)
    return Talk(write, answers, echo=True)


def _terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False
