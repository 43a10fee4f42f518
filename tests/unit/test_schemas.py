"""The JSON Schema shipped in the package (backpropcli/schemas/backprop-1.schema.json):
a valid draft 2020-12 schema, readable (every definition says what it is), holding the
README's example document, and strict where the documents are fixed. The documents of
every command are held to it in tests/cli/test_schema.py and, through the `cli` and
`backprop` fixtures, in every test that runs a command with --json."""

from __future__ import annotations

import copy
import json
import re

import pytest
from jsonschema import Draft202012Validator

from backpropcli import schemas
from tests.helpers import ROOT
from tests.schemacheck import problem, schema, validator

EVAL = {
    "schema": "backprop/1", "command": "eval", "program": "g = x*y + z", "output": "g",
    "value": -10.0, "inputs": {"x": 3.0, "y": -4.0, "z": 2.0}, "params": ["x", "y", "z"],
    "gradients": {"x": -4.0, "y": 3.0, "z": 1.0},
    "nodes": [
        {"name": "t1", "op": "mul", "args": ["x", "y"], "expr": "x * y", "value": -12.0,
         "shape": [], "local": [-4.0, 3.0], "grad": 1.0},
        {"name": "g", "op": "add", "args": ["t1", "z"], "expr": "t1 + z", "value": -10.0,
         "shape": [], "local": [1.0, 1.0], "grad": 1.0},
    ],
}


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema()["title"] == "backprop/1"


def test_the_file_in_the_package_is_the_one_in_the_source_tree():
    assert schemas.text() == (ROOT / "backpropcli" / "schemas" / schemas.FILE).read_text()


def test_every_reference_resolves_and_every_definition_is_used():
    text = schemas.text()
    refs = set(re.findall(r'"\$ref": "#/\$defs/(\w+)"', text))
    defined = set(schema()["$defs"])
    assert refs <= defined, refs - defined
    assert defined <= refs, f"defined and never used: {defined - refs}"


def test_every_document_kind_and_shared_part_is_described():
    for name, sub in schema()["$defs"].items():
        if name.endswith("_document") or name in ("value", "node", "edge", "point", "error",
                                                  "evaluation", "descend", "path", "factor"):
            assert sub.get("description"), f"$defs/{name} has no description"


def test_the_readme_example_is_a_valid_document():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## JSON document", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```json\n(.*?)```", section, re.S)
    assert blocks, "the README's JSON section has no ```json block"
    for block in blocks:
        doc = json.loads(block)
        assert problem(doc) is None, problem(doc)


def test_the_hand_written_eval_document_is_valid():
    assert problem(EVAL) is None


def mutated(change) -> dict:
    doc = copy.deepcopy(EVAL)
    change(doc)
    return doc


@pytest.mark.parametrize(("change", "words"), [
    # a wrong type
    (lambda d: d.update(value="-10"), "is not of type 'number', 'array'"),
    (lambda d: d.update(program=3), "is not of type 'string'"),
    (lambda d: d["inputs"].update(x=True), "x"),
    (lambda d: d["nodes"][0].update(shape=[2.5]), "is not of type 'integer'"),
    (lambda d: d["nodes"][0].update(local="y"), "is not valid under any of the given"),
    (lambda d: d.update(params="x,y,z"), "is not of type 'array'"),
    (lambda d: d.update(schema="backprop/2"), "'backprop/1' was expected"),
    (lambda d: d.update(command="evaluate"), "is not one of"),
    # a required key missing
    (lambda d: d.pop("gradients"), "'gradients' is a required property"),
    (lambda d: d.pop("nodes"), "'nodes' is a required property"),
    (lambda d: d["nodes"][1].pop("grad"), "'grad' is a required property"),
    (lambda d: d.pop("schema"), "'schema' is a required property"),
    # an unknown key where the document is fixed
    (lambda d: d.update(gradient={"x": 1.0}), "Unevaluated properties are not allowed"),
    (lambda d: d["nodes"][0].update(colour="red"), "Additional properties are not allowed"),
    (lambda d: d.update(step={"lr": 0.1}), "Unevaluated properties are not allowed"),
    # an op name is a name
    (lambda d: d["nodes"][0].update(op="x * y"), "does not match"),
])
def test_the_schema_catches(change, words):
    said = problem(mutated(change))
    assert said is not None and words in said, said


def test_names_of_the_program_are_free():
    # keys chosen by the program (inputs, gradients) take any name, and ops any name
    # that ops.register() accepts
    doc = mutated(lambda d: (d["inputs"].update(W_2=[[1.0, 2.0]]),
                             d["gradients"].update(W_2=[[0.0, 0.0]]),
                             d["nodes"][0].update(op="softplus")))
    assert problem(doc) is None


def test_an_error_document():
    err = {"schema": "backprop/1", "command": "eval",
           "error": {"kind": "syntax", "message": "the program ends too early",
                     "line": 1, "column": 7}}
    assert problem(err) is None
    assert problem({**err, "error": {**err["error"], "hint": "write 2*x"}}) is None
    assert "'message' is a required property" in problem(
        {**err, "error": {k: v for k, v in err["error"].items() if k != "message"}})
    assert "Additional properties" in problem({**err, "value": 1.0})
    assert "is not of type" in problem({**err, "error": {**err["error"], "line": "1"}})
    # a failed check keeps its document and adds the error
    assert "Unevaluated properties" in problem({**EVAL, "error": err["error"]})


def test_the_validator_is_compiled_once():
    assert validator() is validator()


def test_the_documents_of_export_and_of_its_scripts():
    # backprop export --json, and what an exported script prints when run: eval's point
    # without program and nodes (a script holds no program text; its nodes are its
    # lines), or with --descend descend's point and run
    export = {"schema": "backprop/1", "command": "export", "to": "torch", "descend": False,
              "file": None, "script": "#!/usr/bin/env python3\n"}
    assert problem(export) is None
    assert "is not one of" in problem({**export, "to": "tensorflow"})
    script = {k: v for k, v in EVAL.items() if k not in ("program", "nodes")}
    assert problem(script) is None
    run = {"optimizer": "sgd", "lr": 0.1, "schedule": "constant", "steps": 1,
           "stopped": "steps", "reason": "ran 1 step", "first": -10.0, "last": -12.72,
           "best_step": 1, "plateau": None, "history": [
               {"step": 0, "value": -10.0, "lr": None, "change": None, "watched": {}},
               {"step": 1, "value": -12.72, "lr": 0.1, "change": -2.72, "watched": {"f": 1.0}}]}
    assert problem({**script, "command": "descend", "descend": run}) is None
    assert "Additional properties" in problem({**script, "nodes": EVAL["nodes"]})
    assert "'gradients' is a required property" in problem(
        {k: v for k, v in script.items() if k != "gradients"})
