"""Lets reference formulas read as a person would write them: transposes pushed down to the leaves,
no ``1 ·``, no ``⊙ ones``, numbers first, transposes of scalars dropped. Every rewrite keeps the value."""
from __future__ import annotations

from typing import Callable

from backprop_cli.errors import BackpropError
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, SUB, Bin, Call, Deriv, Expr, Name, Neg, Num, Pow, T, postorder
from backprop_cli.derive.infer import Scope, infer
from backprop_cli.derive.ops import OPS, op_key
from backprop_cli.derive.shapes import SCALAR, Shape


def tidy(e: Expr, scope: Scope) -> Expr:
    """``e`` simplified; ``scope`` gives the shapes of its names and symbols."""
    return _Tidy(scope).run(e)


class _Tidy:
    def __init__(self, scope: Scope):
        self.scope = scope

    def shape(self, e: Expr) -> Shape | None:
        try:
            shape: Shape = infer(e, self.scope)
            return shape
        except BackpropError:
            return None

    def run(self, e: Expr) -> Expr:
        # Children first, each distinct node once: derived formulas (a sum of 5,000 paths, a chain of
        # 300 layers) are deep and share sub-terms, so no recursion and no repeated work.
        done: dict[int, Expr] = {}
        for node in postorder(e):
            done[id(node)] = self.node(node, lambda c: done[id(c)])
        return done[id(e)]

    def node(self, e: Expr, sub: Callable[[Expr], Expr]) -> Expr:
        """``e`` simplified, its sub-formulas already simplified (``sub`` gives them)."""
        if isinstance(e, (Num, Name, Deriv)):
            return e
        if isinstance(e, Neg):
            return B.neg(sub(e.x))
        if isinstance(e, T):
            return self.transpose(sub(e.x))
        if isinstance(e, Pow):
            base = sub(e.base)
            return Num(base.value ** e.exp) if isinstance(base, Num) and base.value > 0 else B.power(base, e.exp)
        if isinstance(e, Call):
            return Call(e.fn, tuple(sub(a) for a in e.args), e.prime)
        assert isinstance(e, Bin)
        left, right = sub(e.left), sub(e.right)
        if e.op == MUL:
            return self.product(left, right)
        if e.op == HADAMARD:
            return self.hadamard(left, right)
        if e.op == ADD:
            return B.add(left, right) if not _is_zero(right) else left
        if e.op == SUB:
            return B.sub(left, right)
        if e.op == DIV:
            return B.div(left, right)
        return Bin(e.op, left, right)

    def product(self, a: Expr, b: Expr) -> Expr:
        if isinstance(a, Call) and a.fn == "eye" and self.shape(b) not in (None, SCALAR):
            return b
        if isinstance(b, Call) and b.fn == "eye" and self.shape(a) not in (None, SCALAR):
            return a
        return B.mul(a, b)

    def hadamard(self, a: Expr, b: Expr) -> Expr:
        out = self.shape(Bin(HADAMARD, a, b))
        if _is_ones(b) and self.shape(a) == out:
            return a
        if _is_ones(a) and self.shape(b) == out:
            return b
        if self.shape(a) == SCALAR or self.shape(b) == SCALAR:
            scalar, other = (a, b) if self.shape(a) == SCALAR else (b, a)
            return B.mul(scalar, other)
        return B.had(a, b)

    def transpose(self, x: Expr) -> Expr:
        if self.shape(x) == SCALAR or isinstance(x, Num):
            return x
        op = OPS.get(op_key(x, self.scope.functions))
        out: Expr | None = op.transpose(x, self) if op is not None and op.transpose is not None else None
        return T(x) if out is None else out


def _is_ones(e: Expr) -> bool:
    return isinstance(e, Call) and e.fn == "ones" and not e.prime


def _is_zero(e: Expr) -> bool:
    return isinstance(e, Num) and e.value == 0

