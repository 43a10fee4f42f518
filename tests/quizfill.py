"""A quiz sheet filled in with the numbers of other commands' documents (eval's nodes,
local gradients and gradients; step's new inputs): what grading must call 100 % right,
since the quiz and those commands must agree. Shared by the unit and the CLI tests."""

from __future__ import annotations

import copy

import numpy as np


def answers_from(sheet: dict, evaluated: dict, stepped: dict | None = None,
                 forwarded: dict | None = None) -> dict:
    """Every question of `sheet` answered from an `eval --json` document (and a `step
    --json` document at the sheet's lr, for step questions; a `forward --direction X=1
    --json` document along the swept input, for tangent questions)."""
    nodes = {n["name"]: n for n in evaluated["nodes"]}
    rows = {r["name"]: r for r in (forwarded or {"forward": {"rows": []}})["forward"]["rows"]}
    out = {}
    for q in sheet["quiz"]["questions"]:
        kind, _, rest = q["id"].partition(":")
        parts = rest.split(":")
        if kind == "value":
            out[q["id"]] = nodes[rest]["value"]
        elif kind == "grad":
            out[q["id"]] = nodes[rest]["grad"] if rest in nodes else evaluated["gradients"][rest]
        elif kind == "step":
            assert stepped is not None, "step questions need a step document"
            out[q["id"]] = stepped["inputs"][rest]
        elif kind == "tangent":
            assert forwarded is not None, "tangent questions need a forward document"
            out[q["id"]] = rows[parts[0]]["tangents"][0]
        else:
            node = nodes[parts[0]]
            use = int(parts[2]) if len(parts) > 2 else 1
            slots = [k for k, a in enumerate(node["args"]) if a == parts[1]]
            out[q["id"]] = node["local"][slots[use - 1]]
    return out


def filled(sheet: dict, answers: dict) -> dict:
    doc = copy.deepcopy(sheet)
    doc["answers"] = answers
    return doc


def nudged(value, by: float, tol: float):
    """The value moved by `by` tolerances (one element, for an array): past the
    tolerance for by > 1, within it for by < 1."""
    a = np.array(value, dtype=float)
    flat = a.reshape(-1)
    flat[0] += by * tol * max(1.0, abs(flat[0]))
    return a.tolist() if a.ndim else float(a)
