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
            x = sub(e.x)
            if isinstance(x, Bin) and x.op == DIV and isinstance(x.left, Num):   # -(1 / p²) is -1 / p²
                return Bin(DIV, Num(-x.left.value), x.right)
            return B.neg(x)
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
            return self.collect(self.product(left, right))
        if e.op == HADAMARD:
            return self.hadamard(left, right)
        if e.op == ADD:
            if _same_leaf(left, right):                # x + x is 2x, as an instructor writes it
                return self.collect(B.mul(Num(2.0), left))
            return B.add(left, right) if not _is_zero(right) else left
        if e.op == SUB:
            return B.sub(left, right)
        if e.op == DIV:
            return self.collect(B.div(left, right))
        return Bin(e.op, left, right)

    def collect(self, e: Expr) -> Expr:
        """Scalar factors collected: ``1/(2m) · 2r`` is ``r / m``, ``1/B · 2R`` is ``2R / B``."""
        numbers, divisions = _literals(e)
        if numbers < 2 and not (numbers and divisions):      # nothing to collect: no shape is inferred
            return e
        coef, num, den = self.split(e)
        if len(num) + len(den) > 8 or (coef == 1 and not den):
            return e
        from fractions import Fraction     # rarely needed: not on every check's import path

        ratio = Fraction(coef).limit_denominator(1000)
        if abs(float(ratio) - coef) > 1e-12 * max(1.0, abs(coef)):
            return e
        scalars = [f for f in num if self.shape(f) == SCALAR]
        rest = [f for f in num if self.shape(f) != SCALAR]
        top: Expr | None = None
        for f in scalars + rest:
            top = f if top is None else B.mul(top, f)
        top = B.mul(Num(float(ratio.numerator)), top if top is not None else B.ONE)
        bottom: Expr | None = None
        for f in ([Num(float(ratio.denominator))] if ratio.denominator != 1 else []) + den:
            bottom = f if bottom is None else B.mul(bottom, f)
        out = top if bottom is None else B.div(top, bottom)
        return out if self.shape(out) == self.shape(e) else e

    def split(self, e: Expr, depth: int = 0) -> tuple[float, list[Expr], list[Expr]]:
        """A product of scalings and divisions by scalars as (number, factors above, factors below)."""
        if isinstance(e, Num):
            return e.value, [], []
        if depth < _DEPTH and isinstance(e, Bin) and e.op == MUL and SCALAR in (self.shape(e.left), self.shape(e.right)):
            (c1, n1, d1), (c2, n2, d2) = self.split(e.left, depth + 1), self.split(e.right, depth + 1)
            return c1 * c2, n1 + n2, d1 + d2
        if depth < _DEPTH and isinstance(e, Bin) and e.op == DIV and self.shape(e.right) == SCALAR:
            (c1, n1, d1), (c2, n2, d2) = self.split(e.left, depth + 1), self.split(e.right, depth + 1)
            if c2 != 0:
                return c1 / c2, n1 + d2, d1 + n2
        return 1.0, [e], []

    def product(self, a: Expr, b: Expr) -> Expr:
        if isinstance(a, Call) and a.fn == "eye" and self.shape(b) not in (None, SCALAR):
            return b
        if isinstance(b, Call) and b.fn == "eye" and self.shape(a) not in (None, SCALAR):
            return a
        return B.mul(a, b)

    def hadamard(self, a: Expr, b: Expr) -> Expr:
        out = self.shape(Bin(HADAMARD, a, b))
        for x, y in ((a, b), (b, a)):
            if isinstance(y, Bin) and y.op == DIV and B.is_num(y.left, 1.0) and self.shape(Bin(DIV, x, y.right)) == out:
                return self.collect(B.div(x, y.right))            # x ⊙ (1 / p) is x / p
            coef, num, den = self.split(y) if isinstance(y, Bin) else (1.0, [y], [])
            if len(num) == 1 and _is_ones(num[0]) and isinstance(y, Bin) and self.shape(x) == out:
                scaled = B.mul(Num(coef), x)                       # (s · ones) ⊙ x is s · x
                for d in den:
                    scaled = B.div(scaled, d)
                return self.collect(scaled)
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


def _same_leaf(a: Expr, b: Expr) -> bool:
    """Whether ``a`` and ``b`` are one name or symbol (possibly transposed): compared in constant time."""
    if isinstance(a, T) and isinstance(b, T):
        a, b = a.x, b.x
    return isinstance(a, (Name, Deriv)) and a == b


def _is_ones(e: Expr) -> bool:
    return isinstance(e, Call) and e.fn == "ones" and not e.prime


_DEPTH = 6   # how deep a product is searched for scalar factors (derived formulas can be very deep)


def _literals(e: Expr, depth: int = 0) -> tuple[int, int]:
    """(number literals, divisions) in the top levels of a product: whether collecting can help."""
    if isinstance(e, Num):
        return 1, 0
    if depth < _DEPTH and isinstance(e, Bin) and e.op in (MUL, DIV):
        (n1, d1), (n2, d2) = _literals(e.left, depth + 1), _literals(e.right, depth + 1)
        return n1 + n2, d1 + d2 + (e.op == DIV)
    return 0, 0


def _is_zero(e: Expr) -> bool:
    return isinstance(e, Num) and e.value == 0

