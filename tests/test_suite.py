"""The test suite's own shape, so that a newcomer finds a test where its subject is:
tests/unit/ has a file per module, named after it (or after a property that crosses the
modules, declared below); tests/cli/ has a file per command, named after it, and files for
the surfaces every command shares, declared below; no test module grows without bound.
The speed of the suite is kept by the `slow` marker (pyproject.toml), not checked here:
a timed assertion would fail on a busy machine."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "backpropcli"
TESTS = ROOT / "tests"

# The longest a test module may be. Wider than the package's cap (tests/test_style.py):
# parametrized tables are long but flat. A file past it is split by what it tests.
TEST_LINES = 600

# tests/unit/ files named for a property that crosses the modules, not for one module.
CROSS_CUTTING = {
    "arrays": "arrays through every layer, against central differences",
    "layers": "the import rules between the packages",
    "lark_public": "Lark used through its public interface only",
    "packaging": "what the distribution promises",
    "readme": "the README's op tables, made from the op table",
    "readme_api": "the README's Python API session, run as written",
}

# tests/cli/ files for what every command shares, not for one command.
SURFACES = {
    "cosmetics": "counts and their nouns, option names in hints, uses named, Ctrl-C",
    "constant": "nodes that depend on no input, in every command",
    "digits": "numbers as typed and --digits/--full, in every command that shows numbers",
    "documented": "the help pages and the README say what the tool does",
    "fuzz": "random command lines",
    "golden": "the views as golden files",
    "hostile": "hostile and careless use, by what it attacks (test_hostile_*.py)",
    "malformed": "input that is the user's fault",
    "names": "a program's names against the tool's own keys",
    "near_misses": "a mistyped command, option or choice, and completion",
    "narrow": "narrow terminals",
    "options": "how a command sorts its arguments",
    "register": "an op added as one row works in every command",
    "session_owner": "a session planted above the working folder",
    "streams": "stdout, stderr and exit codes",
    "typos": "suggestions for misspelt commands and options",
}


def _named(stem: str, names) -> bool:
    """test_<name>.py or test_<name>_<aspect>.py for one of the names."""
    return any(stem == name or stem.startswith(name + "_") for name in names)


def _modules() -> set[str]:
    """Every module and package of backpropcli, by its name and by package_module."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p.lstrip("_") for p in rel.parts if p != "__init__"]
        names.update(parts)
        names.update("_".join(parts[i:]) for i in range(len(parts) - 1))
    return names - {""}


def _commands() -> list[str]:
    return sorted(p.stem for p in (PACKAGE / "cli" / "commands").glob("*.py")
                  if p.stem != "__init__")


def _tests(folder: str) -> list[Path]:
    return sorted((TESTS / folder).glob("test_*.py"))


def test_every_unit_test_file_names_its_module():
    modules = _modules()
    for path in _tests("unit"):
        stem = path.stem.removeprefix("test_")
        assert _named(stem, modules) or stem in CROSS_CUTTING, (
            f"tests/unit/{path.name} names no module of backpropcli: name it after the "
            f"module it tests (test_<module>.py, test_<package>_<module>.py) or declare "
            f"the property it checks in CROSS_CUTTING")


def test_every_cli_test_file_names_a_command_or_a_surface():
    commands = _commands()
    for path in _tests("cli"):
        stem = path.stem.removeprefix("test_")
        assert _named(stem, commands) or _named(stem, SURFACES), (
            f"tests/cli/{path.name} names no command ({', '.join(commands)}): name it "
            f"after its command or declare its surface in SURFACES")


def test_every_command_has_its_test_file():
    for command in _commands():
        assert (TESTS / "cli" / f"test_{command}.py").is_file(), (
            f"`backprop {command}` has no tests/cli/test_{command}.py")


def test_every_declared_name_has_its_file():
    # A stale entry would let a misnamed file through; every one must be in use.
    for folder, names in (("unit", CROSS_CUTTING), ("cli", SURFACES)):
        stems = [p.stem.removeprefix("test_") for p in _tests(folder)]
        for name in names:
            assert any(_named(stem, [name]) for stem in stems), f"no tests/{folder}/test_{name}*.py"


def test_no_test_module_is_long():
    for path in sorted(TESTS.rglob("*.py")):
        lines = len(path.read_text().splitlines())
        assert lines <= TEST_LINES, f"{path.relative_to(ROOT)} has {lines} lines (cap {TEST_LINES})"
