"""Lets you print a formula that is too long, too deep or too shared to print whole (SPEC section 10): as
named intermediates, one ``g1 = …`` line each, then the answer in terms of them.

Derived formulas share sub-formulas (a residual net's gradient reaches the input along 2^k paths), so
printed as trees they can grow exponentially. A formula that fits the limits a typed formula has (SPEC
10: 2,000 characters, depth 100, 500 parts) prints whole, as before. Any other gets names: a
sub-formula used more than once is named, and a line that would still be too large names its largest
parts, until every line fits. The grader reads the result back (:mod:`definitions`), so each line is
also a formula within the limits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Collection

from backprop_cli.formula.ast import Deriv, Expr, Name, Neg, Num, T, children, postorder, rebuild
from backprop_cli.formula.printers import latex, plain, unicode

#: What a printed formula must fit to be read back whole (a margin below the parser's limits, because
#: printed text may re-read with a few more parts, e.g. a parenthesis or an identity ``I(n)``).
WHOLE_LENGTH, WHOLE_NODES, WHOLE_DEPTH = 1800, 400, 80
#: Parts and depth of one printed line of named intermediates.
LINE_NODES, LINE_DEPTH = 40, 16
#: A sub-formula used more than once is named when it has at least this many parts.
SHARED_NODES = 4
PREFIX = "g"

Printer = Callable[[Expr], str]


@dataclass(frozen=True)
class Named:
    """A formula as named intermediates: each definition uses only the names defined before it; the body
    is the formula itself."""

    definitions: tuple[tuple[str, Expr], ...]
    body: Expr


def tree_size(e: Expr) -> tuple[int, int]:
    """(parts, depth) of ``e`` printed as a tree: a shared sub-formula counts once per use."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    for node in postorder(e):
        kids = children(node)
        size[id(node)] = 1 + sum(size[id(c)] for c in kids)
        depth[id(node)] = 1 + max((depth[id(c)] for c in kids), default=0)
    return size[id(e)], depth[id(e)]


def _small(e: Expr, nodes: int, depth: int) -> bool:
    """Whether ``e`` as a tree has at most ``nodes`` parts and ``depth`` levels; stops as soon as it has
    more, so a huge shared formula costs no more than a small one."""
    size: dict[int, int] = {}
    level: dict[int, int] = {}
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in size:
            continue
        kids = children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in kids if id(c) not in size)
            continue
        size[id(node)] = 1 + sum(size[id(c)] for c in kids)
        level[id(node)] = 1 + max((level[id(c)] for c in kids), default=0)
        if size[id(node)] > nodes or level[id(node)] > depth:
            return False
    return True


def fits_whole(e: Expr, printers: Collection[Printer]) -> bool:
    """Whether ``e`` printed whole, by each of ``printers``, stays within the limits of a typed formula."""
    return _small(e, WHOLE_NODES, WHOLE_DEPTH) and all(len(p(e)) <= WHOLE_LENGTH for p in printers)


def _trivial(e: Expr) -> bool:
    """A name, a number or a symbol (possibly transposed or negated): never worth a name of its own."""
    while isinstance(e, (T, Neg)):
        e = e.x
    return isinstance(e, (Name, Num, Deriv))


def _numbered(e: Expr) -> tuple[list[Expr], list[tuple[int, ...]], int]:
    """Equal sub-formulas merged: one representative per value (children first), each value's children
    as value numbers, and the value number of ``e``."""
    table: dict[tuple[object, ...], int] = {}
    of: dict[int, int] = {}
    reps: list[Expr] = []
    kids_of: list[tuple[int, ...]] = []
    for node in postorder(e):
        kids = tuple(of[id(c)] for c in children(node))
        head: tuple[object, ...] = (type(node).__name__,) + tuple(
            getattr(node, f) for f in ("op", "exp", "fn", "prime", "value", "name", "num", "den", "partial")
            if hasattr(node, f))
        key = head + kids
        if key not in table:
            table[key] = len(reps)
            reps.append(node)
            kids_of.append(kids)
        of[id(node)] = table[key]
    return reps, kids_of, of[id(e)]


def _choose(reps: list[Expr], kids_of: list[tuple[int, ...]], root: int, line_nodes: int) -> set[int]:
    """The values to name: shared ones of some size, then the largest parts of any line still too large."""
    uses = [0] * len(reps)
    for kids in kids_of:
        for k in kids:
            uses[k] += 1
    named: set[int] = set()
    size = [0] * len(reps)
    depth = [0] * len(reps)

    def inline(k: int) -> tuple[int, int]:
        return (1, 1) if k in named else (size[k], depth[k])

    for v in range(len(reps)):                      # value numbers are in children-first order
        kids = kids_of[v]
        while True:
            size[v] = 1 + sum(inline(k)[0] for k in kids)
            depth[v] = 1 + max((inline(k)[1] for k in kids), default=0)
            if size[v] <= line_nodes and depth[v] <= LINE_DEPTH:
                break
            worth = [k for k in kids if k not in named and not _trivial(reps[k])]
            if not worth:
                break
            named.add(max(worth, key=lambda k: (size[k], depth[k])))
        if v != root and uses[v] > 1 and size[v] >= SHARED_NODES and not _trivial(reps[v]):
            named.add(v)
    named.discard(root)
    return named


def _free_names(taken: Collection[str]) -> Callable[[], str]:
    """A source of fresh names g1, g2, … that no spelling of a taken name (``g_1``, ``g₁``) reads as."""
    squashed = {re.sub(r"[_\s]", "", t).lower() for t in taken}
    counter = [0]

    def fresh() -> str:
        while True:
            counter[0] += 1
            name = f"{PREFIX}{counter[0]}"
            if name.lower() not in squashed:
                return name
    return fresh


def name_intermediates(e: Expr, taken: Collection[str] = (), line_nodes: int = LINE_NODES) -> Named:
    """``e`` as :class:`Named`, with fresh names that clash with none of ``taken`` (the exercise's names)."""
    reps, kids_of, root = _numbered(e)
    named = _choose(reps, kids_of, root, line_nodes)
    fresh = _free_names(set(taken) | {n.name for n in reps if isinstance(n, Name)})
    names: dict[int, str] = {}
    built: dict[int, Expr] = {}
    definitions = []
    for v in range(root + 1):
        node = reps[v]
        built[v] = rebuild(node, tuple(Name(names[k]) if k in names else built[k] for k in kids_of[v]))
        if v in named:
            names[v] = fresh()
            definitions.append((names[v], built[v]))
    return Named(tuple(definitions), built[root])


def named_lines(printer: Printer, n: Named) -> list[str]:
    """The lines of ``n``: ``g1 = …`` for each definition, then the formula."""
    return [f"{printer(Name(name))} = {printer(f)}" for name, f in n.definitions] + [printer(n.body)]


def fit(e: Expr, printers: Collection[Printer], taken: Collection[str] = ()) -> Named | None:
    """None when ``e`` prints whole within the limits; else ``e`` as named intermediates whose every line,
    by each of ``printers``, fits."""
    if fits_whole(e, printers):
        return None
    line_nodes = LINE_NODES
    while True:
        n = name_intermediates(e, taken, line_nodes)
        if line_nodes <= 2 or all(len(line) <= WHOLE_LENGTH for p in printers for line in named_lines(p, n)):
            return n
        line_nodes //= 2


def show(printer: Printer, e: Expr, taken: Collection[str] = (), sep: str = "\n") -> str:
    """``e`` printed whole, or (when too large) as named intermediates, one per line (or separated by
    ``sep``), then the formula; LaTeX lines are separated by ``\\\\``. The choice is made for all three
    notations alike, so they agree. ``taken``: names the intermediates must not take (the exercise's); the
    formula's own names are never taken."""
    n = fit(e, (plain, unicode, latex), taken)
    if n is None:
        return printer(e)
    return (" \\\\ " if printer is latex else sep).join(named_lines(printer, n))
