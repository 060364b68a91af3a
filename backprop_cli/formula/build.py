"""Lets the differentiation rules build formulas that read well: constructors that fold the obvious
(``1·x`` is ``x``, ``--x`` is ``x``, numbers come first in a product)."""
from __future__ import annotations

from typing import Iterable, TypeGuard, overload

from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Expr, Name, Neg, Num, Pow, T  # noqa: F401

ONE = Num(1.0)


def is_num(e: Expr | None, value: float | None = None) -> TypeGuard[Num]:
    return isinstance(e, Num) and (value is None or e.value == value)


def neg(x: Expr) -> Expr:
    if isinstance(x, Neg):
        return x.x
    if is_num(x, 0.0):
        return x
    return Neg(x)


def mul(a: Expr, b: Expr) -> Expr:
    """The product ``a * b`` (a scaling if either side is a scalar)."""
    if is_num(a, 1.0):
        return b
    if is_num(b, 1.0):
        return a
    if isinstance(a, Neg):
        return neg(mul(a.x, b))
    if isinstance(b, Neg):
        return neg(mul(a, b.x))
    if is_num(a) and is_num(b):
        return Num(a.value * b.value)
    if is_num(b):
        return mul(b, a)
    if is_num(a) and isinstance(b, Bin) and b.op == MUL and is_num(b.left):
        return mul(Num(a.value * b.left.value), b.right)
    return Bin(MUL, a, b)


def had(a: Expr, b: Expr) -> Expr:
    """The elementwise product; a number factor becomes a scaling."""
    if is_num(a) or is_num(b):
        return mul(a, b)
    if isinstance(a, Neg):
        return neg(had(a.x, b))
    if isinstance(b, Neg):
        return neg(had(a, b.x))
    return Bin(HADAMARD, a, b)


@overload
def add(a: Expr | None, b: Expr) -> Expr: ...
@overload
def add(a: Expr, b: Expr | None) -> Expr: ...
@overload
def add(a: Expr | None, b: Expr | None) -> Expr | None: ...


def add(a: Expr | None, b: Expr | None) -> Expr | None:
    """The sum ``a + b``; None is no term (so ``add(None, x)`` is ``x``)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(b, Neg):
        return Bin(SUB, a, b.x)
    return Bin(ADD, a, b)


def total(parts: Iterable[Expr]) -> Expr | None:
    """The sum of the formulas ``parts`` (None for none)."""
    out: Expr | None = None
    for p in parts:
        out = add(out, p)
    return out


def sub(a: Expr, b: Expr) -> Expr:
    if isinstance(b, Neg):
        return Bin(ADD, a, b.x)
    return Bin(SUB, a, b)


def div(a: Expr, b: Expr) -> Expr:
    if is_num(b, 1.0):
        return a
    return Bin(DIV, a, b)


def power(x: Expr, p: float) -> Expr:
    if p == 1:
        return x
    if p == 0:
        return ONE
    return Pow(x, float(p))


def tr(x: Expr) -> Expr:
    if isinstance(x, T):
        return x.x
    if isinstance(x, (Num,)):
        return x
    return T(x)


def call(fn: str, *args: Expr, prime: bool = False) -> Expr:
    return Call(fn, tuple(args), prime)


def outer(a: Expr, b: Expr) -> Expr:
    return Bin(OUTER, a, b)


def dim_expr(d: int | str) -> Expr:
    """A dimension as a formula argument: ``3`` or ``n``."""
    return Num(float(d)) if isinstance(d, int) else Name(d)
