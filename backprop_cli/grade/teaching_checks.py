"""Lets ``validate`` check what an instructor adds for exam grading: every anticipated mistake can be read
and differs from the reference, and every variant of drawn values has finite references."""
from __future__ import annotations

from typing import Any

import numpy as np

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.derive.infer import infer
from backprop_cli.derive.numeric import agree, evaluate
from backprop_cli.errors import BackpropError
from backprop_cli.formula.ast import Deriv, Name, walk
from backprop_cli.exercise.keys import normalize_key
from backprop_cli.exercise.model import Exercise
from backprop_cli.formula.parser import parse
from backprop_cli.grade.reference import Reference

Problem = tuple[str, dict[str, Any]]      # (message key, args)

#: How many students' variants ``validate`` draws (besides the exercise's own numbers).
SAMPLE = 12


def check_mistakes(ref: Reference) -> list[Problem]:
    """(message key, args) for every anticipated mistake that cannot be read or equals the reference."""
    problems: list[Problem] = []
    g = ref.graph
    for q in ref.questions:
        for mistake in q.question.mistakes:
            args = {"answer": mistake.answer, "question": q.question.target}
            try:
                e = parse(mistake.answer, g.functions, set(g.shapes) | {g.loss})
                infer(e, tidy_scope(g), mistake.answer)
                constant = not any(isinstance(n, (Name, Deriv)) for n in walk(e))
                if constant and ref.value_trial is None:
                    raise _NeedsValues()
                trials = [ref.value_trial] if constant and ref.value_trial is not None else ref.trials
                same = all(_same(ref, evaluate(e, ref.env(t)), ref.value(t, q), constant) for t in trials)
            except _NeedsValues:
                problems.append(("cli.mistake_unreadable", {**args, "reason_key": "result.numbers_need_values"}))
                continue
            except BackpropError as err:
                problems.append(("cli.mistake_unreadable", {**args, "reason_key": err.key, "reason_args": dict(err.args_)}))
                continue
            if same:
                problems.append(("cli.mistake_is_reference", args))
    return problems


def check_translations(ex: Exercise) -> list[Problem]:
    """(message key, args) for every translated mistake message that names no anticipated mistake."""

    mistakes = {normalize_key(q.target): {m.answer for m in q.mistakes} for q in ex.questions if q.mistakes}
    return [("cli.translation_unknown_mistake", {"language": lang, "question": question, "answer": answer})
            for lang, entry in ex.translations.items()
            for question, by_answer in entry.get("mistakes", {}).items()
            for answer in by_answer if answer not in mistakes.get(normalize_key(question), set())]


class _NeedsValues(Exception):
    """A mistake written as numbers, in an exercise without values to compare them at."""


def _same(ref: Reference, got: np.ndarray, want: np.ndarray, constant: bool) -> bool:
    if not constant:
        return agree(got, want)
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    ex = ref.exercise
    return got.size == want.size and bool(np.allclose(got.reshape(want.shape), want, rtol=ex.rtol, atol=ex.atol))


def check_variants(ex: Exercise, seed: int, sample: int = SAMPLE) -> list[Problem]:
    """(message key, args) for every sampled student variant whose references are not all finite."""
    from backprop_cli.grade.variant_refs import prepared_for

    if not ex.draws:
        return []
    problems: list[Problem] = []
    for k in range(sample):
        student = f"student-{k + 1}"
        try:
            ref = prepared_for(ex, student, seed)
        except BackpropError as err:
            problems.append(("cli.variant_not_finite", {"student": student, "question": err.key}))
            continue
        vt = ref.value_trial
        assert vt is not None, ex.id     # an exercise that draws values has values
        for q in ref.questions:
            if q.kind != "shape" and not np.all(np.isfinite(ref.value(vt, q))):
                problems.append(("cli.variant_not_finite", {"student": student, "question": q.question.target}))
    return problems
