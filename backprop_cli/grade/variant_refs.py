"""Lets every student's variant share its exercise's reference: the graph, the derived formulas and the
random trials do not depend on the drawn numbers, so a variant only computes its own value trial.

This is what keeps ``grade`` on a class with drawn values as fast as on one without: each worker
derives an exercise once, and each student costs one forward and backward pass at their numbers.
"""
from __future__ import annotations

import dataclasses


from backprop_cli.cache import BoundedCache
from backprop_cli.exercise.model import Exercise
from backprop_cli.derive.draws import Draws
from backprop_cli.grade.reference import Reference

_cache = BoundedCache(4096)


def prepared_for(ex: Exercise, student: str | None, seed: int = 0) -> Reference:
    """The reference of ``ex`` with ``student``'s numbers (the exercise's own without a student)."""
    from backprop_cli.exercise.variants import for_student
    from backprop_cli.grade.reference import _value_trial, prepared

    base = prepared(ex, seed)
    own = for_student(ex, student)
    if own is ex:
        return base
    def make() -> Reference:
        ref = dataclasses.replace(base, exercise=own, value_trial=None)
        ref._tangents = base._tangents          # derived from the graph alone: shared, not copied
        ref.value_trial = _value_trial(ref, Draws(seed))
        return ref

    ref: Reference = _cache.get((id(base), student), make, owner=base)
    return ref
