"""Lets you look up the arithmetic of the formula language: numbers, negation, transpose, powers, the
broadcasting operators ``+ - ⊙ /``, the product ``*`` (scaling or matrix product) and ``⊗``."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Expr, Name, Neg, Num, Pow, T
from backprop_cli.derive.ops.common import (JacobianContext, Op, ShapeContext, Shapes, Tangents, Tidier, ValueContext,
                                            as_array, broadcast_shape, fail, only, same_shape, unbroadcast, widen)
from backprop_cli.derive.shapes import SCALAR, Shape, fmt, is_vector, matmul_shape, outer_shape


# -- the product ------------------------------------------------------------------------------------
def mul_shape(e: Bin, sh: Shapes, ctx: ShapeContext) -> Shape:
    out = matmul_shape(sh[0], sh[1])
    if out is None:
        fail("shape.matmul", e, left=fmt(sh[0]), right=fmt(sh[1]), inner_left=str(sh[0][-1]), inner_right=str(sh[1][0]))
    return out


def mul_forward(e: Bin, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    a, b = v
    if a.ndim == 0 or b.ndim == 0:
        scaled: np.ndarray = a * b
        return scaled
    if a.ndim == 2 and b.ndim == 2:       # the common case: a plain matrix product, 5x cheaper than tensordot
        return as_array(a @ b)
    return as_array(np.tensordot(a, b, axes=1))


def mul_vjp(g: Expr, e: Bin, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr, Expr] | None:
    a, b = e.left, e.right
    if sh[0] == SCALAR and sh[1] == SCALAR:
        return B.mul(g, b), B.mul(g, a)
    if sh[0] == SCALAR:
        return B.call("sum", B.had(g, b)), B.mul(a, g)
    if sh[1] == SCALAR:
        return B.mul(b, g), B.call("sum", B.had(g, a))
    if len(sh[0]) > 2 or len(sh[1]) > 2:
        return None
    return B.mul(g, B.tr(b)), B.mul(B.tr(a), g)


def mul_jvp(t: Tangents, e: Bin, ans: Expr, sh: Shapes, so: Shape) -> Expr | None:
    return B.add(t[0] and B.mul(t[0], e.right), t[1] and B.mul(e.left, t[1]))


def mul_jacobian(x: Bin, J: JacobianContext) -> Expr | None:
    a, b = x.left, x.right
    if J.contains(a) and J.contains(b):
        return None
    sa, sb = J.shape(a), J.shape(b)
    if J.contains(b):
        inner = J.jac(b)
        if sa == SCALAR:
            return inner and B.mul(a, inner)
        if len(sb) == 2 and sb[1] == 1:      # A @ column
            return inner and B.mul(a, inner)
        return None
    if sb == SCALAR:
        inner = J.jac(a)
        return inner and B.mul(b, inner)
    if sa == SCALAR:                         # s · v by s: v as a column (dims(X) ++ dims(Y))
        inner = J.jac(a)
        if inner is None or not is_vector(sb):
            return None
        return B.mul(b if sb[1] == 1 else B.tr(b), inner)
    if len(sa) == 2 and sa[0] == 1:          # row @ B
        inner = J.jac(a)
        return inner and B.mul(B.tr(b), inner)
    if isinstance(a, Name) and a.name == "δ:" + J.t and len(sb) == 2 and sb[1] == 1:
        return B.outer(B.call("eye", B.dim_expr(sa[0])), b)   # d(W x)/dW = I ⊗ x
    return None


def outer_forward(e: Bin, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    a, b = v
    if a.ndim == 0 or b.ndim == 0:
        scaled: np.ndarray = a * b
        return scaled
    return as_array(np.multiply.outer(a.reshape(-1) if is_vector(a.shape) else a, b.reshape(-1) if is_vector(b.shape) else b))


# -- elementwise operators -----------------------------------------------------------------------------
def _div_vjp(g: Expr, e: Bin, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr, Expr]:
    a, b = e.left, e.right
    return (unbroadcast(B.div(g, b), sh[0], so),
            unbroadcast(B.neg(B.div(B.had(g, a), B.power(b, 2))), sh[1], so))


def _div_jvp(t: Tangents, e: Bin, ans: Expr, sh: Shapes, so: Shape) -> Expr | None:
    a, b = e.left, e.right
    first = t[0] and B.div(t[0], b)
    second = t[1] and B.neg(B.div(B.had(a, t[1]), B.power(b, 2)))
    return B.add(first, second)


def _sum_jacobian(x: Bin, J: JacobianContext) -> Expr | None:
    left, right = J.jac(x.left), J.jac(x.right)
    if (J.contains(x.left) and left is None) or (J.contains(x.right) and right is None):
        return None
    if right is None:
        return left
    return B.add(left, right if x.op == ADD else B.neg(right))


def _scale_jacobian(x: Bin, J: JacobianContext) -> Expr | None:
    """x ⊙ f or x / f by the tangent in x: diag(f) (or f itself when f is a scalar)."""
    if J.contains(x.right):
        if x.op == DIV or J.contains(x.left):
            return None
        x = Bin(HADAMARD, x.right, x.left)
    factor = x.right if x.op == HADAMARD else B.div(B.ONE, x.right)
    inner = J.jac(x.left)
    if inner is None:
        return None
    fs, xs = J.shape(factor), J.shape(x.left)
    if fs == SCALAR:
        return B.mul(factor, inner)
    if xs == SCALAR or not is_vector(xs) or fs != xs:
        return None
    return B.mul(B.call("diag", factor), inner)


def _binary_transpose(x: Bin, tidy: Tidier) -> Expr:
    return tidy.run(Bin(x.op, tidy.transpose(x.left), tidy.transpose(x.right)))


def _neg_jacobian(x: Neg, J: JacobianContext) -> Expr | None:
    inner = J.jac(x.x)
    return inner and B.neg(inner)


def _t_jacobian(x: T, J: JacobianContext) -> Expr | None:
    return J.jac(x.x) if is_vector(J.shape(x.x)) or J.shape(x.x) == SCALAR else None


def _pow_vjp(g: Expr, e: Pow, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    return (B.had(g, B.mul(Num(e.exp), B.power(e.base, e.exp - 1))),)


def _pow_jvp(t: Tangents, e: Pow, ans: Expr, sh: Shapes, so: Shape) -> Expr | None:
    return B.had(B.mul(Num(e.exp), B.power(e.base, e.exp - 1)), only(t))


ARITH: dict[str, Op] = {
    "Num": Op(lambda e, sh, ctx: SCALAR, lambda e, v, ctx: np.asarray(e.value)),
    "Neg": Op(same_shape, lambda e, v, ctx: -v[0], lambda g, e, ans, sh, so: (B.neg(g),),
              lambda t, e, ans, sh, so: B.neg(only(t)), jacobian=_neg_jacobian,
              transpose=lambda x, tidy: B.neg(tidy.transpose(x.x))),
    "T": Op(lambda e, sh, ctx: tuple(reversed(sh[0])), lambda e, v, ctx: v[0].T,
            lambda g, e, ans, sh, so: (B.tr(g),), lambda t, e, ans, sh, so: B.tr(only(t)), jacobian=_t_jacobian,
            transpose=lambda x, tidy: x.x),
    "Pow": Op(same_shape, lambda e, v, ctx: np.power(v[0], e.exp), _pow_vjp, _pow_jvp,
              transpose=lambda x, tidy: B.power(tidy.transpose(x.base), x.exp)),
    ADD: Op(broadcast_shape, lambda e, v, ctx: v[0] + v[1],
            lambda g, e, ans, sh, so: (unbroadcast(g, sh[0], so), unbroadcast(g, sh[1], so)),
            lambda t, e, ans, sh, so: B.add(widen(t[0], sh[0], so), widen(t[1], sh[1], so)),
            jacobian=_sum_jacobian, transpose=_binary_transpose),
    SUB: Op(broadcast_shape, lambda e, v, ctx: v[0] - v[1],
            lambda g, e, ans, sh, so: (unbroadcast(g, sh[0], so), B.neg(unbroadcast(g, sh[1], so))),
            lambda t, e, ans, sh, so: B.add(widen(t[0], sh[0], so), t[1] and B.neg(widen(t[1], sh[1], so))),
            jacobian=_sum_jacobian, transpose=_binary_transpose),
    MUL: Op(mul_shape, mul_forward, mul_vjp, mul_jvp, jacobian=mul_jacobian,
            transpose=lambda x, tidy: tidy.product(tidy.transpose(x.right), tidy.transpose(x.left))),
    HADAMARD: Op(broadcast_shape, lambda e, v, ctx: v[0] * v[1],
                 lambda g, e, ans, sh, so: (unbroadcast(B.had(g, e.right), sh[0], so), unbroadcast(B.had(g, e.left), sh[1], so)),
                 lambda t, e, ans, sh, so: B.add(t[0] and B.had(t[0], e.right), t[1] and B.had(e.left, t[1])),
                 jacobian=_scale_jacobian, transpose=_binary_transpose),
    DIV: Op(broadcast_shape, lambda e, v, ctx: v[0] / v[1], _div_vjp, _div_jvp,
            jacobian=_scale_jacobian, transpose=_binary_transpose),
    OUTER: Op(lambda e, sh, ctx: outer_shape(sh[0], sh[1]), outer_forward),
}
