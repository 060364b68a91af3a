"""Lets you get the worked solution of an exercise: each question's reference formula, shape and value,
and the accumulation step by step (reverse: from the loss back to the inputs; forward: tangents from
one input forward)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.derive.shapes import Shape
from backprop_cli.exercise.model import Exercise
from backprop_cli.formula.ast import Deriv, Expr, Name, replace
from backprop_cli.derive.chain import chain, jacobian_formula
from backprop_cli.grade.reference import Reference, expand, not_finite


@dataclass(frozen=True)
class Solved:
    question: str
    kind: str
    formula: Expr | None
    expanded: Expr | None    # the formula with every derived symbol substituted
    shape: Shape
    value: np.ndarray | None  # at the exercise's values


@dataclass(frozen=True)
class Step:
    symbol: Deriv            # dJ/dX (reverse) or dX/dY (forward)
    formula: Expr | None     # in terms of the previous steps' symbols, or None
    parts: tuple[tuple[str, Expr], ...]   # (consumer, contribution) for each path, reverse mode
    expanded: Expr | None
    shape: Shape
    value: np.ndarray | None
    tangent: Expr | None = None   # forward mode: δX as a linear formula in δY (names δW), where dX/dY has no formula


@dataclass(frozen=True)
class Solution:
    exercise: Exercise
    questions: tuple[Solved, ...]
    steps: tuple[Step, ...]
    mode: str
    wrt: str | None
    not_finite: tuple[str, dict[str, Any]] | None = None   # (message key, args) naming a reference number that is not finite
    names: frozenset[str] = frozenset()   # the exercise's names, which no printed intermediate may take


def solve(ref: Reference, steps: bool = False, mode: str = "reverse", wrt: str | None = None) -> Solution:
    """The solution of ``ref`` (a prepared :class:`reference.Reference`)."""
    vt = ref.value_trial
    solved = tuple(
        Solved(q.question.target, q.kind, q.formula, q.expanded, q.shape,
               None if vt is None or q.kind == "shape" else ref.value(vt, q))
        for q in ref.questions)
    out: tuple[Step, ...] = ()
    if steps and mode == "reverse":
        out = tuple(_reverse_steps(ref))
    elif steps:
        wrt = wrt or ref.graph.inputs[0]
        out = tuple(_forward_steps(ref, wrt))
    return Solution(ref.exercise, solved, out, mode, wrt, not_finite(ref), ref.graph.reserved)


def _reverse_steps(ref: Reference) -> Iterator[Step]:
    g, rev, vt = ref.graph, ref.rev, ref.value_trial
    memo: dict[str, Expr] = {}
    for name in rev.order:
        if name == g.loss or name not in rev.grads:
            continue
        f = rev.grads[name]
        yield Step(Deriv(g.loss, name), f, rev.paths.get(name, ()), expand(f, rev, g, memo=memo),
                   g.gradient_shape(name), None if vt is None else vt.grads.get(name))


def _forward_steps(ref: Reference, wrt: str) -> Iterator[Step]:
    g, vt = ref.graph, ref.value_trial
    tangents = ref.tangents(wrt)
    scope = tidy_scope(g)
    for name, t in tangents.items():
        local = chain(t, wrt, scope, lambda p: Deriv(p, wrt))
        yield Step(Deriv(name, wrt), local, (), jacobian_formula(g, tangents, name, wrt),
                   g.deriv_shape(name, wrt), None if vt is None else ref.jacobian_value(vt, name, wrt),
                   None if local is not None else replace(t, _dot))


def _dot(node: Expr) -> Expr:
    """``δ:W`` (a tangent) as the name ``δW``, for printing."""
    return Name("δ" + node.name[2:]) if isinstance(node, Name) and node.name.startswith("δ:") else node

