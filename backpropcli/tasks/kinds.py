"""The kinds of question a quiz asks, in the order a person works them by hand. The
command line names them in --ask's help and completion at every start, so they live
apart from the quiz itself (tasks/quiz.py), which only a quiz loads."""

from __future__ import annotations

KINDS = ("value", "local", "tangent", "grad", "step")
DEFAULT_KINDS = ("local", "grad")
