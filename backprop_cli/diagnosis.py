"""Lets you name the typical backprop mistake behind a wrong answer (SPEC section 7.3).

Each code is a mutation of the reference (its transpose, the upstream gradient dropped, a path dropped,
⊙ and a matrix product swapped, operands swapped, the activation derivative removed or replaced), and
a mutation explains an answer when it has the answer's shape and agrees with it in every trial.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from backprop_cli.autodiff import tidy_scope
from backprop_cli.errors import BackpropError
from backprop_cli.formula import build as B
from backprop_cli.grading import agree
from backprop_cli.formula.ast import ADD, HADAMARD, MUL, SUB, Bin, Call, Deriv, Name, Neg, Pow, T, walk
from backprop_cli.infer import infer
from backprop_cli.numeric import evaluate

CODES = ("transposed", "dimension-error", "shape-mismatch", "missing-upstream", "sign-error", "constant-factor",
         "missing-path", "elementwise-vs-matrix-product", "operand-order", "missing-activation-derivative",
         "wrong-activation-derivative")
MAX_MUTATIONS = 80


def diagnose(ref, q, values, shape) -> str | None:
    """The code that explains an answer with per-trial ``values`` and ``shape``, or None."""
    refs = [np.asarray(ref.value(t, q)) for t in ref.trials]
    if all(agree(v, r.T) for v, r in zip(values, refs)):   # not the reference itself, so not symmetric
        return "transposed"
    if all(agree(v, -r) for v, r in zip(values, refs)):
        return "sign-error"
    code = _by_mutation(ref, q, values, shape)
    if code:
        return code
    if _constant_factor(values, refs):
        return "constant-factor"
    return "shape-mismatch" if shape != q.shape else None


def _constant_factor(values, refs) -> bool:
    ks = []
    for v, r in zip(values, refs):
        if v.shape != r.shape or not np.any(r):
            return False
        k = float(np.sum(v * r) / np.sum(r * r))
        if not agree(v, k * r):
            return False
        ks.append(k)
    return bool(ks) and all(abs(k - ks[0]) <= 1e-6 * max(1.0, abs(ks[0])) for k in ks) and min(
        abs(ks[0] - 1), abs(ks[0] + 1), abs(ks[0])) > 1e-6


def _by_mutation(ref, q, values, shape) -> str | None:
    if q.formula is None:
        return None
    scope = tidy_scope(ref.graph)
    seen = set()
    for count, (code, m) in enumerate(mutations(ref, q)):
        if count > MAX_MUTATIONS:
            break
        if m in seen:
            continue
        seen.add(m)
        try:
            if infer(m, scope) != shape:
                continue
            if all(agree(v, evaluate(m, ref.env(t))) for v, t in zip(values, ref.trials)):
                return code
        except (BackpropError, KeyError, ValueError, TypeError):
            continue
    return None


def mutations(ref, q):
    """(code, mutated reference) pairs, most specific first."""
    g = ref.graph
    forms = [q.formula] + ([q.expanded] if q.expanded is not None and q.expanded != q.formula else [])
    for f in forms:
        for sym in _upstream_symbols(f, g):
            dropped = _drop_factor(f, sym)
            if dropped is not None:
                yield "missing-upstream", dropped
                yield "missing-upstream", B.tr(dropped)
    if q.num == g.loss and q.den in ref.rev.paths:
        parts = [p for _, p in ref.rev.paths[q.den]]
        for k in range(1, len(parts)):
            for subset in combinations(parts, k):
                total = None
                for p in subset:
                    total = B.add(total, p)
                yield "missing-path", total
    for f in forms:
        for node, left, right in _sums(f):
            yield "missing-path", _swap_node(f, node, left)
            yield "missing-path", _swap_node(f, node, right)
    for f in forms:
        for node in _products(f):
            other = HADAMARD if node.op == MUL else MUL
            yield "elementwise-vs-matrix-product", _swap_node(f, node, Bin(other, node.left, node.right))
        for node in _products(f):
            if node.op == MUL:
                yield "operand-order", _swap_node(f, node, Bin(MUL, node.right, node.left))
    for f in forms:
        for node in _activation_derivatives(f):
            yield "missing-activation-derivative", _swap_node(f, node, B.ONE)
        for node in _activation_derivatives(f):
            if isinstance(node, Call) and node.prime:
                yield "wrong-activation-derivative", _swap_node(f, node, Call(node.fn, node.args, False))
                for name in g.named:
                    if g.shapes[name] == _shape_or_none(node.args[0], ref) and Name(name) != node.args[0]:
                        yield "wrong-activation-derivative", _swap_node(
                            f, node, Call(node.fn, (Name(name),) + node.args[1:], True))


def _shape_or_none(e, ref):
    try:
        return infer(e, tidy_scope(ref.graph))
    except BackpropError:
        return None


def _upstream_symbols(f, g):
    return [n for n in walk(f) if isinstance(n, Deriv) and n.num == g.loss]


def _drop_factor(f, sym):
    """``f`` with the factor ``sym`` (or its transpose) taken out of the product it stands in."""
    def is_sym(x):
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


def _sums(f):
    for node in walk(f):
        if isinstance(node, Bin) and node.op in (ADD, SUB):
            yield node, node.left, node.right if node.op == ADD else Neg(node.right)


def _products(f):
    return [n for n in walk(f) if isinstance(n, Bin) and n.op in (MUL, HADAMARD)]


def _activation_derivatives(f):
    return [n for n in walk(f) if isinstance(n, Call) and (n.prime or n.fn == "step")]


def _swap_node(f, target, new):
    """``f`` with the sub-formula ``target`` (by identity) replaced by ``new``."""
    if f is target:
        return new
    if isinstance(f, Bin):
        return Bin(f.op, _swap_node(f.left, target, new), _swap_node(f.right, target, new))
    if isinstance(f, Neg):
        return Neg(_swap_node(f.x, target, new))
    if isinstance(f, T):
        return T(_swap_node(f.x, target, new))
    if isinstance(f, Pow):
        return Pow(_swap_node(f.base, target, new), f.exp)
    if isinstance(f, Call):
        return Call(f.fn, tuple(_swap_node(a, target, new) for a in f.args), f.prime)
    return f
