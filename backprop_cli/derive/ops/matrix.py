"""Lets you look up the reductions and matrix functions: ``sum``, ``mean``, ``norm``, ``trace``, ``diag`` and
the constants ``ones``, ``zeros``, ``eye`` (whose arguments are sizes, not operands)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Call, Expr, Num
from backprop_cli.formula.vocabulary import SYNTAX
from backprop_cli.derive.ops.common import (JacobianContext, Op, ShapeContext, Shapes, Tangents, Tidier, ValueContext,
                                            as_array, fail, only, no_gradient, value_of)
from backprop_cli.derive.shapes import SCALAR, Dim, Shape, fmt, is_vector, norm


def axis_of(e: Call, ctx: ShapeContext, position: int = 1) -> int | None:
    if len(e.args) <= position:
        return None
    axis = ctx.const(e.args[position])
    if axis not in (0, 1):
        fail("shape.axis", e, fn=e.fn)
    return int(axis)


def reduce_shape(e: Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    axis = axis_of(e, ctx)
    s = sh[0]
    if axis is None or s == SCALAR:
        return SCALAR
    if len(s) > 2:
        fail("shape.axis", e, fn=e.fn)
    return norm((1, s[1]) if axis == 0 else (s[0], 1))


def reduce_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    x, axis = v[0], axis_of(e, ctx)
    fn = np.sum if e.fn == "sum" else np.mean
    if axis is None or x.ndim == 0:
        return np.asarray(fn(x))
    return as_array(fn(x, axis=axis, keepdims=True))


def _count(s: Shape, axis: int) -> Expr:
    """The number of entries summed along ``axis`` (0 or 1: the shape rule refused any other)."""
    return B.dim_expr(s[0]) if axis == 0 else B.dim_expr(s[1])


def reduce_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    s, axis = sh[0], (None if len(e.args) < 2 else int(value_of(e.args[1])))
    if s == SCALAR:
        spread = g
    elif axis is None:
        spread = B.mul(g, B.call("ones", B.dim_expr(s[0]), B.dim_expr(s[1])))
    elif axis == 0:
        spread = B.mul(B.call("ones", B.dim_expr(s[0]), Num(1.0)), g)
    else:
        spread = B.mul(g, B.call("ones", Num(1.0), B.dim_expr(s[1])))
    if e.fn == "mean" and s != SCALAR:
        n = B.mul(B.dim_expr(s[0]), B.dim_expr(s[1])) if axis is None else _count(s, axis)
        spread = B.div(spread, n)
    return (spread,)


def reduce_jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr:
    return Call(e.fn, (only(t),) + e.args[1:])


def sum_jacobian(x: Call, J: JacobianContext) -> Expr | None:
    if len(x.args) != 1:
        return None
    s = J.shape(x.args[0])
    inner = J.jac(x.args[0])
    if inner is None or not (is_vector(s) or s == SCALAR):
        return None
    return inner if s == SCALAR else B.mul(B.call("ones", Num(1.0), B.dim_expr(max(s, key=lambda d: d != 1))), inner)


def reduce_transpose(x: Call, tidy: Tidier) -> Expr | None:
    if len(x.args) != 2:
        return None
    return Call(x.fn, (tidy.transpose(x.args[0]), Num(1.0 - value_of(x.args[1]))))


# -- constants ----------------------------------------------------------------------------------------
def const_shape(e: Call, sh: Shapes | None, ctx: ShapeContext) -> Shape:
    ds = [ctx.dim(a) for a in e.args]
    if e.fn == "eye" or len(ds) == 1:
        ds = [ds[0], ds[0]]
    return norm(tuple(ds))


def const_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    shape = tuple(ctx.size(d) for d in const_shape(e, None, ctx))
    if e.fn == "eye":
        return np.eye(shape[0]) if shape else np.asarray(1.0)
    return np.full(shape, 1.0 if e.fn == "ones" else 0.0)


def _swap_sizes(x: Call, tidy: Tidier) -> Expr | None:
    return Call(x.fn, (x.args[1], x.args[0])) if len(x.args) == 2 else None


def diag_shape(e: Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    s = sh[0]
    if s == SCALAR:
        return s
    if not is_vector(s):
        fail("shape.diag", e, shape=fmt(s))
    n = s[1] if s[0] == 1 else s[0]
    return (n, n)


def diag_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    """The diagonal of g, in the vector's orientation: sum(g ⊙ I(n), 0) for a row."""
    s = sh[0]
    if s == SCALAR:
        return (g,)
    return (B.call("sum", B.had(g, B.call("eye", B.dim_expr(so[0]))), Num(0.0 if s[0] == 1 else 1.0)),)


def diag_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    x = v[0]
    return x if x.ndim == 0 else np.diag(x.reshape(-1))


# -- norm and trace ----------------------------------------------------------------------------------
def _scalar(e: Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    return SCALAR


def norm_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    return (B.div(B.mul(g, e.args[0]), ans),)


def norm_jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr:
    return B.div(B.call("sum", B.had(e.args[0], only(t))), ans)


def trace_shape(e: Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    s = sh[0]
    if s != SCALAR and (len(s) != 2 or s[0] != s[1]):
        fail("shape.trace", e, shape=fmt(s))
    return SCALAR


def trace_vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr]:
    s = sh[0]
    return (g if s == SCALAR else B.mul(g, B.call("eye", B.dim_expr(s[0]))),)


def _keep(x: Call, tidy: Tidier) -> Expr:
    """A symmetric result is its own transpose."""
    return x


MATRIX: dict[str, Op] = {
    "sum": Op(reduce_shape, reduce_forward, reduce_vjp, reduce_jvp, jacobian=sum_jacobian, transpose=reduce_transpose),
    "mean": Op(reduce_shape, reduce_forward, reduce_vjp, reduce_jvp, transpose=reduce_transpose),
    "ones": Op(const_shape, const_forward, no_gradient, sizes=True, transpose=_swap_sizes),
    "zeros": Op(const_shape, const_forward, no_gradient, sizes=True, transpose=_swap_sizes),
    "eye": Op(const_shape, const_forward, no_gradient, sizes=True, transpose=_keep),
    "diag": Op(diag_shape, diag_forward, diag_vjp, lambda t, e, ans, sh, so: B.call("diag", only(t)), transpose=_keep),
    "norm": Op(_scalar, lambda e, v, ctx: np.asarray(np.sqrt(np.sum(v[0] ** 2))), norm_vjp, norm_jvp),
    "trace": Op(trace_shape, lambda e, v, ctx: np.asarray(np.trace(v[0]) if v[0].ndim else v[0]), trace_vjp,
                lambda t, e, ans, sh, so: B.call("trace", only(t)), transpose=_keep),
}
MATRIX = {name: op._replace(syntax=SYNTAX[name]) for name, op in MATRIX.items()}
