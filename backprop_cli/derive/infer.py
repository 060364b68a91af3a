"""Lets you find the shape of any formula, resolving its names, before a single number is computed.

A :class:`Scope` says what a formula may refer to: inputs and nodes with their shapes, dimension names
(which stand for their sizes), declared functions, and derivative symbols. Shape errors name the
operator, both shapes and the position. The element count of every intermediate array is bounded
from the shapes, so ``ones(10^7, 10^7)`` is refused before anything is allocated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Collection, Sequence

from backprop_cli.errors import FormulaError, LimitError, UnknownNameError
from backprop_cli.formula.ast import Bin, Call, Deriv, Expr, Name, replace, walk
from backprop_cli.formula.constants import fold
from backprop_cli.formula.names import close_spellings
from backprop_cli.formula.vocabulary import function_name
from backprop_cli.derive.ops import OPS, op_key, operands
from backprop_cli.derive.shapes import SCALAR, Dim, Shape, fmt, size_bound

MAX_ELEMENTS = 1_000_000
MAX_PRODUCT_COST = 10_000_000   # multiply-adds of one matrix product
MAX_WORK = 20_000_000           # element operations of one evaluation of a whole answer (SPEC 10: < 2 s)


@dataclass
class Scope:
    """What shape inference knows: the shapes of names, the dimension names and the declared functions."""

    shapes: dict[str, Shape]                                 # name -> shape, for inputs and nodes
    dims: frozenset[str] = frozenset()                       # dimension names
    functions: dict[str, str] = field(default_factory=dict)  # declared function name -> elementwise|opaque
    derivs: Callable[[Deriv], Shape] | None = None           # Deriv -> shape, or raises
    bounds: dict[str, int] = field(default_factory=dict)     # dimension name -> largest size

    def name(self, e: Name) -> Shape:
        """The shape of a name: an input or node, or a dimension name (a scalar, its size)."""
        if e.name in self.shapes:
            return self.shapes[e.name]
        if e.name in self.dims:
            return SCALAR
        raise UnknownNameError("name.unknown", "", max(e.pos, 0), name=e.name,
                               suggestion=suggest(e.name, list(self.shapes)), known=", ".join(self.shapes))

    def deriv(self, e: Deriv) -> Shape:
        """The shape of a derivative symbol."""
        if self.derivs is None:
            raise FormulaError("name.no_derivatives", "", max(e.pos, 0), symbol=e.key)
        return self.derivs(e)

    def dim(self, e: Expr) -> Dim:
        """A size argument (see :func:`dim_of`)."""
        return dim_of(e, self.dims)

    def const(self, e: Expr) -> float:
        """A constant argument (see :func:`const_of`)."""
        return const_of(e)


def dim_of(e: Expr, dims: Collection[str]) -> Dim:
    """A size argument of ones/zeros/eye: a dimension name in ``dims``, or a positive whole number."""
    if isinstance(e, Name) and e.name in dims:
        return e.name
    value = const_of(e)
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise FormulaError("shape.dim_arg", "", max(e.pos, 0))
    if value > MAX_ELEMENTS:
        raise LimitError("limit.elements", "", max(e.pos, 0), limit=MAX_ELEMENTS)
    return int(value)


def const_of(e: Expr) -> float:
    """The value of a constant argument (numbers only)."""
    try:
        return fold(e, "", "shape.const_arg")
    except FormulaError:
        raise FormulaError("shape.const_arg", "", max(e.pos, 0)) from None


def suggest(name: str, known: Sequence[str]) -> str:
    """``a*b`` for ``ab`` when a and b are known; else the closest known name; else ''. Never a suggestion
    that would change what the student meant: none for a function name (``cosh``), and none that drops
    the ``d`` of a derivative written without its numerator (``dxpy``, ``dc``)."""
    if len(name) > 40 or function_name(name) or function_name(name.lower()):
        return ""
    if name[:1] in ("d", "∂") and name[1:] in known:
        return ""
    found = candidates(name, known)
    return found[0] if found else ""


def candidates(name: str, known: Sequence[str], n: int = 3) -> list[str]:
    """The known names ``name`` may be a typo of, best first: the product of two or three known names glued
    together (``a*b`` for ``ab``), then up to ``n`` plausible misspellings (:func:`close_spellings`)."""
    out: list[str] = []
    for i in range(1, len(name)):
        left, right = name[:i], name[i:]
        if left in known and right in known:
            out.append(f"{left}*{right}")
        for j in range(i + 1, len(name)):
            parts = (name[:i], name[i:j], name[j:])
            if all(p in known for p in parts):
                out.append("*".join(parts))
    return out + close_spellings(name, list(known), n)


def infer(e: Expr, scope: Scope, text: str = "", max_work: int | None = None) -> Shape:
    """The shape of formula ``e``; any error carries ``text`` so it can be shown with a caret. With
    ``max_work``, a formula whose evaluation would take more element operations (counted from the
    shapes, before anything is computed) is refused."""
    try:
        shape, work = _infer(e, scope)
        if max_work is not None and work > max_work:
            raise LimitError("limit.work", "", 0, limit=max_work)
        return shape
    except FormulaError as err:
        if err.text:
            raise
        raise err.in_formula(text) from err


def _infer(e: Expr, scope: Scope) -> tuple[Shape, int]:
    """Shapes bottom-up, iteratively and once per distinct node (derived formulas may be deep and shared)."""
    done: dict[int, Shape] = {}
    stack = [(e, False)]
    work = 0
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        kids = _operands(node, scope)
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(kids) if id(c) not in done)
            continue
        shape, cost = _shape_of(node, tuple(done[id(c)] for c in kids), scope)
        done[id(node)] = shape
        work += cost    # each distinct node is computed once (see program.py)
    return done[id(e)], work


def _operands(e: Expr, scope: Scope) -> tuple[Expr, ...]:
    if isinstance(e, (Name, Deriv)):
        return ()
    if isinstance(e, Call) and scope.functions.get(e.fn) == "opaque":
        return ()
    return operands(e, scope.functions)


def _shape_of(e: Expr, child_shapes: tuple[Shape, ...], scope: Scope) -> tuple[Shape, int]:
    """The shape of ``e`` and the element operations that computing it costs."""
    if isinstance(e, Name):
        return scope.name(e), 1
    if isinstance(e, Deriv):
        return scope.deriv(e), 1
    if isinstance(e, Call) and scope.functions.get(e.fn) == "opaque":
        raise FormulaError("name.opaque_call", "", max(e.pos, 0), fn=e.fn)
    key = op_key(e, scope.functions)
    op = OPS.get(key)
    if op is None:
        raise FormulaError("name.no_rule", "", max(e.pos, 0), op=key)
    shape: Shape = op.shape(e, child_shapes, scope)
    cost = 0
    if isinstance(e, Bin) and e.op == "*" and child_shapes[0] and child_shapes[1]:
        cost = size_bound(child_shapes[0], scope.bounds) * size_bound(child_shapes[1][1:], scope.bounds)
        if cost > MAX_PRODUCT_COST:
            raise LimitError("limit.product", "", max(e.pos, 0), limit=MAX_PRODUCT_COST)
    if size_bound(shape, scope.bounds) > MAX_ELEMENTS:
        raise LimitError("limit.elements", "", max(e.pos, 0), limit=MAX_ELEMENTS, shape=fmt(shape))
    return shape, cost + size_bound(shape, scope.bounds)



def canonical(e: Expr, scope: Scope) -> Expr:
    """``e`` in the form to evaluate, by the operations' ``canonical`` rules: an axis the symbolic shape
    implies written out (``softmax(X)`` of a matrix is ``softmax(X, 1)``), and compositions that overflow
    as their stable forms (``log(softmax(x))`` is ``log_softmax(x)``). ``e`` must have passed :func:`infer`."""
    if not any(isinstance(n, Call) and _canonical_rule(n, scope) for n in walk(e)):
        return e

    def rewrite(node: Expr) -> Expr:
        rule = _canonical_rule(node, scope) if isinstance(node, Call) else None
        out: Expr | None = rule(node, lambda x: _infer(x, scope)[0]) if rule else None
        return node if out is None else rewrite(out)

    return replace(e, rewrite)


def _canonical_rule(e: Expr, scope: Scope) -> Callable[..., Expr | None] | None:
    op = OPS.get(op_key(e, scope.functions))
    return op.canonical if op is not None else None
