"""Difference quotients that a student could write instead of a derivative, for the hostile tests, the fuzz
harness and benchmarks/quotients.py: forward and central stencils of orders 2 to 8 at any step, for dLoss/dx
of the bank's two-layer-sigmoid-l2 (the issue's example) or any loss written as a formula of one row x.

    quotient(order=4, kind="central", step=1e-3)          # 232 characters, as in issue 15

``hidden=True`` writes each step as a product of factors within [1e-3, 1e3] (``0.002 (0.001 I(n))``), which the
folded-constant rule of the answer policy cannot see, so only the precision re-check can refuse it.
"""
from __future__ import annotations

from fractions import Fraction

LOSS = "sum((σ((x{shift}) W1 + b1) W2 + b2 - y)^2, 1)"     # one row per unit direction of x: n×1


def stencil(order: int, kind: str) -> list[tuple[int, Fraction]]:
    """(offset, coefficient) of the first-derivative stencil of ``order`` (``central``: even orders,
    offsets -order/2..order/2; ``forward``: offsets 0..order), exact fractions."""
    offsets = list(range(-order // 2, order // 2 + 1)) if kind == "central" else list(range(order + 1))
    n = len(offsets)
    # Σ c_k k^j = [j == 1] for j < n, solved exactly (Gauss-Jordan on fractions)
    rows = [[Fraction(k) ** j for k in offsets] + [Fraction(int(j == 1))] for j in range(n)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                rows[r] = [a - rows[r][col] * b for a, b in zip(rows[r], rows[col])]
    return [(k, rows[i][n]) for i, k in enumerate(offsets) if rows[i][n] != 0]


def _number(v: float) -> str:
    return repr(float(v)) if v != int(v) else str(int(v))


def _scaled(v: float, what: str, hidden: bool) -> str:
    """``v what`` with ``v`` written as one number, or (hidden) as nested factors each within [1e-3, 1e3]."""
    if not hidden or 1e-3 <= abs(v) <= 1e3:
        return f"{_number(v)} {what}"
    factors = []
    while abs(v) < 1e-3:
        factors.append("0.001")
        v *= 1000
    text = f"{_number(v)} {what}"
    for f in factors:
        text = f"{f} ({text})"
    return text


def quotient(order: int = 2, kind: str = "central", step: float = 1e-3, hidden: bool = False, loss: str = LOSS,
             unit: str = "I(n)", wrap: str = "({})^T") -> str:
    """The difference quotient of ``loss`` (a formula of x with ``{shift}`` after x: with ``unit`` I(n), one
    row per direction) in x, put into ``wrap`` (the default gives dLoss/dx of two-layer-sigmoid-l2, a row)."""
    terms = []
    for k, c in stencil(order, kind):
        shift = "" if k == 0 else f" {'+' if k > 0 else '-'} {_scaled(abs(k) * step, unit, hidden)}"
        f = loss.format(shift=shift if k else f" + 0 {unit}")
        coeff = f"({abs(c.numerator)}/{c.denominator})" if c.denominator != 1 else str(abs(c.numerator))
        terms.append(("- " if c < 0 else "+ ") + (f if coeff == "1" else f"{coeff} {f}"))
    body = " ".join(terms).lstrip("+ ")
    if body.startswith("- "):
        body = "-" + body[2:]
    if hidden and step < 1e-3:
        divisor = ""
        while step < 1e-3:
            divisor += " / 0.001"
            step *= 1000
        return wrap.format(f"({body}) / {_number(step)}{divisor}")
    return wrap.format(f"({body}) / {_number(step)}")


#: (exercise, question, loss with {shift}, unit, wrap) of the families benchmarks/quotients.py measures
FAMILIES = {
    "two-layer dLoss/dx": ("two-layer-sigmoid-l2", "dLoss/dx", LOSS, "I(n)", "({})^T"),
    "softplus dz/dx": ("activation-derivatives", "dz_softplus/dx", "softplus(x{shift})", "ones(n, 1)", "diag({})"),
    "gelu dz/dx": ("activation-derivatives", "dz_gelu/dx", "gelu(x{shift})", "ones(n, 1)", "diag({})"),
}


def family(name: str, order: int, kind: str, step: float, hidden: bool = False) -> tuple[str, str, str]:
    """(exercise, question, answer) of a quotient of the family ``name`` (see :data:`FAMILIES`)."""
    exercise, question, loss, unit, wrap = FAMILIES[name]
    return exercise, question, quotient(order, kind, step, hidden, loss, unit, wrap)
