"""What the distribution promises (pyproject.toml): the name backpropcli and one version,
read from the installed metadata only when asked; every package folder and data file
(the grammar, the schema, py.typed) listed for the wheel; the licence and the changelog.
.ci/run builds the wheel and runs it alone; these catch a missing entry before that."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import metadata, version

import backpropcli
from tests.helpers import ROOT

PYPROJECT = (ROOT / "pyproject.toml").read_text()


def setting(name: str) -> str:
    found = re.search(rf'^{name} = "([^"]*)"', PYPROJECT, re.M)
    assert found, name
    return found.group(1)


def test_the_distribution_is_backpropcli_with_one_version(cli):
    assert setting("name") == backpropcli.DISTRIBUTION == "backpropcli"
    assert version("backpropcli") == setting("version") == backpropcli.__version__
    code, out, _ = cli("--version")
    assert code == 0 and out == f"backprop {setting('version')}\n"
    assert "backprop = \"backpropcli.cli.entry:main\"" in PYPROJECT  # the command's name


def test_the_version_is_read_only_when_asked():
    code = ("import sys, io\n"
            "sys.argv = ['backprop', 'eval', 'g = x*y', '--x', '1', '--y', '2', '--json']\n"
            "sys.stdout = io.StringIO()\n"
            "from backpropcli.cli.app import run_app\n"
            "run_app()\n"
            "sys.stdout = sys.__stdout__\n"
            "print('importlib.metadata' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "False", r.stdout + r.stderr


def test_every_package_folder_goes_into_the_wheel():
    listed = set(re.findall(r'"(backpropcli[\w.]*)"', PYPROJECT.split("[tool.setuptools]")[1]
                            .split("[tool.setuptools.package-data]")[0]))
    folders = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "backpropcli").rglob("__init__.py")}
    assert folders <= listed, f"not in [tool.setuptools] packages: {folders - listed}"
    assert "backpropcli.lang.grammars" in listed  # the grammar, from grammars/


def test_the_data_files_go_into_the_wheel():
    data = PYPROJECT.split("[tool.setuptools.package-data]")[1].split("\n[")[0]
    assert re.search(r'"backpropcli" = \["py.typed"\]', data)
    assert re.search(r'"backpropcli.lang.grammars" = \["\*.lark"\]', data)
    assert re.search(r'"backpropcli.schemas" = \["\*.schema.json"\]', data)
    assert (ROOT / "backpropcli" / "py.typed").exists()
    assert list((ROOT / "backpropcli" / "schemas").glob("*.schema.json"))


def test_licence_changelog_and_metadata():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert setting("license") == "MIT"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {setting('version')}" in changelog
    meta = metadata("backpropcli")
    assert meta["Name"] == "backpropcli" and meta["License-Expression"] == "MIT"
    assert "Typing :: Typed" in meta.get_all("Classifier")
    assert meta["Requires-Python"] == ">=3.10"
