"""Lets you suggest, for an unknown name in an answer, the name the student most likely meant.

A suggestion must never lead to a wrong answer (SPEC 5): it is a name of the same kind as the one written
(a function for a call, ``sigmod(a)`` → ``sigmoid``; a derivative symbol for a name that reads as one,
``dc`` → ``dJ/dc``; an input or node otherwise, ``Wt`` → ``W^T``, ``z_co`` → ``z_cos``), never a function name turned into a node
(``cosh``) nor a derivative turned into a node (``dxpy`` → ``xpy``), and only one that makes the answer
readable: the answer with the suggestion in its place gets a verdict instead of being refused (it parses,
uses only names it may use, and has a shape or a dimension error, which is graded as incorrect).
A product of names is put in parentheses where precedence would otherwise change it (``x/ab``). A close
spelling must be plausible (:func:`~backprop_cli.formula.names.close_spellings`): ``foo`` suggests no ``f``.
"""
from __future__ import annotations

import re

from backprop_cli.derive.infer import MAX_WORK, candidates, infer
from backprop_cli.derive.shapes import SCALAR, Shape
from backprop_cli.errors import BackpropError, FormulaError, ShapeError
from backprop_cli.formula.ast import Expr
from backprop_cli.formula.habits import function_name
from backprop_cli.formula.names import close_spellings
from backprop_cli.formula.parser import parse
from backprop_cli.formula.vocabulary import SYNTAX
from backprop_cli.grade import aliases
from backprop_cli.grade.reference import QRef, Reference

TRANSPOSE_SUFFIXES = ("_tr", "tr", "_T", "_t", "T", "t")
MAX_TRIES = 6     # readability checks per unknown name: each parses and shapes the answer once
#: The shape errors that grading grades (incorrect, dimension-error) rather than refuses: grading.DIMENSION_ERRORS.
GRADED = ("shape.matmul", "shape.broadcast", "shape.elementwise")


def suggestion(ref: Reference, q: QRef, text: str, err: FormulaError) -> str:
    """The suggestion for the unknown name of ``err`` (``name.unknown`` or ``name.unknown_in_symbol``) in
    the answer ``text`` to question ``q``, or '' when no name of its kind makes the answer readable."""
    name: str = err.args_.get("name", "")
    start = text.find(name, max(err.pos or 0, 0)) if name else -1
    if start < 0 or len(name) > 40:
        return ""
    g = ref.graph
    nodes = sorted(g.shapes)
    functions = set(SYNTAX) | set(g.functions) | set(ref.aliases.functions)
    if err.key == "name.unknown_in_symbol":
        tries = candidates(name, nodes + [g.loss])
        tries = [t for t in tries if "*" not in t]
    elif function_name(name, g.functions) is not None:
        return ""           # a function written without its argument: never a node of that name
    elif re.fullmatch(r"[d∂]\w+", name) and _derivative_like(name, nodes, g.loss):
        tries = _symbols(name, nodes, g.loss)
    elif text[start + len(name):start + len(name) + 1] == "(":
        tries = _close(name, sorted(functions)) + candidates(name, nodes)
    else:
        tries = candidates(name, nodes)
        products = [t for t in tries if "*" in t]
        tries = products + _transposed(name, g.shapes) + tries[len(products):]
    for cand in tries[:MAX_TRIES]:
        shown = _readable(ref, q, text, start, name, cand)
        if shown:
            return shown
    return ""


def _derivative_like(name: str, nodes: list[str], loss: str) -> bool:
    """``dc``, ``dxpy``, ``dJdc``: a d (or ∂) before a node, or a whole symbol written without its slash."""
    rest = name[1:]
    return rest in nodes or any(rest.startswith(n + name[0]) and rest[len(n) + 1:] in nodes for n in nodes + [loss])


def _symbols(name: str, nodes: list[str], loss: str) -> list[str]:
    """Derivative symbols ``name`` may stand for: dJ/dc for ``dc`` (the loss first), dJ/dc for ``dJdc``."""
    d, rest = name[0], name[1:]
    out = [f"{d}{n}/{d}{rest}" for n in [loss] + nodes if rest in nodes and n != rest]
    out += [f"{d}{n}/{d}{rest[len(n) + 1:]}" for n in nodes + [loss]
            if rest.startswith(n + d) and rest[len(n) + 1:] in nodes]
    return out


def _transposed(name: str, shapes: dict[str, Shape]) -> list[str]:
    """``W^T`` for ``Wt``, ``WT``, ``W_T`` or ``Wtr``: a matrix or vector with a transpose written as letters."""
    for suffix in TRANSPOSE_SUFFIXES:
        base = name[:-len(suffix)]
        if name.endswith(suffix) and shapes.get(base, SCALAR) != SCALAR:
            return [f"{base}^T"]
    return []


def _close(name: str, known: list[str]) -> list[str]:
    return close_spellings(name, known, n=3, cutoff=0.6)


def _readable(ref: Reference, q: QRef, text: str, start: int, name: str, cand: str) -> str:
    """``cand`` (parenthesised where needed) if the answer with it in place of ``name`` is graded, not
    refused; else ''."""
    g = ref.graph
    names = set(g.shapes) | {g.loss}

    def read(c: str) -> Expr:
        fixed = text[:start] + c + text[start + len(name):]
        e = aliases.apply(parse(fixed, aliases.parse_functions(g, ref.aliases), names), ref.aliases)
        try:
            infer(e, ref.scope_for(q), fixed, max_work=MAX_WORK)
        except ShapeError as err:
            if err.key not in GRADED:
                raise
        return e

    try:
        e = read(cand)
        if ("*" in cand or "^" in cand) and e != read(f"({cand})"):
            cand = f"({cand})"
    except BackpropError:
        return ""
    return cand
