"""Errors a user can cause, each carrying its exit code and, when it has one, a place.

Exit codes: 1 when the mathematics failed (a value that is not finite, a failed
gradient check), 2 when the input was wrong (usage, syntax, a missing or unknown
value, a shape that does not fit, a bad file or document). Anything else escaping
the core is a bug, and the CLI still reports it without a traceback.
"""

from __future__ import annotations


class BackpropError(Exception):
    """Base of every error shown to a user: a message, an exit code, maybe a place."""

    exit_code = 2
    kind = "error"

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
        super().__init__(message)
        self.message = message
        self.data = data or {}  # more for the JSON error document (e.g. where a descent got)
        self.line = line
        self.column = column
        self.source = source
        self.hint = hint

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
