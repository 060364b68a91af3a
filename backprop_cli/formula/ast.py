"""Lets you build and compare formulas: the frozen AST nodes of the formula language.

``pos`` is the 0-based offset of the node in its source text (for a binary node, of its operator). It is
not part of equality, so ``parse(print(x)) == x`` compares structure only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union

_pos = field(default=-1, compare=False, repr=False)

#: Binary operators. ``*`` scales when one side is a scalar and is a matrix product otherwise.
ADD, SUB, MUL, HADAMARD, DIV, OUTER = "+", "-", "*", "⊙", "/", "⊗"


@dataclass(frozen=True)
class Num:
    """A number."""

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
    """The negation ``-x``."""

    x: "Expr"
    pos: int = _pos


@dataclass(frozen=True)
class Bin:
    """A binary operation ``left op right``: ``op`` is one of + - * ⊙ / ⊗ (``*`` is the matrix product)."""

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
    """Every distinct node of ``e``, parents before children (iterative, so deep trees are fine; a
    sub-formula shared by several parents, as in derived formulas, is visited once)."""
    stack, seen = [e], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(reversed(children(node)))


def postorder(e: Expr) -> list[Expr]:
    """Every distinct node of ``e``, children before parents (iterative)."""
    out, done, stack = [], set(), [(e, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children(node)) if id(c) not in done)
            continue
        done.add(id(node))
        out.append(node)
    return out


def rebuild(e: Expr, kids: tuple[Expr, ...]) -> Expr:
    """``e`` with its sub-expressions replaced by ``kids`` (``e`` itself when they are the same objects)."""
    if all(a is b for a, b in zip(kids, children(e))):
        return e
    if isinstance(e, Bin):
        return Bin(e.op, kids[0], kids[1], e.pos)
    if isinstance(e, Neg):
        return Neg(kids[0], e.pos)
    if isinstance(e, T):
        return T(kids[0], e.pos)
    if isinstance(e, Pow):
        return Pow(kids[0], e.exp, e.pos)
    if isinstance(e, Call):
        return Call(e.fn, tuple(kids), e.prime, e.pos)
    return e


def rewrite(e: Expr, post: Callable[[Expr], Expr] | None = None,
            pre: Callable[[Expr], Expr | None] | None = None) -> Expr:
    """``e`` rebuilt bottom-up, iteratively and once per distinct node (sharing is kept): ``pre(node)``
    may give a replacement that is not descended into (None to go on); ``post(node)`` is applied to
    every rebuilt node."""
    done, stack = {}, [(e, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        if not ready:
            new = pre(node) if pre is not None else None
            if new is not None:
                done[id(node)] = new
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children(node)) if id(c) not in done)
            continue
        out = rebuild(node, tuple(done[id(c)] for c in children(node)))
        done[id(node)] = post(out) if post is not None else out
    return done[id(e)]


def replace(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """``e`` rebuilt bottom-up, with ``fn(node)`` applied to every rebuilt node."""
    return rewrite(e, post=fn)


def intern(e: Expr, table: dict[tuple[Any, ...], int]) -> int:
    """A number for the value of ``e``: equal formulas get equal numbers within one ``table``, in time
    linear in the distinct nodes (the dataclass ``==`` and ``hash`` recurse along every path)."""
    done: dict[int, int] = {}
    stack = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        kids = children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(kids) if id(c) not in done)
            continue
        if isinstance(node, (Bin, Neg, T, Pow, Call)):
            head = (type(node).__name__, getattr(node, "op", None), getattr(node, "exp", None),
                    getattr(node, "fn", None), getattr(node, "prime", None))
        else:
            head = (type(node).__name__,) + tuple(getattr(node, f) for f in ("value", "name", "num", "den", "partial")
                                                  if hasattr(node, f))
        done[id(node)] = table.setdefault(head + tuple(done[id(c)] for c in kids), len(table))
    return done[id(e)]
