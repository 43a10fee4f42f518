"""Shared fixtures: every test runs in its own folder, with its own session; every
document a command writes with --json, through `cli` or `backprop`, is validated against
the shipped JSON Schema (tests/schemacheck.py)."""

from __future__ import annotations

import os
import subprocess

import pytest
from typer.testing import CliRunner

from .helpers import command
from .schemacheck import checked


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BACKPROP_STATE", raising=False)
    monkeypatch.setenv("BACKPROP_CEILING", str(tmp_path))  # no session found above the test
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return


@pytest.fixture
def cli():
    """Run the Typer app in-process; returns (exit code, stdout, stderr)."""
    from backpropcli.cli.app import app

    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):
        result = runner.invoke(app, list(args), input=stdin)
        checked(list(args), result.stdout)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def backprop():
    """Run the installed `backprop` command in a subprocess; returns CompletedProcess."""
    base = command()

    def run(*args: str, stdin: str | None = None, env: dict | None = None, timeout: float = 120):
        done = subprocess.run([*base, *args], input=stdin if stdin is not None else "",
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
        checked(list(args), done.stdout)
        return done

    return run
