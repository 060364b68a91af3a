"""Lets you write dX/dY as a formula: the local Jacobians of the operations between Y and X (from the
tangents of forward mode), chained through the named nodes between them. None where some local
Jacobian has no formula (the checker then compares numbers only)."""
from __future__ import annotations

from typing import Callable, Mapping

from backprop_cli.derive.autodiff import jacobian, tangent_names, tidy_scope
from backprop_cli.derive.graph import Graph
from backprop_cli.derive.infer import Scope
from backprop_cli.derive.tidy import tidy
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Expr, Name, Num, replace


def chain(t: Expr, y: str, scope: Scope, factor: Callable[[str], Expr | None]) -> Expr | None:
    """Σ over the named predecessors P in the tangent ``t`` of (local Jacobian dX/dP) · ``factor(P)``, the
    local Jacobian alone for P = ``y``; None where a local Jacobian or a factor has no formula."""
    out: Expr | None = None
    for p in tangent_names(t):
        k = jacobian(_only(t, p), p, scope)
        inner = None if p == y else factor(p)
        if k is None or (p != y and inner is None):
            return None
        out = B.add(out, k if inner is None else B.mul(k, inner))
    return out


def jacobian_formula(ref_graph: Graph, tangents: Mapping[str, Expr], x: str, y: str) -> Expr | None:
    """dX/dY as a formula in inputs and nodes (chained through the tangents), or None."""
    scope = tidy_scope(ref_graph)
    memo: dict[str, Expr | None] = {}

    def of(name: str) -> Expr | None:
        if name not in memo:
            t = tangents.get(name)
            out = None if t is None else chain(t, y, scope, of)
            memo[name] = tidy(out, scope) if out is not None else None
        return memo[name]
    return of(x)


def _only(t: Expr, p: str) -> Expr:
    """The tangent formula ``t`` with every tangent but ``δ:p`` set to zero."""
    def zero_others(node: Expr) -> Expr:
        if isinstance(node, Name) and node.name.startswith("δ:") and node.name != "δ:" + p:
            return Num(0.0)
        return node
    return replace(t, zero_others)
