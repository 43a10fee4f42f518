"""Running scripts that `backprop export` wrote, as a user would: in a subprocess, with
the Python of the tests. Several scripts share one subprocess (runpy runs each in a
fresh namespace as __main__), so that torch and jax are imported once per batch.

A framework that is not installed skips its tests, except under CI (CI=true), where
the `frameworks` extra is installed and a missing one is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests import schemacheck

# Each script's stdout (the document) and stderr, or how it failed, as one JSON list.
DRIVER = """\
import contextlib, io, json, runpy, sys
results = []
for path in sys.argv[1:]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(path, run_name="__main__")
        results.append({"stdout": out.getvalue(), "stderr": err.getvalue()})
    except SystemExit as e:
        results.append({"exit": str(e.code), "stdout": out.getvalue(), "stderr": err.getvalue()})
    except Exception as e:
        results.append({"error": f"{type(e).__name__}: {e}"})
sys.stdout.write(json.dumps(results))
"""

TOLERANCE = {"numpy": 1e-12, "torch": 1e-9, "jax": 1e-9}


def need(framework: str) -> None:
    """Skip a test whose framework is missing, but never under CI."""
    if framework == "numpy":
        return
    module = "torch" if framework == "torch" else "jax"
    if os.environ.get("CI") == "true":
        __import__(module)  # must be there: .ci/run installs .[test,frameworks]
    else:
        pytest.importorskip(module)


def outcomes(paths: list[Path], timeout: float = 600) -> list[dict]:
    """Run each script; for each, its stdout and stderr, and "exit" (the code it passed
    to sys.exit) or "error" (an exception that escaped it: a traceback for a user)."""
    driver = paths[0].parent / "_driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    done = subprocess.run([sys.executable, str(driver), *map(str, paths)], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "OMP_NUM_THREADS": "1",
                               "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert len(results) == len(paths)
    return results


def run_scripts(paths: list[Path], timeout: float = 600) -> list[dict]:
    """Run each script; its document, parsed. A script that fails fails the test."""
    documents = []
    for path, result in zip(paths, outcomes(paths, timeout), strict=True):
        assert "stdout" in result and "exit" not in result, f"{path.name}: {result}"
        doc = json.loads(result["stdout"])
        # what a script prints is a backprop/1 document too: the schema holds it
        schemacheck.assert_valid(schemacheck.trimmed(doc), f"the document of {path.name}")
        documents.append(doc)
    return documents


def size(v) -> float:
    return float(np.abs(np.asarray(v, dtype=float)).max(initial=0.0))


def close(got, want, rtol: float, what: str, floor: float = 0.0) -> None:
    """Equal shapes, and every element within rtol of the array's size (or of `floor`,
    where the array is far smaller: a gradient that cancels to about 0 is rounding
    noise of the size of the terms that cancelled, different in every framework)."""
    a, b = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, want {b.shape}"
    scale = max(size(b), floor, 1e-300)
    worst = float(np.abs(a - b).max(initial=0.0)) / scale
    assert worst <= rtol, f"{what}: relative error {worst:.3g} > {rtol:g}\n{got}\n{want}"


def same_point(doc: dict, want: dict, rtol: float, what: str = "") -> None:
    """The exported script's document against backprop's own (eval or descend --json)."""
    assert doc["schema"] == want["schema"] and doc["output"] == want["output"], what
    assert doc["params"] == want["params"], what
    assert list(doc["inputs"]) == list(want["inputs"]), what
    assert list(doc["gradients"]) == list(want["gradients"]), what
    close(doc["value"], want["value"], rtol, f"{what} value")
    largest = max((size(g) for g in want["gradients"].values()), default=0.0)
    for name in want["inputs"]:
        close(doc["inputs"][name], want["inputs"][name], rtol, f"{what} input {name}")
        close(doc["gradients"][name], want["gradients"][name], rtol, f"{what} ∂/∂{name}",
              floor=1e-3 * largest)
