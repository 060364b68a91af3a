"""Lets you look up the operations that pick: ``max(a, b)`` and ``min(a, b)`` elementwise (with
broadcasting), ``max(X)`` / ``min(X)`` over everything, ``amax(X, axis)`` / ``amin(X, axis)`` over rows or
columns, and ``clip(x, lo, hi)`` with constant bounds.

Their derivatives are indicators written with ``step``: the gradient goes to the entry that was picked
(ties, which random trials avoid, give it to neither side).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Call, Expr, Num
from backprop_cli.formula.vocabulary import SYNTAX
from backprop_cli.derive.ops.common import (Op, ShapeContext, Shapes, Tangents, Tidier, ValueContext, as_array,
                                            broadcast_shape, only, same_shape, unbroadcast, value_of, widen)
from backprop_cli.derive.ops.matrix import axis_of, reduce_shape
from backprop_cli.derive.shapes import Shape


def _step(x: Expr) -> Expr:
    return B.call("step", x)


def _picks(e: Call, larger: bool) -> tuple[Expr, Expr]:
    """Indicators that the first (second) operand is the one picked: step(a - b) and 1 - step(a - b), so a
    tie (max(a, a)) still passes the whole gradient on."""
    a, b = e.args
    first = _step(B.sub(a, b) if larger else B.sub(b, a))
    return first, B.sub(B.ONE, first)


def _reduces(e: Call) -> bool:
    return e.fn in ("amax", "amin") or len(e.args) == 1


def _pick_shape(e: Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    return reduce_shape(e, sh, ctx) if _reduces(e) else broadcast_shape(e, sh, ctx)


def _reduce(e: Call, x: np.ndarray, ctx: ShapeContext, larger: bool) -> np.ndarray:
    fn = np.max if larger else np.min
    axis = axis_of(e, ctx) if e.fn in ("amax", "amin") else None
    if axis is None or x.ndim == 0:
        return np.asarray(fn(x))
    return as_array(fn(x, axis=axis, keepdims=True))


def _picked(e: Call, ans: Expr, larger: bool) -> Expr:
    """1 where X's entry is the extreme ``ans`` of its row, column or the whole: 1 - step(ans - X)."""
    x = e.args[0]
    return B.sub(B.ONE, _step(B.sub(ans, x) if larger else B.sub(x, ans)))


def extreme(larger: bool) -> tuple[Op, Op]:
    """The entries of max and amax (``larger``) or min and amin."""
    pair = np.maximum if larger else np.minimum

    def forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
        return _reduce(e, v[0], ctx, larger) if _reduces(e) else pair(v[0], v[1])

    def vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr, ...]:
        if _reduces(e):
            return (B.had(g, _picked(e, ans, larger)),)
        first, second = _picks(e, larger)
        return unbroadcast(B.had(g, first), sh[0], so), unbroadcast(B.had(g, second), sh[1], so)

    def jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr | None:
        if _reduces(e):
            return Call("sum", (B.had(only(t), _picked(e, ans, larger)),) + e.args[1:])
        first, second = _picks(e, larger)
        return B.add(t[0] and B.had(widen(t[0], sh[0], so), first), t[1] and B.had(widen(t[1], sh[1], so), second))

    op = Op(_pick_shape, forward, vjp, jvp)
    return op, op._replace(shape=reduce_shape, transpose=_transpose_axis)


def _transpose_axis(x: Call, tidy: Tidier) -> Expr | None:
    if len(x.args) != 2:
        return None
    return Call(x.fn, (tidy.transpose(x.args[0]), Num(1.0 - value_of(x.args[1]))))


def _transpose_pair(x: Call, tidy: Tidier) -> Expr:
    return Call(x.fn, tuple(tidy.transpose(a) for a in x.args))


def _inside(e: Call) -> Expr:
    x, lo, hi = e.args
    return B.had(_step(B.sub(x, lo)), _step(B.sub(hi, x)))


def _clip_transpose(x: Call, tidy: Tidier) -> Expr:
    return Call("clip", (tidy.transpose(x.args[0]),) + x.args[1:])


_max, _amax = extreme(True)
_min, _amin = extreme(False)
EXTREMES: dict[str, Op] = {
    "max": _max._replace(transpose=_transpose_pair),
    "min": _min._replace(transpose=_transpose_pair),
    "amax": _amax,
    "amin": _amin,
    "clip": Op(same_shape, lambda e, v, ctx: np.clip(v[0], v[1], v[2]),
               lambda g, e, ans, sh, so: (B.had(g, _inside(e)),),
               lambda t, e, ans, sh, so: B.had(only(t), _inside(e)), transpose=_clip_transpose),
}
EXTREMES = {name: op._replace(syntax=SYNTAX[name]) for name, op in EXTREMES.items()}
