"""Lets grading compare an answer with the reference in all trials at once: the reference values of a
question are laid end to end once per preparation, with each element's tolerances, so one answer costs
one vectorised test instead of two per trial.

The verdict is the one of :func:`numeric.agree` in every trial, then :func:`policy.exact` in every trial,
element by element the same arithmetic, so it is identical to checking trial by trial.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import numpy as np

from backprop_cli.grade.policy import EXACT_RTOL



class Asked(Protocol):
    """What is read of a question (a :class:`reference.QRef`)."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...


class Prepared(Protocol):
    """What is read of the reference (a :class:`reference.Reference`, which imports this module)."""

    @property
    def expected(self) -> dict[tuple[str, str], Expected]: ...
    @property
    def trials(self) -> Sequence[Any]: ...
    def value(self, trial: Any, q: Any) -> np.ndarray: ...


EXACT, INEXACT, DIFFERENT, NOT_FINITE = "exact", "inexact", "different", "not-finite"


@dataclass(frozen=True)
class Expected:
    """A question's reference values in the trials, flattened one after the other."""

    shapes: tuple[tuple[int, ...], ...]   # the reference's shape in each trial
    flat: np.ndarray           # the references of all trials, end to end
    close: np.ndarray          # per element: agree's tolerance, 1e-9 + 1e-6·|reference|
    exact: np.ndarray          # per element: exact's bound, EXACT_RTOL · max|reference of its trial| + 1e-12
    finite: bool               # whether every reference value is finite


def expected(ref: Prepared, q: Asked) -> Expected:
    """The flattened references of question ``q`` in ``ref``'s trials, made once per preparation."""
    key = (q.kind, q.key)
    hit: Expected | None = ref.expected.get(key)
    if hit is None:
        refs = [np.asarray(ref.value(t, q), dtype=float) for t in ref.trials]
        flat = np.concatenate([r.reshape(-1) for r in refs]) if refs else np.zeros(0)
        bounds = [np.full(r.size, EXACT_RTOL * (float(np.max(np.abs(r))) if r.size else 0.0) + 1e-12) for r in refs]
        hit = ref.expected[key] = Expected(tuple(r.shape for r in refs), flat, 1e-9 + 1e-6 * np.abs(flat),
                                           np.concatenate(bounds) if bounds else np.zeros(0),
                                           bool(np.isfinite(flat).all()))
    return hit


def verdict(values: Sequence[np.ndarray], want: Expected) -> str:
    """How the answer's ``values`` (one array per trial) compare with ``want``: :data:`EXACT` (agree, and to
    float64 rounding), :data:`INEXACT` (agree only within the tolerance), :data:`NOT_FINITE` (a value of
    the answer is NaN or infinite) or :data:`DIFFERENT`."""
    if len(values) != len(want.shapes) or any(np.shape(v) != s for v, s in zip(values, want.shapes)):
        return DIFFERENT if all(np.all(np.isfinite(v)) for v in values) else NOT_FINITE
    got = np.concatenate([np.asarray(v, dtype=float).reshape(-1) for v in values]) if values else np.zeros(0)
    if not np.isfinite(got).all():
        return NOT_FINITE
    if not want.finite:
        return DIFFERENT
    off = np.abs(got - want.flat)
    if not (off <= want.close).all():
        return DIFFERENT
    return EXACT if (off <= want.exact).all() else INEXACT
