"""The session: the file where `backprop eval` keeps its point and its history, which
`step` and the other commands go on from; found as git finds its repository. Locked
for a whole read–modify–write (tasks/session.py does the work)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..tasks import session as saving
from ..tasks.point import Point
from . import checks
from .results import Renderable, Shown

DEFAULT = saving.DEFAULT  # .backprop/session.json
ENV = saving.ENV  # BACKPROP_STATE


class Session:
    """A session file: `Session()` the one found from the current folder up (or
    $BACKPROP_STATE's), `Session(path)` another. `.point` is where it stands, `.history`
    the output's value at each step; `.reset()` removes it. Reading it raises a
    BackpropError naming the file when it is missing or broken."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.named = path is not None or bool(os.environ.get(ENV))  # not found by search
        self.path: Path = saving.location(None if path is None else os.fspath(path))
        self._tx: saving.Transaction | None = None

    def __repr__(self) -> str:
        return f"Session({str(self.path)!r})"

    def saved(self) -> saving.Session:
        """The session as the file holds it (as the lock holder sees it, in a change)."""
        current = self._tx.current() if self._tx is not None else None
        return current or saving.load(self.path)

    @property
    def point(self) -> Point:
        """Where the session stands: the point `step` goes on from."""
        return self.saved().point

    @property
    def history(self) -> list[dict]:
        """The output's value at the evaluation and after each step: "step", "value",
        "lr", "change" (and a descent's watched nodes)."""
        return list(self.saved().history)

    def reset(self, then: Callable[[], None] | None = None) -> bool:
        """Remove the session file (only a session, or what is left of one); `then` is
        called after. Whether there was one."""
        there = os.path.lexists(self.path)
        saving.clear(self.path, then=then)
        return there

    @contextmanager
    def change(self, on_wait: Callable[[], None] | None = None
               ) -> Iterator[saving.Transaction]:
        """Hold the session's lock for a read–modify–write: yields the transaction
        (`.current()`, `.save(...)`, `.restore()`); `on_wait` is told if another process
        holds the lock."""
        with saving.transaction(self.path, on_wait) as tx:
            self._tx = tx
            try:
                yield tx
            finally:
                self._tx = None

    def current(self) -> saving.Session | None:
        """In a change, the session as it is (None where there is none yet)."""
        return self._tx.current() if self._tx is not None else None

    def continued(self, point: Point, entries: list[dict],
                  fresh: bool = False) -> saving.Session:
        """The session at `point`, its history continued by `entries` (or begun anew
        for a `fresh` program, another program or another output)."""
        return saving.continued(self.current(), point, entries, fresh)


@dataclass(frozen=True, repr=False, eq=False)
class History(Shown):
    """A session's history: `.point` where it stands, `.entries` the output's value at
    each step; shown as `backprop history` shows it."""

    point: Point
    entries: list[dict]

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.history_table(self.entries, self.point.output, full)


@checks.keywords
def history(session: Session | str | os.PathLike[str] | None = None) -> History:
    """The history of a session (a Session, or the path of its file; by default the one
    found from the current folder up): where it stands and the output's value at the
    evaluation and after each step. Raises BackpropError when there is no session or it
    is broken."""
    if not isinstance(session, Session):
        session = Session(session)
    saved = session.saved()
    return History(saved.point, list(saved.history))
