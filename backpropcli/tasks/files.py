"""Reading and writing files safely: the promises the tool keeps about files.

Reading: only regular files, measured before they are read. A directory, a named pipe
(which would block until someone writes), a device (/dev/zero never ends) or a socket
is refused at once with what it is; a file over the size limit (limits.py) is refused
before a byte of it is read. Opening never blocks: O_NONBLOCK lets a FIFO be opened
and then refused.

Writing: a file the tool writes (a picture, the session) is first written under a
private temporary name in the same folder, created with O_CREAT|O_EXCL|O_NOFOLLOW (so
no file or symbolic link that someone put there in advance is ever written through),
then renamed over the target in one step: a reader sees the old file or the new one,
never half of one, and a crash leaves the old one. A replaced file keeps its mode
(unless the writer sets one: the session is always private).
Temporary files left by a process that was killed mid-write are removed by the next
write to the same target.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from ..core.errors import BackpropError, ValueProblem
from ..core.limits import check_bytes, max_bytes

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def kind(mode: int) -> str:
    """What a file system entry is, said for an error message."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def open_regular(path: Path, label: str = "",
                 error: type[BackpropError] = ValueProblem) -> BinaryIO:
    """A regular file opened for reading, its size checked against the limit.

    `label` starts each message ("W: ", "the program file "); `error` is the kind
    of error raised."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _NOCTTY | _CLOEXEC)
    except FileNotFoundError:
        raise error(f"{label}no such file {path}") from None
    except (OSError, ValueError) as e:  # permission, a loop of links, a NUL byte
        raise error(f"{label}cannot read {path} ({_reason(e)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{label}cannot read {path}: it is {kind(info.st_mode)}, not a "
                        "regular file")
        check_bytes(info.st_size, f"{label}{path}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, label: str = "", error: type[BackpropError] = ValueProblem) -> bytes:
    """The whole of a regular file, refused if it is anything else or too big."""
    with open_regular(path, label, error) as f:
        try:
            data = f.read(max_bytes() + 1)  # a file that grows while read stops here
        except OSError as e:
            raise error(f"{label}cannot read {path} ({_reason(e)})") from None
    check_bytes(len(data), f"{label}{path}")
    return data


def read_text(path: Path, label: str = "", error: type[BackpropError] = ValueProblem,
              encoding: str = "utf-8") -> str:
    """A regular file as text (UTF-8 unless said otherwise)."""
    data = read_bytes(path, label, error)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise error(f"{label}cannot read {path}: it is not "
                    f"{encoding.removesuffix('-sig').upper()} text (byte {e.start})") from None


def read_head(path: Path, n: int, label: str = "",
              error: type[BackpropError] = ValueProblem) -> tuple[bytes, int]:
    """The first `n` bytes of a regular file (not through a link) and its whole size,
    whatever the size limit: enough to tell what a file is without reading it all."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _NOCTTY | _CLOEXEC | _NOFOLLOW)
    except (OSError, ValueError) as e:
        raise error(f"{label}cannot read {path} ({_reason(e)})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{label}cannot read {path}: it is {kind(info.st_mode)}, not a "
                        "regular file")
        try:
            return f.read(n), info.st_size
        except OSError as e:
            raise error(f"{label}cannot read {path} ({_reason(e)})") from None


def refuse_odd(path: Path, label: str = "", error: type[BackpropError] = ValueProblem,
               ) -> os.stat_result | None:
    """The lstat of a path that may be written, or None when it does not exist;
    anything but a regular file (a directory, a device, a link) is refused."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # (a folder on the way is a file:
        return None  # making the folder says so)
    except (OSError, ValueError) as e:
        raise error(f"{label}cannot use {path} ({_reason(e)})") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{label}cannot write {path}: it is {kind(info.st_mode)}, not a regular "
                    "file, and is never replaced")
    return info


def refuse_open_odd(fd: int, path: Path, label: str = "",
                    error: type[BackpropError] = ValueProblem) -> None:
    """Refuse an opened file that is not a regular file (a lock file, say)."""
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise error(f"{label}cannot use {path}: it is {kind(mode)}, not a regular file")


def write_atomic(path: Path, data: bytes, *, new_mode: int = 0o666, label: str = "",
                 error: type[BackpropError] = ValueProblem, sync: bool = False,
                 mode: int | None = None) -> None:
    """Write `data` to `path` through a private temporary file and one rename.

    A new file gets `new_mode` (less the umask); a replaced one keeps its own mode;
    `mode`, if given, is the file's mode whatever it was (the session: 0600).
    `sync` flushes the data to the disk before the rename (the session), so that a
    crash leaves either the old file or the whole new one."""
    info = refuse_odd(path, label, error)
    folder = path.parent
    remove_stale(path)
    tmp = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                     new_mode)
    except OSError as e:
        raise error(f"{label}cannot write in {folder} ({_reason(e)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            elif info is not None:
                os.fchmod(f.fileno(), stat.S_IMODE(info.st_mode))
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise error(f"{label}cannot write {path} ({_reason(e)})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def remove_stale(path: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to `path` whose process is gone
    (killed in the middle of a write): `.NAME.PID.RANDOM.tmp` beside it."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]+\.tmp\Z")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process: leave its file alone
    return True


def _reason(e: BaseException) -> str:
    return getattr(e, "strerror", None) or str(e)


def expand(text: str) -> Path:
    """A path as typed, with ~ and ~user expanded where there is such a home folder."""
    try:
        return Path(text).expanduser()
    except (RuntimeError, ValueError):  # ~name of no such user, no home, a NUL byte
        return Path(text)


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False
