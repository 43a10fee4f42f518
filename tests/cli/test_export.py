"""`backprop export`: every exported script, run in a subprocess, gives what backprop
gives — `eval --json` for a point (values and gradients within 1e-12 relative for
numpy, whose backward pass is backprop's own rules; 1e-9 for torch and jax, whose
autodiff rounds differently), `descend --json` for a descent — on every sample, on
random programs (numbers and arrays), and on names that Python would not take.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.exported import TOLERANCE, close, need, run_scripts, same_point
from tests.helpers import SAMPLES, tiered
from tests.unit import test_engine_random as random_programs

FRAMEWORKS = ("numpy", "torch", "jax")
SAMPLE_FILES = sorted(SAMPLES.glob("*.bp"))


def check_batch(cli, folder, cases: list[tuple[str, str, list[str]]], to: str) -> None:
    """Export every case, run the scripts in one subprocess, and compare each with
    backprop's own document: `eval --json`, or `descend --json` for a descent (the
    script exported with --descend). Export's own options are not given to backprop."""
    wants, paths = [], []
    for name, command, args in cases:
        code, out, err = cli(command, *[a for a in args if a != "--embed-data"], "--json")
        assert code == 0, err
        wants.append(json.loads(out))
        path = folder / f"{name}_{to}.py"
        descend = ["--descend"] if command == "descend" else []
        code, _, err = cli("export", *args, *descend, "--to", to, "-o", str(path))
        assert code == 0, err
        paths.append(path)
    for (name, command, args), doc, want in zip(cases, run_scripts(paths), wants, strict=True):
        assert doc["command"] == command
        if command == "eval":
            same_point(doc, want, TOLERANCE[to], f"{to} {name} {args}")
        else:
            same_run(doc, want, to, name)


def same_run(doc: dict, want: dict, to: str, name: str) -> None:
    """A descent's final point, its settings and its history, as descend's."""
    rtol = TOLERANCE[to] * 10  # a hundred steps carry the last bits of each gradient on
    same_point(doc, want, rtol, f"{to} {name}")
    run, ran = doc["descend"], want["descend"]
    for key in ("optimizer", "lr", "schedule", "steps", "stopped", "reason", "best_step"):
        assert run[key] == ran[key], (key, run[key], ran[key])
    close([h["value"] for h in run["history"]], [h["value"] for h in ran["history"]],
          rtol, f"{to} {name} history")
    assert [h["lr"] for h in run["history"]] == [h["lr"] for h in ran["history"]]
    assert [list(h["watched"]) for h in run["history"]] == \
        [list(h["watched"]) for h in ran["history"]]
    for name in run["history"][0]["watched"]:
        close([h["watched"][name] for h in run["history"]],
              [h["watched"][name] for h in ran["history"]], rtol, f"{to} {name} watched {name}")


# ---------------------------------------------------------------------------
# random programs: of numbers (the oracle test's generator), and of arrays

def scalar_programs(count: int) -> list[tuple[str, list[str]]]:
    """Programs of several statements from test_engine_random, with a point each,
    kept where backprop evaluates them (a log of a negative number is an error)."""
    import backpropcli as bp

    found: list[tuple[str, list[str]]] = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(statements=random_programs.programs(), point=random_programs.points)
    def collect(statements, point):
        _, text = random_programs.Oracle(point).run(statements)  # the program as text
        values = {k: repr(v) for k, v in point.items()}
        try:
            r = bp.evaluate(text, {k: v for k, v in values.items() if k in _used(text)})
        except bp.BackpropError:
            return
        args = [text, *(a for k in r.inputs for a in ("--set", f"{k}={values[k]}"))]
        found.append((f"random{len(found)}", args))

    collect()
    return found


SHAPES = {"x": (3,), "y": (2, 3), "z": ()}
UNARY = ("tanh", "sigmoid", "sin", "exp", "relu", "abs")


@st.composite
def array_programs(draw):
    """Statements over a vector x (3), a matrix y (2×3) and a number z: elementwise ops
    with broadcasting, @, sums and means along an axis, softmax, logsumexp, indexing,
    transpose; ending in a number or an array."""
    shapes = dict(SHAPES)
    lines = []
    for i in range(draw(st.integers(1, 6))):
        names = sorted(shapes)
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        sa, sb = shapes[a], shapes[b]
        kind = draw(st.sampled_from(["elementwise", "unary", "reduce", "structure"]))
        expr, shape = None, None
        if kind == "elementwise":
            try:
                shape = np.broadcast_shapes(sa, sb)
                expr = f"{a} {draw(st.sampled_from(['+', '-', '*']))} {b}"
            except ValueError:
                expr = None
        if kind == "unary" or expr is None:
            expr, shape = f"{draw(st.sampled_from(UNARY))}({a} * 0.5)", sa
        if kind == "reduce" and sa:
            axis = draw(st.integers(0, len(sa) - 1))
            fn = draw(st.sampled_from(["sum", "mean", "softmax", "logsumexp"]))
            expr = f"{fn}({a}, {axis})"
            shape = sa if fn == "softmax" else sa[:axis] + sa[axis + 1:]
        if kind == "structure" and sa:
            if len(sa) == 2 and sb == (sa[1],):
                expr, shape = f"{a} @ {b}", (sa[0],)
            elif len(sa) == 2:
                expr, shape = f"transpose({a})", sa[::-1]
            else:
                expr, shape = f"{a}[{draw(st.integers(-sa[0], sa[0] - 1))}]", ()
        name = f"n{i}"
        lines.append(f"{name} = {expr}")
        shapes[name] = shape
    last = lines[-1].split(" = ")[0]
    if draw(st.booleans()):
        lines.append(f"out = sum({last} * {last}) + max(z, 0.1)")
    return "\n".join(lines)


def array_cases(count: int) -> list[tuple[str, list[str]]]:
    import backpropcli as bp

    rng = np.random.default_rng(7)
    found: list[tuple[str, list[str]]] = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(text=array_programs())
    def collect(text):
        values = {k: json.dumps(np.round(rng.normal(size=s), 3).tolist())
                  for k, s in SHAPES.items()}
        try:
            r = bp.evaluate(text, {k: v for k, v in values.items() if k in _used(text)})
        except bp.BackpropError:
            return
        args = [text, *(a for k in r.inputs for a in ("--set", f"{k}={values[k]}"))]
        found.append((f"array{len(found)}", args))

    collect()
    return found


def _used(text: str) -> set[str]:
    return set(re.findall(r"\b[xyz]\b", text))


# ---------------------------------------------------------------------------
# names Python would not take, and user text that must not become code

HOSTILE = ("print = 2; np = 3; json = print * np; def = json + lambda; None = def * torch; "
           "__file__ = None + HERE; dx = __file__ * x; d_x = dx + INPUTS; "
           "main = d_x * value_and_grad + dx; unbroadcast = sum(main); g = unbroadcast * 1; "
           "exp = g + exp(g * 0.01); g = exp + c_1; c = g; c = c * jnp")
HOSTILE_VALUES = ["--lambda", "1", "--torch", "2", "--HERE", "0.5", "--x", "3", "--INPUTS", "1",
                  "--value_and_grad", "2", "--c_1", "1", "--jnp", "-1.5"]


def data_case(tmp_path) -> tuple[str, list[str]]:
    """A program whose data file sits in a folder with a space, under a name with a
    quote, and is exported to another folder."""
    folder = tmp_path / "data dir"
    folder.mkdir()
    (folder / "it's.csv").write_text("# points\nx1,y\n1,2\n-1,0.5\n3,1\n", encoding="utf-8")
    program = folder / "fit.bp"
    program.write_text('X = load("it\'s.csv", "x1")\ny = load("it\'s.csv", "y")\n'
                       "w = 0.5\nb = 0\nL = mean((X * w + b - y)^2)\n", encoding="utf-8")
    return "data", [str(program)]


# ---------------------------------------------------------------------------
# --descend: the same run as `backprop descend`

DESCENTS = [
    ("sgd", ["--lr", "0.1"]),
    ("momentum", ["--lr", "0.05", "--schedule", "linear"]),
    ("adam", ["--lr", "0.01"]),
]


def descents() -> list[tuple[str, str, list[str]]]:
    """100 steps of each optimizer on the two-layer network (its data read from a file),
    one with the linear schedule."""
    program = str(SAMPLES / "twolayer.bp")
    return [(optimizer, "descend",
             [program, "--optimizer", optimizer, "--steps", "100", *extra])
            for optimizer, extra in DESCENTS]


@pytest.mark.parametrize("to", tiered(FRAMEWORKS))  # torch and jax start in seconds
def test_exported_scripts_give_what_backprop_gives(cli, tmp_path, to):
    """eval's point on every sample, random programs of numbers and of arrays, names
    that Python would not take, and data read from a file or held in the script; and
    descend's run for each optimizer. One subprocess runs the scripts of a framework."""
    need(to)
    out = tmp_path / "scripts"
    out.mkdir()
    cases = [(p.stem, [str(p), "--seed", "3"]) for p in SAMPLE_FILES]
    # numpy's backward pass is the one written out here: many programs; torch and jax
    # check the framework columns, which fewer programs cover (jax compiles each new
    # op and shape on first use, about 0.3 s each)
    count = 30 if to == "numpy" else 10
    cases += scalar_programs(count) + array_cases(count)
    cases += [("hostile", [HOSTILE, *HOSTILE_VALUES]), data_case(tmp_path)]
    cases.append(("embedded", [*cases[-1][1], "--embed-data"]))
    assert len(cases) >= 11 + count  # most drawn programs evaluate
    check_batch(cli, out, [(n, "eval", a) for n, a in cases] + descents(), to)

    text = (out / f"hostile_{to}.py").read_text(encoding="utf-8")
    function = "value_and_grad" if to == "numpy" else "forward"
    assert f"def {function}(print_, np_, lambda_, torch_, HERE_, x, INPUTS_, " in text
    read = (out / f"data_{to}.py").read_text(encoding="utf-8")
    held = (out / f"embedded_{to}.py").read_text(encoding="utf-8")
    assert """'X': load("../data dir/it's.csv", 'x1'),""" in read  # repr: a literal, not code
    assert "'X': np.array([1.0, -1.0, 3.0])," in held and "load('" not in held


@pytest.mark.slow
@pytest.mark.parametrize("to", ["torch", "jax"])
def test_moons_trains_to_every_point_right(cli, tmp_path, to):
    """micrograd's demo, exported, reaches 100 % accuracy as `backprop descend` does."""
    need(to)
    path = tmp_path / f"moons_{to}.py"
    code, _, err = cli("export", str(SAMPLES / "moons.bp"), "--to", to, "--descend",
                       "--seed", "1", "-o", str(path))
    assert code == 0, err
    (doc,) = run_scripts([path])
    last = doc["descend"]["history"][-1]
    assert last["step"] == 1000 and last["watched"]["accuracy"] == 1.0
    assert doc["value"] < 0.05 < doc["descend"]["first"]
    if to == "jax":
        assert "@jax.jit" in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# the command itself

def test_stdout_the_session_and_the_json_document(cli, tmp_path):
    code, out, err = cli("export", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2")
    assert code == 0 and out.startswith("#!/usr/bin/env python3\n"), err
    assert "dx = dt1 * y" in out
    code, _, err = cli("eval", str(SAMPLES / "neuron.bp"))
    assert code == 0, err
    code, again, err = cli("export")  # the session's point
    assert code == 0 and "f = 1 / (1 + np.exp(-dot))" in again, err
    code, doc, err = cli("export", "g = x*y", "--x", "1", "--y", "2", "--to", "jax", "--json")
    document = json.loads(doc)
    assert code == 0 and document["command"] == "export" and document["to"] == "jax"
    assert "jax.value_and_grad" in document["script"]


@pytest.mark.parametrize(("args", "words"), [
    (["--to", "tensorflow"], "choose numpy, torch or jax"),
    (["--lr", "0.1"], "--lr sets the descent: add --descend"),
    (["--descend", "--optimizer", "rmsprop"], "--optimizer rmsprop"),
    (["--embed-data"], None),  # no data: nothing to embed, and no error
])
def test_usage(cli, args, words):
    code, out, err = cli("export", "g = x*y", "--x", "1", "--y", "2", *args)
    if words is None:
        assert code == 0, err
    else:
        assert code == 2 and words in err, err


def test_an_op_without_a_framework_column_is_exit_2_naming_it(cli):
    from backpropcli.core import ops
    from tests.cli.test_register import SOFTPLUS

    ops.register(SOFTPLUS)
    try:
        code, _, err = cli("export", "L = softplus(w * x)", "--w", "1", "--x", "2",
                           "--to", "torch")
        assert code == 2 and "the op softplus has no torch form" in err, err
        code, out, err = cli("export", "L = softplus(w * x)", "--w", "1", "--x", "2")
        assert code == 0 and "L = np.log(1 + np.exp(t1))" in out, err
    finally:
        ops.unregister("softplus")


def test_o_refuses_a_directory_and_writes_atomically(cli, tmp_path):
    (tmp_path / "d").mkdir()
    code, _, err = cli("export", "g = x*2", "--x", "1", "-o", str(tmp_path / "d"))
    assert code == 2 and "directory" in err
    code, _, err = cli("export", "g = x*2", "--x", "1", "-o", str(tmp_path / "g.py"))
    assert code == 0 and "wrote the numpy script" in err
    assert (tmp_path / "g.py").read_text(encoding="utf-8").startswith("#!")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
