"""Lets you look up every built-in elementwise function: its numbers f(x), f'(x) (and ∂f/∂α for the
functions with a parameter α), the readable formula for f'(x), and the rules that follow from them.

One call of :func:`function` makes a complete entry; :data:`FUNCTIONS` is the table of built-ins.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Call, Expr, Num
from backprop_cli.formula.vocabulary import SYNTAX, Syntax
from backprop_cli.derive.ops.common import (Numeric, Op, Shapes, Tangents, Tidier, ValueContext, elementwise_shape, only,
                                            same_shape, unbroadcast)
from backprop_cli.derive.ops.softmax import stable_log
from backprop_cli.derive.shapes import Shape

ArrayFn = Callable[..., np.ndarray]     # numpy array(s) -> array: f(x), f'(x), or with α, f(x, α) ...

_erf = np.frompyfunc(math.erf, 1, 1)


def _sigmoid(x: Any) -> Any:
    return np.exp(-np.logaddexp(0.0, -x))


def _phi(x: Any) -> Any:
    return 0.5 * (1.0 + np.asarray(_erf(x / math.sqrt(2.0)), dtype=float))


def _pos(x: Any) -> Any:
    return (np.asarray(x) > 0).astype(float)


# -- the rules every elementwise function shares --------------------------------------------------------
def readable_derivative(e: Call, op: Op) -> Expr:
    """A readable formula for f'(x): ``exp(x)``, ``1/x``, ``cos(x)``, ``step(x)`` or ``f'(x)``."""
    if op.derivative is not None:
        return op.derivative(e.args[0])
    return Call(e.fn, e.args, True)


def _alpha_formula(e: Call) -> Expr:
    x = e.args[0]
    negative = B.call("step", B.neg(x))
    if e.fn == "elu":
        return B.had(B.sub(B.call("exp", x), B.ONE), negative)
    return B.had(x, negative)


def _transpose(x: Call, tidy: Tidier) -> Expr | None:
    if len(x.args) != 1:
        return None
    return Call(x.fn, (tidy.transpose(x.args[0]),), x.prime)


def function(f: ArrayFn, fprime: ArrayFn, derivative: Callable[[Expr], Expr] | None = None, *,
             dalpha: ArrayFn | None = None, alpha: float | None = None, inverse: bool = False,
             syntax: Syntax | None = None) -> Op:
    """The entry of an elementwise function. ``f(x)`` and ``fprime(x)`` work on arrays (with ``dalpha``,
    a second argument α: ``f(x, α)``, ``fprime(x, α)``, ``dalpha(x, α)``); ``derivative(x)`` builds the
    readable formula for f'(x) (default ``f'(x)``); ``inverse`` marks that formula's function as
    standing for f' in diagnosis (``step`` for ``relu'``)."""
    two = dalpha is not None
    numeric: Numeric = (f, fprime if two else (lambda x, a: fprime(x)), dalpha)

    def forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
        if not two:
            return f(v[0])
        return f(v[0], v[1] if len(v) > 1 else np.asarray(alpha))

    op = Op(elementwise_shape, forward, numeric=numeric, alpha=alpha, derivative=derivative, inverse=inverse,
            syntax=syntax, transpose=_transpose)

    def vjp(g: Expr, e: Call, ans: Expr, sh: Shapes, so: Shape) -> tuple[Expr, ...]:
        grads = [B.had(g, readable_derivative(e, op))]
        if len(e.args) > 1:
            grads.append(unbroadcast(B.had(g, _alpha_formula(e)), sh[1], so))
        return tuple(grads)

    def jvp(t: Tangents, e: Call, ans: Expr, sh: Shapes, so: Shape) -> Expr | None:
        out = t[0] and B.had(t[0], readable_derivative(e, op))
        if len(t) > 1 and t[1] is not None:
            out = B.add(out, B.had(t[1], _alpha_formula(e)))
        return out

    return op._replace(vjp=vjp, jvp=jvp)


def prime_entry(op: Op) -> Op:
    """The entry of ``f'`` for the entry of ``f`` (evaluated, transposed; not differentiated again)."""
    assert op.numeric is not None, "only an elementwise entry has a prime entry"
    fprime, alpha = op.numeric[1], op.alpha

    def forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
        a = v[1] if len(v) > 1 else np.asarray(alpha if alpha is not None else 0.0)
        return np.asarray(fprime(v[0], a), dtype=float)

    return Op(elementwise_shape, forward, transpose=_transpose)


def _call(fn: str) -> Callable[[Expr], Expr]:
    return lambda x: B.call(fn, x)


_leaky = (lambda x, a: np.where(x > 0, x, a * x), lambda x, a: np.where(x > 0, 1.0, a + 0 * x),
          lambda x, a: np.where(x > 0, 0.0, x))
FUNCTIONS: dict[str, Op] = {
    "exp": function(np.exp, np.exp, _call("exp")),
    "log": function(np.log, lambda x: 1.0 / x, lambda x: B.div(B.ONE, x))._replace(canonical=stable_log),
    "sqrt": function(np.sqrt, lambda x: 0.5 / np.sqrt(x), lambda x: B.div(B.ONE, B.mul(Num(2.0), B.call("sqrt", x)))),
    "abs": function(np.abs, np.sign, _call("sign"), inverse=True),
    "sign": function(np.sign, np.zeros_like),
    "sin": function(np.sin, np.cos, _call("cos")),
    "cos": function(np.cos, lambda x: -np.sin(x), lambda x: B.neg(B.call("sin", x))),
    "tanh": function(np.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
    "sigmoid": function(_sigmoid, lambda x: _sigmoid(x) * (1.0 - _sigmoid(x))),
    "relu": function(lambda x: np.maximum(x, 0.0), _pos, _call("step"), inverse=True),
    "leaky_relu": function(_leaky[0], _leaky[1], dalpha=_leaky[2], alpha=0.01),
    "prelu": function(_leaky[0], _leaky[1], dalpha=_leaky[2]),
    "elu": function(lambda x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))),
                    lambda x, a: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0))),
                    dalpha=lambda x, a: np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0))), alpha=1.0),
    "softplus": function(lambda x: np.logaddexp(0.0, x), _sigmoid),
    "gelu": function(lambda x: x * _phi(x), lambda x: _phi(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)),
    "hardtanh": function(lambda x: np.clip(x, -1.0, 1.0), lambda x: (np.abs(x) < 1).astype(float)),
    "step": function(_pos, np.zeros_like),
    "cosh": function(np.cosh, np.sinh, _call("sinh")),
    "sinh": function(np.sinh, np.cosh, _call("cosh")),
    "sech": function(lambda x: 1.0 / np.cosh(x), lambda x: -np.tanh(x) / np.cosh(x),
                     lambda x: B.neg(B.had(B.call("sech", x), B.call("tanh", x)))),
}
FUNCTIONS = {name: op._replace(syntax=SYNTAX[name]) for name, op in FUNCTIONS.items()}


def _declared_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    return ctx.function(e.fn)[0](v[0])


def _declared_prime_forward(e: Call, v: Sequence[np.ndarray], ctx: ValueContext) -> np.ndarray:
    return ctx.function(e.fn)[1](v[0])


#: A function the exercise declares ``elementwise``: trials instantiate it as a random smooth function.
DECLARED: dict[str, Op] = {
    "elementwise": Op(same_shape, _declared_forward,
                      lambda g, e, ans, sh, so: (B.had(g, Call(e.fn, e.args, True)),),
                      lambda t, e, ans, sh, so: B.had(only(t), Call(e.fn, e.args, True))),
    "elementwise'": Op(same_shape, _declared_prime_forward),
}
