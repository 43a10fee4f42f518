"""Errors a user can cause, each carrying its exit code and, when it has one, a place.

Exit codes: 1 when the mathematics failed (a value that is not finite, a failed
gradient check), 2 when the input was wrong (usage, syntax, a missing or unknown
value, a shape that does not fit, a bad file or document). Anything else escaping
the core is a bug, and the CLI still reports it without a traceback.
"""

from __future__ import annotations

import re

# A parameter named in an error's text is marked, so that each front end spells it its
# own way: the Python API as the parameter (lr, y=VALUE), the command line as its option
# (--lr, --y VALUE). Every message is worded once, here below or where it is raised.
_MARK = re.compile("\x1e(param|give|where|session|reset):([^\x1e]*)\x1e")


def param(name: str) -> str:
    """A parameter named in an error: `lr` in Python, `--lr` on the command line."""
    return f"\x1eparam:{name}\x1e"


def give(name: str, value: str = "VALUE") -> str:
    """A value to give: `y=VALUE` in Python, `--y VALUE` on the command line."""
    return f"\x1egive:{name}={value}\x1e"


WHERE = "\x1ewhere:\x1e"  # where values are given: "as keywords", "on the command line"


def session_at(path: str = "PATH") -> str:
    """Where a session file is chosen: `Session(PATH)` in Python, `--state PATH` on the
    command line."""
    return f"\x1esession:{path}\x1e"


def reset_at(path: str) -> str:
    """How a session is removed: `Session(path).reset()`, or `backprop reset --state path`."""
    return f"\x1ereset:{path}\x1e"


class Spelling:
    """How a front end writes parameters in its errors; this one is Python's."""

    where = "as keywords"

    def param(self, name: str) -> str:
        return name

    def give(self, name: str, value: str) -> str:
        return f"{name}={value}"

    def session(self, path: str) -> str:
        return f"Session({path if path == 'PATH' else repr(path)})"

    def reset(self, path: str) -> str:
        return f"{self.session(path)}.reset()"


def spell(text: str, how: Spelling) -> str:
    """The text with its marked parameters written as `how` writes them."""
    if "\x1e" not in text:
        return text

    def one(m: re.Match) -> str:
        kind, body = m.group(1), m.group(2)
        if kind == "param":
            return how.param(body)
        if kind == "give":
            name, _, value = body.partition("=")
            return how.give(name, value)
        if kind == "session":
            return how.session(body)
        if kind == "reset":
            return how.reset(body)
        return how.where

    return _MARK.sub(one, text)


PYTHON = Spelling()


class BackpropError(Exception):
    """Base of every error shown to a user: a message, an exit code, maybe a place."""

    exit_code = 2
    kind = "error"
    verdict = False  # a result told by its exit code (a quiz's score), not an error

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
        hint: str | None = None,
        data: dict | None = None,
    ) -> None:
        self._said = (message, hint)  # as raised, parameters marked (see spell)
        message, hint = spell(message, PYTHON), hint and spell(hint, PYTHON)
        super().__init__(message)
        self.message = message
        self.data = data or {}  # more for the JSON error document (e.g. where a descent got)
        self.line = line
        self.column = column
        self.source = source
        self.hint = hint

    def add_hint(self, more: str) -> None:
        """Add to the hint (after any there is): a front end's advice on its own terms."""
        message, hint = self._said
        self._said = (message, f"{hint}; {more}" if hint else more)
        self.hint = f"{self.hint}; {more}" if self.hint else more

    def spelled(self, how: Spelling) -> None:
        """Write the parameters this error names as `how` writes them (the command line
        calls this once, where it reports an error)."""
        message, hint = self._said
        self.message = spell(message, how)
        self.hint = hint and spell(hint, how)

    def context(self) -> str | None:
        """The offending source line with a caret under the column, if there is a place."""
        if self.source is None or self.line is None or self.column is None:
            return None
        lines = self.source.split("\n")
        if not 1 <= self.line <= len(lines):
            return None
        text = lines[self.line - 1].replace("\t", " ").rstrip("\r")
        # Long lines (a 100 000-term sum) are cut around the caret so it stays on screen.
        start = max(0, self.column - 1 - 60)
        shown = text[start : start + 120]
        prefix = "…" if start else ""
        suffix = "…" if start + 120 < len(text) else ""
        caret = " " * (len(prefix) + self.column - 1 - start) + "^"
        return f"  {prefix}{shown}{suffix}\n  {caret}"

    def where(self) -> str:
        if self.line is None:
            return ""
        return f"line {self.line}, column {self.column}: "

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            **({"hint": self.hint} if self.hint else {}),
        }


class UsageError(BackpropError):
    """The command line itself is wrong: an unknown option, a missing value."""

    kind = "usage"


class SyntaxProblem(BackpropError):
    """The program text does not parse."""

    kind = "syntax"


class ProgramError(BackpropError):
    """The program parses but does not make sense: unknown function, wrong arity."""

    kind = "program"


class ValueProblem(BackpropError):
    """A value is missing, unknown, not a number, or a file/document is unreadable."""

    kind = "value"


class UnknownNames(ValueProblem):
    """Values given for names the program does not have as inputs (often a mistyped
    option: the command line can then say which option was meant)."""

    def __init__(self, message: str, *, names: list[str], inputs: list[str],
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.names = names  # the names given that are not inputs
        self.inputs = inputs  # the program's inputs


class ShapeError(BackpropError):
    """Array shapes do not fit an op (numpy refused to broadcast or multiply)."""

    kind = "shape"


class LimitError(BackpropError):
    """A file, a document or an array larger than the limits allow (limits.py)."""

    kind = "limit"


class OutputError(BackpropError):
    """The output could not be written: a full disk, a closed stdout."""

    kind = "output"


class SessionError(BackpropError):
    """The saved session is missing or broken."""

    kind = "session"


class MathError(BackpropError):
    """The mathematics failed: a value or gradient that is not a finite number."""

    exit_code = 1
    kind = "math"


class CheckFailed(MathError):
    """A gradient check found back-propagation and finite differences disagreeing."""

    kind = "check"
