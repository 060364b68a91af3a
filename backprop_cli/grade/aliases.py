"""Lets an answer use the source's own notation (SPEC section 3, ``aliases``): ``δ`` for ``dJ/dc``, the
Russian slides' ``dxpy`` for ``df/dxpy``, ``E`` for the loss ``J`` (so ``dE/dd`` is ``dJ/dd``), ``ā`` for
a declared function ``f``.

:func:`resolve` checks each alias against the exercise's graph (an alias may not shadow a name, the loss,
a function or a built-in function; its target must exist) and :func:`apply` reads a parsed answer
through them, so the rest of grading (policy, shapes, numbers) sees the exercise's own symbols.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from backprop_cli.errors import FormulaError, InputError
from backprop_cli.formula.ast import Call, Deriv, Expr, Name, rewrite
from backprop_cli.formula.habits import function_name
from backprop_cli.formula.parser import parse

if TYPE_CHECKING:
    from backprop_cli.derive.graph import Graph
    from backprop_cli.exercise.model import Exercise


@dataclass(frozen=True)
class Aliases:
    """The resolved aliases of one exercise: symbol -> a Name or Deriv, and symbol -> declared function."""

    names: dict[str, Expr] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.names or self.functions)


NONE = Aliases()


def resolve(ex: Exercise, graph: Graph) -> Aliases:
    """The aliases of ``ex`` checked against ``graph``, or an InputError at the offending alias."""
    if not ex.aliases:
        return NONE
    known = set(graph.shapes) | {graph.loss}
    names: dict[str, Expr] = {}
    functions: dict[str, str] = {}
    for alias in ex.aliases:
        symbol = alias.symbol
        if symbol in known or symbol in graph.functions or function_name(symbol, {}):
            raise InputError("alias.collides", alias.mark, symbol=symbol)
        if alias.target in graph.functions:
            functions[symbol] = alias.target
            continue
        try:
            target = parse(alias.target, graph.functions, known)
        except FormulaError:
            target = None
        parts = (target.num, target.den) if isinstance(target, Deriv) else (
            (target.name,) if isinstance(target, Name) else ())
        if target is None or not parts or not all(p in known for p in parts):
            raise InputError("alias.bad_target", alias.mark, symbol=symbol, target=alias.target,
                             known=", ".join(sorted(known | set(graph.functions))))
        names[symbol] = target
    return Aliases(names, functions)


def parse_functions(graph: Graph, aliases: Aliases) -> dict[str, str]:
    """The declared functions as the parser must know them: with the aliases of functions (``ā(x)`` is a call)."""
    if not aliases.functions:
        return graph.functions
    return {**graph.functions, **{a: graph.functions[f] for a, f in aliases.functions.items()}}


def apply(e: Expr, aliases: Aliases) -> Expr:
    """``e`` with every alias replaced by what it stands for (keeping the position it was written at)."""
    if not aliases:
        return e
    names, functions = aliases.names, aliases.functions

    def post(node: Expr) -> Expr:
        if isinstance(node, Name) and node.name in names:
            return replace(names[node.name], pos=node.pos)
        if isinstance(node, Deriv) and (node.num in names or node.den in names):
            num, den = (names.get(p) for p in (node.num, node.den))
            return replace(node, num=num.name if isinstance(num, Name) else node.num,
                           den=den.name if isinstance(den, Name) else node.den)
        if isinstance(node, Call) and node.fn in functions:
            return replace(node, fn=functions[node.fn])
        return node
    return rewrite(e, post=post)
