"""The `backprop explain` view: the chain rule written out path by path, and the gate
patterns that apply. Returns renderables, never prints."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.text import Text

from ..core.plural import counted
from ..output import formulas, text
from ..tasks.derivation import Explanation
from ..tasks.symbolic import Formulas
from .widgets import elide, new_table, section

# explain: the chain rule path by path

def explanation(exp: Explanation, full: bool = False) -> RenderableType:
    if exp.symbolic is not None:  # explain --symbolic: the formulas instead of the paths
        return _formulas(exp.symbolic)
    at = text.at_text(exp)
    head = Text(f"Chain rule, from the output {exp.output} down to each input", style="bold")
    if at:
        head.append(f"  (at {at})", style="dim")
    last = len(exp.derivations) - 1
    body = elide(list(enumerate(exp.derivations)), full,
                 lambda entry: _entry(exp, entry[1], spaced=entry[0] < last),
                 lambda n: Text(f"… {counted(n, 'more input')} (--full shows all)", style="dim"))
    parts: list[RenderableType] = [head, Padding(Group(*body), (0, 0, 1, 2), expand=False)]
    if exp.has_jacobians:
        parts.append(Padding(Text(text.JACOBIANS, style="dim"), (0, 0, 1, 0)))
    notes = _notes(exp)
    if notes is not None:
        parts.append(notes)
    if exp.where:
        more = f" and {exp.more_where} more" if exp.more_where else ""
        parts.append(Text("Where " + ", ".join(f"{n} = {t}" for n, t in exp.where) + more,
                          style="dim"))
    parts.append(Text(
        "One product per path, one local gradient per edge; the products of several paths add "
        "up. The backward pass (backprop eval) sums the same products node by node.",
        style="dim"))
    return Group(*parts)


def _entry(exp: Explanation, der, spaced: bool) -> RenderableType:
    """One input's derivative: one line when there is a single path, the sum alone when
    there is none, else each path and their sum (a blank line after it, unless last)."""
    if der.single:
        return _line(Text(text.single_equation(exp, der)))
    if der.count == 0:
        return Text(text.total(exp, der))
    return _derivation(exp, der, spaced)


def _derivation(exp: Explanation, der, spaced: bool) -> RenderableType:
    parts: list[RenderableType] = [Text(text.heading(der, exp))]
    lines = [(text.route(p), text.equation(p)) for p in der.paths]
    if lines and max(len(r) + len(e) for r, e in lines) <= 80:
        # short paths: one line each, route and product in columns
        table = new_table("", "", "", right=(0,))
        table.show_header = False
        for n, (route, eq) in enumerate(lines, 1):
            table.add_row(str(n), Text(route), Text(eq))
        parts.append(Padding(table, (0, 0, 0, 2), expand=False))
    else:  # long ones: the route, then the product below it at the full width
        for n, (route, eq) in enumerate(lines, 1):
            parts.append(Padding(_line(Text.assemble((f"{n}. ", "dim"), route)), (0, 0, 0, 2)))
            parts.append(Padding(_line(Text(eq)), (0, 0, 0, 5)))
    more = text.rest(der)
    if more:
        parts.append(Padding(Text(more, style="dim"), (0, 0, 0, 2)))
    if der.count:
        parts.append(Padding(Text(text.total(exp, der), style="bold"), (0, 0, 0, 2)))
    if spaced:
        parts.append(Text(""))
    return Group(*parts)


LONG = 10_000  # characters past which a line of text is wrapped by _Wrapped


def _line(text: Text) -> RenderableType:
    """A line of the explanation, which may be a path of 100 000 factors."""
    return _Wrapped(text) if len(text) > LONG else text


class _Wrapped:
    """A long Text, wrapped as Rich wraps it but handed on a line at a time. Rich joins
    the wrapped lines of a Text into one string and then splits that string again, line
    by line, copying the rest each time: time quadratic in the length, seconds for a
    path of 50 000 factors. Line by line, the same output takes time linear in it."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = self.text
        yield from t.wrap(console, options.max_width,
                          justify=t.justify or options.justify or "default",
                          overflow=t.overflow or options.overflow or "fold", no_wrap=False)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.text.__rich_measure__(console, options)


def _notes(exp: Explanation) -> RenderableType | None:
    if not exp.gates and not exp.reuses:
        return None
    table = new_table("", "")
    table.show_header = False
    for g in exp.gates:
        note = Text(g.gate + "\n" + text.gate_text(g))
        if g.others:
            note.append(f"   ({text.also_text(g)})", style="dim")
        table.add_row(Text(f"{g.node} = {g.expr}"), note)
    for r in exp.reuses:
        table.add_row(Text(f"{r.node} = {r.expr}"), Text(text.reuse_detail(r)))
    if exp.more_reuses:
        table.add_row(Text(""), Text(f"… and {text.more_reuses(exp.more_reuses)}",
                                     style="dim"))
    return section("Gates on these paths", "", table)


# explain --symbolic: each gradient as a formula, and expression swell

def _formulas(f: Formulas) -> RenderableType:
    lines = [_line(Text(formulas.equation(f, x), style="" if x.expression else "dim"))
             for x in f.formulas]
    where = formulas.where_text(f)
    if where:
        lines.append(_line(Text(where, style="dim")))
    table = new_table(*formulas.SIZES, right=(1, 2, 3))
    for row in formulas.sizes(f):
        table.add_row(*map(Text, row))
    return Group(
        Text(formulas.heading(f), style="bold"),
        Padding(Group(*lines), (0, 0, 1, 2), expand=False),
        section("Expression swell", f"back-propagation: {counted(f.products, 'product')}",
                table),
        Text(formulas.lesson(f), style="dim"))
