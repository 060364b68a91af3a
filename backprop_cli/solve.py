"""Lets you get the worked solution of an exercise: each question's reference formula, shape and value,
and the accumulation step by step (reverse: from the loss back to the inputs; forward: tangents from
one input forward)."""
from __future__ import annotations

from dataclasses import dataclass

from backprop_cli.autodiff import tangent_names
from backprop_cli.formula.ast import Deriv
from backprop_cli.reference import jacobian_formula


@dataclass(frozen=True)
class Solved:
    question: str
    kind: str
    formula: object          # AST or None
    expanded: object         # AST or None (the formula with every derived symbol substituted)
    shape: tuple
    value: object            # numpy array at the exercise's values, or None


@dataclass(frozen=True)
class Step:
    symbol: Deriv            # dJ/dX (reverse) or dX/dY (forward)
    formula: object          # in terms of the previous steps' symbols, or None
    parts: tuple             # (consumer, contribution) for each path, reverse mode
    expanded: object
    shape: tuple
    value: object


@dataclass(frozen=True)
class Solution:
    exercise: object
    questions: tuple
    steps: tuple
    mode: str
    wrt: str | None


def solve(ref, steps: bool = False, mode: str = "reverse", wrt: str | None = None) -> Solution:
    """The solution of ``ref`` (a prepared :class:`reference.Reference`)."""
    vt = ref.value_trial
    solved = tuple(
        Solved(q.question.target, q.kind, q.formula, q.expanded, q.shape,
               None if vt is None or q.kind == "shape" else ref.value(vt, q))
        for q in ref.questions)
    out = ()
    if steps and mode == "reverse":
        out = tuple(_reverse_steps(ref))
    elif steps:
        wrt = wrt or ref.graph.inputs[0]
        out = tuple(_forward_steps(ref, wrt))
    return Solution(ref.exercise, solved, out, mode, wrt)


def _reverse_steps(ref):
    g, rev, vt = ref.graph, ref.rev, ref.value_trial
    from backprop_cli.reference import expand

    memo = {}
    for name in rev.order:
        if name == g.loss or name not in rev.grads:
            continue
        f = rev.grads[name]
        yield Step(Deriv(g.loss, name), f, rev.paths.get(name, ()), expand(f, rev, g, memo=memo),
                   g.gradient_shape(name), None if vt is None else vt.grads.get(name))


def _forward_steps(ref, wrt):
    g, vt = ref.graph, ref.value_trial
    tangents = ref.tangents(wrt)
    for name, t in tangents.items():
        chain = _chain_form(ref, t, wrt)
        yield Step(Deriv(name, wrt), chain, (), jacobian_formula(g, tangents, name, wrt),
                   g.deriv_shape(name, wrt), None if vt is None else ref.jacobian_value(vt, name, wrt))


def _chain_form(ref, t, wrt):
    """dX/dY as Σ (local Jacobian · dP/dY) over the named predecessors P, or None."""
    from backprop_cli.autodiff import jacobian, tidy_scope
    from backprop_cli.formula import build as B
    from backprop_cli.reference import _only

    scope = tidy_scope(ref.graph)
    out = None
    for p in tangent_names(t):
        k = jacobian(_only(t, p), p, scope)
        if k is None:
            return None
        out = B.add(out, k if p == wrt else B.mul(k, Deriv(p, wrt)))
    return out
