"""Lets you tell an exact formula from a difference quotient that agrees with it to float64 rounding: the
answer is evaluated again with every intermediate rounded to float32 (:func:`rounded`), and its drift from
its float64 value is compared with the reference's drift under the same rounding (:func:`stable`).

An exact formula is about as well conditioned as the reference, so both drift by a few float32 roundings.
A difference quotient ``Σ c_k f(x + k h) / h`` subtracts nearly equal values of ``f`` and divides by the
step, so it amplifies each rounding by about ``Σ|c_k| |f| / (h |f'|)``: hundreds of times at h = 0.01.
"""
from __future__ import annotations

import weakref
from typing import Sequence

import numpy as np

from backprop_cli.derive.numeric import NumEnv
from backprop_cli.derive.ops import as_array
from backprop_cli.derive.program import program_of, run
from backprop_cli.formula.ast import Expr
from backprop_cli.grade.reference import QRef, Reference


def rounded(e: Expr, env: NumEnv) -> np.ndarray:
    """The value of formula ``e`` in ``env`` with every leaf and every step's result rounded to float32
    (each computed in float64 from rounded operands)."""
    return run(program_of(e, env.functions), env, _to_float32)


def _to_float32(v: np.ndarray) -> np.ndarray:
    return v.astype(np.float32).astype(np.float64)


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
#: Two first trials that drift by less than this (a few roundings) show an exact answer at once: of the
#: quotients the float64 rules accept, none has its first two trials below 1.2e-6; of the test suite's
#: correct answers, 98% are accepted this way.
CALM = 1.5e-7
MEMO = 4096           # verdicts kept per question of a preparation


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


class _Kept:
    """What the re-check keeps per preparation: the reference's scale per trial, and verdicts by formula."""

    def __init__(self) -> None:
        self.scales: dict[str, list[float]] = {}
        self.verdicts: dict[str, dict[Expr, bool]] = {}


_kept: weakref.WeakKeyDictionary[Reference, _Kept] = weakref.WeakKeyDictionary()   # dies with its preparation


def stable(ref: Reference, q: QRef, e: Expr, values: Sequence[np.ndarray]) -> bool:
    """Whether the accepted answer ``e`` (its float64 ``values`` per trial) is no difference quotient: it
    is refused when :data:`SUSPECT` trials are suspect. An exact answer whose first two trials drift by
    less than :data:`CALM` is accepted at once (two rounded evaluations); otherwise every trial counts
    until the verdict is sure. The reference is rounded only in a trial where the answer drifts. The
    verdict is kept per preparation and formula, as a class writes the same answers again and again."""
    kept = _kept.setdefault(ref, _Kept())
    memo = kept.verdicts.setdefault(q.key, {})
    try:
        hit = memo.get(e)
    except RecursionError:      # a formula too deep to hash (a pasted-back derived one) is not remembered
        return _stable(ref, q, e, values, kept)
    if hit is None:
        hit = _stable(ref, q, e, values, kept)
        if len(memo) < MEMO:
            memo[e] = hit
    return hit


def _stable(ref: Reference, q: QRef, e: Expr, values: Sequence[np.ndarray], kept: _Kept) -> bool:
    suspects, clean, trials, calm = 0, 0, len(ref.trials), False
    for k, (v, t, env, scale) in enumerate(zip(values, ref.trials, ref.trial_envs(), _scales(ref, q, kept))):
        mine = drift(e, env, v, scale) if scale else 0.0
        if mine > FLOOR and suspect(mine, reference_drift(q, env, np.asarray(ref.value(t, q), dtype=float), scale)):
            suspects += 1
            if suspects >= SUSPECT:
                return False
        else:
            clean += 1
            if clean > trials - SUSPECT or (k == 1 and clean == 2 and calm and mine <= CALM):
                return True
        calm = mine <= CALM
    return True


def _scales(ref: Reference, q: QRef, kept: _Kept) -> list[float]:
    """The largest entry of the reference in each trial, once per preparation."""
    hit = kept.scales.get(q.key)
    if hit is None:
        hit = kept.scales[q.key] = [float(np.max(np.abs(np.asarray(ref.value(t, q), dtype=float)), initial=0.0))
                                    for t in ref.trials]
    return hit
