"""House rules that a test can check: ruff and mypy are clean, the layers import only downwards
and only the CLI and terminal views import Rich or Typer (import-linter's contracts in
pyproject.toml), no module hands text to eval/exec but the reviewed ones, and --json
never loads Rich (nor matplotlib, which only descend --plot needs), nor a run Typer."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "backpropcli"


def tool(name: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if exe is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return exe


def test_ruff_is_clean():
    r = subprocess.run([tool("ruff"), "check", str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_layers_import_only_downwards():
    r = subprocess.run([tool("lint-imports")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(" KEPT") >= 2, r.stdout


def test_eval_and_exec_only_where_reviewed():
    for path in PACKAGE.rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(^|[^.\w])(eval|exec)\(", line):
                assert "# safe:" in line, f"{path.name}:{n}: {line.strip()}"


def test_no_module_is_long():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_tables.py":  # generated data
            continue
        lines = len(path.read_text().splitlines())
        assert lines <= 420, f"{path.relative_to(ROOT)} has {lines} lines"


@pytest.mark.parametrize("command", ["eval", "explain", "check", "graph", "descend"])
def test_json_path_imports_no_rich(command):
    code = ("import sys, io\n"
            f"sys.argv = ['backprop', '{command}', 'g = x*y', '--x', '1', '--y', '2', '--json']\n"
            "sys.stdout = io.StringIO()\n"
            "from backpropcli.cli.app import run_app\n"
            "run_app()\n"
            "sys.stdout = sys.__stdout__\n"
            "print(sorted(m for m in ('rich', 'pydantic', 'matplotlib') if m in sys.modules))\n"
            # nor the modules of other commands: the quiz, replay, forward mode, exams
            "print(sorted(m for m in sys.modules if m.startswith('backpropcli.') and\n"
            "             not m.startswith('backpropcli.cli.commands.') and\n"
            "             m.rsplit('.', 1)[-1] in ('quiz', 'grading', 'hints', 'replay',\n"
            "                                      'passes', 'dual', 'jvp', 'forward',\n"
            "                                      'exams')))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.split("\n")[:2] == ["[]", "[]"], r.stdout + r.stderr


def test_a_run_loads_neither_typer_nor_other_commands():
    # a command's run goes straight to its handler (cli/app.py): Typer, which builds a
    # Click command for every command, is for help and completion
    code = ("import sys, io\n"
            "sys.argv = ['backprop', 'eval', 'g = x*y', '--x', '1', '--y', '2', '--json']\n"
            "sys.stdout = io.StringIO()\n"
            "from backpropcli.cli.app import run_app\n"
            "code = run_app()\n"
            "sys.stdout = sys.__stdout__\n"
            "print(code)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click')\n"
            "             or m == 'backpropcli.cli.typerapp'))\n"
            "print(sorted(m for m in sys.modules if m.startswith('backpropcli.cli.commands.')))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.split("\n")[:3] == ["0", "[]", "['backpropcli.cli.commands.eval']"], \
        r.stdout + r.stderr


@pytest.mark.slow  # a whole mypy run: some 9 s without its cache
def test_types_check():
    r = subprocess.run([tool("mypy")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
