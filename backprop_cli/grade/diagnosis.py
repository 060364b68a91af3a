"""Lets you name the typical backprop mistake behind a wrong answer (SPEC section 7.3).

An answer is explained by a code when it agrees, in every trial, with a variant of the reference made by
that mistake: its transpose or negation; the upstream gradient removed (from the formula, or the consumers'
local Jacobians alone); fan-out contributions dropped, at any depth; ⊙ and a matrix product swapped, or
the operands of a product swapped (in the reference, or in the student's own formula); the activation
derivative removed, replaced by the function itself, or taken at another node; a constant factor (which
may be a power of a dimension size, like the 1/m of a mean or the 1/√d of a scaled product).

A code is a claim about the mathematics, so it is given only where it is true: ``missing-path`` only where
a node on the way really fans out; a term left out of a sum elsewhere (``diag(s)`` for softmax's Jacobian)
is said in words, without a code. So are one input or node in place of another of the same shape, and a
gradient of a broadcast variable that was not summed over the broadcast axis (a ``shape-mismatch``). An
activation message names the function actually in the graph (σ', relu', tanh'), not f'.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, islice, product
from typing import Any, Callable, Iterator, Sequence, cast

import numpy as np

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.errors import BackpropError
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import (ADD, HADAMARD, MUL, SUB, Bin, Call, Deriv, Expr, Name, Neg, T, children, intern, postorder,
                                      replace, rewrite, walk)
from backprop_cli.derive.graph import Graph
from backprop_cli.derive.infer import Scope, infer
from backprop_cli.derive.numeric import agree, evaluate
from backprop_cli.derive.program import charge
from backprop_cli.derive.ops import derivative_functions
from backprop_cli.formula.printers import unicode
from backprop_cli.derive.shapes import Shape
from backprop_cli.grade.reference import QRef, Reference, expand

CODES = ("transposed", "dimension-error", "shape-mismatch", "missing-upstream", "sign-error", "constant-factor",
         "missing-path", "elementwise-vs-matrix-product", "operand-order", "missing-activation-derivative",
         "wrong-activation-derivative")
MAX_MUTATIONS = 120
NODE_COST = 300          # budget units (program.charge) per reference node walked for one mutation
MAX_PATH_CHOICES = 64
_NAMED_NOTES = {"missing-activation-derivative": "diag.note.missing-activation-derivative",
                "wrong-activation-derivative": "diag.note.wrong-activation-derivative"}
_FUNCTION_OF = derivative_functions()   # readable derivatives: relu' = step, abs' = sign


@dataclass(frozen=True)
class Finding:
    """What explains a wrong answer: a code of SPEC 7.3 (None where no code says it), and the message key
    that explains it with its arguments (None: the code's own message ``diag.<code>``)."""

    code: str | None
    note: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


Mutation = tuple[Finding, Expr | None]      # (what it explains, the reference with that mistake made)


def diagnose(ref: Reference, q: QRef, values: Sequence[np.ndarray], shape: Shape,
             student: Expr | None = None) -> str | None:
    """The code that explains an answer with per-trial ``values`` and ``shape`` (and formula ``student``)."""
    found = find(ref, q, values, shape, student)
    return found.code if found is not None else None


def find(ref: Reference, q: QRef, values: Sequence[np.ndarray], shape: Shape,
         student: Expr | None = None) -> Finding | None:
    """The :class:`Finding` that explains an answer, the first in the order of the codes of SPEC 7.3."""
    refs = [np.asarray(ref.value(t, q)) for t in ref.trials]
    if all(agree(v, r.T) for v, r in zip(values, refs)):   # not the reference itself, so not symmetric
        return Finding("transposed")
    if all(agree(v, -r) for v, r in zip(values, refs)):
        return Finding("sign-error")
    if _constant_factor(values, refs, [t.sizes for t in ref.trials]):
        return Finding("constant-factor")
    code = student is not None and student_fix(ref, q, student)
    if code:
        return Finding(code)
    axis = unsummed_axis(values, refs) if shape != q.shape else None
    if axis is not None:     # a shape-mismatch, which comes before the codes the mutations find
        return Finding("shape-mismatch", "diag.note.sum-over-broadcast",
                       {"fix": "sum(…)" if axis == "all" else f"sum(…, {axis})"})
    found = _by_mutation(ref, q, values, shape)
    if found:
        return found
    if _is_local_jacobian(ref, q, values):
        return Finding("missing-upstream")
    return Finding("shape-mismatch") if shape != q.shape else None


def unsummed_axis(values: Sequence[np.ndarray], refs: Sequence[np.ndarray]) -> int | str | None:
    """The axis (0, 1 or "all") that the answer, summed over it, agrees with the reference along in every
    trial: the gradient of a broadcast variable (a bias added to every row) with the sum left out."""
    charge(3 * sum(int(np.size(v)) for v in values))     # three sums of every answer value, at most
    axis: int | str
    for axis in (0, 1, "all"):
        ok = True
        for v, r in zip(values, refs):
            v, r = np.asarray(v), np.asarray(r)
            if axis == "all":
                ok = r.size == 1 and v.size > 1 and agree(np.sum(v).reshape(r.shape), r)
            else:
                assert isinstance(axis, int)
                ok = (v.ndim == 2 and r.ndim == 2 and r.shape[axis] == 1 and v.shape[axis] > 1
                      and v.shape[1 - axis] == r.shape[1 - axis]
                      and agree(np.sum(v, axis=axis, keepdims=True), r))
            if not ok:
                break
        if ok and values:
            return axis
    return None


def student_fix(ref: Reference, q: QRef, e: Expr) -> str | None:
    """The code whose fix, applied to one product of the student's formula, makes it right."""
    scope = ref.scope_for(q)
    for node in [n for n in walk(e) if isinstance(n, Bin) and n.op in (MUL, HADAMARD)]:
        fixes: list[tuple[str, Expr]] = [("elementwise-vs-matrix-product", Bin(HADAMARD if node.op == MUL else MUL, node.left, node.right))]
        if node.op == MUL:
            fixes.append(("operand-order", Bin(MUL, node.right, node.left)))
        for code, new in fixes:
            fixed = _swap_node(e, node, new)
            try:
                if infer(fixed, scope) == q.shape and all(
                        agree(evaluate(fixed, ref.env(t)), ref.value(t, q)) for t in ref.trials):
                    return code
            except BackpropError:
                continue
    return None


def _constant_factor(values: Sequence[np.ndarray], refs: Sequence[np.ndarray], sizes: Sequence[dict[str, int]]) -> bool:
    """Whether the answer is k times the reference, k ≠ ±1, k possibly times powers of one or two dimension
    sizes (the 1/m of a mean, the 1/√d of a scaled product, the 1/(B·√d) of both)."""
    ks = []
    for v, r in zip(values, refs):
        if v.shape != r.shape or not np.any(r):
            return False
        k = float(np.sum(v * r) / np.sum(r * r))
        if not agree(v, k * r):
            return False
        ks.append(k)
    if not ks or any(abs(k) < 1e-9 for k in ks):
        return False
    names = sorted(sizes[0])
    factors = ([[1.0] * len(ks)] + [[s[d] ** p for s in sizes] for d in names for p in (1, -1, 2, -2, 0.5, -0.5)]
               + [[s[d] ** p * s[e] ** r for s in sizes] for d, e in combinations(names, 2)
                  for p in (1, -1, 0.5, -0.5) for r in (1, -1, 0.5, -0.5)])
    for f in factors:
        c = [k / x for k, x in zip(ks, f)]
        if all(abs(x - c[0]) <= 1e-6 * max(1.0, abs(c[0])) for x in c):
            return bool(f != factors[0] or min(abs(c[0] - 1), abs(c[0] + 1)) > 1e-6)
    return False


def _is_local_jacobian(ref: Reference, q: QRef, values: Sequence[np.ndarray]) -> bool:
    """Whether the answer is the local Jacobian of the consumers (alone or summed), without the upstream."""
    g = ref.graph
    if q.num != g.loss or q.den not in ref.rev.paths:
        return False
    consumers = sorted({c for c, _ in ref.rev.paths[q.den] if c != g.loss})
    if not consumers:
        return False
    for t, v in zip(ref.trials, values):
        jacs = [np.asarray(ref.jacobian_value(t, c, q.den)) for c in consumers]
        candidates = jacs + ([np.asarray(sum(jacs))] if len(jacs) > 1 and len({j.shape for j in jacs}) == 1 else [])
        if not any(agree(v, c) or agree(v, c.T) for c in candidates):
            return False
    return True


def _by_mutation(ref: Reference, q: QRef, values: Sequence[np.ndarray], shape: Shape) -> Finding | None:
    if q.formula is None:
        return None
    scope = tidy_scope(ref.graph)
    # Building, shaping and numbering a mutation walks the whole reference: charged to the budget per
    # node (the evaluations charge themselves), so a long chain's diagnosis ends within its budget.
    nodes = len(postorder(q.expanded if q.expanded is not None else q.formula))
    seen: set[int] = set()
    table: dict[tuple[Any, ...], int] = {}     # mutations by value, numbered in linear time (== recurses along every path)
    for found, m in islice(mutations(ref, q, scope), MAX_MUTATIONS):
        charge(NODE_COST * nodes)
        if m is None or intern(m, table) in seen:
            continue
        seen.add(intern(m, table))
        try:
            if infer(m, scope) != shape:
                continue
            if all(agree(v, evaluate(m, ref.env(t))) for v, t in zip(values, ref.trials)):
                return found
        except (BackpropError, KeyError, ValueError, TypeError):
            continue
    return None


def mutations(ref: Reference, q: QRef, scope: Scope) -> Iterator[Mutation]:
    """(:class:`Finding`, mutated reference) pairs, most specific first."""
    g = ref.graph
    assert q.formula is not None, q.key     # _by_mutation asks only for a question with a reference formula
    forms: list[Expr] = [q.formula] + ([q.expanded] if q.expanded is not None and q.expanded != q.formula else [])
    forms = ([q.rule] if q.rule is not None else []) + forms   # f'(x) where the shown reference spells it out
    upstream = Finding("missing-upstream")
    for f in forms:
        for sym in _upstream_symbols(f, g):
            dropped = _drop_factor(f, sym)
            if dropped is not None:
                yield upstream, dropped
                yield upstream, B.tr(dropped)
            yield upstream, replace(f, partial(_blank, sym=sym, scope=scope))
    path = Finding("missing-path")
    if q.num == g.loss:
        yield from ((path, m) for m in _path_mutations(ref, q))
    term = path if fans_out(ref, q) else Finding(None, "diag.note.missing-term")
    for f in forms:
        for node in _path_sums(f, ref, q.num == g.loss):
            yield term, _swap_node(f, node, node.left)
            yield term, _swap_node(f, node, node.right if node.op == ADD else Neg(node.right))
    for f in forms:
        for node in _products(f):
            other = HADAMARD if node.op == MUL else MUL
            yield Finding("elementwise-vs-matrix-product"), _swap_node(f, node, Bin(other, node.left, node.right))
        for node in _products(f):
            if node.op == MUL:
                yield Finding("operand-order"), _swap_node(f, node, Bin(MUL, node.right, node.left))
    for f in forms:
        for call in _activation_derivatives(f):
            without = _swap_node(f, call, _ones_like(call.args[0], scope))
            yield _named("missing-activation-derivative", ref, q, call, without), without
        for call in _activation_derivatives(f):
            fn = _FUNCTION_OF.get(call.fn, call.fn) if not call.prime else call.fn
            wrong = _named("wrong-activation-derivative", ref, q, call, _swap_node(f, call, _ones_like(call.args[0], scope)))
            yield wrong, _swap_node(f, call, Call(fn, call.args, False))
            arg_shape = _shape_or_none(call.args[0], scope)
            for name in g.named:
                if g.shapes[name] == arg_shape and Name(name) != call.args[0]:
                    yield wrong, _swap_node(f, call, Call(call.fn, (Name(name),) + call.args[1:], call.prime))
    for f in forms:
        for var, other in _variable_swaps(f, g):
            yield Finding(None, "diag.note.wrong-variable", {"name": other}), _swap_node(f, var, Name(other))


def _named(code: str, ref: Reference, q: QRef, node: Call, rest: Expr | None) -> Finding:
    """``code`` with a message that names the activation's derivative (σ'(·), relu'(·)), unless that gives
    the answer away: where the question asks for that derivative itself (no input, node or derivative
    symbol is left without it) or the exercise forbids calling it."""
    fn = node.fn if node.prime else _FUNCTION_OF.get(node.fn, node.fn)
    policy = ref.policy.get(q.key)
    forbidden = policy is not None and any(f == fn for f, _, _ in policy.forbid)
    shapes = ref.graph.shapes
    if forbidden or rest is None or not any(isinstance(n, Deriv) or (isinstance(n, Name) and n.name in shapes)
                                            for n in walk(rest)):
        return Finding(code)
    return Finding(code, _NAMED_NOTES[code], {"fn": activation_name(node)})


def activation_name(node: Call) -> str:
    """How the derivative of the activation at ``node`` reads: σ'(·), relu'(·), tanh'(·), f'(·)."""
    fn = node.fn if node.prime else _FUNCTION_OF.get(node.fn, node.fn)
    return unicode(Call(fn, (Name("·"),), True))


def _variable_swaps(f: Expr, g: Graph) -> Iterator[tuple[Name, str]]:
    """(name node, other name) for every input or node in ``f`` and every other of the same shape."""
    seen: set[int] = set()
    for node in walk(f):
        if isinstance(node, Name) and node.name in g.shapes and id(node) not in seen:
            seen.add(id(node))
            for other in g.named:
                if other != node.name and g.shapes[other] == g.shapes[node.name]:
                    yield node, other


def fans_out(ref: Reference, q: QRef) -> bool:
    """Whether a node on the way from the asked node to the loss (or to X of dX/dY) is used more than once
    on that way: only then can an answer leave out a path."""
    g, paths = ref.graph, ref.rev.paths
    target = q.num if q.num is not None and q.num != g.loss else None
    on_way = [q.den] + (g.between(q.den, target) if target else [n for n in g.named if g.depends(n, q.den)])
    for n in dict.fromkeys(on_way):
        consumers = [c for c, _ in paths.get(n, ())
                     if target is None or c == target or (c in g.ids and g.depends(target, c))]
        if len(consumers) > 1:
            return True
    return False


def _path_mutations(ref: Reference, q: QRef) -> Iterator[Expr]:
    """The gradient with some fan-out contributions left out, at the asked node or any node downstream
    (formulas only; each is a ``missing-path``)."""
    g, rev = ref.graph, ref.rev
    fans = [n for n in [q.den] + g.named if len(rev.paths.get(n, ())) > 1 and (n == q.den or g.depends(n, q.den))]
    fans = list(dict.fromkeys(fans))
    options = [_subsets([p for _, p in rev.paths[n]]) for n in fans]
    for combo in islice(product(*options), MAX_PATH_CHOICES):
        if all(len(c) == len(rev.paths[n]) for c, n in zip(combo, fans)):
            continue
        choice = {n: cast(Expr, B.total(c)) for n, c in zip(fans, combo)}    # c is never empty
        yield expand(choice.get(q.den, rev.grads[q.den]), rev, g, choice)


def _subsets(parts: Sequence[Expr]) -> list[tuple[Expr, ...]]:
    """Every non-empty subset of a few contributions; of many, one alone, all but one, and all."""
    if len(parts) <= 5:
        return [c for k in range(1, len(parts) + 1) for c in combinations(parts, k)]
    n = len(parts)
    return [(p,) for p in parts] + [tuple(parts[:i]) + tuple(parts[i + 1:]) for i in range(n)] + [tuple(parts)]


def _path_sums(f: Expr, ref: Reference, gradient: bool) -> Iterator[Bin]:
    """Sums in ``f`` that add up paths: outside function arguments (where ``aW + b`` is a value, not a
    path), and for a gradient, with the upstream gradient on both sides (as in softmax's ``g - sum(g ⊙ s)``)."""
    given = ref.given_keys()
    upstream = _containing(f, lambda n: isinstance(n, Deriv) and (n.num == ref.graph.loss or ref.symbol_key(n) in given))
    stack, seen = [f], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Bin):
            if node.op in (ADD, SUB) and (not gradient or (id(node.left) in upstream and id(node.right) in upstream)):
                yield node
            stack += [node.left, node.right]
        elif isinstance(node, (Neg, T)):
            stack.append(node.x)


def _containing(f: Expr, leaf: Callable[[Expr], bool]) -> set[int]:
    """The ids of the sub-formulas of ``f`` that contain a node for which ``leaf(node)`` holds (one
    pass, children first, instead of a walk per sum)."""
    hits = set()
    for node in postorder(f):
        if leaf(node) or any(id(c) in hits for c in children(node)):
            hits.add(id(node))
    return hits


def _blank(n: Expr, sym: Expr, scope: Scope) -> Expr:
    """Ones in place of the upstream symbol ``sym``."""
    return _ones_like(n, scope) if n == sym else n


def _ones_like(e: Expr, scope: Scope) -> Expr:
    s = _shape_or_none(e, scope)
    if not s:
        return B.ONE
    return B.call("ones", *(B.dim_expr(d) for d in s)) if len(s) == 2 else B.ONE


def _shape_or_none(e: Expr, scope: Scope) -> Shape | None:
    try:
        return infer(e, scope)
    except BackpropError:
        return None


def _upstream_symbols(f: Expr, g: Graph) -> list[Deriv]:
    return list(dict.fromkeys(n for n in walk(f) if isinstance(n, Deriv) and n.num == g.loss))


def _drop_factor(f: Expr, sym: Expr) -> Expr | None:
    """``f`` with the factor ``sym`` (or its transpose) taken out of the product it stands in."""
    def is_sym(x: Expr) -> bool:
        return x == sym or (isinstance(x, T) and x.x == sym)

    if is_sym(f):
        return None
    for node in walk(f):
        if isinstance(node, Bin) and node.op in (MUL, HADAMARD):
            if is_sym(node.left):
                return _swap_node(f, node, node.right)
            if is_sym(node.right):
                return _swap_node(f, node, node.left)
    return None


def _products(f: Expr) -> list[Bin]:
    return [n for n in walk(f) if isinstance(n, Bin) and n.op in (MUL, HADAMARD)]


def _activation_derivatives(f: Expr) -> list[Call]:
    return [n for n in walk(f) if isinstance(n, Call) and (n.prime or n.fn in _FUNCTION_OF)]


def _swap_node(f: Expr, target: Expr, new: Expr) -> Expr:
    """``f`` with the sub-formula ``target`` (by identity) replaced by ``new`` (iterative; sharing kept)."""
    return rewrite(f, pre=lambda n: new if n is target else None)
