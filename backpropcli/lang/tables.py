"""Generate backpropcli/lang/_tables.py: the grammar's LALR tables as Python literals.

    python -m backpropcli.lang.tables           # after editing grammars/backprop.lark
    python -m backpropcli.lang.tables --check   # exit 1 if the shipped tables are stale

Building the LALR tables from the grammar takes Lark some 30 ms, as long as the rest of
a small command. Lark's own ways to keep them (`Lark.save`, `cache=`) write a pickle,
and unpickling a file runs whatever code the file names: a file planted in a cache
folder would run on the next command. So the tables ship with the package instead, as
a module of plain literals that syntax.load_tables hands to Lark's public `Lark.load`
(which takes the dictionary as it is). The generator builds the parser with the options
syntax.py uses (syntax.OPTIONS, parse.py's builder and the post-lexer), takes the
serialized form Lark's public `memo_serialize` gives (what Lark.save pickles), leaves
out the options that are given again at load time, numbers the states canonically and
writes the literals sorted, so that generating twice gives the same text.
tests/unit/test_tables.py checks that the shipped module is what this generator makes
of the shipped grammar.
"""

from __future__ import annotations

import hashlib
import sys
from collections import deque
from pathlib import Path

import lark

from .parse import _Builder
from .syntax import build, grammar

TARGET = Path(__file__).with_name("_tables.py")
WIDTH = 100  # ruff's line length
SHIFT = 0  # Lark's serialized actions: (0, next state) shifts, (1, rule) reduces

# Options given at load time, not kept with the tables: the transformer and the
# post-lexer are objects (syntax.load_tables passes them again), and the others say how
# the parser runs, not what it parses (the ones Lark.load would take again; the two
# above are the only ones syntax.py sets).
RUN_TIME_OPTIONS = {"postlex", "transformer", "lexer_callbacks", "use_bytes", "debug",
                    "g_regex_flags", "regex", "propagate_positions", "tree_class"}


def serialize(text: str) -> tuple[dict, dict]:
    """Lark's serialized parser for the grammar `text`, built as syntax.py builds it:
    (data, memo) with the load-time options left out and the table numbered canonically."""
    parser = build(text, _Builder(""))
    # What Lark.save memoizes (each written once, then named by number): the terminals'
    # and the rules' classes, taken from the parser to need no import of Lark's modules.
    kinds = [type(parser.get_terminal("NAME")), type(parser.rules[0])]
    data, memo = parser.memo_serialize(kinds)
    data["options"] = {k: v for k, v in data["options"].items()
                       if k not in RUN_TIME_OPTIONS and not k.startswith("_")}
    data["parser"]["parser"] = canonical_table(data["parser"]["parser"])
    return data, memo


def canonical_table(table: dict) -> dict:
    """A serialized LALR table with Lark's arbitrary numbers replaced by canonical ones.

    Lark numbers tokens and states in the order it meets them in sets, which changes
    with the hash seed and with memory addresses: two runs give the same table under
    different numbers. Here tokens are numbered in name order, and states in the order
    a breadth-first walk from the start states meets them, taking each state's
    transitions in token-name order, so the numbers depend on the table alone.
    """
    names = table["tokens"]  # token number -> terminal or rule name
    states = table["states"]  # state -> {token number: (action, argument)}
    token = {name: i for i, name in enumerate(sorted(set(names.values())))}
    number = _state_numbers(table)
    if set(states) - set(number):
        raise ValueError("the LALR table has states that no start state reaches")
    return {
        **table,
        "tokens": {i: name for name, i in token.items()},
        "states": {number[s]: {token[names[t]]: (a, number[arg] if a == SHIFT else arg)
                               for t, (a, arg) in actions.items()}
                   for s, actions in states.items()},
        "start_states": {k: number[v] for k, v in table["start_states"].items()},
        "end_states": {k: number[v] for k, v in table["end_states"].items()},
    }


def _state_numbers(table: dict) -> dict[int, int]:
    """Each state's canonical number: the order in which a breadth-first walk from the
    start states (by name) meets it, following shifts in token-name order; the end
    states after them."""
    names, states = table["tokens"], table["states"]
    number: dict[int, int] = {}
    queue: deque[int] = deque()

    def visit(state: int) -> None:
        if state not in number:
            number[state] = len(number)
            queue.append(state)

    for start in sorted(table["start_states"]):
        visit(table["start_states"][start])
    while queue:
        actions = states.get(queue.popleft(), {})
        for t in sorted(actions, key=names.__getitem__):
            action, arg = actions[t]
            if action == SHIFT:
                visit(arg)
    for end in sorted(table["end_states"]):
        visit(table["end_states"][end])
    return number


def generate() -> str:
    """The text of _tables.py for the shipped grammar and the installed Lark."""
    text = grammar()
    data, memo = serialize(text)
    return "\n".join([
        "# Generated by `python -m backpropcli.lang.tables` from grammars/backprop.lark",
        f"# with Lark {lark.__version__}. Do not edit: after editing the grammar, run that",
        "# command again (tests/unit/test_tables.py checks that these are the grammar's).",
        '"""The grammar\'s LALR parse tables as Lark\'s memo_serialize gives them, in plain',
        'literals (syntax.load_tables hands them to Lark.load; nothing is unpickled)."""',
        "",
        f'GRAMMAR_SHA256 = "{hashlib.sha256(text.encode("utf-8")).hexdigest()}"',
        f'LARK_VERSION = "{lark.__version__}"',
        "",
        *_lines(data, "DATA = ", 0),
        "",
        *_lines(memo, "MEMO = ", 0),
        "",
    ])


def _items(d: dict) -> list:
    return sorted(d.items(), key=lambda kv: (type(kv[0]).__name__, kv[0]))


def _flat(value) -> str:
    """`value` as a Python literal on one line, dict keys sorted."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in _items(value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_flat, value)) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(map(_flat, value))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise TypeError(f"not a plain literal: {type(value).__name__}")  # e.g. an option object


def _lines(value, head: str, indent: int) -> list[str]:
    """`value` written after `head`: on one line if it fits, else one item per line."""
    pad = " " * indent
    flat = _flat(value)
    if len(pad) + len(head) + len(flat) + 1 <= WIDTH or not value or \
            not isinstance(value, (dict, list, tuple)):
        return [pad + head + flat]
    brackets: dict[type, tuple[str, str]] = {dict: ("{", "}"), list: ("[", "]"),
                                             tuple: ("(", ")")}
    opening, closing = brackets[type(value)]
    items = [(_flat(k) + ": ", v) for k, v in _items(value)] if isinstance(value, dict) else \
        [("", v) for v in value]
    lines = [pad + head + opening]
    for item_head, item in items:
        sub = _lines(item, item_head, indent + 4)
        sub[-1] += ","
        lines += sub
    return [*lines, pad + closing]


def main(argv: list[str]) -> int:
    text = generate()
    if argv == ["--check"]:
        if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text:
            return 0
        print(f"{TARGET} is stale: run python -m backpropcli.lang.tables", file=sys.stderr)
        return 1
    if argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
