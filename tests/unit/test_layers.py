"""The import rules that pyproject.toml's contracts cannot state by themselves: that the
Rich-and-Typer contract covers every package but the CLI and the views (a new package is
held to it without anyone remembering to list it)."""

from __future__ import annotations

import pytest

from tests.helpers import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"]
DRAWN = {"backpropcli.cli", "backpropcli.terminal"}  # the only packages that may draw or run


def packages() -> set[str]:
    """The top-level packages of backpropcli."""
    return {f"backpropcli.{p.parent.name}" for p in (ROOT / "backpropcli").glob("*/__init__.py")}


def contract(name_part: str) -> dict:
    return next(c for c in CONTRACTS if name_part in c["name"])


def test_every_package_but_the_cli_and_the_views_is_kept_from_rich_and_typer():
    rule = contract("import Rich or Typer")
    assert set(rule["forbidden_modules"]) == {"rich", "typer"}
    assert set(rule["source_modules"]) == packages() - DRAWN
    assert not rule.get("ignore_imports")


def test_no_contract_lets_an_import_point_up():
    # The views sit below the API, so an API result can show itself through them without
    # an exception to the layers; none is written anywhere.
    assert [c["name"] for c in CONTRACTS if c.get("ignore_imports")] == []
    layers = contract("Layers")["layers"]
    assert layers.index("backpropcli.api") < layers.index("backpropcli.terminal")


def test_every_package_is_a_layer():
    assert set(contract("Layers")["layers"]) == packages() - {"backpropcli.schemas"}


def cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, without
    recursion): each a set of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            nexts = edges.get(node, [])
            if i < len(nexts):
                work.append((node, i + 1))
                child = nexts[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                found.append(_pop_component(stack, on_stack, node))
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
    return [sorted(c) for c in found if len(c) > 1]


def _pop_component(stack: list[str], on_stack: set[str], node: str) -> list[str]:
    component = []
    while True:
        top = stack.pop()
        on_stack.discard(top)
        component.append(top)
        if top == node:
            return component


def test_cycles_are_found():
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert cycles({"a": ["b"], "b": []}) == []


def test_no_module_imports_itself_round_a_cycle():
    """Every import, at the top or inside a function, points one way: no two modules
    import each other, directly or through others."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("backpropcli")
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert not cycles(edges), f"modules that import each other: {cycles(edges)}"
