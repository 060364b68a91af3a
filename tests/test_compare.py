"""The vectorised comparison (grade/compare.py) and the trials evaluated in one call give what the scalar
path gives, trial by trial (numeric.agree, then policy.exact), on every formula of the labelled corpus."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import backprop_cli
from backprop_cli.derive.infer import canonical, infer
from backprop_cli.derive.numeric import agree, evaluate, evaluate_trials
from backprop_cli.errors import BackpropError
from backprop_cli.grade import compare, policy
from backprop_cli.grade.reading import read_answer as _parse
from backprop_cli.exercise.answers import AnswerEntry
from backprop_cli.errors import Mark
from backprop_cli.grade.reference import prepared

CORPUS = Path(__file__).resolve().parent / "corpus"
IDS = sorted(p.stem for p in CORPUS.glob("*.yaml"))


def scalar_verdict(ref, q, values) -> str:
    """What grading decided before the comparison was vectorised: agree in every trial, then exact."""
    if all(agree(v, ref.value(t, q)) for v, t in zip(values, ref.trials)):
        exact = all(policy.exact(v, ref.value(t, q)) for v, t in zip(values, ref.trials))
        return compare.EXACT if exact else compare.INEXACT
    if not all(np.all(np.isfinite(v)) for v in values):
        return compare.NOT_FINITE
    return compare.DIFFERENT


def _answers(exercise_id: str):
    data = yaml.safe_load((CORPUS / f"{exercise_id}.yaml").read_text(encoding="utf-8"))
    for section in ("right", "wrong"):
        for question, cases in (data.get(section) or {}).items():
            for case in cases:
                answer = case.get("answer") if isinstance(case, dict) else case
                if isinstance(answer, str):
                    yield question, answer


def _variants(ref, q):
    """Values near the reference that land on every verdict: equal, off by rounding, within the
    tolerance only, wrong, negated, transposed, NaN and infinite."""
    refs = [np.asarray(ref.value(t, q), dtype=float) for t in ref.trials]
    yield refs
    yield [r * (1 + 1e-13) for r in refs]
    yield [r * (1 + 1e-7) for r in refs]
    yield [r + 1e-3 for r in refs]
    yield [-r for r in refs]
    yield [r.T for r in refs]
    yield [np.where(np.ones_like(r, dtype=bool), np.nan, r) if i == 2 else r for i, r in enumerate(refs)]
    yield [r + np.inf if i == 4 else r for i, r in enumerate(refs)]


@pytest.mark.parametrize("exercise_id", IDS)
def test_vectorised_comparison_gives_the_scalar_verdicts_on_the_corpus(exercise_id):
    """Every corpus formula, and values around each reference, get the same verdict both ways."""
    ex = backprop_cli.load_exercise(exercise_id)
    ref = prepared(ex)
    seen = set()
    by_target = {q.question.target: q for q in ref.questions if q.kind == "derivative"}
    for q in by_target.values():
        for values in _variants(ref, q):
            got = compare.verdict(values, compare.expected(ref, q))
            assert got == scalar_verdict(ref, q, values), q.key
            seen.add(got)
    for question, text in _answers(exercise_id):
        q = by_target.get(question)
        if q is None:
            continue
        parsed = _parse(ref, AnswerEntry(question, text, None, Mark("<corpus>", 1, 1)))
        if parsed is None or isinstance(parsed[0], BackpropError):
            continue
        scope = ref.scope_for(q)
        try:
            infer(parsed[0], scope)
        except BackpropError:
            continue
        e = canonical(parsed[0], scope)
        together = evaluate_trials(e, ref.trial_envs())
        one_by_one = [evaluate(e, ref.env(t)) for t in ref.trials]
        for a, b in zip(together, one_by_one):
            np.testing.assert_array_equal(a, b)
        got = compare.verdict(together, compare.expected(ref, q))
        assert got == scalar_verdict(ref, q, one_by_one), (question, text)
        seen.add(got)
    assert {compare.EXACT, compare.INEXACT, compare.DIFFERENT, compare.NOT_FINITE} <= seen
