"""Exported scripts read data files as backprop does: on hostile files (digits of other
scripts in a header or a cell, `inf,nan` headers, byte-order marks, quotes, an unbalanced
quote, empty files, ragged rows, trailing commas, CR and CRLF line ends, bytes that are
not UTF-8, NUL bytes, .npy files of objects, .txt tables, JSON of the wrong kind), the
numpy, torch and jax scripts give `eval --json`'s numbers, or both refuse the file with
exit code 2 and the same message (the script's on stderr, without a traceback).

Each script is exported while its file holds good data (export evaluates the program
first), then the file is replaced by the hostile one, as a user's data file changes
after the export; `eval` then reads that same file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backpropcli.core import limits
from backpropcli.tasks import datareader
from tests.exported import TOLERANCE, need, outcomes, same_point
from tests.helpers import tiered

FRAMEWORKS = ("numpy", "torch", "jax")


def npy(value, **options) -> bytes:
    """The bytes of a .npy file holding `value`."""
    import io

    buffer = io.BytesIO()
    np.save(buffer, value, **options)
    return buffer.getvalue()


BOM = b"\xef\xbb\xbf"
# (case, file name, what the file holds, the columns load(...) chooses)
CASES: list[tuple[str, str, bytes, tuple[str, ...]]] = [
    # digits that are not ASCII: a header (names), never data
    ("arabic_header", "a.csv", "١,٢\n1,2\n3,4\n".encode(), ()),
    ("arabic_header_column", "a.csv", "١,٢\n1,2\n3,4\n".encode(), ("٢",)),
    ("arabic_cell", "a.csv", "x,y\n1,2\n3,٤\n".encode(), ()),
    ("arabic_first_row_cell", "a.csv", "1,2\n3,٤\n".encode(), ()),
    ("fullwidth_header", "a.csv", "１,２\n1,2\n".encode(), ()),
    ("devanagari_cell", "a.csv", "1,2\n१,2\n".encode(), ()),
    ("superscript_cell", "a.txt", "1 2\n3 ²\n".encode(), ()),
    ("bold_digit_cell", "a.csv", "1,2\n𝟏,2\n".encode(), ()),
    ("unicode_minus", "a.csv", "x\n−1\n".encode(), ()),
    ("underscore_number", "a.csv", b"1_000,2\n3,4\n", ()),
    ("typo_in_first_row", "a.csv", b"1,2,3o\n4,5,6\n", ()),
    # words that float() reads as numbers: a header, or refused in a row
    ("inf_nan_header", "e.csv", b"inf,nan\n1,2\n", ("nan",)),
    ("inf_nan_header_all", "e.csv", b"inf,nan\n1,2\n3,4\n", ()),
    ("nan_cell", "e.csv", b"x,y\n1,nan\n", ()),
    ("infinity_cell", "e.csv", b"1,2\n3,Infinity\n", ()),
    ("overflow_cell", "e.csv", b"1,2\n3,1e400\n", ()),
    ("plain_numbers", "n.csv", b"+1,-.5\n1e3,5.\n", ()),
    # byte-order marks
    ("bom_csv", "b.csv", BOM + b"x,y\n1,2\n3,4\n", ("x",)),
    ("bom_json", "b.json", BOM + b"[1, 2]", ()),
    ("bom_txt", "b.txt", BOM + b"1 2\n3 4\n", ()),
    # quotes
    ("quoted_cells", "q.csv", b'"x","y"\n"1","2"\n', ("y",)),
    ("quoted_comma_name", "q.csv", b'"a,b",c\n1,2\n', ("a,b",)),
    ("unbalanced_quote", "q.csv", b'1,"2\n3,4\n', ()),
    ("unbalanced_quote_after_header", "q.csv", b'a,b\n1,"2\n3,4\n', ()),
    ("quote_in_cell", "q.csv", b'1,2"\n3,4\n', ()),
    # empty, a header alone, comments
    ("empty", "z.csv", b"", ()),
    ("blank_and_comments", "z.csv", b"\n  \n# nothing\n", ()),
    ("header_only", "z.csv", b"a,b\n", ()),
    ("header_only_column", "z.csv", b"a,b\n", ("a",)),
    ("comments_between", "z.csv", b"# data\nx,y\n\n1,2\n# more\n3,4\n", ("y",)),
    # shapes
    ("ragged_short", "r.csv", b"1,2\n3\n", ()),
    ("ragged_long_after_header", "r.csv", b"a,b\n1,2,3\n", ()),
    ("trailing_commas", "r.csv", b"1,2,\n3,4,\n", ()),
    ("trailing_comma_header", "r.csv", b"a,b,\n1,2,\n", ()),
    ("one_column", "r.csv", b"y\n1\n2\n3\n", ()),
    # line ends
    ("crlf", "l.csv", b"x,y\r\n1,2\r\n3,4\r\n", ("y",)),
    ("cr_alone", "l.csv", b"x,y\r1,2\r3,4\r", ("x",)),
    ("form_feed", "l.csv", b"1,2\x0c3,4\n", ()),
    ("line_separator", "l.csv", "1,2\u20283,4\n".encode(), ()),
    # bytes
    ("latin1_cell", "u.csv", b"1,2\n\xff,3\n", ()),
    ("latin1_header", "u.csv", b"caf\xe9,y\n1,2\n", ()),
    ("utf16", "u.csv", "1,2\n".encode("utf-16"), ()),
    ("nul_in_cell", "u.csv", b"1,2\x00\n3,4\n", ()),
    ("nul_in_header", "u.csv", b"x\x00,y\n1,2\n", ()),
    ("nbsp_around_number", "u.csv", "\u00a01,2\n3,4\n".encode(), ()),
    # .txt and .tsv
    ("txt_spaces", "t.txt", b"1 2\n3   4\n", ()),
    ("txt_header", "t.txt", b"x y\n1 2\n3 4\n", ("y",)),
    ("tsv_quoted", "t.tsv", b'x\t"y"\n1\t2\n', ("y",)),
    ("txt_commas", "t.txt", b"1, 2\n3, 4\n", ()),
    # .json
    ("json_scalar", "j.json", b"3.5", ()),
    ("json_nan", "j.json", b"[1, NaN]", ()),
    ("json_true", "j.json", b"[1, true]", ()),
    ("json_text", "j.json", b'["1", 2]', ()),
    ("json_null", "j.json", b"[1, null]", ()),
    ("json_object", "j.json", b'{"x": [1]}', ()),
    ("json_ragged", "j.json", b"[[1, 2], [3]]", ()),
    ("json_empty", "j.json", b"[]", ()),
    ("json_huge_int", "j.json", b"[1, " + b"9" * 400 + b"]", ()),
    ("json_too_deep", "j.json", b"[" * 40 + b"1" + b"]" * 40, ()),
    ("json_broken", "j.json", b"[1, 2", ()),
    # .npy
    ("npy_floats", "n.npy", npy(np.array([[1.5, 2.0], [3.0, 4.0]])), ()),
    ("npy_ints_big_endian", "n.npy", npy(np.array([1, 2, 3], dtype=">i4")), ()),
    ("npy_bool", "n.npy", npy(np.array([True, False])), ()),
    ("npy_object", "n.npy", npy(np.array([1, "a"], dtype=object), allow_pickle=True), ()),
    ("npy_text", "n.npy", npy(np.array(["a", "b"])), ()),
    ("npy_complex", "n.npy", npy(np.array([1 + 2j])), ()),
    ("npy_structured", "n.npy", npy(np.zeros(2, dtype=[("a", "f8")])), ()),
    ("npy_nan", "n.npy", npy(np.array([1.0, np.nan])), ()),
    ("npy_truncated", "n.npy", npy(np.arange(100.0))[:-16], ()),
    ("npy_junk", "n.npy", b"not an npy file at all", ()),
    # columns
    ("unknown_column", "c.csv", b"x1,x2\n1,2\n", ("x_1",)),
    ("no_header_column", "c.csv", b"1,2\n3,4\n", ("x",)),
    ("columns_reordered", "c.csv", b"a,b,c\n1,2,3\n4,5,6\n", ("c", "a")),
]


def good(name: str, columns: tuple[str, ...]) -> bytes:
    """Data that backprop reads, for the export (the hostile file comes after)."""
    if name.endswith(".npy"):
        return npy(np.array([1.0, 2.0]))
    if name.endswith(".json"):
        return b"[1, 2]"
    cells = columns or ("a",)
    names = ",".join(f'"{c}"' if "," in c else c for c in cells)
    return f"{names}\n{','.join('1' for _ in cells)}\n".encode()


def program(name: str, columns: tuple[str, ...]) -> str:
    args = ", ".join(json.dumps(a, ensure_ascii=False) for a in (name, *columns))
    return f"X = load({args})\nL = sum(X * w) + w * w\n"


def normal(message: str, folder: Path) -> str:
    """A message with the folder's path (as the tool or the script spells it) taken out."""
    for spelling in (str(folder.resolve()), str(folder)):
        message = message.replace(spelling, "DIR")
    return message


@pytest.mark.parametrize("to", tiered(FRAMEWORKS))  # torch and jax start in seconds
def test_scripts_read_hostile_files_as_backprop_does(cli, tmp_path, to):
    need(to)
    cases = CASES if to == "numpy" else CASES[::3]  # torch and jax share the reader
    wants, paths, folders = [], [], []
    for case, name, content, columns in cases:
        folder = tmp_path / case
        folder.mkdir()
        (folder / "p.bp").write_text(program(name, columns), encoding="utf-8")
        (folder / name).write_bytes(good(name, columns))
        script = folder / f"s_{to}.py"
        code, _, err = cli("export", str(folder / "p.bp"), "--w", "1.5", "--to", to,
                           "-o", str(script))
        assert code == 0, f"{case}: {err}"
        (folder / name).write_bytes(content)
        code, out, _ = cli("eval", str(folder / "p.bp"), "--w", "1.5", "--json")
        assert code in (0, 2), f"{case}: {out}"
        wants.append(json.loads(out))
        paths.append(script)
        folders.append(folder)
    refused = 0
    for (case, *_), want, got, folder in zip(cases, wants, outcomes(paths), folders,
                                             strict=True):
        assert "error" not in got, f"{case}: the script raised {got['error']}"
        if "error" in want:
            refused += 1
            assert got.get("exit") == "2", f"{case}: eval refused, the script gave {got}"
            said = got["stderr"].splitlines()[0]
            tool = want["error"]["message"]
            assert tool.startswith("X: ") and said.startswith("error: "), (case, tool, said)
            assert normal(said.removeprefix("error: "), folder) == \
                normal(tool.removeprefix("X: "), folder), case
            if want["error"].get("hint"):
                assert f"hint: {want['error']['hint']}" in got["stderr"], case
        else:
            assert "exit" not in got, f"{case}: eval read it, the script gave {got}"
            same_point(json.loads(got["stdout"]), want, TOLERANCE[to], f"{to} {case}")
    assert 0 < refused < len(cases)  # both kinds are tried


def test_the_issues_examples(cli, tmp_path):
    """issue 17: Arabic-Indic digits in a header were data to the script (sum 13, not
    10); `inf,nan` as a header and a JSON file with a BOM made it raise."""
    files = {"a.csv": "١,٢\n1,2\n3,4\n".encode(), "e.csv": b"inf,nan\n1,2\n",
             "b.json": BOM + b"[1, 2]"}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    text = ('A = load("a.csv"); E = load("e.csv", "nan"); B = load("b.json")\n'
            "L = sum(A) * w + sum(E) + sum(B)\n")
    (tmp_path / "p.bp").write_text(text, encoding="utf-8")
    code, _, err = cli("export", str(tmp_path / "p.bp"), "--w", "1", "-o", "s.py")
    assert code == 0, err
    done = subprocess.run([sys.executable, "s.py"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["value"] == 10 + 2 + 3


def test_a_refused_file_stops_a_script_run_as_a_user_runs_it(cli, tmp_path):
    """`python script.py` on a file it refuses: exit 2, the message on stderr, no traceback."""
    (tmp_path / "d.csv").write_text("x\n1\n", encoding="utf-8")
    code, _, err = cli("export", 'X = load("d.csv", "x"); L = sum(X * w)', "--w", "1",
                       "-o", "s.py")
    assert code == 0, err
    for content in (b'x\n1,"2\n', b"x\n\xff\n", b"y\n1\n"):
        (tmp_path / "d.csv").write_bytes(content)
        done = subprocess.run([sys.executable, "s.py"], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120)
        assert done.returncode == 2 and done.stdout == "", done
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    (tmp_path / "d.csv").unlink()
    done = subprocess.run([sys.executable, "s.py"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and "no such file" in done.stderr, done.stderr
    (tmp_path / "d.csv").mkdir()
    done = subprocess.run([sys.executable, "s.py"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and "a directory" in done.stderr, done.stderr


def test_the_script_carries_the_reader_verbatim(cli, tmp_path):
    """One set of rules: the reader's source is in the script as it is in the package."""
    (tmp_path / "d.csv").write_text("1,2\n", encoding="utf-8")
    code, out, err = cli("export", 'X = load("d.csv"); L = sum(X * w)', "--w", "1")
    assert code == 0, err
    source = Path(datareader.__file__).read_text(encoding="utf-8")
    body = source[source.index("\nimport json\n") + 1:]
    assert body.strip() in out
    assert datareader.MAX_DIMS == limits.MAX_DIMS
    code, out, err = cli("export", "L = w * 2", "--w", "1")
    assert code == 0 and "def read_data" not in out, err  # no data: no reader
