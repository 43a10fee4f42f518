"""The rules for reading a data file (`load("data.csv", "x1")`, `--W @w.json`), in one
place that both backprop and the scripts `backprop export` writes use.

backprop calls this module from tasks/values.py; an exported script carries its text,
verbatim (output/export.py reads it from the package), so a script reads a file exactly
as the tool does, or refuses it with the same words. It therefore imports nothing but
the standard library and numpy, and has no say about limits or how a file is opened
safely: the tool passes its own (tasks/files.py, core/limits.py) as arguments.

The rules:
- the suffix chooses: .npy (numbers only, never a pickle), .json (a number or nested
  lists of numbers), .csv .txt .tsv .dat (a table); any other is refused;
- text is UTF-8, a byte-order mark at the start is skipped;
- a table's lines end with \\n, \\r\\n or \\r; blank lines and lines starting with # are
  skipped; cells are split by commas if the first line has one, else tabs, else runs of
  spaces; each line is read alone, with quotes as in CSV (an unbalanced quote is an
  error, never a cell that runs on into the next line);
- a number is written as a person writes it: 3, -4, 0.5, .5, 1e-3, in ASCII digits, and
  finite (not nan, not inf, not 1_000, not ١ or other digits);
- a first row in which no cell is a number is the header, whose cells name the columns
  (a first row mixing numbers and words is data, and its words are errors);
- every row has as many cells as the first; a file with no numbers is refused;
- columns are chosen by their names in the header, only from a table with one;
- one column gives a vector; a 0-d value a number.

Every problem is a DataFileError: a message naming the file (and its line and column),
maybe a hint.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

ShapeCheck = Callable[[Sequence[int], str], None]

# A number as a person writes it: 3, -4, 0.5, .5, 1e-3 (no 1_000, no nan, only 0-9).
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)
TABLES = (".csv", ".txt", ".tsv", ".dat")
MAX_DIMS = 32  # axes of one array (core/limits.py holds the tool to the same number)
_LINES = re.compile(r"\r\n|\r|\n")


class DataFileError(ValueError):
    """A data file (or a value) that cannot be read: the message, the file and the
    line of the file where the problem is (None when it is the whole file), a hint."""

    def __init__(self, message: str, file: Path | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.file, self.line, self.hint = message, file, line, hint


def read_data(path: Path, columns: Sequence[str] = (), *,
              open_binary: Callable[[Path], BinaryIO] | None = None,
              load_bytes: Callable[[Path], bytes] | None = None,
              shape_check: ShapeCheck | None = None) -> np.ndarray | np.float64:
    """The numbers of the file at `path` as a float64 array (or a float64 number), only
    the named `columns` of a table if any are given. `open_binary(path)` opens a file
    and `load_bytes(path)` reads one whole (the tool's own, with its limits); `shape_check
    (shape, what)` refuses a shape before numpy makes an array of it."""
    open_binary = open_binary or open_data
    shape_check = shape_check or check_axes
    suffix = path.suffix.lower()
    if columns and suffix not in TABLES:
        raise DataFileError(f"columns can only be chosen from a table (.csv or .txt with a "
                            f"header row), not from {path.name}", path,
                            hint="leave out the column names to load the whole file")
    if suffix == ".npy":
        with open_binary(path) as f:
            return from_npy(f, path, shape_check)
    if suffix not in (".json", *TABLES):
        open_binary(path).close()  # a folder or a missing file says so first
        raise DataFileError(f"cannot read {path}: use .json, .npy, .csv or .txt", path)
    data = load_bytes(path) if load_bytes else _read_all(path, open_binary)
    text = decode(data, path)
    if suffix == ".json":
        return from_json(text, path, shape_check)
    header, value = from_table(text, path, shape_check)
    return select(header, value, columns, path)


def open_data(path: Path) -> BinaryIO:
    """A regular file opened for reading. Opening never blocks (a named pipe is opened,
    then refused); a folder, a pipe or a device is refused saying what it is."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise DataFileError(f"no such file {path}", path) from None
    except (OSError, ValueError) as e:  # permission, a loop of links, a NUL byte
        raise DataFileError(f"cannot read {path} ({getattr(e, 'strerror', None) or e})",
                            path) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" \
            if stat.S_ISFIFO(mode) else "a device or a socket"
        raise DataFileError(f"cannot read {path}: it is {what}, not a regular file", path)
    return os.fdopen(fd, "rb")


def _read_all(path: Path, open_binary: Callable[[Path], BinaryIO]) -> bytes:
    with open_binary(path) as f:
        try:
            return f.read()
        except OSError as e:
            raise DataFileError(f"cannot read {path} ({e.strerror or e})", path) from None


def decode(data: bytes, path: Path) -> str:
    """Bytes as UTF-8 text, a byte-order mark at the start skipped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataFileError(f"cannot read {path}: it is not UTF-8 text (byte {e.start})",
                            path) from None


def check_axes(shape: Sequence[int], what: str) -> None:
    """The shape check a script makes (the tool passes core/limits.py's, which also
    counts elements against its limit)."""
    if len(shape) > MAX_DIMS:
        raise DataFileError(f"{what} would have {len(shape)} axes; at most {MAX_DIMS} are "
                            "allowed")


# ---------------------------------------------------------------------------
# .json, and nested lists from anywhere (a typed value, a document, a session)

def from_json(text: str, path: Path,
              shape_check: ShapeCheck = check_axes) -> np.ndarray | np.float64:
    """A .json file's number or nested lists of numbers."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise DataFileError(f"{path} is not valid JSON ({_first_line(e)})", path) from None
    return array_of(data, shape_check, f"{path}")


def array_of(data: object, shape_check: ShapeCheck = check_axes,
             what: str = "") -> np.ndarray | np.float64:
    """Nested lists of numbers → a float64 number or array, refusing anything else (true,
    "3", null, a 400-digit integer, ragged rows, no elements, nan or inf), and refusing a
    shape (shape_check) before numpy is asked to make it. `what` starts each message."""
    bad, stranger, shape = _inspect(data)
    lead = f"{what}: " if what else ""
    if bad:
        inside = "" if stranger is data else "an array holding "
        if isinstance(stranger, int) and not isinstance(stranger, bool):
            raise DataFileError(f"{lead}{inside}a number too large for a float "
                                f"({len(str(abs(stranger)))} digits; the largest is about "
                                "1.8e308)")
        raise DataFileError(f"{lead}expected a number or an array of numbers, not "
                            f"{inside}{_json_type(stranger)}")
    shape_check(shape, what)
    try:
        value = np.array(data, dtype=float)
    except (ValueError, TypeError, RecursionError, OverflowError) as e:
        reason = "ragged array (rows of different lengths)" if "inhomogeneous" in str(e) \
            or "sequence" in str(e) else str(e)
        raise DataFileError(f"{lead}{reason}") from None
    if value.dtype != float:
        raise DataFileError(f"{lead}not an array of numbers")
    return checked(value, what)


def checked(value: np.ndarray, what: str = "") -> np.ndarray | np.float64:
    """A float64 array refused if empty or not finite; a 0-d one becomes a number."""
    lead = f"{what}: " if what else ""
    if value.size == 0:
        raise DataFileError(f"{lead}an empty array")
    if not np.isfinite(value).all():
        raise DataFileError(f"{lead}holds a value that is not a finite number")
    return np.float64(value) if value.ndim == 0 else value


def _inspect(data: object) -> tuple[bool, object, tuple[int, ...]]:
    """Whether nested lists hold a leaf that is not a number, that leaf, and the shape
    the lists would make (from their first elements; numpy finds raggedness). numpy
    would take true as 1, "3" as 3 and null as nan, and a 400-digit integer overflows a
    float, so each leaf is looked at (with a stack: the nesting may be deep, and is
    refused past MAX_DIMS)."""
    shape: list[int] = []
    probe = data
    while isinstance(probe, list) and len(shape) <= MAX_DIMS:
        shape.append(len(probe))
        probe = probe[0] if probe else None
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list):
            if depth >= MAX_DIMS:
                return False, None, (1,) * (MAX_DIMS + 1)  # too deep: shape_check says so
            stack.extend((x, depth + 1) for x in item)
        elif not _number(item):
            return True, item, ()
    return False, None, tuple(shape)


def _number(item: object) -> bool:
    """A JSON number that a float can hold (not true/false, not a 400-digit integer)."""
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        return False
    return not isinstance(item, int) or item.bit_length() <= 1024


def _json_type(item: object) -> str:
    names = {bool: "true/false", str: "text", type(None): "null", dict: "an object"}
    return names.get(type(item), type(item).__name__)


# ---------------------------------------------------------------------------
# .npy

def from_npy(f: BinaryIO, path: Path,
             shape_check: ShapeCheck = check_axes) -> np.ndarray | np.float64:
    """A .npy file of numbers. Its header is read and checked first: the shape it
    claims must pass shape_check, and the file be long enough to hold it, before numpy
    reads the data (never with pickle)."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(f)
        else:
            shape, _, dtype = fmt.read_array_header_2_0(f)
    except Exception as e:  # numpy parses a hostile header with ast and tokenize: what
        # they raise (TokenError, SyntaxError, KeyError, ...) is no closed list
        raise DataFileError(f"{path} is not a numeric .npy file ({_first_line(e)})", path,
                            hint="save one with numpy.save; an .npz archive is not "
                                 "read") from None
    if dtype.kind not in "iufb" or dtype.hasobject:
        raise DataFileError(f"{path} holds {dtype}, not numbers", path)
    shape_check(shape, f"{path}")
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    have = os.fstat(f.fileno()).st_size - f.tell()
    if need > have:
        raise DataFileError(f"{path} is shorter than its header says "
                            f"({have} byte{'s' * (have != 1)} of data for shape "
                            f"{tuple(shape)})", path)
    f.seek(0)
    try:
        data = fmt.read_array(f, allow_pickle=False)
    except Exception as e:  # as above: whatever numpy raises, the file is the cause
        raise DataFileError(f"{path} is not a numeric .npy file ({_first_line(e)})",
                            path) from None
    with np.errstate(all="ignore"):  # a long double past float64 is inf: said by checked
        return checked(np.asarray(data, dtype=float), f"{path}")


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:200]


# ---------------------------------------------------------------------------
# tables: .csv .txt .tsv .dat

def is_number(cell: str) -> bool:
    """A cell that is a number as a person writes it, and finite."""
    cell = cell.strip()
    return bool(NUMBER.match(cell)) and math.isfinite(float(cell))


def from_table(text: str, path: Path, shape_check: ShapeCheck = check_axes,
               ) -> tuple[list[str] | None, np.ndarray]:
    """The header (None without one) and the numbers of a table, always 2-d. Errors give
    the file's own line number and the cell's column (and its name)."""
    lines = [(n, ln) for n, ln in enumerate(_LINES.split(text), start=1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataFileError(f"{path} holds no numbers", path)
    first = lines[0][1]
    delimiter = "," if "," in first else "\t" if "\t" in first else None
    rows = [(n, _cells(ln, delimiter, path, n)) for n, ln in lines]
    header = None
    # A header is a row of names: not one of its cells a number. A first row that mixes
    # numbers and words (1,2,3o) is data with a typo, said as such, not a header that
    # would silently drop a row of numbers.
    if not any(is_number(c) for c in rows[0][1]):
        header = [c.strip() for c in rows[0][1]]
        rows = rows[1:]
    if not rows:
        raise DataFileError(f"{path} holds a header but no numbers", path)
    width = len(header) if header else len(rows[0][1])
    shape_check((len(rows), width), f"{path}")
    data: list[list[float]] = []
    for line, row in rows:
        for c, cell in enumerate(row, start=1):
            if not is_number(cell):
                column = f"column {c}" + (f" ({header[c - 1]})" if header and
                                          c <= len(header) else "")
                raise DataFileError(f"{path}, line {line}, {column}: {_cell(cell)} is not "
                                    "a number", path, line)
        if len(row) != width:
            before = "the rows before have" if data else "the header has"
            raise DataFileError(f"{path}, line {line}: {len(row)} value{'s' * (len(row) != 1)}, "
                                f"but {before} "
                                f"{width}", path, line)
        data.append([float(cell) for cell in row])
    return header, np.array(data, dtype=float)


def _cells(line: str, delimiter: str | None, path: Path, n: int) -> list[str]:
    """One line's cells: split by `delimiter` with CSV's quotes, or by runs of spaces."""
    if delimiter is None:
        return line.split()
    import csv  # noqa: PLC0415  (only for a table: every other command would pay at start)

    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error as e:
        reason = "a quote that is not closed on its line" if "end of data" in str(e) \
            else str(e)
        raise DataFileError(f"{path}, line {n}: {reason}", path, n,
                            hint="a cell holds a number; quotes are only needed around a "
                                 "name with a comma in it") from None


def _cell(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def select(header: list[str] | None, value: np.ndarray, columns: Sequence[str],
           path: Path) -> np.ndarray:
    """The named columns of a table, in the order given (all of them when none are
    named); one column gives a vector."""
    if columns:
        if header is None:
            raise DataFileError(f"{path} has no header row naming its columns", path,
                                hint="add a first line of names (x1,x2,y), or leave out "
                                     "the column names to load every column")
        chosen = []
        for col in columns:
            if col not in header:
                import difflib  # noqa: PLC0415  (only when a column is missing)

                close = difflib.get_close_matches(col, header, n=1)
                raise DataFileError(f"{path} has no column {col!r}", path,
                                    hint=(f"did you mean {close[0]!r}? " if close else "")
                                    + "its columns are " + ", ".join(header))
            chosen.append(header.index(col))
        value = value[:, chosen]
    return value[:, 0] if value.shape[1] == 1 else value
