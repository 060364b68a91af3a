"""Lets a grader catch numbers copied from a neighbour (SPEC 7.5): value answers that are wrong for the
student's own variant but right for another student's (or for the worked example's) numbers.

One matching number proves little (small whole numbers repeat), so a variant is named only when at
least two answers, or one answer of several numbers, match it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

import numpy as np

from backprop_cli.exercise.answers import Answers
from backprop_cli.grade.credit import _answer, _close
from backprop_cli.grade.reference import Reference
from backprop_cli.grade.verdict import Report

MIN_NUMBERS = 2


def spot_copies(report: Report, ref: Reference, answers: Answers,
                others: Iterable[tuple[str | None, Reference]]) -> Report:
    """``report`` with the answers copied from one of ``others`` (an iterable of ``(student or None,
    reference)`` pairs, None for the exercise's own numbers) marked incorrect with a message that says so."""
    sections = {"derivative": answers.answers, "shape": answers.shapes, "value": answers.values}
    numbers: dict[int, np.ndarray] = {}
    for i, (q, r) in enumerate(zip(ref.questions, report.results)):
        if r.status != "incorrect" or q.kind == "shape":
            continue
        got = _answer(ref, sections[q.kind].get(q.question.target))
        if got is not None and got[0] == "number":
            numbers[i] = got[1]
    if not numbers:
        return report
    for student, other in others:
        if other.value_trial is None:
            continue
        hits = [i for i, value in numbers.items()
                if _close(value, other.value(other.value_trial, other.questions[i]), ref.exercise)]
        if sum(np.size(numbers[i]) for i in hits) >= MIN_NUMBERS:
            results = list(report.results)
            for i in hits:
                key, args = ("result.default_variant", {}) if student is None else (
                    "result.other_variant", {"variant": student})
                results[i] = replace(results[i], points=0.0, credit=None, diagnosis=None, note=None, message=key, args=args)
            return replace(report, results=tuple(results))
    return report
