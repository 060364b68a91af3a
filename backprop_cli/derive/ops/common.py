"""Lets the entries of the operation table share their vocabulary: the :class:`Op` record itself, the
key a node is looked up by, and the helpers named after the maths (``unbroadcast``, ``widen``).

A rule gets ``e`` (the node), ``ans`` (a formula for the node's value), the children's shapes ``sh``
and the node's shape ``so``; rules build formulas (ASTs), so references print and evaluate.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple, NoReturn, Protocol, Sequence, cast, overload

import numpy as np

from backprop_cli.errors import ShapeError
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import HADAMARD, Bin, Call, Expr, Num
from backprop_cli.formula.vocabulary import Syntax
from backprop_cli.derive.shapes import SCALAR, Dim, Shape, broadcast, fmt, norm


class ShapeContext(Protocol):
    """What a shape rule may ask (an :class:`infer.Scope` or a trial's :class:`numeric.NumEnv`)."""

    def dim(self, e: Expr) -> Dim: ...
    def const(self, e: Expr) -> float: ...


class ValueContext(ShapeContext, Protocol):
    """What a numpy forward may ask of the trial (a :class:`numeric.NumEnv`)."""

    def size(self, d: Dim) -> int: ...
    def function(self, name: str) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]: ...


class JacobianContext(Protocol):
    """What a Jacobian rule may ask (autodiff's ``_Jacobian``): the tangent's name ``t``, a part's shape,
    whether a part holds the tangent, and a part's Jacobian."""

    t: str

    def shape(self, x: Expr) -> Shape: ...
    def contains(self, x: Expr) -> bool: ...
    def jac(self, x: Expr) -> Expr | None: ...


class Tidier(Protocol):
    """What a transpose rule may ask (tidy's ``_Tidy``)."""

    def run(self, e: Expr) -> Expr: ...
    def transpose(self, x: Expr) -> Expr: ...
    def product(self, a: Expr, b: Expr) -> Expr: ...


# A rule's node is typed Any: the table key it is filed under fixes the node's class (Bin, Call, Pow ...).
Shapes = tuple[Shape, ...]
Tangents = Sequence[Expr | None]
ShapeRule = Callable[[Any, Shapes, ShapeContext], Shape]
ForwardRule = Callable[[Any, Sequence[np.ndarray], ValueContext], np.ndarray]
VJPRule = Callable[[Expr, Any, Expr, Shapes, Shape], "tuple[Expr | None, ...] | None"]
JVPRule = Callable[[Tangents, Any, Expr, Shapes, Shape], "Expr | None"]
JacobianRule = Callable[[Any, JacobianContext], "Expr | None"]
TransposeRule = Callable[[Any, Tidier], "Expr | None"]
CanonicalRule = Callable[[Any, Callable[[Expr], Shape]], "Expr | None"]
Numeric = tuple[Callable[..., Any], Callable[..., Any], "Callable[..., Any] | None"]


class Op(NamedTuple):
    """Everything about one operation. Only ``shape`` and ``forward`` are required."""

    shape: ShapeRule                       # (e, child shapes, scope) -> shape, or raises ShapeError
    forward: ForwardRule                   # (e, child values, env) -> numpy array
    vjp: VJPRule | None = None             # (g, e, ans, sh, so) -> one gradient formula per child
    jvp: JVPRule | None = None             # (tangents, e, ans, sh, so) -> tangent formula
    jacobian: JacobianRule | None = None   # (x, J) -> Jacobian formula of a linear x by J.t, or None
    transpose: TransposeRule | None = None  # (x, tidy) -> a formula equal to xᵀ, or None
    syntax: Syntax | None = None           # spellings, arity, printed names (functions only)
    numeric: Numeric | None = None         # elementwise: (f(x, α), f'(x, α), ∂f/∂α or None)
    alpha: float | None = None             # elementwise: the default α of a second argument
    derivative: Callable[[Expr], Expr] | None = None   # elementwise: x -> readable formula for f'(x)
    inverse: bool = False                  # a call of the derivative's function stands for f' (diagnosis)
    sizes: bool = False                    # the arguments are sizes (ones, zeros, eye), not operands
    canonical: CanonicalRule | None = None  # (e, shape_of) -> the form to evaluate (an axis written out,
                                           # log∘softmax as log_softmax), or None to keep e


def value_of(e: Expr) -> float:
    """The value of a literal argument (an axis the shape rule has accepted is a number)."""
    return cast(Num, e).value


def only(t: Tangents) -> Expr:
    """The tangent of a node's only operand: set, or the node would have no tangent to compute."""
    return cast(Expr, t[0])


def op_key(e: Expr, declared: Mapping[str, str]) -> str:
    if isinstance(e, Bin):
        return e.op
    if isinstance(e, Call):
        kind = declared.get(e.fn)
        base = kind if kind else e.fn
        return base + "'" if e.prime else base
    return type(e).__name__


def as_array(x: Any) -> np.ndarray:
    """Normalise a numpy result like :func:`shapes.norm`: 1×1 is a scalar, tensors lose size-1 axes."""
    a: np.ndarray = np.asarray(x, dtype=float)
    if a.ndim > 2:
        a = a.reshape(cast(tuple[int, ...], norm(a.shape)))
    elif a.shape in ((1, 1), (1,)):
        a = a.reshape(())
    elif a.ndim == 1:
        a = a.reshape(1, -1)
    return a


def unbroadcast(g: Expr, target: Shape, out: Shape) -> Expr:
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


@overload
def widen(t: None, shape: Shape, out: Shape) -> None: ...
@overload
def widen(t: Expr, shape: Shape, out: Shape) -> Expr: ...
def widen(t: Expr | None, shape: Shape, out: Shape) -> Expr | None:
    """The tangent ``t`` of a broadcast operand, spread to the output's shape (the JVP twin of unbroadcast)."""
    if t is None or shape == out:
        return t
    ones = B.call("ones", *(B.dim_expr(d) for d in out))
    return B.mul(t, ones) if shape == SCALAR else Bin(HADAMARD, t, ones)


def fail(key: str, e: Bin | Call, **args: Any) -> NoReturn:
    raise ShapeError(key, "", e.pos if e.pos >= 0 else 0, **args)


def name_of(e: Bin | Call) -> str:
    return e.op if isinstance(e, Bin) else e.fn


def elementwise_shape(e: Bin | Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    out = sh[0]
    for s in sh[1:]:
        if broadcast(out, s) != out:
            fail("shape.elementwise", e, op=name_of(e), left=fmt(out), right=fmt(s))
    return out


def broadcast_shape(e: Bin | Call, sh: Shapes, ctx: ShapeContext) -> Shape:
    out = broadcast(sh[0], sh[1])
    if out is None:
        fail("shape.broadcast", e, op=name_of(e), left=fmt(sh[0]), right=fmt(sh[1]))
    return out


def same_shape(e: Expr, sh: Shapes, ctx: ShapeContext) -> Shape:
    return sh[0]


def no_gradient(g: Expr, e: Expr, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr, ...]:
    return ()
