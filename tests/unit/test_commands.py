"""The commands package: a command is the module of its name, found without importing
it (a run imports its own module alone), and every command is listed in the order of
`backprop --help`."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

from backpropcli.cli import commands
from backpropcli.cli.spec import Spec
from tests.helpers import ROOT


def test_every_command_module_is_named_after_its_command():
    # the run finds a command by its module's name, without importing the others
    modules = {p.stem for p in (ROOT / "backpropcli" / "cli" / "commands").glob("*.py")
               if not p.stem.startswith("_")}
    assert modules == commands.NAMES
    for name in commands.NAMES:
        spec = getattr(import_module(f"backpropcli.cli.commands.{name}"), "SPEC", None)
        assert isinstance(spec, Spec), f"commands/{name}.py has no SPEC"
        assert spec.name == name, f"commands/{name}.py holds the SPEC of {spec.name!r}"
        assert commands.spec(name) is spec


def test_every_command_is_listed_in_the_order_of_its_rank():
    assert {s.name for s in commands.SPECS} == commands.NAMES == set(commands.BY_NAME)
    assert [(s.rank, s.name) for s in commands.SPECS] == sorted((s.rank, s.name)
                                                                for s in commands.SPECS)
    assert commands.SPECS[0].name == "eval"
    assert all(commands.BY_NAME[s.name] is s for s in commands.SPECS)


def test_no_such_command_is_none():
    assert commands.spec("evl") is None
    assert commands.spec("help") is None  # Typer's own command, not a module
    assert commands.spec("_hidden") is None


def test_a_command_loads_its_module_alone():
    code = ("import sys\n"
            "from backpropcli.cli import commands\n"
            "assert commands.spec('graph').name == 'graph'\n"
            "print(sorted(m for m in sys.modules if m.startswith('backpropcli.cli.commands.')))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "['backpropcli.cli.commands.graph']", r.stdout + r.stderr
