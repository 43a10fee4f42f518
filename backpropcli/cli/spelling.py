"""The one place where the command line turns the API's words into its own: an error
names the API's parameters (lr, y=VALUE), and the command line says them as its options
(--lr, --y VALUE) when it reports the error (app.py)."""

from __future__ import annotations

from typing import TypeVar

from ..api import BackpropError, Spelling

Error = TypeVar("Error", bound=BackpropError)

__all__ = ["OPTIONS", "OptionSpelling", "spelled"]


class OptionSpelling(Spelling):
    """The API's parameters as the command line's options: lr as --lr, y=VALUE as
    --y VALUE (every option is named after its parameter, - for _)."""

    where = "on the command line"

    def param(self, name: str) -> str:
        return "--" + name.replace("_", "-")

    def give(self, name: str, value: str) -> str:
        return f"{self.param(name)} {value}"


OPTIONS = OptionSpelling()


def spelled(err: Error) -> Error:
    """The error with the parameters it names written as options: the one place where
    the command line turns the API's words into its own."""
    err.spelled(OPTIONS)
    return err
