"""Lets you look up everything about one operation in one place: the names it is read by, its shape
rule, numpy forward, vector-Jacobian product (VJP), Jacobian-vector product (JVP), Jacobian rule,
transpose rule, readable derivative and printed names (see :class:`~backprop_cli.derive.ops.common.Op`).

Entries are looked up by :func:`op_key`; a missing rule raises an error that names the operation. The
built-ins sit in :mod:`.arith`, :mod:`.elementwise` and :mod:`.matrix`; :func:`define` adds a new one
(spellings included) through one entry.
"""
from __future__ import annotations

from typing import Mapping

from backprop_cli.formula import build as B
from backprop_cli.formula import vocabulary
from backprop_cli.formula.ast import Call, Expr, children
from backprop_cli.derive.ops.arith import ARITH
from backprop_cli.derive.ops.common import Numeric, Op, as_array, op_key, same_shape, unbroadcast, widen
from backprop_cli.derive.ops.elementwise import DECLARED, FUNCTIONS as _ELEMENTWISE, function, prime_entry
from backprop_cli.derive.ops.extremes import EXTREMES
from backprop_cli.derive.ops.matrix import MATRIX
from backprop_cli.derive.ops.softmax import SOFTMAX
from backprop_cli.derive.shapes import Shape, is_column, is_row

__all__ = ["OPS", "Op", "op_key", "as_array", "same_shape", "unbroadcast", "widen", "function", "define",
           "undefine", "operands", "elementwise_functions", "derivative_functions", "FUNCTIONS", "ALPHA_DEFAULT",
           "TWO_ARGS", "opaque_vjp", "opaque_jvp"]

OPS: dict[str, Op] = {}


def _install(name: str, op: Op) -> None:
    OPS[name] = op
    if op.numeric is not None:
        OPS[name + "'"] = prime_entry(op)


for _table in (ARITH, MATRIX, SOFTMAX, EXTREMES, _ELEMENTWISE, DECLARED):
    for _name, _op in _table.items():
        _install(_name, _op)


def define(name: str, op: Op) -> None:
    """Add the operation ``name`` (a function: ``op.syntax`` says how it is written) to the table, so it
    parses, shape-checks, evaluates, differentiates and prints."""
    if op.syntax is None:
        raise ValueError(f"the entry for {name!r} needs its syntax")
    _install(name, op)
    vocabulary.declare(name, op.syntax)


def undefine(name: str) -> None:
    """Undo :func:`define`."""
    OPS.pop(name, None)
    OPS.pop(name + "'", None)
    vocabulary.forget(name)


def operands(e: Expr, declared: Mapping[str, str]) -> tuple[Expr, ...]:
    """The children of ``e`` that are operands: none for ``ones(r, c)``, whose arguments are sizes."""
    op = OPS.get(op_key(e, declared)) if isinstance(e, Call) else None
    return () if op is not None and op.sizes else children(e)


def elementwise_functions() -> dict[str, Numeric]:
    """name -> (f(x, α), f'(x, α), ∂f/∂α or None) for every elementwise function in the table."""
    return {name: op.numeric for name, op in OPS.items() if op.numeric is not None}


def derivative_functions() -> dict[str, str]:
    """``{"step": "relu", "sign": "abs"}``: a call that stands for the derivative of a function."""
    out = {}
    for name, op in OPS.items():
        if op.inverse and op.derivative is not None:
            call = op.derivative(B.ONE)
            assert isinstance(call, Call), f"the derivative of {name} is not a call"   # `inverse` needs one
            out[call.fn] = name
    return out


FUNCTIONS = elementwise_functions()
ALPHA_DEFAULT = {name: op.alpha for name, op in OPS.items() if op.alpha is not None}
TWO_ARGS = frozenset(name for name, op in OPS.items() if op.numeric is not None and op.numeric[2] is not None)


def opaque_vjp(g: Expr, jac: Expr, so: Shape, sa: Shape) -> Expr:
    """The VJP of an opaque output through its local partial ``jac`` (shape dims(out) ++ dims(arg))."""
    res = B.mul(B.tr(g) if is_column(so) else g, jac)
    return B.tr(res) if is_column(sa) else res


def opaque_jvp(t: Expr, jac: Expr, so: Shape, sa: Shape) -> Expr:
    """The JVP of an opaque output through its local partial ``jac``: the tangent of the output."""
    res = B.mul(jac, B.tr(t) if is_row(sa) else t)
    return B.tr(res) if is_row(so) else res
