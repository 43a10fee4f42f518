"""Hostile use of the real `backprop`: no code is loaded from a cache, whatever the cache
folder's layout (private, world-writable, a symlink, in the home folder): nothing read at
run time is a pickle. Run in subprocesses; the shared checks are tests/hostile.py's."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import pkgutil
from pathlib import Path

import pytest

from tests.hostile import (
    WORKED,
    clean,
    in_parallel,
    result,
    run,
)

# ---------------------------------------------------------------------------
# 1. No code from caches

class _Marker:
    """Unpickling this makes the marker folder: proof that a planted pickle ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _cache_names() -> list[str]:
    """The name the parse-table cache file has on this branch, and some others."""
    names = ["grammar-0123456789abcdef0123.lark-cache", "grammar-anything.lark-cache"]
    with contextlib.suppress(Exception):
        import lark

        grammar = (pkgutil.get_data("backpropcli.lang.grammars", "backprop.lark") or b"").decode()
        key = hashlib.sha256(f"{lark.__version__}\n{grammar}".encode()).hexdigest()[:20]
        names.insert(0, f"grammar-{key}.lark-cache")
    return names


def _plant(folder: Path, marker: Path) -> None:
    """Lark's cache format: a hash line, then pickles (the first is loaded unchecked)."""
    payload = b"0" * 64 + b"\n" + pickle.dumps(_Marker(str(marker)))
    for name in _cache_names():
        (folder / name).write_bytes(payload)


def _cache_case(layout: str):
    def case(folder: Path):
        marker = folder / "MARKER-the-pickle-ran"
        xdg, home, elsewhere = folder / "xdg", folder / "home", folder / "elsewhere"
        for place in (xdg, home, elsewhere):
            place.mkdir()
        env = {"XDG_CACHE_HOME": str(xdg), "HOME": str(home), "TMPDIR": str(elsewhere)}
        cache = xdg / "backprop"
        if layout == "private":
            cache.mkdir(mode=0o700)
            _plant(cache, marker)
        elif layout == "world-writable":
            cache.mkdir()
            os.chmod(cache, 0o777)
            _plant(cache, marker)
        elif layout == "symlink":
            (elsewhere / "cache").mkdir()
            _plant(elsewhere / "cache", marker)
            cache.symlink_to(elsewhere / "cache")
        else:  # no XDG_CACHE_HOME: the cache would be under $HOME/.cache
            env["XDG_CACHE_HOME"] = ""
            (home / ".cache" / "backprop").mkdir(parents=True)
            _plant(home / ".cache" / "backprop", marker)
        runs = [run("eval", *WORKED, env=env, cwd=folder)]
        ran_first = marker.exists()
        runs.append(run("step", "--json", env=env, cwd=folder))  # after a cache was written?
        return runs, ran_first, marker.exists()
    return case


CACHE_LAYOUTS = ["private", "world-writable", "symlink", "home"]


@pytest.fixture(scope="module")
def cache_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "cache",
                       {layout: _cache_case(layout) for layout in CACHE_LAYOUTS})


@pytest.mark.parametrize("layout", CACHE_LAYOUTS)
def test_nothing_loaded_at_run_time_is_a_pickle(cache_results, layout):
    runs, ran_first, ran_later = result(cache_results, layout)
    assert not ran_first, "backprop unpickled a planted cache file (code execution)"
    assert not ran_later, "backprop unpickled a planted cache file (code execution)"
    for r in runs:
        clean(r, 0)
