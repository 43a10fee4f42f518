"""The `backprop` command: the process, its arguments and its exit code.

This module and running.py are the only ones that touch stdin, stdout, stderr and exit
codes. stdout is data: with --json it holds exactly one document, errors included;
views and plain text go to stdout without --json; errors, notes and progress go to
stderr. Exit codes: 0 done, 1 the mathematics failed, 2 the input was wrong; never a
traceback.

A command's ordinary run (`backprop eval ...`) goes straight to its handler
(running.run), importing that command's module alone; Typer, which reads nothing of a
command's arguments but --help, is imported for the rest (help, completion, --version,
an unknown command: typerapp.py), which it answers as before. `app`, the Typer app, is
made on first use.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys

from ..output import screen
from . import commands
from .running import run
from .spec import Spec
from .streams import hold_standard_descriptors, say, silence_stdout


def main() -> None:
    """Entry point: never a traceback, whatever happens; exits with the run's code."""
    hold_standard_descriptors()  # before any file is opened
    screen.tidy_environment()  # COLUMNS=0 would draw every view, and every error, empty
    errors = screen.register()
    for stream in (sys.stdout, sys.stderr):
        # A character the encoding cannot write (∂ under PYTHONIOENCODING=ascii, a lone
        # surrogate from a file name that is not UTF-8) is written as ASCII or its
        # escape rather than ending the run (JSON documents are UTF-8 bytes regardless).
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors=errors)
    # The graph, its values and the documents hold no reference cycles, and a run is one
    # pass over them: the cycle collector would only walk the growing heap again and
    # again (a fifth of a 100 000-statement eval). What the imports made is frozen out
    # of its sight, and it stays off for the run.
    gc.freeze()
    gc.disable()
    _exit(run_app())


def run_app() -> int:
    """Run the command line of this process (sys.argv); its exit code."""
    try:
        args = sys.argv[1:]
        spec = _direct(args)
        if spec is None:
            from .typerapp import serve

            serve()
        else:
            try:
                run(spec, args[1:])
            except KeyboardInterrupt:  # said by run(); the code Typer gives it
                return 130
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining.
        silence_stdout()
        return 1
    except (RecursionError, MemoryError) as e:
        say(f"error: the input is too large to handle ({type(e).__name__})")
        return 2
    return 0


def _direct(args: list[str]) -> Spec | None:
    """The command to run without Typer, where Typer would do nothing but run it: a
    command's name first, and no argument Click reads as a command's --help or -h (-h
    among a short option's letters: -xh), nor --, which Click takes away. Else None:
    the shell asking for completions (Typer's _PROG_COMPLETE variables), and Windows,
    where Click expands wildcards in the arguments, go through Typer too."""
    if not args or os.name == "nt" or any(k[:1] == "_" and k.endswith("_COMPLETE")
                                          for k in os.environ):
        return None
    for arg in args[1:]:
        if arg == "--" or arg.split("=", 1)[0] == "--help" \
                or (arg[:1] == "-" and arg[:2] != "--" and "h" in arg[1:]):
            return None
    return commands.spec(args[0])


def __getattr__(name: str):
    """`app`, the Typer app (typerapp.py), made on first use: a command's run does
    without it."""
    if name == "app":
        from .typerapp import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _exit(code: int) -> None:
    """Flush the streams, then leave without tearing down the interpreter: the run's
    files are written and closed, and dismantling every module and array on the way
    out costs a quarter of a short run (~40 ms of CPU). A stream that cannot be flushed
    is the output failing (exit 2), as when it fails during the run."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            silence_stdout()
            code = code or 1
        except (OSError, ValueError):
            silence_stdout()
            code = code or 2
    os._exit(code)
