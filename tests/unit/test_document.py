"""report.py: the JSON document (schema backprop/1), written and read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backpropcli.core.engine import evaluate
from backpropcli.core.errors import ValueProblem
from backpropcli.lang.parse import parse
from backpropcli.output.document import (
    SCHEMA,
    document,
    dumps,
    dumps_bytes,
    graph_fields,
    jsonable,
)
from backpropcli.tasks.point import Point, read_point
from backpropcli.tasks.values import bind
from tests.pictures import run as run_program

WORKED = "f = x*y; g = f + z"
POINT = {"x": 3.0, "y": -4.0, "z": 2.0}
TOP_KEYS = {"schema", "command", "program", "output", "value", "inputs", "params",
            "gradients", "nodes"}
NODE_KEYS = {"name", "op", "args", "expr", "value", "shape", "local", "grad"}


def strict_loads(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""
    def refuse(word):
        raise AssertionError(f"{word} in the document")

    return json.loads(text, parse_constant=refuse)


def make(text: str, values: dict, params=None, output=None, base=None, command="eval", **extra):
    graph = parse(text)
    if output is not None:
        graph = graph.with_output(graph.find(output))
    inputs = bind(graph, {k: np.asarray(v, dtype=float) if np.ndim(v) else np.float64(v)
                          for k, v in values.items()})
    ev = evaluate(graph, inputs)
    point = Point(text, ev.output.name, inputs, list(params or graph.input_names), base)
    return document(command, ev, point, **extra), point


def test_the_worked_example_document():
    doc, _ = make(WORKED, POINT)
    assert set(doc) == TOP_KEYS
    assert doc["schema"] == SCHEMA == "backprop/1"
    assert (doc["command"], doc["program"], doc["output"]) == ("eval", WORKED, "g")
    assert doc["value"] == -10.0 and isinstance(doc["value"], float)
    assert doc["inputs"] == POINT and doc["params"] == ["x", "y", "z"]
    assert doc["gradients"] == {"x": -4.0, "y": 3.0, "z": 1.0}
    assert [n["name"] for n in doc["nodes"]] == ["f", "g"]
    for node in doc["nodes"]:
        assert set(node) == NODE_KEYS
    f, g = doc["nodes"]
    assert (f["op"], f["args"], f["expr"], f["local"], f["grad"]) == \
        ("mul", ["x", "y"], "x * y", [-4.0, 3.0], 1.0)
    assert (g["op"], g["args"], g["value"], g["shape"]) == ("add", ["f", "z"], -10.0, [])
    strict_loads(dumps(doc))


def test_every_input_has_a_gradient_even_when_the_output_ignores_it():
    doc, _ = make(WORKED, POINT, output="f")
    assert doc["output"] == "f" and doc["gradients"] == {"x": -4.0, "y": 3.0, "z": 0.0}


def test_constants_have_no_local_gradient_and_no_node():
    doc, _ = make("g = 2 * x + 1", {"x": 5.0})
    assert [n["local"] for n in doc["nodes"]] == [[None, 2.0], [1.0, None]]
    assert all(n["op"] != "const" for n in doc["nodes"])


def test_arrays_are_nested_lists():
    doc, _ = make("h = W @ v; g = sum(h)", {"W": [[1.0, 2.0], [3.0, 4.0]], "v": [1.0, -1.0]})
    assert doc["inputs"]["W"] == [[1.0, 2.0], [3.0, 4.0]]
    assert doc["gradients"]["W"] == [[1.0, -1.0], [1.0, -1.0]]
    assert doc["gradients"]["v"] == [4.0, 6.0]
    h = doc["nodes"][0]
    assert h["shape"] == [2] and h["value"] == [-1.0, -1.0]
    assert h["local"] is None  # matmul gives a vector-Jacobian product, not a local derivative
    strict_loads(dumps(doc))


def test_base_and_extra_keys():
    doc, _ = make(WORKED, POINT, base=Path("/somewhere"), command="step", step={"lr": 0.1})
    assert doc["base"] == "/somewhere" and doc["step"] == {"lr": 0.1}
    assert doc["command"] == "step"


# ---------------------------------------------------------------------------
# jsonable and dumps: never NaN or Infinity

def test_jsonable_by_hand():
    assert jsonable(np.float64(2.5)) == 2.5 and type(jsonable(np.float64(2.5))) is float
    assert jsonable(np.array(3.0)) == 3.0
    assert jsonable(np.float32(0.5)) == 0.5
    assert jsonable(np.array([[1, 2]])) == [[1.0, 2.0]]
    assert jsonable(np.float64("nan")) == "nan"
    assert jsonable(np.float64("inf")) == "inf" and jsonable(-np.inf) == "-inf"
    assert jsonable(np.array([1.0, np.nan, -np.inf])) == [1.0, "nan", "-inf"]


def test_dumps_refuses_a_bare_nan():
    with pytest.raises(ValueError, match="not JSON compliant"):
        dumps({"v": float("nan")})


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
                  elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_jsonable_never_writes_nan_or_infinity(a):
    text = dumps({"v": jsonable(a)})
    back = strict_loads(text)["v"]
    assert np.shape(back) == a.shape
    flat = np.ravel(np.array(back, dtype=object))
    for got, want in zip(flat, a.ravel(), strict=True):
        if np.isfinite(want):
            assert got == want  # finite numbers keep full precision
        else:
            assert got == str(float(want))


# ---------------------------------------------------------------------------
# read_point

def test_read_point_round_trips_a_document():
    doc, point = make("h = W @ v; g = sum(h) * s", {"W": [[1.0, 2.0], [3.0, 4.0]],
                                                     "v": [1.0, -1.0], "s": 0.1},
                      params=["W"], base=Path("/here"))
    back = read_point(dumps(doc), "stdin")
    assert (back.program, back.output, back.params, back.base) == \
        (point.program, "g", ["W"], Path("/here"))
    assert set(back.inputs) == set(point.inputs)
    for name, value in point.inputs.items():
        assert np.array_equal(back.inputs[name], value)
        assert back.inputs[name].dtype == np.float64


def test_read_point_of_a_scalar_document():
    doc, _ = make(WORKED, POINT)
    back = read_point(dumps(doc), "stdin")
    assert back.inputs == POINT and back.base is None


def valid() -> dict:
    return {"schema": SCHEMA, "program": "g = x", "output": "g", "inputs": {"x": 1.0},
            "params": ["x"]}


@pytest.mark.parametrize(("text", "words"), [
    ("", "is not a valid JSON document"),
    ("{", "is not a valid JSON document"),
    ("[" * 100_000, "is not a valid JSON document"),
    ("[1, 2]", "not a JSON object"),
    ('"g = x"', "not a JSON object"),
    (json.dumps({"schema": SCHEMA, "error": {"message": "boom"}}), "holds an error"),
    (json.dumps({"error": "boom"}), "holds an error from the command before: boom"),
    (json.dumps({**valid(), "schema": "other/2"}), "is not a backprop/1 document"),
    (json.dumps({k: v for k, v in valid().items() if k != "schema"}), "schema: None"),
    (json.dumps({**valid(), "program": 3}), "no valid 'program'"),
    (json.dumps({k: v for k, v in valid().items() if k != "output"}), "no valid 'output'"),
    (json.dumps({**valid(), "inputs": [1]}), "no valid 'inputs'"),
    (json.dumps({**valid(), "params": "x"}), "no valid 'params'"),
    (json.dumps({**valid(), "params": ["x", 1]}), "'params' must be a list of names"),
    (json.dumps({**valid(), "inputs": {"x": "nan"}}), "x (in stdin): expected a number"),
    (json.dumps({**valid(), "inputs": {"x": [1, [2]]}}), "ragged"),
    (json.dumps({**valid(), "inputs": {"x": True}}), "expected a number"),
])
def test_read_point_rejects_broken_documents(text, words):
    with pytest.raises(ValueProblem) as e:
        read_point(text, "stdin")
    assert e.value.exit_code == 2
    assert e.value.message.startswith("stdin") or e.value.message.startswith("x (in stdin)")
    assert words in e.value.message, e.value.message


def test_read_point_accepts_the_smallest_document():
    point = read_point(json.dumps(valid()), "stdin")
    assert point == Point("g = x", "g", {"x": 1.0}, ["x"], None)


# ---------------------------------------------------------------------------
# orjson writes the documents: the same values as json did, the same escapes

def _old_dumps(doc) -> str:
    """The documents as json wrote them before orjson (jsontext's json path)."""
    from backpropcli.tasks.jsontext import _json_text

    return _json_text(doc, None)


ODD_TEXT = ["plain", "tab\tnew\nline", "\x1b[31m", "del\x7f", "c1\x9b\x85", "sep\u2028\u2029",
            "bidi\u202e\u2066", "σ − ∂", "lone \udc80 surrogate", "quote \" back \\", "😀"]


@pytest.mark.parametrize("text", ODD_TEXT)
def test_orjson_documents_read_back_as_json_ones(text):
    doc = {"program": text, "v": 0.1, "big": 2**53, "neg": -0.0, "tiny": 5e-324,
           "a": np.arange(2000, dtype=float) / 7, "small": jsonable(np.eye(2)),
           "keys": {1: "one"}, "none": None, "flag": True}
    new = dumps(doc)
    assert json.loads(new) == json.loads(_old_dumps(doc))
    strict_loads(new)
    for raw in "\x7f\x9b\x85\u2028\u2029\u202e\u2066":
        assert raw not in new  # written as \\u escapes, as before
    assert new.endswith("}\n") and new.count("\n") == 1


def test_orjson_bytes_are_the_text_in_utf8():
    doc, _ = make("h = W @ v; g = sum(h)", {"W": np.ones((40, 40)), "v": np.ones(40)})
    assert dumps_bytes(doc).decode("utf-8") == dumps(doc)
    assert json.loads(dumps_bytes(doc)) == json.loads(_old_dumps(doc))


@pytest.mark.parametrize("bad", [float("inf"), np.float64("nan"), [1.0, float("-inf")],
                                 np.array([1.0, np.nan]), {"deep": [{"x": np.inf}]}])
def test_orjson_path_still_refuses_non_finite_numbers(bad):
    with pytest.raises(ValueError, match="not JSON compliant"):
        dumps({"v": bad})


# ---------------------------------------------------------------------------
# the graph's data (output/document.py's graph_fields)

def test_data_lists_every_node_and_edge():
    ev = run_program("f = x * y; g = f + 2", x=3, y=-4)
    got = graph_fields(ev)
    assert [n["id"] for n in got["nodes"]] == [f"n{i}" for i in range(5)]
    by_name = {n["name"]: n for n in got["nodes"]}
    assert by_name["x"] == {"id": "n0", "name": "x", "op": "input", "expr": None,
                            "value": 3.0, "shape": [], "grad": -4.0, "output": False}
    assert by_name["2"]["grad"] is None and by_name["2"]["op"] == "const"
    assert by_name["g"]["output"] is True and by_name["f"]["expr"] == "x * y"
    assert {"from": "n0", "to": "n2", "slot": 0, "local": -4.0} in got["edges"]
    assert {"from": "n3", "to": "n4", "slot": 1, "local": None} in got["edges"]
