"""What the command handlers share: the program a command works on (PROGRAM as typed,
the text on stdin, the document on stdin, or the session), the program options every
program command passes on to the API as they were typed, and the views, loaded only
where something is drawn."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from .. import api
from ..api import UsageError
from .options import CommandLine
from .spec import Env, Outcome


def program(line: CommandLine, env: Env, stdin_document: bool = True) -> Any:
    """What a program command works on: PROGRAM (text, file, or - for stdin), else the
    document on stdin, else the session (locked, for a command that changes it)."""
    if line.program == "-":
        text = env.stdin()
        if text is None:
            raise UsageError("- reads the program from stdin, but stdin is a terminal or empty",
                             hint='pipe it in: echo "g = x*y" | backprop eval - --x 3 --y -4')
        return text
    if line.program is not None:
        return api.Typed(line.program)
    piped = env.stdin() if stdin_document else None
    if piped:
        return api.Document(piped, "stdin")
    return env.session


def options(line: CommandLine, *names: str) -> dict[str, Any]:
    """The options given, as typed, for the API's keywords of the same names (the API
    reads and checks them); those not given are left to the API's defaults."""
    return {n.replace("-", "_"): line.options[n] for n in names if n in line.options}


PROGRAM_OPTIONS = ("output", "params", "freeze", "seed")


def views():
    from ..terminal import views  # Rich: only where something is drawn

    return views


def pass_outcome(command: str, result: Any, full: bool, note: str | None = None) -> Outcome:
    """The outcome of a command that shows one pass over the program (forward, hessian,
    cost), both made only when asked for: its document, the evaluation's with the keys of
    output/passes.py's `<command>_fields`, and its view, the terminal's
    `<command>_report`."""
    r = result.result
    assert r is not None

    def document() -> dict:
        from ..output import document as doc
        from ..output import passes  # with these commands only

        return doc.document(command, r.evaluation, r.point,
                            **getattr(passes, f"{command}_fields")(result))

    return Outcome(document=document,
                   view=lambda: getattr(views(), f"{command}_report")(result, full), note=note)


def frozen_note(line: CommandLine, r: api.Result) -> str | None:
    """The note a step (or a descent) going on from a saved point gives when that point
    keeps inputs frozen by an earlier --freeze or --params: said on every step, since
    nothing on the command line shows it."""
    if line.program is not None or "freeze" in line.options or "params" in line.options:
        return None
    frozen = [n for n in r.evaluation.graph.input_names if n not in r.point.params]
    if not frozen:
        return None
    one = len(frozen) == 1
    them = "it" if one else "them"
    return (f"note: {', '.join(frozen)} stayed where {'it was' if one else 'they were'}: the "
            f"point this went on from keeps {them} frozen (an earlier --freeze or --params); "
            f'--freeze "" frees {them}')


def left_out_note(option: str, missing: Sequence[str]) -> str | None:
    """What a direction (--direction, --hvp) that names only some inputs takes the others
    as: 0, said once, with how to move along one."""
    if not missing:
        return None
    return (f"note: --{option} leaves out {', '.join(missing)}: taken as 0 (give "
            f"{missing[0]}=N to move along it)")


def late_progress(env: Env, later: contextlib.ExitStack,
                  what: str) -> Callable[[int, int], None]:
    """A progress(done, total) for the API that opens the bar at its first call, when
    the total is known, and leaves it to `later` to close."""
    bar: list = []

    def tell(done: int, total: int) -> None:
        if not bar:
            bar.append(later.enter_context(env.progress(what, total)))
        if bar[0] is not None:
            bar[0](done, total)

    return tell
