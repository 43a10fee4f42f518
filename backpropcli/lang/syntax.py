"""The Lark side of the parser: the grammar as shipped, the parser loaded from the
shipped tables (or built from the grammar), and Lark's errors turned into what a person
reads, with a line, a column and a caret.

The parser runs with a transformer (the builder of lang/parse.py) and the post-lexer
below; what the transformer builds is parse.py's business, and nothing here knows an op.
"""

from __future__ import annotations

import contextlib
import pkgutil
from collections.abc import Callable

import lark
from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_analysis import Shift

from ..core.errors import SyntaxProblem
from ..core.ops import LOAD


class _Brackets:
    """Post-lexer: inside ( ) or [ ] a line break continues the expression."""

    always_accept = ("_NL",)

    def process(self, stream):
        depth = 0
        for tok in stream:
            if tok.type in ("LPAR", "LSQB"):
                depth += 1
            elif tok.type in ("RPAR", "RSQB"):
                depth = max(0, depth - 1)
            elif tok.type == "_NL" and depth:
                continue
            yield tok


# The options the parser is built with; the generator (tables.py) builds the shipped
# tables with the same ones. The transformer and the post-lexer are given at load time.
OPTIONS = {"parser": "lalr", "lexer": "basic"}


def grammar() -> str:
    """The text of grammars/backprop.lark, as shipped inside the package."""
    return (pkgutil.get_data("backpropcli.lang.grammars", "backprop.lark") or b"").decode("utf-8")


def build(text: str, transformer: object) -> Lark:
    """Build the parser from the grammar text (Lark computes the LALR tables: ~130 ms)."""
    return _with_fast(Lark(text, **OPTIONS, transformer=transformer, postlex=_Brackets()))


def _with_fast(parser: Lark) -> Lark:
    """The parser, with the fast loop (_Fast) beside it where it can copy this Lark."""
    with contextlib.suppress(AttributeError, KeyError, ValueError):  # another Lark's
        parser._backprop_fast = _Fast(parser)  # type: ignore[attr-defined]  # insides
    return parser


def load_tables(transformer: object) -> Lark:
    """The parser from the tables shipped in _tables.py: Python literals, imported
    like any module, so nothing is unpickled and no file outside the package is read.
    Raises ValueError for tables made by another Lark (major.minor)."""
    # Imported here, not at the top: making its literals takes some 8 ms, which the
    # commands that never parse (--help, reset) would pay too.
    from . import _tables as tables  # noqa: PLC0415

    if lark.__version__.split(".")[:2] != tables.LARK_VERSION.split(".")[:2]:
        raise ValueError(f"tables made by Lark {tables.LARK_VERSION}, not {lark.__version__}")
    return _with_fast(Lark._load_from_dict(tables.DATA, tables.MEMO, transformer=transformer,
                                           postlex=_Brackets()))


class _Token(str):
    """A token as the builder reads it: its text, its type, line and column. (Lark's
    Token carries four more places and costs three times as much to make.)"""

    type: str
    line: int
    column: int


_new_token = str.__new__


class _Fast:
    """Lark's own LALR loop and lexer, run without the machinery around them.

    The lexer's regular expression, the parse table and the rule callbacks (with
    Lark's filtering of punctuation and inlining of ?rules) are taken from the Lark
    parser itself; this loop does what its lexer, the bracket post-lexer and
    ParserState.feed_token do, in one function, making light tokens and only for the
    terminals a callback keeps. So the callbacks run in the same order on the same
    values. At the first character or token the grammar does not take it gives up
    (returns _FAILED) and the caller parses again with Lark, whose exception carries
    what the error message needs (the expected tokens, the interactive parser)."""

    def __init__(self, parser: Lark) -> None:
        frontend = parser.parser
        lexer = frontend.lexer.lexer  # the post-lexer's connector wraps the basic lexer
        scanner = lexer.scanner
        if lexer.callback or len(scanner._mres) != 1 or \
                not isinstance(frontend.lexer.postlexer, _Brackets):
            raise ValueError("a lexer this loop does not copy")
        # Spaces before a token are taken in the same match (most of a program's
        # matches are spaces otherwise): Lark's anonymous %ignore pattern, then its
        # alternation of terminals, none of which starts with a space.
        space = next((t.pattern.to_regexp() for t in lexer.terminals
                      if t.name == "__IGNORE_0"), None)
        mre = scanner._mres[0]
        self.space = None if space is None else lexer.re.compile(space).match
        self.match = mre.match if space is None else \
            lexer.re.compile(f"(?:{space})?(?:{mre.pattern})", mre.flags).match
        self.ignore = lexer.ignore_types
        self.newline = lexer.newline_types
        # the types that need more than a push: new lines, ignored text, brackets
        self.special = lexer.newline_types | lexer.ignore_types | \
            {"LPAR", "LSQB", "RPAR", "RSQB", "_NL"}
        table = frontend.parser.parser.parse_table
        callbacks = frontend.parser.parser.callbacks
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        self.kept = frozenset(sym.name for rule in callbacks for sym in rule.expansion
                              if sym.is_term and not sym.filter_out)
        # The table with each reduction's rule replaced by what the loop needs of it (its
        # length, the symbol it makes, its callback): hashing a Rule costs a Python call.
        reduce = {rule: (len(rule.expansion), rule.origin.name, callbacks[rule])
                  for rule in callbacks}
        for rule in callbacks:  # a ?rule of one symbol hands it on: no call, size 0 below
            if _passes_on(rule, callbacks[rule]):
                reduce[rule] = (-1, rule.origin.name, None)
        self.states = {state: {sym: (True, arg) if what is Shift else (False, reduce[arg])
                               for sym, (what, arg) in actions.items()}
                       for state, actions in table.states.items()}

    def parse(self, text: str) -> object:  # noqa: C901 (one loop, as Lark's)
        match, ignore, newline, kept = self.match, self.ignore, self.newline, self.kept
        special, space = self.special, self.space
        states, final = self.states, self.end
        state_stack = [self.start]
        value_stack: list = []
        pos, line, line_start, depth, n = 0, 1, 0, 0, len(text)
        end = False
        while True:
            if pos < n:
                m = match(text, pos)
                if m is None:
                    w = space(text, pos) if space is not None else None
                    if w is not None and w.end() == n:  # spaces at the very end
                        pos = n
                        continue
                    return _FAILED
                type_ = m.lastgroup
                value = m.group(type_)
                start = m.start(type_)
                column = start - line_start + 1
                pos = m.end()
                tok_line = line
                if type_ in special:
                    if type_ in newline and "\n" in value:
                        line_start = start + value.rindex("\n") + 1
                        line += value.count("\n")
                    if type_ in ignore:
                        continue
                    if type_ in ("LPAR", "LSQB"):  # the bracket post-lexer
                        depth += 1
                    elif type_ in ("RPAR", "RSQB"):
                        depth = max(0, depth - 1)
                    elif type_ == "_NL" and depth:
                        continue
                tok: object = value
                if type_ in kept:
                    made = _new_token(_Token, value)
                    made.type, made.line, made.column = type_, tok_line, column
                    tok = made
            else:
                type_, tok, end = "$END", "", True
            while True:  # ParserState.feed_token
                action = states[state_stack[-1]].get(type_)
                if action is None:
                    return _FAILED
                shift, arg = action
                if shift:
                    state_stack.append(arg)
                    value_stack.append(tok)
                    break
                size, origin, callback = arg
                if size < 0:  # a ?rule's single child, handed on as it is
                    state_stack[-1] = states[state_stack[-2]][origin][1]
                    continue
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value_stack.append(callback(children))
                state_stack.append(states[state_stack[-1]][origin][1])
                if end and state_stack[-1] == final:
                    return value_stack[-1]


_FAILED = object()  # what _Fast.parse returns where Lark must say why


def _passes_on(rule, callback) -> bool:
    """Whether Lark's callback for `rule` returns its one child as it is (a ?rule with
    one symbol, expr: term): tried on a stand-in child, for rules that may."""
    if not (rule.options.expand1 and not rule.alias and len(rule.expansion) == 1):
        return False
    child = object()
    try:
        return callback([child]) is child
    except Exception:  # the filter would look inside it: not one to hand on
        return False


def run(parser: Lark, source: str, reset: Callable[[], None] | None = None) -> object:
    """What the parser's transformer makes of `source`, or a SyntaxProblem with a place.
    The fast loop runs first; where it gives up, `reset` makes the transformer new
    again and Lark parses from the start."""
    fast = getattr(parser, "_backprop_fast", None)
    if fast is not None:
        made = fast.parse(source)
        if made is not _FAILED:
            return made
        if reset is not None:
            reset()
    try:
        return parser.parse(source)
    except UnexpectedCharacters as e:
        char = source[e.pos_in_stream or 0]
        if char in "\"'":
            raise SyntaxProblem("a string that is not closed on its line", line=e.line,
                                column=e.column, source=source,
                                hint=f"end it with {char}, as in {LOAD}({char}data.csv{char})"
                                ) from None
        what = f"unexpected character {char!r}"
        raise _syntax(source, e.line, e.column, what, _acceptable(e),
                      hint=_lookalike(char)) from None
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            raise _syntax(source, *end(source), "the program ends too early",
                          e.expected) from None
        raise _syntax(source, tok.line, tok.column, f"unexpected {_describe(tok)}",
                      _acceptable(e), hint=_side_by_side(source, tok)) from None
    except UnexpectedInput as e:  # UnexpectedEOF and the like
        raise _syntax(source, *end(source), "the program ends too early",
                      getattr(e, "expected", ())) from None


def end(source: str) -> tuple[int, int]:
    """The line and column just past the last character: where a caret says "ends too
    early" (under LALR, Lark gives the place of the last token instead)."""
    lines = source.split("\n")
    return len(lines), len(lines[-1]) + 1


_TERMINALS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "LPAR": "'('",
    "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "PLUS": "'+'",
    "_MINUS": "'-'", "_TIMES": "'*'", "SIGMA": "σ(...)",
    "_DIVIDE": "'/'", "AT": "'@'", "POW": "'^'", "EQUAL": "'='", "AUGOP": "'+='",
    "SEMICOLON": "';'", "_NL": "a new line", "$END": "the end of the program",
}
_STARTS_EXPRESSION = {"NAME", "NUMBER", "STRING", "LPAR", "LSQB", "_MINUS", "PLUS", "SIGMA"}
_OPERATORS = {"PLUS", "_MINUS", "_TIMES", "_DIVIDE", "AT", "POW"}
_ENDS_STATEMENT = {"SEMICOLON", "_NL", "$END"}


def _expected(names) -> str:
    """Lark's terminal names, said as a person would: "an expression or ')'"."""
    names = set(names)
    if "SEMICOLON" not in names:
        # the post-lexer asks for new lines everywhere; ';' shows where they really fit
        names.discard("_NL")
    said = []
    for group, label, present in (
        (_STARTS_EXPRESSION, "an expression", "NUMBER" in names),
        (_OPERATORS, "an operator", "_TIMES" in names),
        (_ENDS_STATEMENT, "the end of the statement", bool(names & {"SEMICOLON", "_NL"})),
    ):
        if present:
            said.append(label)
            names -= group
    said += sorted(_TERMINALS.get(n, n) for n in names)
    if len(said) <= 1:
        return "".join(said)
    return ", ".join(said[:-1]) + " or " + said[-1]


def _acceptable(e) -> set[str]:
    """What the parser would really take here: LALR's own expected set merges the
    lookaheads of every context (after `x` it lists ')' even outside parentheses)."""
    try:
        return set(e.interactive_parser.accepts())
    except Exception:  # best effort; Lark's coarser set is still right, only longer
        return set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())


def _describe(tok) -> str:
    if tok.type == "NAME":
        return f"name {tok.value!r}"
    if tok.type == "NUMBER":
        return f"number {tok.value}"
    if tok.type == "_NL":
        return "new line"
    if tok.type == "STRING":
        return f"string {tok.value}"
    return repr(str(tok.value))


def _syntax(source: str, line: int, column: int, what: str, expected,
            hint: str | None = None) -> SyntaxProblem:
    wanted = _expected(expected)
    message = f"{what}; expected {wanted}" if wanted else what
    return SyntaxProblem(message, line=line, column=column, source=source, hint=hint)


# Characters that look like maths but are not the language's, and what to type instead
# (the ones that are, − · × ⋅ ÷ σ, the grammar takes as they are).
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_LOOKALIKES = {"–": "-", "—": "-", "∗": "*", "⁄": "/", "∕": "/", "√": "sqrt(...)",
               "‘": "'", "’": "'", "“": '"', "”": '"', "∑": "sum(...)"}


def _lookalike(char: str) -> str | None:
    """What to type instead of a character that looks like maths: x² is x^2."""
    if char in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻":
        power = char.translate(_SUPERSCRIPTS)
        return f"write a power with ^: x^{power}, not x{char}"
    if char in _LOOKALIKES:
        return f"write {_LOOKALIKES[char]} instead of {char}"
    return None


def _side_by_side(source: str, tok) -> str | None:
    """A number written right against a name (2x) is no product: say to write 2*x."""
    if tok.type != "NAME" or tok.start_pos is None or tok.start_pos == 0:
        return None
    before = source[:tok.start_pos]
    number = before[len(before.rstrip("0123456789.")):]
    if number and number[0] != ".":
        return f"write {number}*{tok.value} to multiply: {number}{tok.value} is no product"
    return None
