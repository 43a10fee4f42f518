"""The script writer of `backprop export` (output/export.py), without running the
scripts (tests/cli/test_export.py runs them): the worked example's numpy script as a
golden file, the op table's framework columns, names, numbers and user text."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from backpropcli.core.errors import UsageError
from backpropcli.core.ops import OPS
from backpropcli.output import export, export_names
from backpropcli.tasks.descend import Settings
from backpropcli.tasks.program import start
from tests.cli.test_golden import check_golden


def script(text: str, to: str = "numpy", settings: Settings | None = None, **values) -> str:
    graph, point = start(text, {k: str(v) for k, v in values.items()})
    return export.script(graph, point, to, settings=settings)


def test_the_worked_example_reads_as_backprop_by_hand():
    text = script("g = x*y + z", x=3, y=-4, z=2)
    want = check_golden("export_worked_numpy.txt", text)
    assert "'x': np.float64(3.0)," in want and "'y': np.float64(-4.0)," in want
    body = want.split("def value_and_grad(x, y, z):")[1].split("\n\n\ndef")[0]
    assert [line.strip() for line in body.splitlines() if line.strip()
            and not line.strip().startswith(("#", '"""'))] == [
        "t1 = x * y",
        "g = t1 + z",
        "dg = np.ones_like(g)[()]  # dg/dg = 1",
        "dt1 = dg",
        "dz = dg",
        "dx = dt1 * y",
        "dy = dt1 * x",
        "return g, [dx, dy, dz], []",
    ]
    assert "# t1 = x * y: multiply gate: swaps its inputs' values" in body


def test_a_node_used_twice_sums_its_gradients_in_the_engines_order():
    text = script("b = a + a; c = b * b", a=3)
    assert "da = db\n" in text and "da = da + db  # a is used again: its gradients add up" in text
    assert "db = db + dc * b  # b is used again" in text


def test_every_built_in_op_has_both_framework_columns():
    for op in OPS.values():
        assert op.torch and op.jax, op.name
        assert "*s" in op.torch or op.static_kind != "axis", op.name


@pytest.mark.parametrize("to", export.FRAMEWORKS)
def test_scripts_are_python_and_name_no_user_text(to):
    text = script("# secret comment\nsecret_name = weird_input * 2 + other\n"
                  "out = softmax(secret_name * [1, 2]) @ [3, 4]", to,
                  Settings(steps=3, optimizer="adam"), weird_input=1, other=2)
    tree = ast.parse(text)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str)}
    assert "secret comment" not in text
    # the only strings from the program are its names, as the JSON keys
    assert {"weird_input", "other", "out"} <= strings
    assert not [s for s in strings if "secret" in s or " = " in s]


def test_numbers_are_written_exactly():
    values = {"x": 0.1 + 0.2, "y": 1e-300, "z": -0.0}
    text = script("g = x * y + z", **{k: repr(v) for k, v in values.items()})
    inputs = text.split("INPUTS = ")[1].split("}")[0] + "}"
    read = eval(inputs, {"np": np})  # the script's own literal, read back: our text
    assert all(read[k] == v and np.signbit(read[k]) == np.signbit(v)
               for k, v in values.items())


def test_names_python_would_not_take_are_renamed():
    graph, _ = start("print = 2; np = 1; def = print * np; c = def * 2; c = c + 1", {})
    names = export.Names(graph, "numpy")
    by_name = {graph.nodes[i].name: v for i, v in names.value.items()}
    assert by_name == {"print": "print_", "np": "np_", "def": "def_", "c": "c", "c#1": "c_1"}
    assert names.gradient(0) == "dprint_"


def test_an_unknown_framework_is_a_usage_error():
    graph, point = start("g = x", {"x": "1"})
    with pytest.raises(UsageError, match="choose numpy, torch or jax"):
        export.script(graph, point, "tensorflow")


def test_statics_are_spread_into_framework_calls():
    assert export_names.statics("torch.sum(a, *s)", ()) == "torch.sum(a)"
    assert export_names.statics("torch.sum(a, *s)", (1,)) == "torch.sum(a, 1)"
    assert export_names.statics("a[s]", (0, -1)) == "a[0, -1]"
    text = script("h = softmax(x) + logsumexp(x)", "torch", x="[1, 2]")
    assert "torch.softmax(x, -1)" in text and "torch.logsumexp(x, -1)" in text
