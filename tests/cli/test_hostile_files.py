"""Hostile files and inputs, through the real `backprop` in subprocesses: reads are bounded
(a path that is no regular file is refused at once, more bytes than the limit are refused,
a bad limit setting is named), arrays past the limits are refused before they are made,
and a saved point's folder never leaks what a file holds. The shared checks are
tests/hostile.py's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.hostile import (
    WORKED,
    checked,
    clean,
    doc_text,
    in_parallel,
    memory_limit,
    result,
    run,
    text,
)

# ---------------------------------------------------------------------------
# 5. Bounded reads

def _read_case(kind: str, as_json: bool):
    """A path that is no regular file: (the run, the path it names, what it says it is)."""
    def case(folder: Path):
        if kind == "at-dir":
            (folder / "w.json").mkdir()
            args, name, what = ["eval", "y = sum(W)", "--W", "@w.json"], "w.json", "directory"
        elif kind == "at-dev-zero":  # a read input only: /dev/zero cannot be damaged
            args, name, what = ["eval", "y = sum(W)", "--W", "@/dev/zero"], "/dev/zero", "device"
        else:
            name, args = {
                "at-fifo": ("w.json", ["eval", "y = sum(W)", "--W", "@w.json"]),
                "program-fifo": ("prog.bp", ["eval", "prog.bp"]),
                "load-fifo": ("fifo.csv", ["eval", 'X = load("fifo.csv"); y = sum(X)']),
                "state-fifo": ("s.json", ["eval", *WORKED, "--state", "s.json"]),
            }[kind]
            os.mkfifo(folder / name)
            what = "named pipe"
        r = run(*args, *(["--json"] if as_json else []), cwd=folder)
        return r, name, what
    return case


READS = [("at-fifo", False), ("at-fifo", True), ("at-dir", False), ("at-dev-zero", False),
         ("program-fifo", False), ("load-fifo", False), ("state-fifo", False)]


def _limit_case(what: str, as_json: bool):
    """BACKPROP_MAX_BYTES=1000 and 2000 bytes: of a @file, or of a document on stdin."""
    def case(folder: Path):
        env = {"BACKPROP_MAX_BYTES": "1000"}
        flag = ["--json"] if as_json else []
        if what == "file":
            body = "[" + ", ".join(["1"] * 400) + "]"
            (folder / "big.json").write_text(body + " " * (2000 - len(body)))
            return run("eval", "y = sum(W)", "--W", "@big.json", *flag, env=env, cwd=folder)
        doc = doc_text("g = x*y + z", inputs={"x": 3, "y": -4, "z": 2})
        return run("step", *flag, stdin=doc + " " * (2000 - len(doc)), env=env, cwd=folder)
    return case


SETTINGS = [("BACKPROP_MAX_ELEMENTS", "abc"), ("BACKPROP_MAX_BYTES", "abc"),
            ("BACKPROP_MAX_BYTES", "0"), ("BACKPROP_MAX_ELEMENTS", "1e999")]


def _setting_case(variable: str, value: str):
    def case(folder: Path):
        (folder / "w.json").write_text("[1, 2, 3]")  # a file: both limits are consulted
        return run("eval", "y = sum(x)", "--x", "@w.json", env={variable: value}, cwd=folder)
    return case


def _elements_case(folder: Path):
    env = {"BACKPROP_MAX_ELEMENTS": "10"}
    return (run("eval", "y = sum(x)", "--x", "[1,2,3,4,5,6,7,8,9,10,11]", env=env, cwd=folder),
            run("eval", "y = sum(x)", "--x", "[1,2,3,4,5,6,7,8,9,10]", env=env, cwd=folder))


@pytest.fixture(scope="module")
def read_results(tmp_path_factory):
    cases = {f"{kind}-{as_json}": _read_case(kind, as_json) for kind, as_json in READS}
    cases.update({f"limit-{what}-{as_json}": _limit_case(what, as_json)
                  for what in ("file", "stdin") for as_json in (False, True)})
    cases.update({f"{var}={value}": _setting_case(var, value) for var, value in SETTINGS})
    cases["elements"] = _elements_case
    return in_parallel(tmp_path_factory, "reads", cases)


@pytest.mark.parametrize(("kind", "as_json"), READS)
@pytest.mark.slow  # read_results: some 20 runs of backprop, 3 to 7 s
def test_a_path_that_is_no_regular_file_is_refused_at_once(read_results, kind, as_json):
    r, name, what = result(read_results, f"{kind}-{as_json}")
    said = checked(r, 2, as_json)
    assert name in said and what in said, said


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("what", ["file", "stdin"])
@pytest.mark.slow
def test_more_bytes_than_the_limit_are_refused(read_results, what, as_json):
    said = checked(result(read_results, f"limit-{what}-{as_json}"), 2, as_json)
    assert ("W" in said and "big.json" in said) if what == "file" else "stdin" in said, said
    assert "1000 bytes" in said and "BACKPROP_MAX_BYTES" in said, said


@pytest.mark.parametrize(("variable", "value"), SETTINGS)
@pytest.mark.slow
def test_a_bad_limit_setting_is_named(read_results, variable, value):
    said = checked(result(read_results, f"{variable}={value}"), 2)
    assert variable in said, said


@pytest.mark.slow
def test_the_element_limit_can_be_lowered(read_results):
    over, within = result(read_results, "elements")
    said = checked(over, 2)
    assert "limit of 10" in said and "BACKPROP_MAX_ELEMENTS" in said, said
    clean(within, 0)


# ---------------------------------------------------------------------------
# 6. Bounded arrays (run one by one: preexec_fn and threads do not mix)

def _array_case(kind: str) -> tuple[list[str], str]:
    """(args, how the message names the limit)."""
    elements = "limit of 100,000,000"
    if kind == "randn":
        return ["eval", "W = randn(20000, 20000); y = sum(W)"], elements
    if kind == "zeros-1e30":
        return ["eval", "W = zeros(1e30); y = sum(W)"], elements
    if kind == "uniform-cube":
        return ["eval", "W = uniform(1000, 1000, 1000); y = sum(W)"], elements
    if kind == "npy-header":
        with open("huge.npy", "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
            f.write(b"\0" * 16)
        return ["eval", "y = sum(W)", "--W", "@huge.npy"], elements
    if kind == "literal-40-deep":
        literal = "[" * 40 + "1" + "]" * 40
        return ["eval", f"y = sum({literal})"], "32 levels"
    if kind == "json-70-deep":
        return ["eval", "y = sum(x)", "--x", "[" * 70 + "1" + "]" * 70], "at most 32"
    assert kind == "broadcast"
    Path("col.json").write_text(json.dumps([[1.0]] * 100_000))
    Path("row.json").write_text(json.dumps([1.0] * 100_000))
    return ["eval", "y = sum(a * b)", "--a", "@col.json", "--b", "@row.json"], elements


@pytest.mark.parametrize(("kind", "as_json"), [
    ("randn", False), ("zeros-1e30", False), ("uniform-cube", False), ("npy-header", False),
    ("literal-40-deep", False), ("json-70-deep", False),
    ("broadcast", False), ("broadcast", True)])
def test_an_array_past_the_limits_is_refused_before_it_is_made(kind, as_json):
    args, limit = _array_case(kind)
    r = run(*args, *(["--json"] if as_json else []), preexec_fn=memory_limit,
            env={"OPENBLAS_NUM_THREADS": "1"})
    said = checked(r, 2, as_json)
    assert limit in said, said

# ---------------------------------------------------------------------------
# 12. A saved point's folder never leaks what a file holds

LEAKS = {
    # id: (command, the program)
    "step": (["step"], 'X = load("passwd"); y = sum(X)'),
    "step-json": (["step", "--json"], 'X = load("passwd"); y = sum(X)'),
    "step-columns": (["step"], 'X = load("passwd", "root"); y = sum(X)'),
    "eval-json": (["eval", "--json"], 'X = load("passwd"); y = sum(X)'),
    "explain": (["explain"], 'X = load("passwd"); y = sum(X)'),
    "check": (["check"], 'X = load("passwd", "daemon"); y = sum(X)'),
    "graph": (["graph"], 'X = load("passwd"); y = sum(X)'),
}


def _leak_case(key: str, etc: bool):
    def case(folder: Path):
        if etc:
            base, file = "/etc", "/etc/passwd"
        else:
            (folder / "etc").mkdir()
            (folder / "etc" / "passwd").write_text(
                "root:x:0:0:root:/root:/bin/bash\n"
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
            base, file = str(folder / "etc"), str(folder / "etc" / "passwd")
        command, program = LEAKS[key]
        doc = doc_text(program, output="y", inputs={}, base=base)
        return run(*command, stdin=doc, cwd=folder), file
    return case


HAS_PASSWD = os.path.isfile("/etc/passwd")
LEAK_RUNS = [(key, "own") for key in LEAKS] + [
    (key, "etc") for key in ("step", "step-json") if HAS_PASSWD]


@pytest.fixture(scope="module")
def leak_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "leaks", {
        f"{key}-{where}": _leak_case(key, where == "etc") for key, where in LEAK_RUNS})


@pytest.mark.parametrize(("key", "where"), LEAK_RUNS)
def test_a_documents_base_folder_never_leaks_a_files_content(leak_results, key, where):
    r, file = result(leak_results, f"{key}-{where}")
    said = checked(r, 2, "--json" in LEAKS[key][0])
    assert file in said, said
    for secret in ("root:", "daemon:", "/bin/bash", "nologin"):
        assert secret not in text(r.stdout) and secret not in text(r.stderr), secret
