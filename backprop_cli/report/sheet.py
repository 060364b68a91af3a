"""Lets every format of a worked solution (:mod:`solution`, :mod:`latex`) say the same things: what a
question asks, the forward equations, the title of the steps, each step's formula and paths, and each
value, with a formula too large to print whole shown through named intermediates (SPEC section 10).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from backprop_cli.errors import BackpropError
from backprop_cli.formula.ast import Expr, Name, intern
from backprop_cli.formula.named import fits_whole, show
from backprop_cli.formula.parser import parse_equation
from backprop_cli.formula.printers import latex, plain, unicode
from backprop_cli.messages import message
from backprop_cli.report.graph import short

if TYPE_CHECKING:      # the solution is made by grade.solve before it is shown
    from backprop_cli.exercise.model import Exercise
    from backprop_cli.grade.solve import Solution, Solved, Step

Printer = Callable[[Expr], str]
Equation = tuple["tuple[str, ...] | None", "Expr | str"]   # (targets, AST), or (None, text) when it does not parse
Below = list[tuple[str, "str | None", "str | None"]]      # (label, via node, formula) under a step


def json_value(value: Any) -> Any:
    """A number or nested list for JSON (non-finite entries become None), or None."""
    if value is None:
        return None
    a = np.asarray(value, dtype=float)
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def shown(printer: Printer, e: Expr | None, taken: frozenset[str] = frozenset(), sep: str = "\n") -> str | None:
    """``e`` printed (through named intermediates when too large, lines joined by ``sep``), or None."""
    return None if e is None else show(printer, e, taken, sep)


def value_text(value: Any) -> str:
    return "" if value is None else short(value, items=None)


def asked(q: Solved, code: Callable[[str], str] = lambda t: t, lang: str = "en") -> str:
    """What a question asks, in ``lang``, with its target set by ``code`` (backticks in Markdown, ``\\texttt``
    in LaTeX)."""
    key = {"shape": "solve.asked_shape", "value": "solve.asked_value"}.get(q.kind)
    return code(q.question) if key is None else message(key, lang, target=code(q.question))


def equations(ex: Exercise) -> list[Equation]:
    """(targets, AST) of each forward equation; (None, text) if it does not parse on its own."""
    out: list[Equation] = []
    for eq in ex.forward:
        try:
            parsed = parse_equation(eq.text, {f.name: f.kind for f in ex.functions})
            out.append((parsed.targets, parsed.expr))
        except BackpropError:
            out.append((None, eq.text))
    return out


def external(ex: Exercise, eqs: list[Equation]) -> bool:
    return not any(targets is not None and ex.loss in targets for targets, _ in eqs)


def loss_line(ex: Exercise, eqs: list[Equation], loss: str, lang: str = "en") -> str:
    """The sentence naming the loss (``loss`` as the format sets it), saying so when it is not computed here."""
    return message("sheet.loss_external" if external(ex, eqs) else "sheet.loss", lang, loss=loss)


def steps_title(sol: Solution, lang: str = "en") -> str:
    if sol.mode == "reverse":
        return message("solve.steps_reverse", lang, loss=sol.exercise.loss)
    return message("solve.steps_forward", lang, wrt=sol.wrt)


def step_text(s: Step, printer: Printer = unicode, taken: frozenset[str] = frozenset(),
              sep: str = "\n") -> tuple[str, str | None, Below]:
    """(symbol, formula or None if given, [(label, node, formula)] below): the formula in full if it differs,
    then the contribution of each path if there are several."""
    formula = None if is_given(s) else shown(printer, s.formula, taken, sep) or tangent(printer, s)
    below: Below = [("in full", None, printer(s.expanded))] if s.expanded is not None and in_full(s, taken) else []
    return printer(s.symbol), formula, below + [("via", via, shown(printer, f, taken, sep))
                                                for via, f in s.parts if len(s.parts) > 1]


def whole(e: Expr | None) -> bool:
    """Whether ``e`` prints whole (not through named intermediates)."""
    return e is not None and fits_whole(e, (plain, unicode, latex))


def in_full(s: Step, taken: frozenset[str] = frozenset()) -> bool:
    """Whether a step shows its formula in full too: where that differs from the step's formula and prints
    whole (a larger one is the chain of the steps before it, which are all shown)."""
    return whole(s.expanded) and not same(s.expanded, s.formula)


def same(a: Expr | None, b: Expr | None) -> bool:
    """Whether two formulas are equal, in time linear in their distinct parts (``==`` walks every path)."""
    if a is None or b is None:
        return a is b
    table: dict[tuple[Any, ...], int] = {}
    return intern(a, table) == intern(b, table)


def tangent(printer: Printer, s: Step) -> str:
    """Forward mode, where dX/dY has no formula: the tangent ``δX = …`` that defines it as a linear map."""
    if s.tangent is None:
        return "?"
    return f"{printer(Name('δ' + s.symbol.num))} = {printer(s.tangent)}"


def is_given(step: Step) -> bool:
    return step.formula is not None and step.formula == step.symbol


def has_values(sol: Solution) -> bool:
    return any(q.value is not None for q in sol.questions) or any(s.value is not None for s in sol.steps)
