"""Lets an instructor grade as in an exam (SPEC sections 3, 7.3 and 7.5): read a question's anticipated
``mistakes``, the ``partial`` shares of diagnosis codes, ``carry_forward``, drawn ``values`` and the
``translations`` of the instructor's own messages, and the ``aliases`` of the source's own notation.

Only reading and checking the file lives here; :mod:`backprop_cli.grade.credit` grades with it and
:mod:`backprop_cli.exercise.variants` draws the numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy

from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.fields import _choice, _fail, _fields, _number, _opt, _required, _text
from backprop_cli.exercise.yamlio import Node

#: The diagnosis codes of SPEC 7.3 that ``partial`` may give a share to.
DIAGNOSIS_CODES = ("transposed", "dimension-error", "shape-mismatch", "missing-upstream", "sign-error",
                   "constant-factor", "missing-path", "elementwise-vs-matrix-product", "operand-order",
                   "missing-activation-derivative", "wrong-activation-derivative")
DRAW_KINDS = ("integer", "real")
LANGUAGES = ("en", "de", "ru")
TRANSLATION_KEYS = ("title", "description", "hints", "mistakes")
MAX_MISTAKES = 20
MAX_DIGITS = 6


@dataclass(frozen=True)
class Mistake:
    """An anticipated wrong answer: graded like a reference, worth ``points``, answered with ``message``."""

    answer: str
    points: float
    message: str
    mark: Mark


@dataclass(frozen=True)
class Draw:
    """How an input's numbers are drawn for a student: uniformly from ``[low, high]``, whole numbers
    (``integer``) or rounded to ``digits`` decimals (``real``); ``default`` is the seed's numbers."""

    kind: str
    low: float
    high: float
    digits: int
    default: numpy.ndarray | None
    shape: tuple[int, ...]
    mark: Mark


def parse_mistakes(node: Node | None, points: float) -> tuple[Mistake, ...]:
    """The ``mistakes:`` list of a question worth ``points``."""
    if node is None:
        return ()
    if not node.is_seq:
        _fail("schema.expected_list", node, field="mistakes")
    if len(node.value) > MAX_MISTAKES:
        raise InputError("schema.too_many_mistakes", node.mark, limit=MAX_MISTAKES)
    out = []
    for item in node.value:
        fields = _fields(item, "mistakes", ("answer", "points", "message"))
        if not item.is_map:
            _fail("schema.expected_mapping", item, field="mistakes")
        answer = _required(fields, item, "answer")
        text = _text(answer, "answer").strip() if not answer.is_seq else _list_text(answer)
        share = _number(_required(fields, item, "points"), "points")
        if not 0 <= share <= points:
            _fail("schema.mistake_points", fields["points"], max=f"{points:g}")
        message = _text(_required(fields, item, "message"), "message").strip()
        out.append(Mistake(text, share, message, answer.mark))
    return tuple(out)


def _list_text(node: Node) -> str:
    """A mistake written as a YAML list of numbers, kept as the formula text of that list."""
    def text(n: Node) -> str:
        if n.is_seq:
            return "[" + ", ".join(text(i) for i in n.value) + "]"
        return str(_number(n, "answer"))
    return text(node)


def parse_partial(node: Node | None) -> dict[str, float]:
    """``partial: {code: share}``: a share from 0 to 1 of the question's points per diagnosis code."""
    out = {}
    for code, share in (_fields(node, "partial", DIAGNOSIS_CODES) if node else {}).items():
        value = _number(share, code)
        if not 0 <= value <= 1:
            _fail("schema.share", share, field=f"partial.{code}")
        out[code] = value
    return out


def parse_share(node: Node | None, field: str, default: float | None) -> float | None:
    """A share from 0 to 1 (``carry_forward_points``)."""
    if node is None:
        return default
    value = _number(node, field)
    if not 0 <= value <= 1:
        _fail("schema.share", node, field=field)
    return value


def parse_flag(node: Node | None, field: str) -> bool | None:
    if node is None:
        return None
    if not isinstance(node.value, bool):
        _fail("schema.expected_bool", node, field=field)
    return node.value


def is_draw(node: Node) -> bool:
    return node.is_map and "random" in node.value


def parse_draw(node: Node, name: str, input_shape: tuple[int | str, ...],
               array: Callable[[Node, str], numpy.ndarray]) -> Draw:
    """``{random: integer, range: [-5, 5]}`` or ``{random: real, range: [-2, 2], digits: 1}``, with an
    optional ``default`` (the seed's numbers, used when no student is named)."""
    fields = _fields(node, f"values.{name}", ("random", "range", "digits", "default"))
    kind = _choice(fields["random"], "random", DRAW_KINDS, None)
    bounds = _required(fields, node, "range")
    if not bounds.is_seq or len(bounds.value) != 2:
        _fail("schema.draw_range", bounds, name=name)
    low, high = (_number(b, "range") for b in bounds.value)
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        _fail("schema.draw_range", bounds, name=name)
    if kind == "integer" and math.ceil(low) > math.floor(high):
        _fail("schema.draw_range", bounds, name=name)
    digits = 0 if kind == "integer" else 2
    if _opt(fields, "digits"):
        digits = fields["digits"].value
        if kind == "integer" or type(digits) is not int or not 0 <= digits <= MAX_DIGITS:
            _fail("schema.draw_digits", fields["digits"], limit=MAX_DIGITS)
    default = array(fields["default"], name) if _opt(fields, "default") else None
    if default is not None:
        shape = default.shape
    elif all(isinstance(d, int) for d in input_shape):
        shape = tuple(input_shape)
    else:
        raise InputError("schema.draw_needs_shape", node.mark, name=name)
    return Draw(kind, low, high, digits, default, shape, node.mark)


def parse_translations(node: Node | None) -> dict[str, dict[str, Any]]:
    """``translations: {de: {title, description, hints: {question: text}, mistakes: {question: {answer:
    message}}}}``: the exercise's own texts in other languages."""
    out: dict[str, dict[str, Any]] = {}
    for lang, texts in (_fields(node, "translations", LANGUAGES) if node else {}).items():
        fields = _fields(texts, f"translations.{lang}", TRANSLATION_KEYS)
        entry: dict[str, Any] = {}
        for key in ("title", "description"):
            if _opt(fields, key):
                entry[key] = _text(fields[key], key)
        if _opt(fields, "hints"):
            entry["hints"] = {q: _text(t, "hints") for q, t in _fields(fields["hints"], "hints").items()}
        if _opt(fields, "mistakes"):
            entry["mistakes"] = {
                q: {a: _text(t, "mistakes") for a, t in _fields(by_answer, f"mistakes.{q}").items()}
                for q, by_answer in _fields(fields["mistakes"], "mistakes").items()}
        out[lang] = entry
    return out


@dataclass(frozen=True)
class Alias:
    """A symbol of the source's own notation (``δ``, ``dxpy``) and what it stands for in the exercise
    (``dJ/dc``, a node, the loss or a declared function), as written; checked against the graph later."""

    symbol: str
    target: str
    mark: Mark


def parse_aliases(node: Node | None) -> tuple[Alias, ...]:
    """``aliases: {symbol: target}``: each symbol a name, each target a name or a derivative symbol."""
    from backprop_cli.formula.names import canonical_name

    out = []
    for key, target in (_fields(node, "aliases") if node else {}).items():
        assert node is not None
        mark = node.key_mark(key)
        symbol = canonical_name(key.strip())
        if not symbol.isidentifier():
            raise InputError("schema.alias_symbol", mark, symbol=key)
        out.append(Alias(symbol, _text(target, f"aliases.{key}").strip(), target.mark))
    return tuple(out)
