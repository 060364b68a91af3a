"""Lets you derive reference derivatives as formulas, by the project's own rules over the graph.

* :func:`reverse` gives dJ/dX for every named node, in terms of the gradients of the named nodes just
  downstream (``dJ/dc @ Wᵀ``), keeping each consumer's contribution apart (the paths of a fan-out).
* :func:`forward` gives the tangent of every named node for a seed at one node, and :func:`jacobian`
  turns a linear tangent formula into the Jacobian formula (``Wᵀ``, ``diag(f'(a))``, ``I(m) ⊗ x``)
  when the pattern allows, else None (the value is still computed numerically).
Everything here is symbolic and pure; :mod:`reference` puts numbers in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Deriv, Expr, Name, Num, T, walk
from backprop_cli.derive.graph import Graph, Node
from backprop_cli.derive.infer import Scope
from backprop_cli.derive.ops import OPS, op_key, opaque_jvp, opaque_vjp
from backprop_cli.derive.shapes import SCALAR, Shape, is_column, is_vector
from backprop_cli.derive.tidy import tidy


@dataclass(frozen=True)
class Reverse:
    """What reverse mode derived: every named node's gradient, its paths and their order."""

    grads: dict[str, Expr]                            # name -> dJ/dX formula in the exercise's layout
    paths: dict[str, tuple[tuple[str, Expr], ...]]    # name -> ((consumer name, contribution formula), ...)
    order: tuple[str, ...]                            # named nodes from the loss back to the inputs


def grad_symbol(graph: Graph, name: str) -> Deriv:
    """dJ/dname, the symbol of the gradient of the loss."""
    return Deriv(graph.loss, name)


def local_symbol(graph: Graph, out: str, arg: str) -> Deriv:
    """dout/darg, or ∂out/∂arg where the local and the total derivative differ."""
    return Deriv(out, arg, (out, arg) in graph.partial_pairs)


def tidy_scope(graph: Graph) -> Scope:
    """A scope in which every derivative symbol has its shape (for tidying)."""
    def derivs(d: Deriv) -> Shape:
        if d.num.startswith("δ:") or d.den.startswith("δ:"):
            raise KeyError(d.key)
        return graph.deriv_shape(d.num, d.den)
    scope = graph.scope(derivs)
    for name, shape in graph.shapes.items():
        scope.shapes["δ:" + name] = shape
    return scope


def reverse(graph: Graph) -> Reverse:
    """Reverse accumulation from the loss (or from the given upstream gradients of an external loss)."""
    numerator = graph.exercise.layout == "numerator"
    lay: dict[str, Expr] = {}    # named node -> its gradient symbol as a gradient-layout formula

    def symbol(name: str) -> Expr:
        if name not in lay:
            sym = grad_symbol(graph, name)
            lay[name] = T(sym) if numerator and is_column(graph.shapes[name]) else sym
        return lay[name]

    incoming: dict[int, list[tuple[str | None, Expr]]] = {n.id: [] for n in graph.nodes}
    if graph.external:
        for out in graph.outputs:
            incoming[graph.ids[out]].append((None, symbol(out)))
    else:
        incoming[graph.ids[graph.loss]].append((None, Num(1.0)))
    needs = _needs_grad(graph)
    grads: dict[str, Expr] = {}
    paths: dict[str, tuple[tuple[str, Expr], ...]] = {}
    order: list[str] = []
    for node in reversed(graph.nodes):
        parts = incoming[node.id]
        if not parts or node.kind == "const":
            continue
        total = B.total(c for _, c in parts)
        assert total is not None   # parts is not empty
        if node.name is not None:
            order.append(node.name)
            if node.name != graph.loss:
                grads[node.name] = total
                paths[node.name] = tuple((c, p) for c, p in parts if c is not None)
            upstream = total if node.name == graph.loss else symbol(node.name)
        else:
            upstream = total
        _push(graph, node, upstream, incoming, needs)
    scope = tidy_scope(graph)
    for name, g in grads.items():
        if graph.external and name in graph.outputs:
            grads[name] = grad_symbol(graph, name)
            continue
        if numerator and is_column(graph.shapes[name]):
            g = T(g)
        grads[name] = tidy(g, scope)
        paths[name] = tuple((c, tidy(T(p) if numerator and is_column(graph.shapes[name]) else p, scope))
                            for c, p in paths[name])
    return Reverse(grads, paths, tuple(order))


def _needs_grad(graph: Graph) -> set[int]:
    needs: set[int] = set()
    for node in graph.nodes:
        if node.kind == "input" or any(a in needs for a in node.args):
            needs.add(node.id)
    return needs


def _consumer_name(graph: Graph, node: Node) -> str | None:
    while node.name is None:
        node = next(n for n in graph.nodes if node.id in n.args)
    return node.name


def _push(graph: Graph, node: Node, g: Expr, incoming: dict[int, list[tuple[str | None, Expr]]],
          needs: set[int]) -> None:
    if node.kind in ("input", "const"):
        return
    consumer = _consumer_name(graph, node)
    if node.kind == "alias":
        incoming[node.args[0]].append((consumer, g))
        return
    if node.kind == "opaque":
        for arg in node.args:
            arg_node = graph.nodes[arg]
            if arg in needs:
                assert node.name is not None and arg_node.name is not None   # opaque outputs and arguments are named
                jac = local_symbol(graph, node.name, arg_node.name)
                incoming[arg].append((consumer, opaque_vjp(g, jac, node.shape, arg_node.shape)))
        return
    ans = Name(node.name) if node.name else node.expr
    shapes = tuple(graph.nodes[a].shape for a in node.args)
    key = op_key(node.expr, graph.functions)
    rule = OPS[key].vjp
    assert rule is not None, f"no VJP rule for {key}"   # build_graph refuses operations without one
    grads = rule(g, node.expr, ans, shapes, node.shape)
    assert grads is not None, f"no VJP of {key} for these shapes"   # only a product of tensors has none
    for arg, contribution in zip(node.args, grads):
        if arg in needs and contribution is not None:
            incoming[arg].append((consumer, contribution))


def forward(graph: Graph, wrt: str) -> dict[str, Expr]:
    """The tangent formula of every named node downstream of ``wrt``, for a seed ``δ:wrt`` at ``wrt``;
    tangents of other named nodes appear as the names ``δ:<node>``."""
    start = graph.ids[wrt]
    tangents: dict[int, Expr] = {start: Name("δ:" + wrt)}
    result: dict[str, Expr] = {}
    scope = tidy_scope(graph)
    for node in graph.nodes[start + 1:]:
        ts = tuple(_tangent_ref(graph, a, tangents) for a in node.args)
        if all(t is None for t in ts):
            continue
        if node.kind == "alias":
            t = ts[0]
        elif node.kind == "opaque":
            t = None
            for arg, ta in zip(node.args, ts):
                arg_name = graph.nodes[arg].name
                if ta is not None:
                    assert node.name is not None and arg_name is not None   # opaque outputs and arguments are named
                    jac = local_symbol(graph, node.name, arg_name)
                    t = B.add(t, opaque_jvp(ta, jac, node.shape, graph.nodes[arg].shape))
        else:
            ans = Name(node.name) if node.name else node.expr
            shapes = tuple(graph.nodes[a].shape for a in node.args)
            key = op_key(node.expr, graph.functions)
            rule = OPS[key].jvp
            assert rule is not None, f"no JVP rule for {key}"
            t = rule(ts, node.expr, ans, shapes, node.shape)
        if t is None:
            continue
        tangents[node.id] = t
        if node.name is not None:
            result[node.name] = tidy(t, scope)
    return result


def _tangent_ref(graph: Graph, arg_id: int, tangents: dict[int, Expr]) -> Expr | None:
    if arg_id not in tangents:
        return None
    node = graph.nodes[arg_id]
    return Name("δ:" + node.name) if node.name is not None else tangents[arg_id]


def tangent_names(e: Expr) -> list[str]:
    """The nodes whose tangents ``δ:<node>`` appear in ``e``, sorted."""
    return sorted({n.name[2:] for n in walk(e) if isinstance(n, Name) and n.name.startswith("δ:")})


class _Jacobian:
    """What a Jacobian rule of the operation table may ask: the shape of a part, whether it holds the
    tangent ``δ:t``, and the Jacobian of a part."""

    def __init__(self, t: str, scope: Scope):
        self.t, self.scope = t, scope

    def shape(self, x: Expr) -> Shape:
        from backprop_cli.derive.infer import infer
        shape: Shape = infer(x, self.scope)
        return shape

    def contains(self, x: Expr) -> bool:
        return any(isinstance(n, Name) and n.name == "δ:" + self.t for n in walk(x))

    def jac(self, x: Expr) -> Expr | None:
        if not self.contains(x):
            return None
        if isinstance(x, Name):
            s = self.shape(x)
            if s == SCALAR:
                return B.ONE
            if is_vector(s):
                return B.call("eye", B.dim_expr(s[0] if s[1] == 1 else s[1]))
            return None
        op = OPS.get(op_key(x, self.scope.functions))
        out: Expr | None = op.jacobian(x, self) if op is not None and op.jacobian is not None else None
        return out


def jacobian(e: Expr, t: str, scope: Scope) -> Expr | None:
    """The Jacobian of the linear formula ``e`` with respect to the tangent ``δ:t``, or None."""
    out = _Jacobian(t, scope).jac(e)
    return tidy(out, scope) if out is not None else None
