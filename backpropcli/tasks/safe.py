"""Whether a session is safely the user's own, checked before it is read, locked or written.

git's safe.directory rule, for git's reason. The search for .backprop/ walks up through
folders that other users may write (the shared temporary folder, a shared drive, a
course's folder), and a session someone else left there would run their program with
the user's rights (a `load()` of a file only the user can read) and then hold the
result where they can read it, or feed the user's next step. So:

- the session file and its lock file, wherever they are, must belong to the user
  running the command, be writable by no one else, and not be symbolic links;
- a session's folder named .backprop (the folders the search finds and the tool makes)
  must belong to the user and be writable by no one else, and not be a link. A file
  given with --state or BACKPROP_STATE may sit in any folder the user chooses (/tmp).

A file that fails is refused with its name, owner and mode, and the ways on; it is never
read, locked, replaced or removed. The check comes before the lock is taken, so a lock
file planted by someone else makes nobody wait.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..core.errors import SessionError, session_at

try:
    import pwd
except ImportError:  # Windows: no user database (nor owners to check)
    pwd = None  # type: ignore[assignment]

FOLDER = ".backprop"  # the name of the folders the search finds sessions in
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def refuse_unsafe(path: Path, lock: Path | None) -> None:
    """Raise a SessionError if the session at `path` (its file, its `lock` file, and a
    .backprop folder holding them) may be someone else's to change. Absent ones pass."""
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owners (nor the flock sessions need)
        return
    checks = [("the file", path)] + ([("its lock file", lock)] if lock is not None else [])
    if path.parent.name == FOLDER:
        checks.append(("its folder", path.parent))
    for what, place in checks:
        try:
            info = os.lstat(place)
        except (OSError, ValueError):  # absent, or unreadable: reading it says why
            continue
        problem = _problem(info)
        if problem is not None:
            subject = "it" if what == "the file" else f"{what} {place}"
            raise SessionError(
                f"the session {path} is not used: {subject} {problem}, and a session "
                "someone else can change could run their program with your rights",
                hint=_hint(place, info))


def _problem(info: os.stat_result) -> str | None:
    """What makes a file or folder unsafe, said with its owner and mode; or None."""
    mode = stat.S_IMODE(info.st_mode)
    said = f"(owner {_owner(info.st_uid)}; mode {mode:04o})"
    if stat.S_ISLNK(info.st_mode):
        return f"is a symbolic link {said}, which is never followed"
    faults = []
    if info.st_uid != os.geteuid():
        faults.append("belongs to another user")
    if mode & _OTHERS_WRITE:
        who = {stat.S_IWGRP: "its group", stat.S_IWOTH: "others"}.get(
            mode & _OTHERS_WRITE, "its group and others")
        faults.append(f"can be written by {who}")
    return f"{' and '.join(faults)} {said}" if faults else None


def _hint(place: Path, info: os.stat_result) -> str:
    ways = (f"use a session of your own with {session_at()} or BACKPROP_STATE=PATH, or "
            f"remove {place}")
    if info.st_uid != os.geteuid():
        return ways + " (or ask its owner to)"
    if stat.S_ISLNK(info.st_mode):
        return ways
    return f"if it is yours as it should be: chmod go-w {place}; or {ways}"


def _owner(uid: int) -> str:
    """A user as a person knows them: the name, with the uid; the uid alone if unknown."""
    try:
        return f"{pwd.getpwuid(uid).pw_name}, uid {uid}"
    except (AttributeError, KeyError):  # no user database, or no such user in it
        return f"uid {uid}"
