"""Program text → Graph: the builder that Lark's parser runs as its transformer.

Lark's LALR parser runs with the builder below as its transformer, so each rule's
callback runs at the moment the parser reduces it, bottom-up and left to right: no
parse tree is built and nothing recurses, whatever the nesting or length. Names
resolve as the statements are read, so `c = c + 1` sees the old `c`. The Lark side
(the grammar, Lark's parser and its shipped tables, syntax errors) is lang/syntax.py;
the records the builder keeps, and their freezing into a Graph, are lang/records.py.

Parsing never evaluates. Numbers written in the program become constant nodes;
`name = 3`, `name = [1, 2]` and `name = uniform(2, 3)` declare an input with a
default (or a random start) instead; every other name that is used but never
computed is an input. `X = load("data.csv", "x1")` makes X a constant whose value
is data from a file: parsing only records the file and the columns on the node
(values.load_data reads them), so parsing stays pure. A function is looked up by its
name in the op table, so adding one needs no change to the grammar.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from typing import NoReturn, cast

import numpy as np
from lark import Lark

from ..core.errors import LimitError, ProgramError
from ..core.graph import CONST, INPUT, Graph
from ..core.limits import MAX_DIMS, check_shape
from ..core.ops import FUNCTIONS, INITIALIZERS, LOAD, OPS, Op, called
from .records import Data, Init, Lit, Rec, Ref, Str, freeze
from .syntax import build, end, grammar, load_tables, run

OUT = "out"  # the name of a bare expression's value
# Names that are numbers: used, each is a constant as a written number is (no gradient,
# never moved), until the program assigns the name itself. Then, as for any name
# assigned again, later statements see the program's node: micrograd's own example
# says `e = c - d`, and a program written for people must read as they wrote it.
CONSTANTS = {"pi": math.pi, "e": math.e}


def _binary(name: str):
    """The callback of a binary operator's alias (add, sub, ...): the op of that name."""

    def method(self: _Builder, a, b) -> int:
        line, column = self.pos(a)
        return self.apply(name, [a, b], line, column)

    method.__name__ = name
    return _inline(method)


def _inline(method):
    """Lark hands a callback the list of a rule's children; spread them as arguments.
    (Lark's own v_args does this too, but rebuilds a wrapper on every call.)"""

    def callback(self, children):
        return method(self, *children)

    callback.__name__ = method.__name__
    return callback


class NumberTooLarge(ProgramError):
    """A number written past float64's range (1e400): a ProgramError like the rest, of
    its own class so that a reader of values can say which (tasks/constant.py)."""


class _Builder:
    """The transformer: one method per grammar alias, each called as the parser reduces."""

    def __init__(self, source: str) -> None:
        self.reset(source)

    def reset(self, source: str) -> None:
        self.source = source
        self.recs: list[Rec] = []
        self.env: dict[str, int] = {}
        self.mark = 0  # how many nodes existed when the current statement began
        self.last: str | None = None  # the target of the last statement

    # -- errors and positions ------------------------------------------------
    def fail(self, message: str, line: int, column: int, hint: str | None = None) -> NoReturn:
        raise ProgramError(message, line=line, column=column, source=self.source, hint=hint)

    def pos(self, term) -> tuple[int, int]:
        if isinstance(term, int):
            return self.recs[term].line, self.recs[term].column
        return term.line, term.column

    # -- nodes ---------------------------------------------------------------
    def add_rec(self, rec: Rec) -> int:
        self.recs.append(rec)
        return len(self.recs) - 1

    def node(self, term) -> int:
        """The graph node of an operand, placing a literal as a constant on first use."""
        if isinstance(term, int):
            return term
        if isinstance(term, Ref):
            return term.node
        if isinstance(term, Init):
            self.fail(
                f"{term.kind}(...) makes a random starting value: assign it to a name "
                f"(W = {term.kind}(2, 3)) and use the name",
                term.line, term.column,
            )
        if isinstance(term, Data):
            self.fail(f"{LOAD}(...) reads data from a file: assign it to a name "
                      f'(X = {LOAD}("data.csv")) and use the name', term.line, term.column)
        if isinstance(term, Str):
            self.fail(f'a string in quotes only names a file or a column in {LOAD}(...), '
                      f'as in X = {LOAD}("data.csv", "x1", "x2")', term.line, term.column)
        return self.add_rec(Rec(CONST, value=term.value, text=term.text,
                                 line=term.line, column=term.column))

    def apply(self, name: str, operands: list, line: int, column: int) -> int:
        op = OPS[name]
        dynamic = [self.node(t) for t in operands[: op.arity]]
        static = tuple(self.whole_number(t, op) for t in operands[op.arity :])
        return self.add_rec(Rec(name, tuple(dynamic), static, line=line, column=column))

    def whole_number(self, term, op: Op) -> int:
        what = "an index" if op.static_kind == "index" else f"the axis of {op.name}"
        line, column = self.pos(term)
        if not isinstance(term, Lit) or np.ndim(term.value) != 0:
            self.fail(f"{what} must be a whole number written in the program", line, column)
        v = float(term.value)
        if v != int(v):
            self.fail(f"{what} must be a whole number, not {term.text}", line, column)
        if abs(v) >= 2**53:  # beyond this a float no longer holds every whole number
            self.fail(f"{what} {term.text} is far too large", line, column)
        return int(v)

    # -- atoms ---------------------------------------------------------------
    @_inline
    def number(self, tok) -> Lit:
        value = np.float64(tok)
        if not np.isfinite(value):  # 1e400 reads as inf
            raise NumberTooLarge(f"{tok} is too large for a float (the largest is about "
                                 "1.8e308)", line=tok.line, column=tok.column,
                                 source=self.source)
        return Lit(value, str(tok), tok.line, tok.column)

    @_inline
    def string(self, tok) -> Str:
        return Str(str(tok)[1:-1], tok.line, tok.column)

    @_inline
    def name(self, tok) -> Ref | Lit:
        if str(tok) in CONSTANTS and str(tok) not in self.env:  # a number, as 3 is
            return Lit(np.float64(CONSTANTS[str(tok)]), str(tok), tok.line, tok.column)
        return Ref(self.lookup(tok), tok.line, tok.column)

    def target(self, tok) -> str:
        """The name a statement assigns (pi or e too: from then on it is the program's)."""
        return str(tok)

    def lookup(self, tok) -> int:
        """The node a name means now; a name never computed so far is an input."""
        name = str(tok)
        if name not in self.env:
            self.env[name] = self.add_rec(Rec(INPUT, name=name, line=tok.line, column=tok.column))
        return self.env[name]

    @_inline
    def array(self, items=None) -> Lit:
        line, column = self._bracket_pos(items)
        if not items:
            self.fail("an array needs at least one number: [1, 2]", line, column)
        for t in items:
            if not isinstance(t, Lit):
                tl, tc = self.pos(t)
                self.fail("an array literal holds numbers only: [1, -2] or [[1, 2], [3, 4]]",
                          tl, tc)
        if np.ndim(items[0].value) >= MAX_DIMS:
            self.fail(f"an array literal with more than {MAX_DIMS} levels of brackets",
                      line, column)
        shapes = {np.shape(t.value) for t in items}
        if len(shapes) > 1:
            lengths = " and ".join(sorted(str(s) for s in shapes))
            self.fail(f"ragged array: its elements have shapes {lengths}", line, column)
        value = np.array([t.value for t in items], dtype=float)
        return Lit(value, "[" + ", ".join(t.text for t in items) + "]", line, column)

    def _bracket_pos(self, items) -> tuple[int, int]:
        # The "[" itself is not kept by the parser; point at the first element instead.
        if items:
            line, column = self.pos(items[0])
            return line, max(1, column - 1)
        return end(self.source)

    @_inline
    def first(self, item) -> list:
        return [item]

    @_inline
    def more(self, items: list, item) -> list:
        items.append(item)
        return items

    # -- operators -----------------------------------------------------------
    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    matmul = _binary("matmul")

    @_inline
    def pow(self, a, _tok, b):
        line, column = self.pos(a)
        return self.apply("pow", [a, b], line, column)

    @_inline
    def neg(self, a):
        if isinstance(a, Lit):  # -4 is a number, so that `x = -4` declares an input
            text = a.text[1:] if a.text.startswith("-") else "-" + a.text
            return Lit(-a.value, text, a.line, max(1, a.column - 1))
        line, column = self.pos(a)
        return self.apply("neg", [a], line, column)

    @_inline
    def index(self, base, items):
        line, column = self.pos(base)
        op = OPS["index"]
        if len(items) > op.statics[1]:
            self.fail(f"too many indices ({len(items)})", line, column)
        return self.apply("index", [base, *items], line, column)

    @_inline
    def call(self, tok, items=None):
        items = items or []
        name, line, column = called(str(tok)), tok.line, tok.column
        if name in INITIALIZERS:
            shape = tuple(self.size(t, name) for t in items)
            try:  # refused here, before anything is made
                check_shape(shape, f"{name}({', '.join(t.text for t in items)})")
            except LimitError as e:
                raise LimitError(e.message, line=line, column=column, source=self.source,
                                 hint=e.hint) from None
            return Init(name, shape, line, column)
        if name == LOAD:
            return self.load(items, line, column)
        op = OPS.get(name)
        if op is None or not op.called:
            import difflib  # noqa: PLC0415  (only for an unknown function: an error's hint)

            known = sorted((*FUNCTIONS, *INITIALIZERS, LOAD))
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]}?" if close else "functions: " + ", ".join(known)
            self.fail(f"unknown function {name}", line, column, hint=hint)
        least, most = op.arity + op.statics[0], op.arity + op.statics[1]
        if not least <= len(items) <= most:
            wanted = str(least) if least == most else f"{least} or {most}"
            self.fail(f"{name} takes {wanted} argument{'s' * (most != 1)}, "
                      f"not {len(items)}", line, column)
        return self.apply(name, items, line, column)

    def load(self, items: list, line: int, column: int) -> Data:
        example = f'X = {LOAD}("data.csv") or X = {LOAD}("data.csv", "x1", "x2")'
        if not items:
            self.fail(f"{LOAD} needs the name of a file: {example}", line, column)
        for t in items:
            if not isinstance(t, Str):
                self.fail(f"{LOAD} takes a file name and column names, each in quotes: "
                          f"{example}", *self.pos(t))
            if not t.value.strip():
                self.fail(f"an empty name in {LOAD}(...): {example}", t.line, t.column)
        text = f"{LOAD}(" + ", ".join(f'"{t.value}"' for t in items) + ")"
        return Data(items[0].value, tuple(t.value for t in items[1:]), text, line, column)

    def size(self, term, fn: str) -> int:
        line, column = self.pos(term)
        if not isinstance(term, Lit) or np.ndim(term.value) != 0:
            self.fail(f"the sizes given to {fn} must be numbers written in the program",
                      line, column)
        v = float(term.value)
        if v != int(v) or v < 1:
            self.fail(f"a size must be a whole number of at least 1, not {term.text}",
                      line, column)
        return int(v)

    # -- statements ----------------------------------------------------------
    @_inline
    def assign(self, tok, value):
        self.bind(self.target(tok), tok.line, tok.column, value)

    def bind(self, name: str, line: int, column: int, value) -> None:
        if isinstance(value, Ref):
            value = value.node
        if isinstance(value, (Lit, Init)):
            self.declare(name, line, column, value)
        elif isinstance(value, Data):  # a constant under a name, like a computed node
            self.env[name] = self.add_rec(Rec(CONST, value=None, line=value.line,
                                               column=value.column, name=name,
                                               text=value.text,
                                               data=(value.file, value.columns)))
        elif isinstance(value, Str):
            self.node(value)  # says where strings belong
        elif value >= self.mark and self.recs[value].name is None and self.recs[value].op != CONST:
            self.recs[value].name = name
            self.env[name] = value
        else:  # `y = x`: y is another name for an existing node
            self.env[name] = value
        self.end_statement(name)

    def declare(self, name: str, line: int, column: int, value) -> None:
        """`x = 3`, `w = [2, -3]`, `W = uniform(2, 3)`: an input with a default."""
        default, init = (value.value, None) if isinstance(value, Lit) else \
            (None, (value.kind, value.shape))
        if name in self.env:
            rec = self.recs[self.env[name]]
            if rec.op != INPUT or rec.name != name:
                self.fail(f"{name} is computed at line {rec.line}; `{name} = number` only "
                          "declares an input", line, column)
            if rec.value is not None or rec.init is not None:
                self.fail(f"{name} already has a starting value (line {rec.line})",
                          line, column)
            rec.value, rec.init = default, init
            rec.line, rec.column = line, column
        else:
            self.env[name] = self.add_rec(Rec(INPUT, value=default, init=init, name=name,
                                               line=line, column=column))

    @_inline
    def augassign(self, tok, augop, value):
        name = self.target(tok)
        target = self.lookup(tok)
        op = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div"}[str(augop)]
        self.bind(name, tok.line, tok.column, self.apply(op, [target, value], tok.line, tok.column))

    @_inline
    def bare(self, value):
        if isinstance(value, Data):
            self.fail(f'give the data a name: X = {value.text}', value.line, value.column)
        self.bind(OUT, *self.pos(value), value)

    def end_statement(self, name: str) -> None:
        self.last = name
        self.mark = len(self.recs)

    @_inline
    def stmts(self, *_statements) -> None:
        return None  # each statement has done its work as it was read

    @_inline
    def start(self, *_statements) -> Graph:
        if self.last is None:
            raise ProgramError("the program is empty: write a formula such as g = x*y + z",
                               source=self.source)
        return freeze(self.recs, self.env, self.env[self.last], self.source)


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, _Builder]:
    """Lark's parser and its builder: loaded from the shipped tables (~2 ms), or, if
    those were made by another Lark (major.minor) or do not load, built from the grammar
    (~30 ms, the same parser)."""
    # Lark binds the grammar callbacks to one transformer object when it builds the
    # parser, so a single builder is kept and reset before each parse.
    builder = _Builder("")
    try:
        return load_tables(builder), builder
    except Exception:  # another Lark, or tables it cannot read: the grammar is the truth
        builder = _Builder("")
        return build(grammar(), builder), builder


def parse(source: str) -> Graph:
    """Parse a program into its graph, or raise SyntaxProblem/ProgramError with a place."""
    return parse_with(source, *_parser())


def parse_with(source: str, lark: Lark, builder: _Builder) -> Graph:
    """parse(), with a given parser and the builder it was made with (tests use their own)."""
    with _lock:
        builder.reset(source)
        try:
            return cast(Graph, run(lark, source))
        finally:
            builder.reset("")
