"""`backprop reset`: forget the session (remove its file), then say so."""

from __future__ import annotations

import os
from collections.abc import Callable

from ...output import document as doc
from .. import options as o
from ..options import CommandLine
from ..spec import Env, Outcome, Spec


def run_reset(line: CommandLine, env: Env) -> Outcome:
    path = env.state
    removed = os.path.lexists(path)

    def commit(publish: Callable[[], None]) -> None:
        env.session.reset(then=publish)

    return Outcome(document=lambda: doc.reset_document(str(path), removed), text="",
                   note=f"removed the session {path}" if removed else f"no session at {path}",
                   commit=commit)


SPEC = Spec(
    "reset", "Forget the session (remove its file).",
    "Forget the session: remove its file. Only a backprop session, or what is left of "
    "one, is removed; any other file given with --state is left alone.",
    ("backprop reset", "backprop reset --state other.json"),
    (o.STATE, o.JSON), run_reset, program=False, rank=15)
