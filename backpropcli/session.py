"""The saved session that `step`, `history` and the other commands continue from.

A JSON file (default .backprop/session.json in the current folder; --state PATH or
BACKPROP_STATE choose another) holding the current point — program, output, inputs,
params — and the history of values, one entry per evaluation or step. Writes go to
a temporary file in the same folder that is then renamed over the old one, so a
reader never sees half a file and a failed command leaves the session as it was.
A broken file is an error naming it, never a silent fresh start.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BackpropError, SessionError
from .report import Point, jsonable, point_from

DEFAULT = Path(".backprop") / "session.json"
ENV = "BACKPROP_STATE"
SCHEMA = "backprop-session/1"


def location(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get(ENV) or DEFAULT)


@dataclass(frozen=True)
class Session:
    point: Point
    history: list[dict] = field(default_factory=list)  # {"step", "value", "lr", "change"}


def load(path: Path) -> Session:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionError(
            f"no session at {path}",
            hint='start one with: backprop eval "g = x*y + z" --x 3 --y -4 --z 2') from None
    except (OSError, UnicodeDecodeError) as e:
        raise SessionError(f"cannot read the session {path} ({e})") from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise SessionError(f"the session file {path} is broken: {e}",
                           hint=f"remove it with: backprop reset --state {path}") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise SessionError(f"{path} is not a backprop session file",
                           hint=f"remove it with: backprop reset --state {path}")
    try:
        point = point_from(doc.get("point"), f"the session {path}")
    except BackpropError as e:  # a ValueProblem about the point is a broken session here
        raise SessionError(e.message,
                           hint=f"remove it with: backprop reset --state {path}") from None
    history = doc.get("history")
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise SessionError(f"the session file {path} has a broken history")
    return Session(point, history)


def save(path: Path, session: Session) -> None:
    p = session.point
    doc = {
        "schema": SCHEMA,
        "point": {
            "schema": "backprop/1",
            "program": p.program,
            "output": p.output,
            "inputs": {k: jsonable(v) for k, v in p.inputs.items()},
            "params": p.params,
            **({"base": str(p.base)} if p.base is not None else {}),
        },
        "history": session.history,
    }
    # Indented for a person to read, unless arrays make it big: json's fast C encoder
    # only writes unindented text (a 1000×1000 input takes 7 s indented, 0.4 s not).
    size = sum(len(v) if isinstance(v, list) else 1 for v in doc["point"]["inputs"].values())
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False,
                      indent=1 if size <= 1000 else None)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A private name in the same folder (so the rename stays on one file system);
        # O_EXCL refuses to write through a file or link someone else put there.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as e:
        raise SessionError(f"cannot save the session to {path} ({e})",
                           hint="choose another place with --state PATH") from None


def clear(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as e:
        raise SessionError(f"cannot remove the session {path} ({e})") from None
    return True
