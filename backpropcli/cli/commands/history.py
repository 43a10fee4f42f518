"""`backprop history`: the session's history, the output's value at each step."""

from __future__ import annotations

from ... import api
from ...output import document as doc
from .. import options as o
from ..handling import views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec


def run_history(line: CommandLine, env: Env) -> Outcome:
    saved = api.history(env.session)
    return Outcome(
        document=lambda: doc.history_document(saved.point, saved.entries),
        view=lambda: views().history_table(saved.entries, saved.point.output,
                                           line.flag("full")))


SPEC = Spec(
    "history", "The session's history: the output's value at each step.",
    "The session's history: the output's value at the evaluation and after each step "
    "(a long descent's thinned to an even spread).",
    ("backprop history", "backprop history --json | jq '.history[-1]'"),
    (o.STATE, o.DIGITS, o.HISTORY_FULL, o.JSON), run_history, program=False, rank=14)
