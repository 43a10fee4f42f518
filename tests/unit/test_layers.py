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
    assert not set(rule.get("ignore_imports", ())) - {
        "backpropcli.api.* -> backpropcli.terminal.views"}  # a result shows itself


def test_every_package_is_a_layer():
    assert set(contract("Layers")["layers"]) == packages() - {"backpropcli.schemas"}
