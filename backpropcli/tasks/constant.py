"""Numbers typed as text beyond a plain number: `1/2`, `2*pi`, `-sqrt(2)`, `exp(1)`, and
arrays of them, `[1/2, pi]`. A value on the command line and a quiz answer are read
here, the same way.

The text is read by the program's own parser, as a program of one expression with no
inputs, and evaluated by the engine: never by Python's eval, so a value can compute
nothing the language cannot (and `x`, `load(...)`, `randn(2)` are not numbers). An
array whose elements are expressions is split at its brackets and commas here (the
language's array literal holds plain numbers only), each element read the same way.
"""

from __future__ import annotations

from ..core.engine import evaluate
from ..core.errors import BackpropError, ValueProblem
from ..lang.parse import NumberTooLarge, parse


class NotConstant(ValueProblem):
    """Text that is no constant expression; `reason` says why: "syntax" (it does not
    parse), "range" (a number past a float's range: 1e400), "names" (it uses names, or
    is not one expression), "nonfinite" (1/0);
    `column` is where in the text, when known."""

    def __init__(self, message: str, reason: str, column: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.at = column


def constant(text: str):
    """The value of a constant expression: a float64, or an array for an array literal."""
    if "\n" in text or ";" in text:
        raise NotConstant("a value is one expression, on one line", "names",
                          _first(text, "\n;"))
    # digits a person types are 0-9: '١٢' is 12 to Python's float, not to a reader
    other = next((k for k, ch in enumerate(text) if ch.isdigit() and not ch.isascii()), None)
    if other is not None:
        raise NotConstant(f"{text[other]!r} is not one of the digits 0-9", "syntax", other + 1)
    try:
        graph = parse(text)
    except BackpropError as e:
        message = e.message.replace("the program ", "the value ", 1)
        reason = "range" if isinstance(e, NumberTooLarge) else "syntax"
        raise NotConstant(message, reason, e.column if e.line == 1 else None) from None
    out = graph.nodes[graph.output]
    inputs = {n.name: n for n in graph.nodes if n.is_input}
    # `-4` and `[1, 2]` read as an input with a default (out = -4); anything else that
    # is an input, a name or a random start, is not a number
    literal = list(inputs) in ([], ["out"]) and out.name == "out" and \
        all(n.value is not None and n.init is None for n in inputs.values())
    if not literal or set(graph.names) - {"out"} or any(n.is_data for n in graph.nodes):
        first = next((n for n in graph.nodes if n.is_input and n.name != "out"), None)
        raise NotConstant("a value uses no names but pi and e, only numbers and arithmetic",
                          "names", first.column if first is not None else None)
    try:
        ev = evaluate(graph, {name: n.value for name, n in inputs.items()
                              if n.value is not None})  # (each has one: `literal`)
    except BackpropError:  # 1/0, log(-1): not a finite number
        raise NotConstant(f"{text.strip()} is not a finite number", "nonfinite",
                          1 + len(text) - len(text.lstrip())) from None
    return ev.value


def constant_array(text: str) -> list:
    """`[1/2, [pi, -1]]` as nested lists of float64, each element a constant expression.
    One pass with a stack of the lists being filled (no recursion); a comma inside
    parentheses belongs to its element (`[max(1, 2), 3]`)."""
    return _ArrayReader(text).read()


class _ArrayReader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.stack: list[list] = []  # the lists being filled, innermost last
        self.done: list | None = None  # the outermost list, once closed
        self.start = 0  # where the current element begins
        self.comma = self.closed = False  # the last delimiter: a comma; a nested list's ]

    def read(self) -> list:
        depth = 0  # parentheses open in the current element
        for k, ch in enumerate(self.text):
            if depth:
                depth += {"(": 1, ")": -1}.get(ch, 0)
            elif ch == "(":
                depth = 1
            elif ch == "[":
                self.open(k)
            elif ch in ",]":
                self.delimit(k, ch)
            elif self.done is not None and not ch.isspace():
                raise NotConstant("more after the array's closing bracket", "syntax", k + 1)
        if self.stack or self.done is None:
            raise NotConstant("the array is not closed: end it with ]", "syntax",
                              len(self.text) + 1)
        return self.done

    def open(self, k: int) -> None:
        if self.done is not None:
            raise NotConstant("more after the array's closing bracket", "syntax", k + 1)
        if self.text[self.start:k].strip():
            raise NotConstant("an element is a number or arithmetic, then a comma",
                              "syntax", k + 1)
        self.stack.append([])
        self.start, self.comma, self.closed = k + 1, False, False

    def delimit(self, k: int, ch: str) -> None:
        if not self.stack:
            raise NotConstant(f"{ch!r} outside the brackets", "syntax", k + 1)
        self.element(k, ch == "]")
        self.comma, self.closed = ch == ",", ch == "]"
        if ch == "]":
            inner = self.stack.pop()
            if self.stack:
                self.stack[-1].append(inner)
            else:
                self.done = inner
        self.start = k + 1

    def element(self, end: int, closing: bool) -> None:
        piece = self.text[self.start:end]
        if not piece.strip():
            if self.comma if closing else not self.closed:  # [1,] [,1] [1,,2]
                raise NotConstant("an element is missing: write [1, 2] or [[1, 2], [3, 4]]",
                                  "syntax", end + 1)
            return
        try:
            self.stack[-1].append(constant(piece))
        except NotConstant as e:
            at = e.at or 1 + len(piece) - len(piece.lstrip())
            raise NotConstant(e.message, e.reason, self.start + at) from None


def _first(text: str, chars: str) -> int:
    return 1 + min(k for k, ch in enumerate(text) if ch in chars)
