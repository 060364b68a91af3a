"""Lets an instructor check an exercise: schema, graph, shapes, and every reference derivative against
central finite differences at several random points; and that its sample solution gets full marks.

Finite differences perturb one entry of a node and recompute everything downstream of it. An opaque
function is modelled by its given local partials (linearly), so paths through it are checked too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.formula.ast import Deriv
from backprop_cli.derive.infer import infer
from backprop_cli.derive.numeric import evaluate
from backprop_cli.derive import numeric
from backprop_cli.derive.ops import as_array
from backprop_cli.errors import BackpropError
from backprop_cli.grade.reference import Reference, Trial, draw_trial, not_finite

EPS, RTOL, ATOL = 1e-6, 1e-4, 1e-6
MAX_FD_ENTRIES = 48     # finite differences by at most this many entries of one input, drawn at random


@dataclass(frozen=True)
class Problem:
    """One problem with an exercise's references: a message key and its arguments."""

    key: str
    args: dict[str, Any]


def _recompute(ref: Reference, trial: Trial, start: str, value: np.ndarray) -> dict[str, np.ndarray]:
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


def _loss(ref: Reference, trial: Trial, values: dict[str, np.ndarray]) -> float:
    g = ref.graph
    if not g.external:
        return float(values[g.loss])
    total = 0.0
    for out in g.outputs:
        up = trial.given[f"d{g.loss}/d{out}"]
        total += float(np.sum(up.reshape(values[out].shape) * values[out]))
    return total


def _fd(ref: Reference, trial: Trial, num: str, den: str, entries: np.ndarray) -> np.ndarray:
    """Central differences of ``num`` by the given flat ``entries`` of ``den``: one column per entry."""
    base = trial.values[den]
    cols = []
    for k in entries:
        pert: list[Any] = []
        for sign in (1.0, -1.0):
            v = np.array(base, dtype=float).reshape(-1)
            v[k] += sign * EPS
            values = _recompute(ref, trial, den, v.reshape(base.shape))
            pert.append(_loss(ref, trial, values) if num == ref.graph.loss else np.asarray(values[num]).reshape(-1))
        cols.append((np.asarray(pert[0]) - np.asarray(pert[1])) / (2 * EPS))
    return np.stack(cols, axis=-1).reshape(-1, len(entries))


def _entries(size: int, rng: np.random.Generator) -> np.ndarray:
    """Every entry of a small input; a sample of MAX_FD_ENTRIES of a large one, so validate stays quick."""
    return np.arange(size) if size <= MAX_FD_ENTRIES else np.sort(rng.choice(size, MAX_FD_ENTRIES, replace=False))


def _size_one_trials(ref: Reference) -> list[Trial]:
    """Trials in which one dimension is 1 (a batch of one), where a vector and a matrix may read alike."""
    trials = []
    for k, dim in enumerate(sorted(ref.graph.dims)):
        rng = np.random.default_rng(1000 + k)
        sizes = numeric.draw_sizes(ref.graph.dims, rng, {dim: 1})
        try:
            trial = draw_trial(ref, rng, sizes)
        except BackpropError:
            continue
        if all(np.all(np.isfinite(ref.value(trial, q))) for q in ref.questions if q.kind == "derivative"):
            trials.append(trial)
    return trials


def check_references(ref: Reference) -> list[Problem]:
    """Problems with the references of ``ref``: each derivative against finite differences, and each
    printed formula against the value it must have."""
    problems: list[Problem] = []
    bad = not_finite(ref)
    if bad is not None:
        problems.append(Problem(*bad))
    scope = tidy_scope(ref.graph)
    rng = np.random.default_rng(0)
    trials = list(ref.trials) + _size_one_trials(ref)
    for q in ref.questions:
        if q.kind != "derivative":
            continue
        for trial in trials:
            want = np.asarray(ref.value(trial, q))
            size = max(trial.values[q.den].size, 1)
            entries = _entries(size, rng)
            assert q.num is not None, q.key      # a derivative question has a numerator
            fd = _fd(ref, trial, q.num, q.den, entries)
            want_cols = want.reshape(-1, size)[:, entries]
            err = float(np.max(np.abs(fd - want_cols))) if want.size else 0.0
            if not np.allclose(fd, want_cols, rtol=RTOL, atol=ATOL):
                problems.append(Problem("cli.fd_mismatch", {"question": q.key, "error": err}))
                break
            for f in (q.formula, q.expanded):
                if f is None:
                    continue
                got = np.asarray(evaluate(f, ref.env(trial)))
                got = got.reshape(want.shape) if got.size == want.size else got   # size-1 axes are dropped
                if infer(f, scope) != q.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-9):
                    problems.append(Problem("cli.fd_mismatch", {"question": q.key + " (formula)", "error": float("nan")}))
                    break
    return problems
