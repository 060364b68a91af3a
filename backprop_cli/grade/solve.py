"""Lets you get the worked solution of an exercise: each question's reference formula, shape and value,
and the accumulation step by step (reverse: from the loss back to the inputs; forward: tangents from
one input forward)."""
from __future__ import annotations

from dataclasses import dataclass

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.formula.ast import Deriv, Name, replace
from backprop_cli.grade.reference import chain, jacobian_formula, not_finite


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
    tangent: object = None   # forward mode: δX as a linear formula in δY (names δW), where dX/dY has no formula


@dataclass(frozen=True)
class Solution:
    exercise: object
    questions: tuple
    steps: tuple
    mode: str
    wrt: str | None
    not_finite: tuple | None = None   # (message key, args) naming a reference number that is not finite
    names: frozenset = frozenset()    # the exercise's names, which no printed intermediate may take


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
    return Solution(ref.exercise, solved, out, mode, wrt, not_finite(ref), ref.graph.reserved)


def _reverse_steps(ref):
    g, rev, vt = ref.graph, ref.rev, ref.value_trial
    from backprop_cli.grade.reference import expand

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
    scope = tidy_scope(g)
    for name, t in tangents.items():
        local = chain(t, wrt, scope, lambda p: Deriv(p, wrt))
        yield Step(Deriv(name, wrt), local, (), jacobian_formula(g, tangents, name, wrt),
                   g.deriv_shape(name, wrt), None if vt is None else ref.jacobian_value(vt, name, wrt),
                   None if local is not None else replace(t, _dot))


def _dot(node):
    """``δ:W`` (a tangent) as the name ``δW``, for printing."""
    return Name("δ" + node.name[2:]) if isinstance(node, Name) and node.name.startswith("δ:") else node

