"""Lets you look up everything about one operation in one place: its shape rule, its numpy forward,
its vector-Jacobian product (VJP) and its Jacobian-vector product (JVP).

VJPs and JVPs build formulas (ASTs), so reference gradients print as formulas and evaluate as numbers.
A rule gets ``e`` (the node), ``ans`` (a formula for the node's value), the children's shapes ``sh``
and the node's shape ``so``. Entries are looked up by :func:`op_key`; a missing rule raises an error
that names the operation.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from backprop_cli.errors import ShapeError
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Num
from backprop_cli.derive.functions import ALPHA_DEFAULT, FUNCTIONS, TWO_ARGS
from backprop_cli.derive.shapes import SCALAR, broadcast, fmt, is_column, is_row, is_vector, matmul_shape, norm, outer_shape


class Op(NamedTuple):
    shape: Callable
    forward: Callable
    vjp: Callable | None = None
    jvp: Callable | None = None


def op_key(e, declared: dict) -> str:
    if isinstance(e, Bin):
        return e.op
    if isinstance(e, Call):
        kind = declared.get(e.fn)
        base = kind if kind else e.fn
        return base + "'" if e.prime else base
    return type(e).__name__


def as_array(x) -> np.ndarray:
    """Normalise a numpy result like :func:`shapes.norm`: 1×1 is a scalar, tensors lose size-1 axes."""
    x = np.asarray(x, dtype=float)
    if x.ndim > 2:
        x = x.reshape(norm(x.shape))
    elif x.shape in ((1, 1), (1,)):
        x = x.reshape(())
    elif x.ndim == 1:
        x = x.reshape(1, -1)
    return x


# -- shared pieces ------------------------------------------------------------------------------
def unbroadcast(g, target, out):
    """The gradient ``g`` (of shape ``out``) summed back to the shape ``target`` of a broadcast operand."""
    if target == out:
        return g
    if target == SCALAR:
        return B.call("sum", g)
    if target[0] == 1 and out[0] != 1:
        g = B.call("sum", g, Num(0.0))
    if target[1] == 1 and out[1] != 1:
        g = B.call("sum", g, Num(1.0))
    return g


def widen(t, shape, out):
    """The tangent ``t`` of a broadcast operand, spread to the output's shape (the JVP twin of unbroadcast)."""
    if t is None or shape == out:
        return t
    ones = B.call("ones", *(B.dim_expr(d) for d in out))
    return B.mul(t, ones) if shape == SCALAR else B.Bin(HADAMARD, t, ones)


def _fail(key, e, **args):
    raise ShapeError(key, "", e.pos if e.pos >= 0 else 0, **args)


def elementwise_shape(e, sh, ctx):
    out = sh[0]
    for s in sh[1:]:
        if broadcast(out, s) != out:
            _fail("shape.elementwise", e, op=e.op if isinstance(e, Bin) else e.fn, left=fmt(out), right=fmt(s))
    return out


def broadcast_shape(e, sh, ctx):
    out = broadcast(sh[0], sh[1])
    if out is None:
        _fail("shape.broadcast", e, op=e.op, left=fmt(sh[0]), right=fmt(sh[1]))
    return out


def mul_shape(e, sh, ctx):
    out = matmul_shape(sh[0], sh[1])
    if out is None:
        _fail("shape.matmul", e, left=fmt(sh[0]), right=fmt(sh[1]), inner_left=str(sh[0][-1]), inner_right=str(sh[1][0]))
    return out


def mul_forward(e, v, ctx):
    a, b = v
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return as_array(np.tensordot(a, b, axes=1))


def mul_vjp(g, e, ans, sh, so):
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


def mul_jvp(t, e, ans, sh, so):
    return B.add(t[0] and B.mul(t[0], e.right), t[1] and B.mul(e.left, t[1]))


def outer_forward(e, v, ctx):
    a, b = v
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return as_array(np.multiply.outer(a.reshape(-1) if is_vector(a.shape) else a, b.reshape(-1) if is_vector(b.shape) else b))


# -- elementwise functions -----------------------------------------------------------------------
def _call_fn(table_fn, e, v):
    if e.fn in TWO_ARGS:
        alpha = v[1] if len(v) > 1 else np.asarray(ALPHA_DEFAULT[e.fn])
        return table_fn(v[0], alpha)
    return table_fn(v[0])


def _deriv_formula(e):
    """A readable formula for f'(x): ``exp(x)``, ``1/x``, ``cos(x)``, ``step(x)`` or ``f'(x)``."""
    x = e.args[0]
    simple = {"exp": lambda: B.call("exp", x), "log": lambda: B.div(B.ONE, x), "sin": lambda: B.call("cos", x),
              "cos": lambda: B.neg(B.call("sin", x)), "abs": lambda: B.call("sign", x), "relu": lambda: B.call("step", x)}
    if e.fn in simple:
        return simple[e.fn]()
    return Call(e.fn, e.args, True)


def _alpha_formula(e):
    x = e.args[0]
    negative = B.call("step", B.neg(x))
    if e.fn == "elu":
        return B.had(B.sub(B.call("exp", x), B.ONE), negative)
    return B.had(x, negative)


def fn_vjp(g, e, ans, sh, so):
    grads = [B.had(g, _deriv_formula(e))]
    if len(e.args) > 1:
        grads.append(unbroadcast(B.had(g, _alpha_formula(e)), sh[1], so))
    return tuple(grads)


def fn_jvp(t, e, ans, sh, so):
    out = t[0] and B.had(t[0], _deriv_formula(e))
    if len(t) > 1 and t[1] is not None:
        out = B.add(out, B.had(t[1], _alpha_formula(e)))
    return out


def fn_forward(e, v, ctx):
    return _call_fn(FUNCTIONS[e.fn][0], e, v)


def fn_prime_forward(e, v, ctx):
    x = v[0]
    alpha = v[1] if len(v) > 1 else np.asarray(ALPHA_DEFAULT.get(e.fn, 0.0))
    return np.asarray(FUNCTIONS[e.fn][1](x, alpha), dtype=float)


def declared_forward(e, v, ctx):
    return ctx.function(e.fn)[0](v[0])


def declared_prime_forward(e, v, ctx):
    return ctx.function(e.fn)[1](v[0])


# -- reductions and constructors -------------------------------------------------------------------
def _axis(e, ctx):
    if len(e.args) < 2:
        return None
    axis = ctx.const(e.args[1])
    if axis not in (0, 1):
        _fail("shape.axis", e, fn=e.fn)
    return int(axis)


def reduce_shape(e, sh, ctx):
    axis = _axis(e, ctx)
    s = sh[0]
    if axis is None or s == SCALAR:
        return SCALAR
    if len(s) > 2:
        _fail("shape.axis", e, fn=e.fn)
    return norm((1, s[1]) if axis == 0 else (s[0], 1))


def reduce_forward(e, v, ctx):
    x, axis = v[0], _axis(e, ctx)
    fn = np.sum if e.fn == "sum" else np.mean
    if axis is None or x.ndim == 0:
        return np.asarray(fn(x))
    return as_array(fn(x, axis=axis, keepdims=True))


def _count(s, axis):
    return B.dim_expr(s[0]) if axis == 0 else B.dim_expr(s[1]) if axis == 1 else None


def reduce_vjp(g, e, ans, sh, so):
    s, axis = sh[0], (None if len(e.args) < 2 else int(e.args[1].value))
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


def reduce_jvp(t, e, ans, sh, so):
    return Call(e.fn, (t[0],) + e.args[1:])


def const_shape(e, sh, ctx):
    ds = [ctx.dim(a) for a in e.args]
    if e.fn == "eye" or len(ds) == 1:
        ds = [ds[0], ds[0]]
    return norm(tuple(ds))


def const_forward(e, v, ctx):
    shape = tuple(ctx.size(d) for d in const_shape(e, None, ctx))
    if e.fn == "eye":
        return np.eye(shape[0]) if shape else np.asarray(1.0)
    return np.full(shape, 1.0 if e.fn == "ones" else 0.0)


def diag_shape(e, sh, ctx):
    s = sh[0]
    if s == SCALAR:
        return s
    if not is_vector(s):
        _fail("shape.diag", e, shape=fmt(s))
    n = s[1] if s[0] == 1 else s[0]
    return (n, n)


def diag_forward(e, v, ctx):
    x = v[0]
    return x if x.ndim == 0 else np.diag(x.reshape(-1))


def _softmax(x):
    if x.ndim == 0:
        return np.ones_like(x)
    axis = None if is_vector(x.shape) else 1
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def softmax_vjp(g, e, ans, sh, so):
    s = sh[0]
    total = B.call("sum", B.had(g, ans)) if is_vector(s) else B.call("sum", B.had(g, ans), Num(1.0))
    return (B.had(ans, B.sub(g, total)),)


def softmax_jvp(t, e, ans, sh, so):
    s = sh[0]
    if is_vector(s):
        jac = B.sub(B.call("diag", ans), B.mul(ans, B.tr(ans)) if s[1] == 1 else B.mul(B.tr(ans), ans))
        return B.mul(jac, t[0]) if s[1] == 1 else B.mul(t[0], jac)
    return B.had(ans, B.sub(t[0], B.call("sum", B.had(t[0], ans), Num(1.0))))


# -- the table -------------------------------------------------------------------------------------
def _same(e, sh, ctx):
    return sh[0]


def _pow_vjp(g, e, ans, sh, so):
    return (B.had(g, B.mul(Num(e.exp), B.power(e.base, e.exp - 1))),)


def _pow_jvp(t, e, ans, sh, so):
    return B.had(B.mul(Num(e.exp), B.power(e.base, e.exp - 1)), t[0])


def _div_vjp(g, e, ans, sh, so):
    a, b = e.left, e.right
    return (unbroadcast(B.div(g, b), sh[0], so),
            unbroadcast(B.neg(B.div(B.had(g, a), B.power(b, 2))), sh[1], so))


def _div_jvp(t, e, ans, sh, so):
    a, b = e.left, e.right
    first = t[0] and B.div(t[0], b)
    second = t[1] and B.neg(B.div(B.had(a, t[1]), B.power(b, 2)))
    return B.add(first, second)


OPS: dict[str, Op] = {
    "Num": Op(lambda e, sh, ctx: SCALAR, lambda e, v, ctx: np.asarray(e.value)),
    "Neg": Op(_same, lambda e, v, ctx: -v[0], lambda g, e, ans, sh, so: (B.neg(g),), lambda t, e, ans, sh, so: B.neg(t[0])),
    "T": Op(lambda e, sh, ctx: tuple(reversed(sh[0])), lambda e, v, ctx: v[0].T,
            lambda g, e, ans, sh, so: (B.tr(g),), lambda t, e, ans, sh, so: B.tr(t[0])),
    "Pow": Op(_same, lambda e, v, ctx: np.power(v[0], e.exp), _pow_vjp, _pow_jvp),
    ADD: Op(broadcast_shape, lambda e, v, ctx: v[0] + v[1],
            lambda g, e, ans, sh, so: (unbroadcast(g, sh[0], so), unbroadcast(g, sh[1], so)),
            lambda t, e, ans, sh, so: B.add(widen(t[0], sh[0], so), widen(t[1], sh[1], so))),
    SUB: Op(broadcast_shape, lambda e, v, ctx: v[0] - v[1],
            lambda g, e, ans, sh, so: (unbroadcast(g, sh[0], so), B.neg(unbroadcast(g, sh[1], so))),
            lambda t, e, ans, sh, so: B.add(widen(t[0], sh[0], so), t[1] and B.neg(widen(t[1], sh[1], so)))),
    MUL: Op(mul_shape, mul_forward, mul_vjp, mul_jvp),
    HADAMARD: Op(broadcast_shape, lambda e, v, ctx: v[0] * v[1],
                 lambda g, e, ans, sh, so: (unbroadcast(B.had(g, e.right), sh[0], so), unbroadcast(B.had(g, e.left), sh[1], so)),
                 lambda t, e, ans, sh, so: B.add(t[0] and B.had(t[0], e.right), t[1] and B.had(e.left, t[1]))),
    DIV: Op(broadcast_shape, lambda e, v, ctx: v[0] / v[1], _div_vjp, _div_jvp),
    OUTER: Op(lambda e, sh, ctx: outer_shape(sh[0], sh[1]), outer_forward),
    "sum": Op(reduce_shape, reduce_forward, reduce_vjp, reduce_jvp),
    "mean": Op(reduce_shape, reduce_forward, reduce_vjp, reduce_jvp),
    "ones": Op(const_shape, const_forward, lambda g, e, ans, sh, so: ()),
    "zeros": Op(const_shape, const_forward, lambda g, e, ans, sh, so: ()),
    "eye": Op(const_shape, const_forward, lambda g, e, ans, sh, so: ()),
    "diag": Op(diag_shape, diag_forward),
    "softmax": Op(_same, lambda e, v, ctx: _softmax(v[0]), softmax_vjp, softmax_jvp),
    "elementwise": Op(_same, declared_forward,
                      lambda g, e, ans, sh, so: (B.had(g, Call(e.fn, e.args, True)),),
                      lambda t, e, ans, sh, so: B.had(t[0], Call(e.fn, e.args, True))),
    "elementwise'": Op(_same, declared_prime_forward),
}
for _name in FUNCTIONS:
    OPS[_name] = Op(elementwise_shape, fn_forward, fn_vjp, fn_jvp)
    OPS[_name + "'"] = Op(elementwise_shape, fn_prime_forward)


def opaque_vjp(g, jac, so, sa):
    """The VJP of an opaque output through its local partial ``jac`` (shape dims(out) ++ dims(arg))."""
    res = B.mul(B.tr(g) if is_column(so) else g, jac)
    return B.tr(res) if is_column(sa) else res


def opaque_jvp(t, jac, so, sa):
    res = B.mul(jac, B.tr(t) if is_row(sa) else t)
    return B.tr(res) if is_row(so) else res
