"""`backprop schema`: the JSON Schema (draft 2020-12) of every document the commands
write with --json, printed as the package holds it, for any validator to read."""

from __future__ import annotations

from ... import schemas
from ..options import CommandLine, Option
from ..spec import Env, Outcome, Spec

JSON = Option("json", None, "the same: the schema is itself one JSON document")


def run_schema(line: CommandLine, env: Env) -> Outcome:
    return Outcome(text=schemas.text())  # with --json too: the text is the document


SPEC = Spec(
    "schema", "The JSON Schema of the documents that --json writes (backprop/1).",
    "Print the JSON Schema (draft 2020-12) of every document the commands write with "
    "--json: eval, step, descend, explain, check, graph, quiz, history, reset, export "
    "(and what its scripts print), and the error document. Any JSON Schema validator can "
    "check a document against it. The "
    f"same file ships inside the package, as backpropcli/schemas/{schemas.FILE}.",
    ("backprop schema > backprop-1.schema.json",
     "backprop schema | jq '.\"$defs\".node'   (what a node of eval's nodes holds)"),
    (JSON,), run_schema, program=False, rank=16)
