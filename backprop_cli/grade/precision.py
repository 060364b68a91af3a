"""Lets you tell an exact formula from a difference quotient that agrees with it to float64 rounding: the
answer is evaluated again with every intermediate rounded to float32 (:func:`rounded`), and its drift from
its float64 value is compared with the reference's drift under the same rounding (:func:`stable`).

An exact formula is about as well conditioned as the reference, so both drift by a few float32 roundings.
A difference quotient ``Σ c_k f(x + k h) / h`` subtracts nearly equal values of ``f`` and divides by the
step, so it amplifies each rounding by about ``Σ|c_k| |f| / (h |f'|)``: hundreds of times at h = 0.01.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from backprop_cli.derive.numeric import NumEnv
from backprop_cli.derive.ops import as_array
from backprop_cli.derive.program import charge, program_of, _DERIV, _NAME, STEP_COST, _budget
from backprop_cli.formula.ast import Expr
from backprop_cli.grade.reference import QRef, Reference


def rounded(e: Expr, env: NumEnv) -> np.ndarray:
    """The value of formula ``e`` in ``env`` with every leaf and every step's result rounded to float32
    (each computed in float64 from rounded operands)."""
    program = program_of(e, env.functions)
    vals: list[Any] = [None] * program.size
    with np.errstate(all="ignore"):
        for i, (node, fwd, args, rel) in enumerate(program.steps):
            if fwd is _NAME:
                v = env.name(node)
            elif fwd is _DERIV:
                v = env.deriv(node)
            else:
                v = fwd(node, tuple(vals[a] for a in args), env)
            vals[i] = as_array(as_array(v).astype(np.float32))
            for a in rel:
                vals[a] = None
            if _budget[0] is not None:
                charge(STEP_COST + vals[i].size)
    value: np.ndarray = vals[-1]
    return value


def drift(e: Expr, env: NumEnv, exact_value: np.ndarray, scale: float) -> float:
    """How far ``e`` moves under float32 rounding, relative to ``scale`` (inf when it stops being finite)."""
    v = rounded(e, env)
    if not np.all(np.isfinite(v)):
        return float("inf")
    return float(np.max(np.abs(v - exact_value), initial=0.0)) / scale


#: A trial is suspect when the answer drifts by more than FLOOR (relative to the reference's largest entry,
#: about ten float32 roundings) and by more than RATIO times the reference's own drift; an answer with
#: SUSPECT suspect trials is refused. Measured by benchmarks/quotients.py: over every correct answer the test
#: suite grades, the second most suspect trial stays at 0.62 of these thresholds or below; over forward and
#: central quotients of orders 2-8 at steps 1e-1..1e-6 that the float64 rules accept, it is at 2.0 or above.
FLOOR = 6e-7
RATIO = 6.0
SUSPECT = 2


def suspect(mine: float, reference: float) -> bool:
    """Whether a trial's drifts (the answer's, the reference's) look like a difference quotient's."""
    return mine > FLOOR and mine > RATIO * reference


def reference_drift(q: QRef, env: NumEnv, value: np.ndarray, scale: float) -> float:
    """The reference's drift: the larger of its formula's (which may lean on downstream symbols) and its
    fully expanded formula's, which recomputes the chain as an answer written out in full does."""
    assert q.formula is not None, q.key    # a question without a reference formula cannot be compared here
    mine = drift(q.formula, env, value, scale)
    if q.expanded is None or q.expanded is q.formula:
        return mine
    return max(mine, drift(q.expanded, env, value, scale))


def stable(ref: Reference, q: QRef, e: Expr, values: Sequence[np.ndarray]) -> bool:
    """Whether the accepted answer ``e`` (its float64 ``values`` per trial) is no difference quotient: it
    is refused when :data:`SUSPECT` trials are suspect. An exact answer costs one rounded evaluation per
    trial it needs to show it is clean (the reference is rounded only in a trial where the answer drifts)."""
    suspects, clean, trials = 0, 0, len(ref.trials)
    for v, t, env in zip(values, ref.trials, ref.trial_envs()):
        r = np.asarray(ref.value(t, q), dtype=float)
        scale = float(np.max(np.abs(r), initial=0.0))
        mine = drift(e, env, v, scale) if scale else 0.0
        if mine > FLOOR and suspect(mine, reference_drift(q, env, r, scale)):
            suspects += 1
            if suspects >= SUSPECT:
                return False
        else:
            clean += 1
            if clean > trials - SUSPECT:
                return True
    return True
