"""The one place where the command line turns the API's words into its own: an error
names the API's parameters (lr, y=VALUE), and the command line says them as its options
(--lr, --y VALUE) when it reports the error (running.py); and where an unknown name is
most likely a mistyped option, or another command's, or a command is mistyped
(`backprop evl`), it says so."""

from __future__ import annotations

from typing import TypeVar

from ..api import BackpropError, Spelling, UnknownNames, UsageError
from . import options
from .spec import Spec

Error = TypeVar("Error", bound=BackpropError)

__all__ = ["HELP_COMMAND", "OPTIONS", "ROOT_FLAGS", "OptionSpelling", "elsewhere", "meant",
           "root_option", "spelled", "unknown_command"]


class OptionSpelling(Spelling):
    """The API's parameters as the command line's options: lr as --lr, y=VALUE as
    --y VALUE (every option is named after its parameter, - for _)."""

    where = "on the command line"

    def param(self, name: str) -> str:
        return "--" + name.replace("_", "-")

    def give(self, name: str, value: str) -> str:
        return f"{self.param(name)} {value}"

    def session(self, path: str) -> str:
        return f"--state {path}"

    def reset(self, path: str) -> str:
        return f"backprop reset --state {path}"


OPTIONS = OptionSpelling()


def spelled(err: Error) -> Error:
    """The error with the parameters it names written as options: the one place where
    the command line turns the API's words into its own."""
    err.spelled(OPTIONS)
    return err


def meant(err: UnknownNames, spec: Spec) -> BackpropError:
    """A value for a name the program does not use is most often a mistyped option
    (--ouptut f): say so, with the option meant; else the input meant, if one is close."""
    known = {o.name: o for o in spec.options}
    for name in err.names:
        flag = options.closest(name, [o for o in known if o != "NAME"] + list(options.BUILT_IN))
        if flag is not None:
            return UsageError(f"unknown option --{name}", hint=f"did you mean --{flag}?")
    for name in err.names:
        close = options.closest(name, err.inputs)
        if close is not None:
            return UsageError(err.message, hint=f"did you mean --{close}? ({err.hint})")
    return err


def elsewhere(err: UsageError, args: list[str], spec: Spec) -> UsageError:
    """An unknown option that another command takes (step --steps 3): say which."""
    if not err.message.startswith("unknown option --") or (err.hint or "").startswith("did"):
        return err
    name = err.message.removeprefix("unknown option --")
    from .commands import SPECS  # the commands, which import this module's neighbours

    for other in SPECS:
        if other is not spec and any(o.name == name for o in other.options):
            return UsageError(err.message, hint=f"--{name} is an option of `backprop "
                                                f"{other.name}`")
    return err


ROOT_FLAGS = ("--version", "--install-completion", "--show-completion", "--help", "-h")
HELP_COMMAND = ("help", "the help of a command: backprop help eval")


def unknown_command(name: str) -> UsageError:
    """`backprop evl`: the command meant, else the commands there are."""
    from .commands import BY_NAME

    names = [*BY_NAME, HELP_COMMAND[0]]
    near = options.closest(name, names, cutoff=0.6)
    return UsageError(f"unknown command {name!r}",
                      hint=f"did you mean `backprop {near}`?" if near else
                      "commands: " + ", ".join(names))


def root_option(token: str, args: list[str]) -> UsageError:
    """An option before any command (`backprop --jsn`, `backprop --json eval`)."""
    flag = token.split("=")[0]
    from .commands import BY_NAME

    near = options.closest(flag, ROOT_FLAGS)
    command = next((a for a in args if a in BY_NAME), None)
    if near is not None:
        return UsageError(f"unknown option {flag}", hint=f"did you mean {near}?")
    if command is not None:
        return UsageError(f"unknown option {flag} before the command",
                          hint=f"a command's options go after it: backprop {command} ... "
                               f"{flag}")
    return UsageError(f"unknown option {flag}", hint="backprop --help lists the commands")
