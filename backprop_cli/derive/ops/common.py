"""Lets the entries of the operation table share their vocabulary: the :class:`Op` record itself, the
key a node is looked up by, and the helpers named after the maths (``unbroadcast``, ``widen``).

A rule gets ``e`` (the node), ``ans`` (a formula for the node's value), the children's shapes ``sh``
and the node's shape ``so``; rules build formulas (ASTs), so references print and evaluate.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from backprop_cli.errors import ShapeError
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import HADAMARD, Bin, Call, Num
from backprop_cli.formula.vocabulary import Syntax
from backprop_cli.derive.shapes import SCALAR, broadcast, fmt, norm


class Op(NamedTuple):
    """Everything about one operation. Only ``shape`` and ``forward`` are required."""

    shape: Callable                        # (e, child shapes, scope) -> shape, or raises ShapeError
    forward: Callable                      # (e, child values, env) -> numpy array
    vjp: Callable | None = None            # (g, e, ans, sh, so) -> one gradient formula per child
    jvp: Callable | None = None            # (tangents, e, ans, sh, so) -> tangent formula
    jacobian: Callable | None = None       # (x, J) -> Jacobian formula of a linear x by J.t, or None
    transpose: Callable | None = None      # (x, tidy) -> a formula equal to xᵀ, or None
    syntax: Syntax | None = None           # spellings, arity, printed names (functions only)
    numeric: tuple | None = None           # elementwise: (f(x, α), f'(x, α), ∂f/∂α or None)
    alpha: float | None = None             # elementwise: the default α of a second argument
    derivative: Callable | None = None     # elementwise: x -> readable formula for f'(x)
    inverse: bool = False                  # a call of the derivative's function stands for f' (diagnosis)
    sizes: bool = False                    # the arguments are sizes (ones, zeros, eye), not operands
    canonical: Callable | None = None      # (e, shape_of) -> the form to evaluate (an axis written out,
                                           # log∘softmax as log_softmax), or None to keep e


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


def fail(key, e, **args):
    raise ShapeError(key, "", e.pos if e.pos >= 0 else 0, **args)


def name_of(e) -> str:
    return e.op if isinstance(e, Bin) else e.fn


def elementwise_shape(e, sh, ctx):
    out = sh[0]
    for s in sh[1:]:
        if broadcast(out, s) != out:
            fail("shape.elementwise", e, op=name_of(e), left=fmt(out), right=fmt(s))
    return out


def broadcast_shape(e, sh, ctx):
    out = broadcast(sh[0], sh[1])
    if out is None:
        fail("shape.broadcast", e, op=name_of(e), left=fmt(sh[0]), right=fmt(sh[1]))
    return out


def same_shape(e, sh, ctx):
    return sh[0]


def no_gradient(g, e, ans, sh, so):
    return ()
