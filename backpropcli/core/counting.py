"""What a pass evaluates, counted as it runs: the op table's rules wrapped in counters.

`backprop cost` compares the three ways to a gradient by the work each does, and the
work is counted where it happens, not estimated from the program's size: the engine's
passes take their rule tables as an argument (engine.Rules, looked up once per pass),
and `counting()` gives tables whose every rule adds one to a tally before it runs. The
plain tables are the op table's own: a pass that is not counted calls the rules
directly, and pays nothing for this module.

What is counted, per call of a rule:
- a value: an op's forward function applied to its operands (one per node per pass);
- a tangent term: in a forward-mode sweep, each operand that carries a tangent (a Dual)
  adds its share ∂node/∂operand · operanḋ to the node's tangent, computed with the
  value in the same call;
- a local derivative: ∂node/∂operand, in the forward pass that precedes a backward pass;
- a vector-Jacobian product: the backward pass's share for an operand of a matrix
  product, a reduction or an index (what elementwise ops do as upstream × local,
  counted from the pass's own record of its terms: see tasks/cost.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .dual import Dual
from .engine import RULES, Rules


@dataclass
class Tally:
    """How many rules of each kind ran (changed while counting, then read)."""

    values: int = 0
    tangents: int = 0
    locals: int = 0
    vjps: int = 0
    terms: int = 0  # the backward pass's terms, added from its record (tasks/cost.py)

    def clear(self) -> None:
        self.values = self.tangents = self.locals = self.vjps = self.terms = 0


class _Counted(Mapping):
    """A rule table whose rules count their calls; an op's wrapped rule is made on first
    use (the op table compiles its rules lazily too)."""

    def __init__(self, table: Mapping, wrap: Callable) -> None:
        self._table = table
        self._wrap = wrap
        self._made: dict = {}

    def __getitem__(self, op: str):
        made = self._made.get(op)
        if made is None:
            made = self._made[op] = self._wrap(self._table[op])
        return made

    def __iter__(self):
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def counting() -> tuple[Rules, Tally]:
    """Rule tables that count every call into the returned tally."""
    tally = Tally()

    def fwd(rule: Callable) -> Callable:
        def counted(a, b, s):
            tally.values += 1
            tally.tangents += isinstance(a, Dual) + isinstance(b, Dual)
            return rule(a, b, s)
        return counted

    def one_local(rule: Callable) -> Callable:
        def counted(out, a, b, s):
            tally.locals += 1
            return rule(out, a, b, s)
        return counted

    def one_vjp(rule: Callable) -> Callable:
        def counted(g, out, a, b, s):
            tally.vjps += 1
            return rule(g, out, a, b, s)
        return counted

    rules = Rules(_Counted(RULES.fwd, fwd),
                  _Counted(RULES.local, lambda rs: tuple(map(one_local, rs))),
                  _Counted(RULES.vjp, lambda rs: tuple(map(one_vjp, rs))))
    return rules, tally
