"""Lets you fold a constant expression (numbers only) to its value: exponents, axes, list answers."""
from __future__ import annotations

from backprop_cli.errors import FormulaSyntaxError
from backprop_cli.formula.ast import ADD, DIV, MUL, SUB, Bin, Expr, Neg, Num, Pow


def safe_pow(base: float, exp: float) -> float:
    """base ** exp as a real number: inf on overflow, nan where the power is not real ((-8)^(1/3))."""
    try:
        value = float(base) ** exp
    except (OverflowError, ZeroDivisionError):
        return float("inf")
    return float("nan") if isinstance(value, complex) else value


def fold(e: Expr, text: str = "", key: str = "syntax.exponent") -> float:
    """The value of a constant expression (numbers only), for exponents and axes."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Neg):
        return -fold(e.x, text, key)
    if isinstance(e, Pow):
        return safe_pow(fold(e.base, text, key), e.exp)
    if isinstance(e, Bin) and e.op in (ADD, SUB, MUL, DIV):
        a, b = fold(e.left, text, key), fold(e.right, text, key)
        if e.op == DIV:
            return a / b if b else float("inf")
        return a + b if e.op == ADD else a - b if e.op == SUB else a * b
    raise FormulaSyntaxError(key, text, max(e.pos, 0))
