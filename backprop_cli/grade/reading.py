"""Lets grading read an answer text once per preparation: the text as a formula (plain, Unicode, LaTeX or
named intermediates, with the exercise's aliases), and per question its shape and the form it is evaluated
in. A class writes the same answers again and again, so what a text gives is kept with the preparation
(at most :data:`MEMO` texts of at most :data:`MEMO_TEXT` characters): the formula read from a text is then
one object, and its compiled program (derive/program.py, cached by identity) is found again too.
"""
from __future__ import annotations

import re
import weakref

from backprop_cli.cache import BoundedCache
from backprop_cli.derive.infer import MAX_WORK, Scope, canonical, infer
from backprop_cli.derive.shapes import Shape, dims
from backprop_cli.errors import FormulaError, FormulaSyntaxError, LimitError
from backprop_cli.exercise.answers import AnswerEntry
from backprop_cli.formula.ast import Expr, T
from backprop_cli.formula.latex_reader import from_latex
from backprop_cli.formula.parser import parse
from backprop_cli.grade import aliases
from backprop_cli.grade.reference import QRef, Reference

Parsed = tuple[Expr | FormulaError, str]     # (formula or why it cannot be read, the text as read)


class _Read:
    """What grading keeps per preparation, as a class writes the same answers again and again: each
    answer text as read, and each formula's shape and the form it is evaluated in, per question. The
    formula read from a text is then one object, so its compiled program is found again too."""

    def __init__(self) -> None:
        self.parsed = BoundedCache(MEMO)      # text -> Parsed
        self.shaped = BoundedCache(MEMO)      # (question kind, key, text) -> shape, form, form compared


_read: weakref.WeakKeyDictionary[Reference, _Read] = weakref.WeakKeyDictionary()   # dies with its preparation
MEMO, MEMO_TEXT = 4096, 2000      # texts kept per preparation (and questions), and the longest text kept


def read_answer(ref: Reference, entry: AnswerEntry | None) -> Parsed | None:
    """(formula, text as read) of a derivative answer written as one formula, or (error, text) when it
    cannot be read; None for anything else (empty, numbers, a list, an entry YAML could not read)."""
    if entry is None or is_empty(entry) or entry.array is not None or entry.problem is not None:
        return None
    text = entry.text
    assert text is not None      # an entry that is not empty and no array is text
    if text.startswith("[") and text.endswith("]"):
        return None
    if len(text) > MEMO_TEXT:
        return _read_formula(ref, text)
    parsed: Parsed = _read.setdefault(ref, _Read()).parsed.get(text, lambda: _read_formula(ref, text))
    return parsed


def _read_formula(ref: Reference, text: str) -> Parsed:
    g = ref.graph
    try:
        names = set(g.shapes) | {g.loss}
        functions = aliases.parse_functions(g, ref.aliases)
        lines = None
        if "=" in text:                            # only then can a line define a name
            from backprop_cli.formula import definitions

            lines = definitions.split(text, names)
        if lines is not None:                      # named intermediates, as solve prints a large formula
            reserved = g.dims | set(ref.aliases.names) | set(ref.aliases.functions)
            e, text = definitions.read(lines, functions, names, reserved)
            return aliases.apply(e, ref.aliases), text
        text = _decimal_comma(from_latex(text, names))    # positions of faults are in the text as read
        e = parse(text, functions, names)
        return aliases.apply(e, ref.aliases), text
    except (FormulaSyntaxError, LimitError) as err:
        return err, err.text or text


def shaped(ref: Reference, q: QRef, e: Expr, text: str) -> tuple[Shape, Expr, tuple[Shape, Expr]]:
    """The shape of the read answer ``e`` to ``q``, ``e`` in the form to evaluate (canonical), and both
    as compared with the reference (a vector-shaped Jacobian written the other way round transposed);
    raises ShapeError or FormulaError when it has none. Kept per preparation, question and text, so a
    text met again is not redone."""
    if len(text) > MEMO_TEXT:
        return _shaped(ref, q, e, text)
    out: tuple[Shape, Expr, tuple[Shape, Expr]] = _read.setdefault(ref, _Read()).shaped.get(
        (q.kind, q.key, text), lambda: _shaped(ref, q, e, text))
    return out


def _shaped(ref: Reference, q: QRef, e: Expr, text: str) -> tuple[Shape, Expr, tuple[Shape, Expr]]:
    scope = answer_scope(ref, q)
    shape = infer(e, scope, text, max_work=MAX_WORK)
    e = canonical(e, scope)
    if shape != q.shape and vector_jacobian(ref, q) and tuple(reversed(shape)) == q.shape:
        return shape, e, (q.shape, T(e))    # a vector-shaped Jacobian may be written as a row or as a column
    return shape, e, (shape, e)


def vector_jacobian(ref: Reference, q: QRef) -> bool:
    """dX/dY between nodes whose Jacobian has one dim only (a vector by a scalar, or the reverse): its
    orientation is a convention, so a row and a column are both accepted."""
    g = ref.graph
    return (q.num is not None and q.num != g.loss
            and len(dims(g.shapes[q.num]) + dims(g.shapes[q.den])) == 1)


def _decimal_comma(text: str) -> str:
    """``-4,0`` as ``-4.0``: a single number written with a decimal comma."""
    return text.replace(",", ".") if re.fullmatch(r"\s*[-+−]?\d+,\d+\s*", text) else text


def answer_scope(ref: Reference, q: QRef) -> Scope:
    """What an answer to ``q`` may use: a derivative's allowed symbols (SPEC 7.2), the graph's names otherwise."""
    return ref.scope_for(q) if q.kind == "derivative" else ref.graph.scope()


def is_empty(entry: AnswerEntry) -> bool:
    """Whether ``entry`` gives no answer: no numbers, and text of blanks only or none."""
    return entry.array is None and (entry.text is None or not entry.text.strip())
