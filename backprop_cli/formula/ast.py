"""Lets you build and compare formulas: the frozen AST nodes of the formula language.

``pos`` is the 0-based offset of the node in its source text (for a binary node, of its operator). It is
not part of equality, so ``parse(print(x)) == x`` compares structure only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Union

_pos = field(default=-1, compare=False, repr=False)

#: Binary operators. ``*`` scales when one side is a scalar and is a matrix product otherwise.
ADD, SUB, MUL, HADAMARD, DIV, OUTER = "+", "-", "*", "⊙", "/", "⊗"


@dataclass(frozen=True)
class Num:
    value: float
    pos: int = _pos


@dataclass(frozen=True)
class Name:
    """An input, a forward node, or a dimension name (which stands for its size)."""

    name: str
    pos: int = _pos


@dataclass(frozen=True)
class Deriv:
    """The derivative symbol ``dX/dY`` (``partial`` for ``∂X/∂Y``)."""

    num: str
    den: str
    partial: bool = False
    pos: int = _pos

    @property
    def key(self) -> str:
        return f"d{self.num}/d{self.den}"


@dataclass(frozen=True)
class Neg:
    x: "Expr"
    pos: int = _pos


@dataclass(frozen=True)
class Bin:
    op: str
    left: "Expr"
    right: "Expr"
    pos: int = _pos


@dataclass(frozen=True)
class Pow:
    """Elementwise power with a constant exponent."""

    base: "Expr"
    exp: float
    pos: int = _pos


@dataclass(frozen=True)
class T:
    """Transpose."""

    x: "Expr"
    pos: int = _pos


@dataclass(frozen=True)
class Call:
    """A function call ``fn(args)``; ``prime`` marks the derivative ``fn'(args)``."""

    fn: str
    args: tuple[Expr, ...]
    prime: bool = False
    pos: int = _pos


Expr = Union[Num, Name, Deriv, Neg, Bin, Pow, T, Call]


@dataclass(frozen=True)
class Equation:
    """A forward equation ``targets = expr``; several targets only for opaque functions."""

    targets: tuple[str, ...]
    expr: Expr
    target_pos: tuple[int, ...] = field(default=(), compare=False)


def children(e: Expr) -> tuple[Expr, ...]:
    """The sub-expressions of ``e``, in order."""
    if isinstance(e, Bin):
        return (e.left, e.right)
    if isinstance(e, (Neg, T)):
        return (e.x,)
    if isinstance(e, Pow):
        return (e.base,)
    if isinstance(e, Call):
        return e.args
    return ()


def walk(e: Expr) -> Iterator[Expr]:
    """Every node of ``e``, parents before children (iterative, so deep trees are fine)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def replace(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """``e`` rebuilt bottom-up, with ``fn(node)`` applied to every rebuilt node."""
    if isinstance(e, Bin):
        e = Bin(e.op, replace(e.left, fn), replace(e.right, fn), e.pos)
    elif isinstance(e, Neg):
        e = Neg(replace(e.x, fn), e.pos)
    elif isinstance(e, T):
        e = T(replace(e.x, fn), e.pos)
    elif isinstance(e, Pow):
        e = Pow(replace(e.base, fn), e.exp, e.pos)
    elif isinstance(e, Call):
        e = Call(e.fn, tuple(replace(a, fn) for a in e.args), e.prime, e.pos)
    return fn(e)
