"""backprop uses Lark through its public interface only, so that any Lark 1.x from 1.2 on
works (pyproject.toml: lark>=1.2,<2) and Lark's next release cannot break the parser.

The package's source is read (ast), never imported, and each of these is refused:
- an import from a Lark module whose path or imported name begins with `_`;
- `x._name` where `_name` is a private name of Lark's (one its own source defines or
  reaches as an attribute), unless `x` is `self` or `cls` in a class of ours that does
  not inherit from Lark; and getattr/setattr/hasattr/delattr with such a name;
- a name Lark makes up for an anonymous terminal (`__IGNORE_0`, `__ANON_3`), which
  changes with the grammar and with Lark;
- an import from a Lark module other than `lark` and `lark.exceptions`, the ones its
  documentation describes, or an attribute of the `lark` module that it does not export.
The check is tried on the code it replaced, where it must find each of these.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import lark
import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "backpropcli"
PUBLIC_MODULES = {"lark", "lark.exceptions"}
_ANONYMOUS = re.compile(r"__(IGNORE|ANON)_\d+")
_ATTRIBUTE_CALLS = {"getattr", "setattr", "hasattr", "delattr"}


def _private(name: str) -> bool:
    """A name Python's convention calls private: `_x` or `__x`, not `_` nor `__x__`."""
    return name.startswith("_") and name != "_" and \
        not (name.startswith("__") and name.endswith("__"))


@lru_cache(maxsize=1)
def lark_private_names() -> frozenset[str]:
    """Every private name in the installed Lark's source: what it defines (functions,
    classes, module constants) and every attribute it reaches (`self._mres`)."""
    names = set()
    for path in Path(lark.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(filter(_private, names))


class _Check(ast.NodeVisitor):
    """Walks one module and lists each use of Lark that is not its public interface."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.lark_names: set[str] = set()  # local names bound to Lark's modules or objects
        self.lark_modules: set[str] = set()  # local names bound to the `lark` module
        self.classes: list[bool] = []  # for each enclosing class: does it inherit Lark's?

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] != "lark":
                continue
            self.check_module(node, alias.name)
            if alias.asname:
                self.lark_names.add(alias.asname)
                if alias.name == "lark":
                    self.lark_modules.add(alias.asname)
            else:
                self.lark_names.add("lark")
                self.lark_modules.add("lark")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] != "lark" or node.level:
            return
        self.check_module(node, module)
        for alias in node.names:
            if _private(alias.name):
                self.report(node, f"from {module} import {alias.name}")
            elif isinstance(getattr(lark, alias.name, None), type(lark)):
                self.report(node, f"from {module} import {alias.name}: a module of Lark's own")
            self.lark_names.add(alias.asname or alias.name)

    def check_module(self, node: ast.AST, module: str) -> None:
        if any(_private(part) for part in module.split(".")):
            self.report(node, f"import of {module}")
        elif module not in PUBLIC_MODULES:
            self.report(node, f"import of {module}, not one of {sorted(PUBLIC_MODULES)}")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        inherits = any(isinstance(n, ast.Name) and n.id in self.lark_names
                       for base in node.bases for n in ast.walk(base))
        self.classes.append(inherits)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value
        own = isinstance(base, ast.Name) and base.id in ("self", "cls") and \
            bool(self.classes) and not self.classes[-1]
        if node.attr in lark_private_names() and not own:
            self.report(node, f"{ast.unparse(node)}: a private name of Lark's")
        if isinstance(base, ast.Name) and base.id in self.lark_modules and \
                not node.attr.startswith("__") and node.attr not in lark.__dict__:
            self.report(node, f"{ast.unparse(node)}: not exported by lark")
        elif isinstance(base, ast.Name) and base.id in self.lark_modules and \
                not (node.attr.startswith("__") and node.attr.endswith("__")) and \
                isinstance(getattr(lark, node.attr, None), type(lark)):
            self.report(node, f"{ast.unparse(node)}: a module of Lark's own")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in _ATTRIBUTE_CALLS and \
                len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and \
                node.args[1].value in lark_private_names():
            self.report(node, f"{node.func.id}(..., {node.args[1].value!r})")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _ANONYMOUS.search(node.value):
            self.report(node, f"{node.value!r}: a name Lark makes up")


def lark_uses(source: str) -> list[str]:
    """What in `source` is not Lark's public interface, one line each."""
    check = _Check()
    check.visit(ast.parse(source))
    return check.found


def test_lark_has_private_names_to_find():
    # the check is only as good as this list: Lark's insides the old parser used are in it
    assert {"_load_from_dict", "_mres", "_LOAD_ALLOWED_OPTIONS", "_callbacks"} <= \
        lark_private_names()


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_package_uses_lark_through_its_public_interface(path):
    assert lark_uses(path.read_text(encoding="utf-8")) == []


# What the parser did before, condensed: each line is one way of reaching inside Lark.
_OLD = '''
import lark
from lark import Lark
from lark import lark as lark_module
from lark.lark import _LOAD_ALLOWED_OPTIONS
from lark.parsers.lalr_analysis import Shift

def load(data, memo, transformer):
    return Lark._load_from_dict(data, memo, transformer=transformer)

class Fast:
    def __init__(self, parser):
        scanner = parser.parser.lexer.lexer.scanner
        self.mre = scanner._mres[0]
        self.space = [t for t in parser.terminals if t.name == "__IGNORE_0"]
        drop = getattr(lark_module, "_LOAD_ALLOWED_OPTIONS", set())
        self.table = lark.parsers.lalr_analysis

class Mine(lark.Transformer):
    def __init__(self):
        self._call_userfunc(None)
'''


def test_the_check_finds_each_way_inside():
    found = "\n".join(lark_uses(_OLD))
    for what in ["import of lark.lark", "from lark.lark import _LOAD_ALLOWED_OPTIONS",
                 "import of lark.parsers.lalr_analysis", "Lark._load_from_dict",
                 "scanner._mres", "'__IGNORE_0'", "getattr(..., '_LOAD_ALLOWED_OPTIONS')",
                 "lark.parsers: a module of Lark's own", "self._call_userfunc",
                 "from lark import lark: a module of Lark's own"]:
        assert what in found, f"{what} not found in:\n{found}"


def test_the_check_leaves_public_use_and_our_own_names_alone():
    source = '''
import lark
from lark import Lark, Token
from lark.exceptions import UnexpectedToken

class Ours:
    def __init__(self):
        self._width = 3  # a name Lark also uses, on our own object

def parse(text, transformer):
    parser = Lark.load({"data": {}, "memo": {}})
    return parser.parse(text), lark.__version__, Token("NAME", "x")
'''
    assert lark_uses(source) == []


def test_the_requirement_is_any_lark_1_from_1_2():
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [d for d in deps if re.match(r"lark\b", d)] == ["lark>=1.2,<2"]
