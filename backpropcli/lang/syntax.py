"""The Lark side of the parser: the grammar as shipped, Lark's parser loaded from the
shipped tables (or built from the grammar), and Lark's errors turned into what a person
reads, with a line, a column and a caret.

Only Lark's public interface is used. The parser is Lark's LALR parser given a
transformer (the builder of lang/parse.py), so Lark calls it at each reduction instead
of building a tree, and nothing recurses however long or deep the program. Its tables
come from _tables.py: what Lark's public `memo_serialize` makes of the parser, written
as plain literals by tables.py, and handed back to the public `Lark.load`, which takes
that dictionary as it is (given a file, it would unpickle it: never done here; were a
Lark to stop taking dictionaries, pickle refuses one, which is no file, and the parser
is built from the grammar). Building them from the grammar costs some 30 ms a command
(about 130 ms where interegular is installed, which Lark then runs to check the
terminals), as much as the rest of a small command; it is what happens when the tables
were made by another Lark minor version or do not load.

What the builder makes is parse.py's business, and nothing here knows an op.
"""

from __future__ import annotations

import pkgutil

import lark
from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..core.errors import SyntaxProblem
from ..core.ops import LOAD


class Brackets:
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
    """Lark's LALR parser for the grammar `text`, calling `transformer` as it reduces."""
    return Lark(text, **OPTIONS, transformer=transformer, postlex=Brackets())


def load_tables(transformer: object) -> Lark:
    """Lark's parser from the tables shipped in _tables.py: Python literals, imported like
    any module, so nothing is unpickled and no file outside the package is read.
    Raises ValueError for tables made by another Lark (major.minor), whose serialized
    form may differ; whatever else Lark raises on tables it cannot read passes through."""
    # Imported here, not at the top: making its literals takes a few milliseconds, which
    # the commands that never parse (--help, reset) would pay too.
    from . import _tables as tables  # noqa: PLC0415

    if lark.__version__.split(".")[:2] != tables.LARK_VERSION.split(".")[:2]:
        raise ValueError(f"tables made by Lark {tables.LARK_VERSION}, not {lark.__version__}")
    # The options that are objects (not literals) go in beside the shipped ones, in a new
    # dictionary: the shipped tables are never changed, so they load again the same.
    data: dict = tables.DATA
    options = {**data["options"], "transformer": transformer, "postlex": Brackets()}
    return Lark.load({"data": {**data, "options": options}, "memo": tables.MEMO})


def run(parser: Lark, source: str) -> object:
    """What the parser's transformer makes of `source`, or a SyntaxProblem with a place."""
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
