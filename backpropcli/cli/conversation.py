"""The conversation of `backprop quiz`: where its words go, where its answers come
from, and the asking of each question in turn.

The words go to stdout, or to stderr with --json (stdout is data: the one document the
command ends with). Answers come from the terminal a line at a time; when stdin is not
a terminal, from its lines, read one at a time as the quiz asks for them (AnswerLines:
one line held, never the stream; every byte counted against the limit on inputs) and
echoed after their prompts so that the transcript reads as a dialogue. End of input
stops the quiz with the score so far.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ..core.errors import OutputError, UsageError
from ..core.limits import check_bytes
from ..output import hints
from ..output import quiztext as words
from ..output.text import visible
from ..tasks import grading
from ..tasks import quiz as quizzing
from ..tasks.answers import (
    AnswerLines,
    NotANumber,
    agrees,
    fits,
    read_answer,
    wrong_elements,
)
from ..tasks.grading import Graded, Result
from ..tasks.quiz import Question, Quiz
from .options import CommandLine
from .spec import Env
from .streams import refuse_device


@dataclass
class Talk:
    """Where the quiz's words go, and where its answers come from."""

    write: Callable[[str], None]
    read: Callable[[], str | None]  # the next line of input, None at its end
    echo: bool  # the answers come from a pipe: write each after its prompt


def piped_answers(line: CommandLine, env: Env) -> AnswerLines | None:
    """The piped answers, to be read a line at a time (None: a terminal, read as the quiz
    goes). A regular file over the limit, or a device, is refused before any is read."""
    stream = sys.stdin
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
            return text.rstrip("\r\n") if text else None

        return Talk(write, read, echo=False)
    return Talk(write, answers, echo=True)


def _terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def converse(quiz: Quiz, talk: Talk) -> Result:
    """Ask every question in order; stop at the end of input with the score so far."""
    problem = words.problem_line(quiz)
    talk.write(f"Quiz: {words.program_line(quiz.point.program)}\n  {words.point_line(quiz)}\n"
               + (f"  {problem}\n" if problem else "")
               + f"{words.asking(quiz)}\n{words.INTRO}\n")
    graded: list[Graded] = []
    kind = None
    for k, q in enumerate(quiz.questions):
        if q.kind != kind:
            kind = q.kind
            talk.write(f"\n{words.kind_title(quiz, kind)}\n")
        talk.write(f"[{k + 1}/{len(quiz.questions)}] "
                   f"{words.context(quiz, q, quiz.known(k))}\n")
        tries, ended = _ask(quiz, q, talk)
        graded.append(Graded(q, tries, grading.verdict(q, tries, quiz.tol)))
        if ended:
            talk.write("(end of input: the questions left count as not answered)\n\n")
            graded += [Graded(rest, (), grading.UNANSWERED)
                       for rest in quiz.questions[k + 1:]]
            return Result(quiz, tuple(graded), stopped=True)
    talk.write("\n")
    return Result(quiz, tuple(graded))


def _ask(quiz: Quiz, q: Question, talk: Talk) -> tuple[tuple, bool]:
    """One question: up to two tries, a hint after the first wrong one, the right answer
    and its derivation after the second. An answer that is not a number is asked again
    and not counted; one of the wrong shape is a wrong try (from a pipe, the next line
    is meant for the next try). Returns the tries and whether input ended."""
    tries: list = []
    while len(tries) < quizzing.TRIES:
        talk.write(f"  {words.symbol(quiz, q)} = ")
        text = talk.read()
        if text is None:
            talk.write("\n")
            return tuple(tries), True
        if talk.echo:
            talk.write(text + "\n")
        try:
            answer = read_answer(text)
        except NotANumber as e:  # asked again, not counted as a try
            talk.write(f"  {e.message}\n")
            continue
        tries.append(answer)
        talk.write(f"  {_feedback(quiz, q, answer, len(tries))}\n")
        if agrees(answer, q.right, quiz.tol):
            break
    return tuple(tries), False


def _feedback(quiz: Quiz, q: Question, answer, tried: int) -> str:
    if agrees(answer, q.right, quiz.tol):
        return "right" if tried == 1 else "right, on the second try"
    if not fits(answer, q.right):  # a try all the same: a typed answer goes on
        said = f"not right: {words.shape_text(quiz, q)}"
    else:
        off = words.off_text(wrong_elements(answer, q.right, quiz.tol))
        said = f"not right ({off})" if off else "not right"
    if tried < quizzing.TRIES:
        return f"{said}. Hint: {hints.hint(quiz, q)}. One more try:"
    return f"{said}. {hints.derivation(quiz, q)}"
