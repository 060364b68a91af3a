"""Lets you look up the softmax family with an optional axis: ``softmax(X, axis)``, ``log_softmax(X, axis)``
and ``logsumexp(X, axis)``, each evaluated without overflow.

Without an axis, softmax and log_softmax act on the whole of a vector and on each row of a matrix. That
reading follows the *symbolic* shape: :func:`canonical` (run before a formula is evaluated) writes the
axis of a matrix out, so a matrix n×B with B = 1 in a trial is still read row by row.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Call, Expr, Neg, Num
from backprop_cli.formula.vocabulary import SYNTAX
from backprop_cli.derive.ops.common import (Op, Shapes, Tangents, Tidier, ValueContext, as_array, only, same_shape,
                                            value_of)
from backprop_cli.derive.ops.matrix import axis_of, reduce_shape
from backprop_cli.derive.shapes import SCALAR, Shape, is_vector


def _axis(e: Call, x: np.ndarray) -> int | None:
    """The numpy axis of a softmax-like call on the array ``x`` (None: all of it)."""
    if len(e.args) > 1:
        return int(value_of(e.args[1]))
    return None if x.ndim == 0 or is_vector(x.shape) else 1


def _log_softmax(x: np.ndarray, axis: int | None) -> np.ndarray:
    if x.ndim == 0:
        return np.zeros_like(x)
    z = x - np.max(x, axis=axis, keepdims=True)
    out: np.ndarray = z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return out


def softmax_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    x = v[0]
    out: np.ndarray = np.exp(_log_softmax(x, _axis(e, x)))
    return out


def log_softmax_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    return _log_softmax(v[0], _axis(e, v[0]))


def _total(x: Expr, e: Call, s: Shape) -> Expr:
    """``sum(x)`` over the axis of the softmax ``e`` of an argument with symbolic shape ``s``."""
    if len(e.args) > 1:
        return B.call("sum", x, e.args[1])
    return B.call("sum", x) if is_vector(s) or s == SCALAR else B.call("sum", x, Num(1.0))


def softmax_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    return (B.had(ans, B.sub(g, _total(B.had(g, ans), e, sh[0]))),)


def softmax_jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr:
    s = sh[0]
    if is_vector(s) and len(e.args) == 1:     # as a Jacobian: (diag(s) - s sᵀ) t
        jac = B.sub(B.call("diag", ans), B.mul(ans, B.tr(ans)) if s[1] == 1 else B.mul(B.tr(ans), ans))
        return B.mul(jac, only(t)) if s[1] == 1 else B.mul(only(t), jac)
    return B.had(ans, B.sub(only(t), _total(B.had(only(t), ans), e, s)))


def _softmax_of(e: Call) -> Call:
    return Call("softmax", e.args)


def log_softmax_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    return (B.sub(g, B.had(_softmax_of(e), _total(g, e, sh[0]))),)


def log_softmax_jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr:
    return B.sub(only(t), _total(B.had(_softmax_of(e), only(t)), e, sh[0]))


def logsumexp_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    x, axis = v[0], axis_of(e, ctx)
    if x.ndim == 0:
        return x
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return as_array(out if axis is not None else out.reshape(()))


def logsumexp_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    return (B.had(g, B.call("exp", B.sub(e.args[0], ans))),)


def logsumexp_jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr:
    return Call("sum", (B.had(only(t), B.call("exp", B.sub(e.args[0], ans))),) + e.args[1:])


def _with_axis(e: Call, shape_of: Callable[[Expr], Shape]) -> Expr | None:
    """softmax(X) of a matrix X as softmax(X, 1): the reading the symbolic shape gives."""
    if len(e.args) == 1:
        s = shape_of(e.args[0])
        if len(s) == 2 and not is_vector(s):
            return Call(e.fn, (e.args[0], Num(1.0)), e.prime, e.pos)
    return None


def _transpose_axis(x: Call, tidy: Tidier) -> Expr | None:
    if len(x.args) != 2:
        return None
    return Call(x.fn, (tidy.transpose(x.args[0]), Num(1.0 - value_of(x.args[1]))))


def stable_log(e: Call, shape_of: Callable[[Expr], Shape]) -> Expr | None:
    """log∘softmax as log_softmax, log∘sigmoid as -softplus(-x), log∘sum∘exp as logsumexp."""
    if len(e.args) != 1 or not isinstance(e.args[0], Call) or e.args[0].prime:
        return None
    inner = e.args[0]
    if inner.fn == "softmax":
        return Call("log_softmax", inner.args, False, e.pos)
    if inner.fn == "sigmoid":
        return Neg(Call("softplus", (B.neg(inner.args[0]),), False, e.pos), e.pos)
    if inner.fn == "sum" and isinstance(inner.args[0], Call) and inner.args[0].fn == "exp" and not inner.args[0].prime:
        return Call("logsumexp", inner.args[0].args + inner.args[1:], False, e.pos)
    return None


SOFTMAX: dict[str, Op] = {
    "softmax": Op(same_shape, softmax_forward, softmax_vjp, softmax_jvp, canonical=_with_axis,
                  transpose=_transpose_axis),
    "log_softmax": Op(same_shape, log_softmax_forward, log_softmax_vjp, log_softmax_jvp, canonical=_with_axis,
                      transpose=_transpose_axis),
    "logsumexp": Op(reduce_shape, logsumexp_forward, logsumexp_vjp, logsumexp_jvp, transpose=_transpose_axis),
}
SOFTMAX = {name: op._replace(syntax=SYNTAX[name]) for name, op in SOFTMAX.items()}
