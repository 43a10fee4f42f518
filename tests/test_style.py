"""House rules that a test can check: ruff is clean, the core never imports typer or rich,
and no module hands text to eval/exec except the op table's reviewed one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "backpropcli"


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    r = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_core_modules_import_neither_typer_nor_rich():
    ui = {"cli.py", "render.py", "render_train.py", "render_graph.py", "render_explain.py"}
    for path in PACKAGE.glob("*.py"):
        if path.name in ui:
            continue
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(typer|rich)\b", text, re.M), path.name


def test_eval_and_exec_only_where_reviewed():
    for path in PACKAGE.glob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(^|[^.\w])(eval|exec)\(", line):
                assert "# safe:" in line, f"{path.name}:{n}: {line.strip()}"


@pytest.mark.parametrize("command", ["eval", "explain", "check", "graph", "descend"])
def test_json_path_imports_no_rich(command):
    code = ("import sys, io\n"
            f"sys.argv = ['backprop', '{command}', 'g = x*y', '--x', '1', '--y', '2', '--json']\n"
            "sys.stdout = io.StringIO()\n"
            "from backpropcli.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stdout = sys.__stdout__\n"
            "print(sorted(m for m in ('rich', 'pydantic') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
