"""The saved session that `step`, `history` and the other commands continue from.

A JSON file (default .backprop/session.json in the current folder; --state PATH or
BACKPROP_STATE choose another) holding the current point — program, output, inputs,
params — and the history of values, one entry per evaluation or step.

What the file promises:
- A session is used only if it is safely the user's own (safe.py, git's safe.directory
  rule): the file, its lock and its .backprop folder belong to the user and no one else
  can write them. Anything else is refused, naming it, before it is read or locked.
- Only a regular file that is a backprop session, or an absent path, is ever written.
  A directory, a device, a symbolic link, or a file that is not a session (another
  JSON file, a truncated session) is refused with its name, never replaced; `backprop
  reset` is the way to start over.
- Every change is a read–modify–write under an exclusive lock (flock on a private
  `.NAME.lock` file beside the session), so concurrent commands queue and none loses
  a step.
- The new content is written to a private temporary file, flushed to the disk, and
  renamed over the old one: a crash leaves the old session or the new one, never half
  of one; temporaries of killed processes are removed by the next save. The file is
  always private (0600, whatever mode an old one had), in a .backprop folder made 0700.
- What is written can be read back: a session larger than the size limit on reading
  files (BACKPROP_MAX_BYTES) is refused before it is written, not the next time it is
  read; and `backprop reset` removes a session of any size or damage.
- Large arrays are stored compactly (base64 of their float64 bytes, stored.py), so the
  file stays within about 1.4× the data it holds; small ones stay readable lists.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from ..core.errors import BackpropError, LimitError, SessionError, UsageError, reset_at, session_at
from ..core.limits import BYTES_ENV, max_bytes, size_text
from . import files, stored
from .history import read as read_entry
from .jsontext import NOT_JSON, dumps, dumps_bytes, loads
from .point import Point, point_from
from .safe import refuse_unsafe

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: the session then refuses to lock (_locked says why)
    fcntl = None

DEFAULT = Path(".backprop") / "session.json"
ENV = "BACKPROP_STATE"
SCHEMA = "backprop-session/1"


CEILING = "BACKPROP_CEILING"  # a folder the search for .backprop/ never goes above


def location(explicit: str | None = None) -> Path:
    """--state PATH, else $BACKPROP_STATE (if set and not empty), else the session found
    as git finds its repository: .backprop/session.json in the current folder or the
    nearest folder above it (found()), else .backprop/session.json here."""
    if explicit is not None and not explicit.strip():
        raise UsageError("the session file's path is empty: give the path of a file",
                         hint=f"{session_at()}, or leave it out for .backprop/session.json")
    if explicit or os.environ.get(ENV):
        return Path(explicit or os.environ[ENV])
    return found() or DEFAULT


def search_path(start: Path | None = None) -> list[Path]:
    """The folders searched for .backprop/, nearest first: the current one and those
    above it, stopping at the home folder, at a file-system boundary (a mount), and at
    $BACKPROP_CEILING, like git's GIT_CEILING_DIRECTORIES."""
    try:
        here = (start or Path.cwd()).resolve()
        device = os.stat(here).st_dev
    except OSError:
        return []
    stops = {Path(p).expanduser().resolve() for p in (os.environ.get(CEILING), "~") if p}
    folders = [here]
    for parent in here.parents:
        if folders[-1] in stops:
            break
        try:
            if os.stat(parent).st_dev != device:
                break
        except OSError:
            break
        folders.append(parent)
    return folders


def found(start: Path | None = None) -> Path | None:
    """The session of the nearest folder with one (relative when it is here)."""
    for k, folder in enumerate(search_path(start)):
        if os.path.lexists(folder / DEFAULT):
            return DEFAULT if k == 0 else folder / DEFAULT
    return None


@dataclass(frozen=True)
class Session:
    point: Point
    # {"step", "value", "lr", "change", "watched": {name: value}} (tasks/history.py)
    history: list[dict] = field(default_factory=list)


def continued(old: Session | None, point: Point, entries: list[dict],
              fresh: bool = False) -> Session:
    """The session at `point`, its history continued by `entries`, or started anew for a
    fresh program (a command given PROGRAM), another program or another output.

    An entry without a step number is the next step. A descent's entries carry their
    own, counted from where the run started (0, its starting point): continuing, they
    are counted on from the last step, and the starting point, already the last entry,
    is not written twice."""
    history: list[dict] = []
    if not fresh and old is not None and old.point.program == point.program and \
            old.point.output == point.output:
        history = list(old.history)
    base = history[-1]["step"] if history else 0
    for entry in entries:
        if "step" in entry:
            if history and entry["step"] == 0:
                continue
            step = base + entry["step"] if history else entry["step"]
        else:
            step = history[-1]["step"] + 1 if history else 0
        history.append({**entry, "step": step})
    return Session(point, history)


def _reset_hint(path: Path) -> str:
    if _ours(path):
        return f"start over with: {reset_at(str(path))}"
    return (f"give another file with {session_at()}; this one is left as it is (if it was a "
            "session, remove it yourself)")


def load(path: Path) -> Session:
    """The session in `path`, or a SessionError naming the file and what is wrong."""
    _refuse_unsafe(path)
    if not os.path.lexists(path):
        where = f"no session at {path}"
        if path == DEFAULT:
            folders = search_path()
            where = (f"no session in {folders[0]}" + (f" or the folders above it, up to "
                     f"{folders[-1]}" if len(folders) > 1 else "")) if folders else where
        raise SessionError(where, hint='start one with: backprop eval "g = x*y + z" '
                                       '--x 3 --y -4 --z 2')
    text = files.read_text(path, "the session: ", error=SessionError)
    return parse(text, path)


def parse(text: str, path: Path) -> Session:
    doc = loads(text, lambda why: SessionError(f"the session file {path} is broken: {why}",
                                               hint=_reset_hint(path)))
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise SessionError(f"{path} is not a backprop session file", hint=_reset_hint(path))
    origin = f"the session {path}"
    try:
        point = point_from(doc.get("point"), origin, read_input=stored.read_input)
    except BackpropError as e:  # a ValueProblem about the point is a broken session here
        raise SessionError(e.message, hint=_reset_hint(path)) from None
    return Session(point, _history(doc.get("history"), path))


def _history(history, path: Path) -> list[dict]:
    """The history as saved, each entry checked and made whole (tasks/history.py; an
    older session's flat entries are read too): a hand-edited file is said to be broken
    where it is, rather than breaking the table that shows it."""
    if not isinstance(history, list):
        raise SessionError(f"the session file {path} has a broken history (not a list)",
                           hint=_reset_hint(path))
    entries = []
    for k, raw in enumerate(history):
        entry, problem = read_entry(raw)
        if entry is None:
            raise SessionError(f"the session file {path} has a broken history: entry {k} "
                               f"{problem}", hint=_reset_hint(path))
        entries.append(entry)
    return entries


def text(session: Session) -> str:
    """The session file's text."""
    data = encoded(session)
    return data if isinstance(data, str) else data.decode("utf-8")


def encoded(session: Session) -> str | bytes:
    """The session file's text, or (for a big session, written unindented) its UTF-8
    bytes straight from orjson: a large array's base64 is not copied twice more."""
    p = session.point
    doc = {
        "schema": SCHEMA,
        "point": {
            "schema": "backprop/1",
            "program": p.program,
            "output": p.output,
            "inputs": {k: stored.stored(v) for k, v in p.inputs.items()},
            "params": p.params,
            **({"base": str(p.base)} if p.base is not None else {}),
        },
        "history": session.history,
    }
    # Indented for a person to read, unless big: json's fast C encoder writes only
    # unindented text.
    small = sum(np.size(v) for v in p.inputs.values()) <= 1000 and len(session.history) <= 1000
    return dumps(doc, indent=1) if small else dumps_bytes(doc)


class Transaction:
    """The session while a command holds its lock: what is there now, the save, and
    the way back if what follows the save fails."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current: Session | None = None
        self._before: str | None = None  # the file's text as it was, to put back
        self._read = False

    def current(self) -> Session | None:
        """The session as it is now, or None where there is none yet. A file that is
        there but is no session is an error: it is never replaced."""
        if not self._read:
            if os.path.lexists(self.path):
                self._before = files.read_text(self.path, "the session: ", error=SessionError)
                self._current = parse(self._before, self.path)
            self._read = True
        return self._current

    def save(self, session: Session) -> None:
        self.current()  # refuses to replace anything that is not a session
        content = encoded(session)
        _refuse_unreadable(self.path, len(content) if isinstance(content, bytes)
                           else len(content.encode("utf-8")))
        self._write(content)
        self._current = session

    def restore(self) -> None:
        """Put the file back as it was before `save` (or remove it, if there was none)."""
        if self._before is None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:
            self._write(self._before)

    def _write(self, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        files.write_atomic(self.path, data, new_mode=0o600, mode=0o600,
                           label="the session: ", error=SessionError, sync=True)


def _refuse_unreadable(path: Path, size: int) -> None:
    """A session is never written larger than reading it back allows (the same limit as
    every file read): the command that would make it fails now, saying so, and the
    session stays as it was, rather than the next command failing to read it."""
    limit = max_bytes()
    if size > limit:
        raise LimitError(f"the session {path} would be {size_text(size)}, more than the "
                         f"limit of {size_text(limit)} on reading it back, so it was not "
                         "saved",
                         hint=f"raise the limit with {BYTES_ENV}=BYTES, or work on smaller "
                              "arrays")


@contextlib.contextmanager
def transaction(path: Path, on_wait: Callable[[], None] | None = None
                ) -> Iterator[Transaction]:
    """Hold the session's lock for a whole read–modify–write. `on_wait` is told once
    if another process holds it (the call then waits for that process to finish)."""
    _refuse_unsafe(path)  # before the lock: a planted one stops no one
    files.refuse_odd(path, "the session: ", error=SessionError)
    if os.path.lexists(path) and not _ours(path):
        load(path)  # a file that is no session gets no lock file beside it: say why now
    with _locked(path, on_wait):
        yield Transaction(path)


@contextlib.contextmanager
def _locked(path: Path, on_wait: Callable[[], None] | None) -> Iterator[None]:
    """An exclusive flock held until the block ends, on `.NAME.lock` beside the session.
    The lock file is private (0600) and must be our own regular file: no other user can
    open it, so no other user can hold the lock and make every command wait. (It stays
    after use: removing a lock file races with the next process opening it.)"""
    if fcntl is None:  # Windows: no flock; refuse rather than race
        raise SessionError("this platform has no file locking (fcntl), which the session "
                           "needs to keep concurrent steps apart",
                           hint="run on Linux or macOS")
    lock = lock_path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # (umask aside) private
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as e:
        raise SessionError(f"cannot lock the session: {lock} ({e.strerror or e})",
                           hint=f"choose another place with {session_at()}") from None
    try:
        files.refuse_open_odd(fd, lock, "the session's lock: ", error=SessionError)
        if hasattr(os, "geteuid") and os.fstat(fd).st_uid != os.geteuid():
            raise SessionError(f"the session's lock {lock} belongs to another user",
                               hint=f"choose another place with {session_at()}")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as e:  # a file system without locks
            raise SessionError(f"cannot lock the session: {lock} ({e.strerror or e})",
                               hint=f"choose another place with {session_at()}") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


def _refuse_unsafe(path: Path) -> None:
    """safe.py's check of the session, its lock and its folder; a path without a name
    (`.`, `/`) has no lock file, and is refused as no regular file after."""
    refuse_unsafe(path, lock_path(path) if path.name else None)


def save(path: Path, session: Session) -> None:
    """Save a session on its own (a command that reads first uses a transaction)."""
    with transaction(path) as tx:
        tx.save(session)


def clear(path: Path, then: Callable[[], None] | None = None) -> bool:
    """Remove the session file: a session, or what is left of one (a file that begins
    like a session however damaged or large, or broken JSON where sessions live), never
    another file given by mistake, nor one that is not safely the user's own. `then`
    runs after the removal, the lock still held; if it fails, the file is put back
    (reset reports and removes, or does neither)."""
    _refuse_unsafe(path)
    files.refuse_odd(path, "the session: ", error=SessionError)
    with _locked(path, None):
        if not os.path.lexists(path):
            if then is not None:
                then()
            return False
        _refuse_other_file(path)
        # Moved aside rather than read into memory to be put back: a session of any
        # size goes. The name is a temporary's, so one left by a crash is swept away
        # by the next save.
        aside = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            os.rename(path, aside)
        except OSError as e:
            raise SessionError(f"cannot remove the session {path} ({e.strerror or e})"
                               ) from None
        try:
            if then is not None:
                then()
        except BaseException:
            os.rename(aside, path)
            raise
        with contextlib.suppress(OSError):
            aside.unlink()
    return True


def _refuse_other_file(path: Path) -> None:
    """Raise unless `path` is a session or what is left of one (see clear)."""
    head, size = files.read_head(path, 200, "the session: ", error=SessionError)
    if _begins_like_session(head):
        return
    if size > max_bytes():
        raise SessionError(f"{path} does not begin like a backprop session, so reset "
                           "leaves it alone", hint="remove it yourself if it is meant to go")
    content = files.read_bytes(path, "the session: ", error=SessionError)
    try:
        parse(content.decode("utf-8", errors="replace"), path)
    except SessionError as e:
        if not _ours(path, content):
            raise SessionError(f"{path} is not a backprop session, so reset leaves it "
                               f"alone ({e.message})",
                               hint="remove it yourself if it is meant to go") from None


def _begins_like_session(head: bytes) -> bool:
    text = head[:200].decode("utf-8", errors="replace")
    return text.lstrip().startswith("{") and f'"{SCHEMA}"' in text


def _ours(path: Path, content: bytes | None = None) -> bool:
    """A file that was a session and is damaged: it begins like one (a session cut
    short), it is a JSON object with the session's schema (of the wrong shape), or it is
    not valid JSON and lies where sessions live (a .backprop folder). A complete JSON
    document that is no session is never ours, wherever it is."""
    if content is None:
        try:
            content = files.read_bytes(path, error=SessionError)
        except BackpropError:
            return False
    if _begins_like_session(content):
        return True
    try:
        doc = json.loads(content)
    except NOT_JSON:
        return path.parent.name == DEFAULT.parent.name
    return isinstance(doc, dict) and doc.get("schema") == SCHEMA  # a session's wrong shape
