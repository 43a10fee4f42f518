"""Input that is the user's fault is said as such (issue 17, section 4): a malformed data
file, read by --x @FILE, by load() in a program and by load() in a document piped
into `step`, is exit 2 with the file (and, for a table, the line) named; an --eps that
cannot take a step is exit 2 naming --eps; and no numpy warning reaches a stream.
None of them may be "internal error ... a bug in backprop"."""

from __future__ import annotations

import json

import numpy as np
import pytest

# file name → (content, what the message says besides the file's name)
TABLES = {
    "open-quote.csv": (b'1,"2\n3,4\n', "line 1"),
    "open-quote-last.csv": (b'1,2\n3,"4\n', "line 2"),
    "open-quote-header.csv": (b'"a,b\n1,2\n', "line 1"),
    "after-quote.csv": (b'"1"x,2\n3,4\n', "line 1"),
    "quoted-newline.tsv": (b'a\tb\n1\t"2\n3\t4"\n', "line 2"),
    "huge-cell.csv": (b"1," + b"2" * 200_000 + b"\n", "line 1"),
    "nul.csv": (b"1,2\x00\n3,4\n", "line 1"),  # was read as a header, silently: sum 7
    "nul.txt": (b"1 2\n\x00\x00\n", "line 2"),
    "ragged.csv": (b"1,2\n3\n", "line 2"),
    "ragged.txt": (b"1 2\n3 4 5\n", "line 2"),
    "empty.csv": (b"", "no numbers"),
    "blank.txt": (b"  \n\t\n# a comment\n", "no numbers"),
    "header-only.csv": (b"a,b\n", "no numbers"),
    "not-utf8.csv": (b"1,2\n\xff3,4\n", "UTF-8"),
    "utf16.csv": ("1,2\n".encode("utf-16"), "UTF-8"),
    "word.csv": (b"1,2\n3,x\n", "line 2"),
}
JSONS = {
    "truncated.json": (b"[1, 2", "not valid JSON"),
    "empty.json": (b"", "not valid JSON"),
    "bom-only.json": (b"\xef\xbb\xbf", "not valid JSON"),
    "nul.json": (b"[1, 2]\x00", "not valid JSON"),
    "object.json": (b'{"x": [1]}', "an object"),
    "ragged.json": (b"[[1, 2], [3]]", "ragged"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "x"),
    "digits.json": (b"1" * 5000, "not valid JSON"),
    "not-utf8.json": (b"[\xff]", "UTF-8"),
    "nan.json": (b"[NaN]", "finite"),
    "empty-array.json": (b"[[]]", "empty"),
}


def _npy(tmp_path, name: str, arr, **kw) -> bytes:
    np.save(tmp_path / "made.npy", arr, **kw)
    return (tmp_path / "made.npy").read_bytes()


def _npys(tmp_path) -> dict[str, tuple[bytes, str]]:
    good = _npy(tmp_path, "good", np.arange(4.0))
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
    return {
        "pickled.npy": (_npy(tmp_path, "p", np.array([1, None], dtype=object),
                             allow_pickle=True), "object"),
        "text.npy": (_npy(tmp_path, "t", np.array(["a"])), "not numbers"),
        "complex.npy": (_npy(tmp_path, "c", np.array([1j])), "not numbers"),
        "record.npy": (_npy(tmp_path, "r", np.zeros(2, dtype="f8,i4")), "not numbers"),
        "truncated.npy": (good[:-5], "shorter"),
        "header-cut.npy": (good[:20], "not a numeric .npy"),
        "empty.npy": (b"", "not a numeric .npy"),
        "no-data.npy": (_npy(tmp_path, "e", np.zeros((2, 0))), "empty"),
        "nan.npy": (_npy(tmp_path, "n", np.array([np.nan])), "finite"),
        "longdouble.npy": (_npy(tmp_path, "l", np.array([1e300], dtype=np.longdouble)
                                * 1e300), "finite"),
        "bad-header.npy": (b"\x93NUMPY\x01\x00" + len(header + b"\n").to_bytes(2, "little")
                           + header.replace(b"(2,)", b"(__import__('os'),)") + b"\n",
                           "not a numeric .npy"),
    }


def _all(tmp_path) -> dict[str, tuple[bytes, str]]:
    return {**TABLES, **JSONS, **_npys(tmp_path)}


def _said(code: int, out: str, err: str, name: str, also: str) -> None:
    text = " ".join((out + err).split())  # a message wraps at the terminal's width
    assert code == 2, text
    assert "internal error" not in text and "Traceback" not in text, text
    assert "Warning" not in text, text  # numpy's, with a site-packages path
    assert name in text and also in text, text


def test_every_malformed_file_through_a_value(cli, tmp_path):
    for name, (content, also) in _all(tmp_path).items():
        (tmp_path / name).write_bytes(content)
        code, out, err = cli("eval", "g = sum(x)", "--x", f"@{name}")
        _said(code, out, err, name, also)
        code, out, _ = cli("eval", "g = sum(x)", "--x", f"@{name}", "--json")
        assert code == 2 and name in json.loads(out)["error"]["message"]


def test_every_malformed_file_through_load(cli, tmp_path):
    for name, (content, also) in _all(tmp_path).items():
        (tmp_path / name).write_bytes(content)
        (tmp_path / "p.bp").write_text(f'X = load("{name}")\ng = sum(X * w)\n')
        code, out, err = cli("eval", "p.bp", "--w", "1")
        _said(code, out, err, name, also)
        assert "line 1, column 5" in err  # the load(...) in the program


@pytest.mark.parametrize("name", ["open-quote.csv", "nul.csv", "open-quote-header.csv"])
def test_a_malformed_table_by_its_columns(cli, tmp_path, name):
    (tmp_path / name).write_bytes(TABLES[name][0])
    code, out, err = cli("eval", f'X = load("{name}", "a"); g = sum(X)')
    _said(code, out, err, name, "")


def test_a_malformed_file_under_a_piped_document(cli, tmp_path):
    """A document piped into `step` reads its program's files again: one that has gone
    bad since is an input error naming the file (its content is not shown, as ever for
    a folder a saved point chose)."""
    (tmp_path / "d.csv").write_text("1,2\n3,4\n")
    (tmp_path / "p.bp").write_text('X = load("d.csv")\ng = sum(X * w)\n')
    code, document, _ = cli("eval", "p.bp", "--w", "1", "--json")
    assert code == 0
    for content, _also in (TABLES["open-quote.csv"], TABLES["nul.csv"], JSONS["deep.json"]):
        (tmp_path / "d.csv").write_bytes(content)
        code, out, err = cli("step", stdin=document)
        _said(code, out, err, "d.csv", "")
        code, out, _ = cli("step", "--json", stdin=document)
        assert code == 2 and "d.csv" in json.loads(out)["error"]["message"]


def test_a_good_table_still_reads(cli, tmp_path):
    (tmp_path / "q.csv").write_text('a,"b, c"\n"1",2\n3,"4"\n')
    code, out, _ = cli("eval", "g = sum(x)", "--x", "@q.csv", "--json")
    assert code == 0 and json.loads(out)["value"] == 10


# ---------------------------------------------------------------------------
# --eps

@pytest.mark.parametrize("eps", ["1e-17", "1e-310", "1e-300", "1e308", "0", "-1", "nan", "inf",
                                 "-inf", "x"])
@pytest.mark.parametrize("as_json", [False, True])
def test_an_eps_that_cannot_take_a_step(cli, eps, as_json):
    """1e-17 at x = 1 rounds x ± eps back to x: the difference was 0/0, written as NaN
    into the document (an internal error); 1e308 at y = 2 steps to infinity."""
    code, out, err = cli("check", "g = exp(x)*y", "--x", "1", "--y", "2", "--eps", eps,
                         *["--json"] * as_json)
    assert code == 2, out + err
    message = json.loads(out)["error"]["message"] if as_json else err
    assert "--eps" in message and "internal" not in message
    if eps in ("1e-17", "1e-310", "1e-300"):
        assert "too small" in message and "x = 1" in message
        assert "1e-10" in (json.loads(out)["error"]["hint"] if as_json else err)


def test_an_eps_that_is_small_but_fits_the_point(cli):
    """The step is relative to x: 1e-17 is refused at x = 1 but not at x = 0."""
    code, out, _ = cli("check", "g = x*x", "--x", "0", "--eps", "1e-9", "--json")
    assert code == 0 and json.loads(out)["check"]["verdict"] == "passed"


def test_a_difference_past_float64_is_a_verdict_not_a_crash(cli):
    """f(x + h) − f(x − h) = 1.5e308 − (−1.5e308) overflows: the row has no numeric
    estimate, with the reason, and the check fails (exit 1) with a valid document."""
    code, out, _ = cli("check", "g = x*1.5e308", "--x", "0", "--eps", "1", "--json")
    assert code == 1
    check = json.loads(out)["check"]
    assert check["rows"][0]["numeric"] is None and "too large" in check["problems"][0]


@pytest.mark.slow
def test_no_numpy_warning_reaches_a_stream(backprop, tmp_path):
    """numpy's RuntimeWarning lines (with their site-packages paths) leaked from check,
    from a long double past float64, from overflows: the command line shows none."""
    np.save(tmp_path / "l.npy", np.array([1e300], dtype=np.longdouble) * 1e300)
    runs = [
        ["check", "g = x*1.5e308", "--x", "0", "--eps", "1"],
        ["check", "g = exp(x)*y", "--x", "1", "--y", "2", "--eps", "1e-17"],
        ["eval", "g = exp(x)", "--x", "1000"],
        ["eval", "g = sum(x)", "--x", "@l.npy"],
        ["descend", "L = x^4", "--x", "3", "--lr", "1", "--steps", "50"],
        ["eval", "g = x / y + log(y)", "--x", "1", "--y", "0"],
    ]
    for args in runs:
        done = backprop(*args)
        assert done.returncode in (1, 2), done.stderr
        assert "Warning" not in done.stderr + done.stdout, done.stderr
        assert "internal error" not in done.stderr, done.stderr
