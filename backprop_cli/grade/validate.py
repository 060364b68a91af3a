"""Lets an instructor check an exercise: schema, graph, shapes, and every reference derivative against
central finite differences at several random points; and that its sample solution gets full marks.

Finite differences perturb one entry of a node and recompute everything downstream of it. An opaque
function is modelled by its given local partials (linearly), so paths through it are checked too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.formula.ast import Deriv
from backprop_cli.derive.infer import infer
from backprop_cli.derive.numeric import evaluate
from backprop_cli.derive.ops import as_array
from backprop_cli.grade.reference import not_finite

EPS, RTOL, ATOL = 1e-6, 1e-4, 1e-6


@dataclass(frozen=True)
class Problem:
    key: str
    args: dict


def _recompute(ref, trial, start: str, value) -> dict:
    """The named node values after node ``start`` is set to ``value``."""
    g = ref.graph
    values = dict(trial.values)
    values[start] = value
    env = ref.env(trial)
    env.values = values
    begin = g.ids[start] + 1
    for node in g.nodes[begin:]:
        if node.name is None or node.kind == "input" or not g.depends(node.name, start):
            continue
        if node.kind == "opaque":
            out = trial.values[node.name]
            fn, args = g.opaque[node.name]
            for a in args:
                key = ref.symbol_key(Deriv(node.name, a, True))
                delta = (values[a] - trial.values[a]).reshape(-1)
                jac = trial.given[key].reshape(out.size, -1) if out.size > 1 or delta.size > 1 else trial.given[key]
                out = out + (np.asarray(jac).reshape(out.size, delta.size) @ delta).reshape(out.shape)
            values[node.name] = as_array(out)
        else:
            values[node.name] = evaluate(node.expr, env)
    return values


def _loss(ref, trial, values) -> float:
    g = ref.graph
    if not g.external:
        return float(values[g.loss])
    total = 0.0
    for out in g.outputs:
        up = trial.given[f"d{g.loss}/d{out}"]
        total += float(np.sum(up.reshape(values[out].shape) * values[out]))
    return total


def _fd(ref, trial, num: str, den: str) -> np.ndarray:
    base = trial.values[den]
    cols = []
    for k in range(max(base.size, 1)):
        pert = []
        for sign in (1.0, -1.0):
            v = np.array(base, dtype=float).reshape(-1)
            v[k] += sign * EPS
            values = _recompute(ref, trial, den, v.reshape(base.shape))
            pert.append(_loss(ref, trial, values) if num == ref.graph.loss else np.asarray(values[num]).reshape(-1))
        cols.append((np.asarray(pert[0]) - np.asarray(pert[1])) / (2 * EPS))
    return np.stack(cols, axis=-1)


def check_references(ref) -> list:
    """Problems with the references of ``ref``: each derivative against finite differences, and each
    printed formula against the value it must have."""
    problems = []
    bad = not_finite(ref)
    if bad is not None:
        problems.append(Problem(*bad))
    scope = tidy_scope(ref.graph)
    for q in ref.questions:
        if q.kind != "derivative":
            continue
        for trial in ref.trials:
            want = np.asarray(ref.value(trial, q))
            fd = _fd(ref, trial, q.num, q.den).reshape(want.shape)
            err = float(np.max(np.abs(fd - want))) if want.size else 0.0
            if not np.allclose(fd, want, rtol=RTOL, atol=ATOL):
                problems.append(Problem("cli.fd_mismatch", {"question": q.key, "error": err}))
                break
            for f in (q.formula, q.expanded):
                if f is None:
                    continue
                if infer(f, scope) != q.shape or not np.allclose(evaluate(f, ref.env(trial)), want, rtol=1e-6, atol=1e-9):
                    problems.append(Problem("cli.fd_mismatch", {"question": q.key + " (formula)", "error": float("nan")}))
                    break
    return problems
