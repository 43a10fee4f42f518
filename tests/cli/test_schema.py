"""Every command's documents held to the shipped JSON Schema, explicitly: `backprop
schema` prints the file byte for byte; every sample under every command; random programs
(scalar programs of several statements, and every op on arrays); the session commands;
errors of every kind. And the schema proved strict on real documents of every kind: an
unknown key added to any object, a value of the wrong type anywhere, a required key taken
away, each is rejected. (Every other test that runs a command with --json validates its
document too, through the `cli` and `backprop` fixtures.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backpropcli import schemas
from backpropcli.cli.commands import SPECS
from backpropcli.core.ops import FWD
from tests.helpers import HEAVY, SAMPLES, samples
from tests.schemacheck import assert_valid, schema, trimmed, validator
from tests.unit import test_ops
from tests.unit.test_engine_random import Oracle, points, programs

WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
# moons.bp's documents are large (its nodes hold 100×16 arrays): seconds to validate each
SAMPLE_FILES = samples(HEAVY | {"moons.bp"}, ids=lambda p: p.stem)


def examples(n: int) -> settings:
    """n examples; the `cli` fixture is the same for each (it keeps no state of its own)."""
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def document(cli, *args: str, stdin: str | None = None, code: int | None = 0) -> dict:
    """The document of a run with --json, held to the schema; `code` the exit code."""
    got, out, err = cli(*args, "--json", stdin=stdin)
    if code is not None:
        assert got == code, (args, got, out[:300], err)
    doc = json.loads(out)
    assert_valid(doc, f"backprop {' '.join(args)}")
    return doc


# ---------------------------------------------------------------------------
# backprop schema

def test_schema_prints_the_file_as_it_is(cli):
    for args in (["schema"], ["schema", "--json"]):
        code, out, err = cli(*args)
        assert code == 0 and err == "" and out == schemas.text(), args


def test_the_installed_command_prints_it_too(backprop):
    r = backprop("schema")
    assert r.returncode == 0 and r.stdout == schemas.text()


def test_schema_refuses_what_it_does_not_take(cli):
    code, out, err = cli("schema", "--full")
    assert code == 2 and out == "" and "unknown option --full" in err
    doc = document(cli, "schema", "--full", code=2)
    assert doc["command"] == "schema" and doc["error"]["kind"] == "usage"


def test_every_command_has_its_documents_in_the_schema():
    commands = schema()["properties"]["command"]["enum"]
    branches = {b["if"]["properties"]["command"].get("const")
                for b in schema()["else"]["allOf"]}
    for spec in SPECS:
        assert spec.name in commands, f"the schema has no command {spec.name!r}"
        if spec.name != "schema":  # it prints the schema, not a backprop/1 document
            assert spec.name in branches, f"the schema has no documents of {spec.name!r}"


# ---------------------------------------------------------------------------
# every sample, every command

@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_every_sample_under_every_command(cli, sample):
    program = str(sample)
    for args in (["eval"], ["explain"], ["graph"], ["graph", "--format", "dot"],
                 ["graph", "--format", "mermaid"], ["quiz", "--sheet"]):
        document(cli, *args, program)
    check = document(cli, "check", program, code=None)
    assert check["command"] == "check" and "check" in check
    descended = document(cli, "descend", program, "--steps", "5", code=None)
    assert "descend" in descended
    evaluated = document(cli, "eval", program)
    assert document(cli, "step", "--lr", "0.01")["step"]["previous"]["inputs"] == \
        evaluated["inputs"]
    assert document(cli, "step", "--lr", "0.01", stdin=json.dumps(evaluated))
    assert len(document(cli, "history")["history"]) >= 2
    assert document(cli, "reset")["removed"] is True


def test_documents_piped_from_one_command_to_the_next(cli):
    doc = document(cli, "eval", *WORKED)
    for command in ("step", "explain", "check", "graph"):
        assert document(cli, command, stdin=json.dumps(doc))["command"] == command


# ---------------------------------------------------------------------------
# random programs

@examples(40)
@given(statements=programs(), point=points)
def test_random_programs(cli, statements, point):
    _, text = Oracle(point).run(statements)
    values = [f"--{name}={v!r}" for name, v in point.items() if name in text]
    for command in ("eval", "explain", "graph", "check"):
        # a value that is not finite ends in an error document (exit 1), also held to it
        doc = document(cli, command, text, *values, code=None)
        assert doc["command"] == command


@examples(3)
@given(data=st.data())
@pytest.mark.parametrize("op", sorted(test_ops.SAMPLERS))
def test_every_op_on_arrays(cli, op, data):
    case = data.draw(test_ops.SAMPLERS[op])
    a, b = (*case.operands, None)[:2]
    given_values = dict(zip(test_ops.NAMES, case.operands, strict=False))
    given_values["r"] = test_ops.value(data.draw, np.shape(FWD[op](a, b, case.static)),
                                       test_ops.MODERATE)
    values = [f"--{name}={json.dumps(np.asarray(v).tolist())}"
              for name, v in given_values.items()]
    for command in ("eval", "explain", "graph", "check"):
        doc = document(cli, command, test_ops.program(op, case), *values, code=None)
        assert doc["command"] == command
        assert "error" not in doc or command == "check", doc["error"]  # samplers avoid kinks


# ---------------------------------------------------------------------------
# errors: one document each, held to the schema

@pytest.mark.parametrize(("args", "stdin", "code", "kind"), [
    (["eval", "g = x*"], None, 2, "syntax"),
    (["eval", "g = x*y + z", "--x", "3"], None, 2, "value"),
    (["eval", "g = log(x)", "--x", "-1"], None, 1, "math"),
    (["eval", "g = foo(x)", "--x", "1"], None, 2, "program"),
    (["eval", "y = W @ x", "--W", "[[1, 2, 3], [4, 5, 6]]", "--x", "[1, 2]"], None, 2,
     "shape"),
    (["eval", *WORKED, "--ouptut", "g"], None, 2, "usage"),
    (["step"], None, 2, "session"),
    (["step"], "{not json", 2, "value"),
    (["graph", "g = x", "--x", "1", "--format", "jpeg"], None, 2, "usage"),
    (["check", "g = abs(x)", "--x", "1e-7"], None, 1, "check"),
    (["descend", str(SAMPLES / "seed.bp")], None, 1, "math"),
    (["descend", "L = x^4", "--x", "3", "--lr", "10"], None, 1, "math"),
    (["quiz", *WORKED], "0\n0\n", 1, "quiz"),
    (["quiz", "--answers", "-", *WORKED], '{"answers": {"grad:q": 1}}', 2, "value"),
    (["history", "--state", "nowhere.json"], None, 2, "session"),
])
def test_errors_are_documents_too(cli, args, stdin, code, kind):
    doc = document(cli, *args, stdin=stdin, code=code)
    assert doc["error"]["kind"] == kind, doc["error"]


# ---------------------------------------------------------------------------
# strict where the documents are fixed

# Objects keyed by the program's names (or by question ids): any key, but not any value.
BY_NAME = {"inputs", "gradients", "data", "where", "given", "answers", "by_node", "by_kind",
           "direction", "gradient", "product"}
# (symbolic: explain --symbolic only; warnings: a descend that has some; variant: an exam's)
OPTIONAL = {"base", "data", "hint", "elided", "error", "dot", "mermaid", "svg", "png", "symbolic",
            "warnings", "variant"}


def places(doc, path=()):
    """Every (path, container, key) in a document, objects and arrays alike."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        yield path, doc, key
        if isinstance(value, dict | list):
            yield from places(value, (*path, key))


def at(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def documents_of_every_kind(cli) -> dict[str, dict]:
    docs = {
        "eval": document(cli, "eval", *WORKED),
        "step": document(cli, "step", "--lr", "0.1"),
        "history": document(cli, "history"),
        "explain": document(cli, "explain", "b = a + a; c = b + b", "--a", "1"),
        "explain symbolic": document(cli, "explain", "L = sum(x * v) + y * y", "--x", "1",
                                     "--v", "[1, 2]", "--y", "2", "--symbolic"),
        "explain arrays": document(cli, "explain", "h = sum(tanh(W @ x))",
                                   "--W", "[[1, 2], [3, 4]]", "--x", "[0.1, -0.2]"),
        "check failed": document(cli, "check", "g = abs(x)", "--x", "1e-7", code=1),
        "graph": document(cli, "graph", "g = x*2 + y", "--x", "3", "--y", "1",
                          "--format", "mermaid"),
        "descend": document(cli, "descend", "L = (a - 3)^2", "--a", "0", "--steps", "3"),
        "descend ran away": document(cli, "descend", *WORKED, code=1),
        "quiz sheet": document(cli, "quiz", "b = a * a; c = b + a", "--a", "2", "--sheet",
                               "--ask", "value,local,grad,step", "--lr", "0.1"),
        "quiz key": document(cli, "quiz", "b = a * a; c = b + a", "--a", "2", "--key",
                             "--ask", "value,local,grad,step", "--lr", "0.1"),
        "quiz exam key": document(cli, "quiz", "--random", "--level", "5", "--variants", "3",
                                  "--seed", "7", "--key", "--ask", "value,local,grad,step"),
        "quiz exam variant graded": document(
            cli, "quiz", "--random", "--seed", "7", "--variants", "3", "--answers", "-",
            stdin='{"variant": 2, "answers": {"grad:x": -4}}', code=1),
        "step ascent": document(cli, "step", "--ascend"),
        "history with an ascent": document(cli, "history"),
        "quiz": document(cli, "quiz", "f = x*y; g = f + z", "--x", "3", "--y", "-4",
                         "--z", "2", "--answers", "-",
                         stdin='{"answers": {"grad:x": -4, "grad:y": 2}}', code=1),
        "reset": document(cli, "reset"),
        "error": document(cli, "eval", "g = 2x", code=2),
        "export": document(cli, "export", *WORKED, "--to", "jax", "--descend", "--steps", "3"),
        "forward": document(cli, "forward", *WORKED),
        "forward wrt arrays": document(cli, "forward", "h = sum(tanh(W @ x))", "--W",
                                       "[[1, 2], [3, 4]]", "--x", "[0.1, -0.2]", "--wrt", "x"),
        "forward direction": document(cli, "forward", *WORKED, "--direction", "x=1"),
        "hessian": document(cli, "hessian", *WORKED, "--explain", "x,y"),
        "hessian hvp": document(cli, "hessian", *WORKED, "--hvp", "x=1,y=0.5"),
        "depth": document(cli, "depth", "--layers", "3", "--width", "4"),
        "descend warned": document(cli, "descend", "X = 1*[[1, 2], [3, -1]]; W = [[1, -1], "
                                   "[1, -2]]; L = mean(relu(X @ W)^2)", "--steps", "2"),
    }
    reuse = document(cli, "replay", "b = a * a", "--a", "3")
    # from the seed on: a list keeps its first and last two frames when trimmed, and the
    # seed and both uses of a are in the middle of the whole replay
    docs["replay"] = {**reuse, "frames": reuse["frames"][2:]}
    docs["replay arrays"] = document(cli, "replay", "L = sum(W * x)", "--W", "[[1, 2], [3, 4]]",
                                     "--x", "[1, -1]")
    docs["cost"] = document(cli, "cost", *WORKED, "--repeats", "1")
    docs["cost jacobian"] = document(cli, "cost", "y = [1, 2] * x", "--x", "3", "--repeats", "1")
    document(cli, "eval", "g = (x-1)^2 + 10*(y+2)^2", "--x", "5", "--y", "7")
    docs["step newton"] = document(cli, "step", "--newton", "--damping", "0.5")
    docs["history with a newton step"] = document(cli, "history")
    docs["step newton indefinite"] = document(cli, "step", "--newton", stdin=json.dumps(
        docs["eval"]), code=1)
    docs["descend newton"] = document(cli, "descend", "L = (a - 3)^2", "--a", "0", "--steps",
                                      "2", "--optimizer", "newton")
    docs["descend newton hessian"] = document(cli, "descend", "L = a*b", "--a", "1", "--b",
                                              "1", "--optimizer", "newton", code=1)
    Path("d.csv").write_text("x1,x2\n1,2\n3,4\n")
    docs["eval with data"] = document(cli, "eval", 'X = load("d.csv", "x1", "x2"); '
                                      "g = sum(X @ w)", "--w", "[1, -1]")
    return docs


@pytest.fixture
def kinds(cli):
    """A document of every kind, each list cut to its first and last two items (each kind
    of object is still there; every change below costs one validation)."""
    return {kind: trimmed(doc, keep=2) for kind, doc in documents_of_every_kind(cli).items()}


def test_an_unknown_key_is_refused_in_every_object(kinds):
    for kind, doc in kinds.items():
        objects = [()] + [(*path, key) for path, parent, key in places(doc)
                          if isinstance(parent[key], dict)]
        for path in objects:
            bad = copy.deepcopy(doc)
            at(bad, path)["zz_unknown"] = True
            assert not validator().is_valid(bad), (kind, path)


def test_a_value_of_the_wrong_type_is_refused_anywhere(kinds):
    for kind, doc in kinds.items():
        for path, _, key in places(doc):
            if isinstance(at(doc, (*path, key)), dict | list):
                continue
            bad = copy.deepcopy(doc)
            at(bad, path)[key] = {"zz": 1}
            assert not validator().is_valid(bad), (kind, path, key)


def test_a_required_key_taken_away_is_missed(kinds):
    for kind, doc in kinds.items():
        objects = [()] + [(*path, key) for path, parent, key in places(doc)
                          if isinstance(parent[key], dict) and key not in BY_NAME]
        for path in objects:
            for key in at(doc, path):
                ascent = key in ("ascend", "newton") and path[-2:-1] == ("history",)  # marks
                if key in OPTIONAL or ascent or \
                        ((path, key) == ((), "descend") and "program" not in doc):
                    continue  # a run that diverged says how it went; other errors do not
                bad = copy.deepcopy(doc)
                del at(bad, path)[key]
                assert not validator().is_valid(bad), (kind, path, key)


def test_documents_of_every_kind_are_there(kinds):
    # the strictness tests above walk these: each kind of document, and the parts that
    # vary (arrays, a failed check, a run that ran away, a sheet, a graded quiz, data)
    assert {d["command"] for d in kinds.values()} >= {s.name for s in SPECS} - {"schema"}
    assert kinds["check failed"]["error"]["kind"] == "check"
    assert kinds["descend ran away"]["descend"]["stopped"] == "unbounded"
    assert kinds["eval with data"]["data"]
    assert kinds["descend warned"]["descend"]["warnings"][0]["kind"] == "dead_units"


def test_documents_where_they_vary(cli, tmp_path):
    doubling = "\n".join(f"a{i + 1} = a{i} + a{i}" for i in range(60))
    count = document(cli, "explain", doubling, "--a0", "1")["derivations"][0]["path_count"]
    assert count == str(2**60)  # past 2^53 a path count is its digits, as text
    sheet = document(cli, "quiz", str(SAMPLES / "reuse.bp"), "--sheet", "--ask", "local")
    assert any(q["use"] == 2 for q in sheet["quiz"]["questions"])  # b = a + a: each use
    (tmp_path / "sheet.json").write_text(json.dumps(sheet))
    graded = document(cli, "quiz", "--answers", "sheet.json", code=1)
    assert graded["quiz"]["score"]["unanswered"] == len(sheet["answers"])
    run = document(cli, "descend", str(SAMPLES / "moons.bp"), "--steps", "4", "--every", "2",
                   "--optimizer", "adam", "--schedule", "linear", "--watch", "accuracy")
    assert [h["step"] for h in run["descend"]["history"]] == [0, 2, 4]
    assert all("accuracy" in h["watched"] for h in run["descend"]["history"])
    diverged = document(cli, "descend", "L = x^4", "--x", "3", "--lr", "10", code=1)
    assert diverged["descend"]["stopped"] == "diverged" and "program" not in diverged
    unused = document(cli, "eval", "a = x^0.5; b = x", "--x", "0")
    assert unused["nodes"][0]["local"][0] == "inf"  # a node the output does not use
    for form in ("svg", "png"):  # the picture comes along; without Graphviz, an error
        picture = document(cli, "graph", "g = x*y", "--x", "1", "--y", "2", "--format", form,
                           code=None)
        assert form in picture or "Graphviz" in picture["error"]["message"]
