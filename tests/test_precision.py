"""The precision re-check (grade/precision.py, issue 15 item 1): an answer that agrees with the reference
to float64 rounding is evaluated again with every intermediate rounded to float32, and a difference quotient,
which amplifies that rounding by about 1/step, is graded incorrect while every exact answer stays correct."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import yaml

from conftest import ROOT

import backprop_cli
from backprop_cli.derive.infer import canonical, infer
from backprop_cli.derive.numeric import evaluate
from backprop_cli.exercise.model import load_exercise
from backprop_cli.formula.parser import parse
from backprop_cli.grade import precision
from backprop_cli.grade.reference import prepared

sys.path.insert(0, str(ROOT / "fuzz"))
from quotients import FAMILIES, family, quotient, stencil  # noqa: E402

ORDERS = (2, 4, 6, 8)
STEPS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)


def check_one(run, tmp_path, exercise, question, answer) -> dict:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": {question: answer}}, allow_unicode=True), encoding="utf-8")
    res = run("check", exercise, "--answers", str(path), "--format", "json")
    assert res.exit_code in (0, 1), res.output + res.stderr
    return next(r for r in json.loads(res.output)["results"] if r["question"] == question)


def test_the_stencils_are_first_derivatives():
    """The quotient generator's stencils differentiate polynomials up to their order exactly."""
    for order in ORDERS:
        for kind in ("central", "forward"):
            weights = stencil(order, kind)
            moments = [sum(c * k ** j for k, c in weights) for j in range(order + 1)]   # exact fractions
            assert moments == [0, 1] + [0] * (order - 1)


@pytest.mark.parametrize(("order", "step"), [
    pytest.param(4, 1e-3, id="4th-order-step-1e-3"),
    pytest.param(6, 1e-2, id="6th-order-step-1e-2"),
    pytest.param(8, 3e-2, id="8th-order-step-3e-2"),
])
def test_the_issues_quotients_are_not_correct(run, tmp_path, order, step):
    """The issue's central quotients for dLoss/dx of two-layer-sigmoid-l2, which float64 agreement accepts,
    are graded incorrect with the message that asks for the exact derivative."""
    answer = quotient(order, "central", step)
    r = check_one(run, tmp_path, "two-layer-sigmoid-l2", "dLoss/dx", answer)
    assert (r["status"], r["points"]) == ("incorrect", 0)
    assert "only approximately" in r["message"]


def test_without_the_recheck_the_quotient_would_pass(tmp_path, monkeypatch):
    """The re-check is what refuses the 4th-order quotient at step 1e-3: the float64 rules alone accept it."""
    ex, q, answer = family("two-layer dLoss/dx", 4, "central", 1e-3)
    monkeypatch.setattr(precision, "stable", lambda *a: True)
    assert backprop_cli.grade_answer(ex, q, answer).status == "correct"


@pytest.mark.parametrize("name", list(FAMILIES))
@pytest.mark.parametrize("kind", ["central", "forward"])
@pytest.mark.parametrize("order", ORDERS)
def test_no_difference_quotient_is_correct(name, kind, order):
    """Forward and central quotients of orders 2-8 at steps 1e-1..1e-6, the small steps hidden in factors
    the folded-constant rule cannot see, are never graded correct."""
    for step in STEPS:
        ex, q, answer = family(name, order, kind, step, hidden=True)
        r = backprop_cli.grade_answer(ex, q, answer)
        assert r.status != "correct", (step, answer)


@pytest.mark.xfail(strict=True, reason="a 10th-order central quotient at step 0.1 drifts like an exact answer "
                                       "(level 0.43 of the thresholds, benchmarks/quotients.py --beyond)")
def test_a_tenth_order_quotient_at_a_large_step_is_a_known_limit():
    """Known limit: gelu's 10th-order central quotient at step 0.1 is told neither by float64 agreement nor by
    its float32 drift; this test passes the day it is refused."""
    ex, q, answer = family("gelu dz/dx", 10, "central", 0.1)
    assert backprop_cli.grade_answer(ex, q, answer).status != "correct"


@pytest.mark.parametrize(("exercise", "question", "answer", "seed"), [
    pytest.param("mlp3-l2", "dL/dx", "2 (yhat - y)ᵀ diag(fout'(a3)) W3 diag(f2'(a2)) W2 diag(f1'(a1)) W1", 9,
                 id="mlp3-l2-written-out-seed-9"),
    pytest.param("path-sum", "dL/dz", "dL/dg dg/df df/dz + dL/dh dh/df df/dz", 8, id="path-sum-seed-8"),
    pytest.param("derivative-layouts", "dy/dx", "(1 - tanh(z)^2)^T @ A", 0, id="one-minus-tanh-squared"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dx",
                 "2 (σ(x W1 + b1) W2 + b2 - y) W2^T ⊙ σ(x W1 + b1) ⊙ (1 - σ(x W1 + b1)) W1^T", 0, id="two-layer-expanded"),
])
def test_exact_answers_that_drift_more_than_the_reference_stay_correct(exercise, question, answer, seed):
    """Exact answers written out in full, which drift more than the reference's short form under float32
    rounding (the first two were refused before the reference's expanded form was compared), are correct."""
    assert backprop_cli.grade_answer(exercise, question, answer, seed=seed).status == "correct"


def _drifts(exercise: str, question: str, answer: str) -> list[tuple[float, float]]:
    ref = prepared(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")), 0)
    q = next(q for q in ref.questions if q.key == question)
    scope = ref.scope_for(q)
    e = parse(answer, ref.graph.functions, set(ref.graph.shapes) | {ref.graph.loss})
    infer(e, scope, answer)
    e = canonical(e, scope)
    rows = []
    for t in ref.trials:
        env, r = ref.env(t), np.asarray(ref.value(t, q))
        scale = float(np.max(np.abs(r)))
        rows.append((precision.drift(e, env, evaluate(e, env), scale), precision.reference_drift(q, env, r, scale)))
    return rows


def test_a_quotient_drifts_with_the_inverse_step():
    """The float32 drift of a central quotient grows about tenfold per tenfold smaller step, while the
    exact answer's stays within a few float32 roundings."""
    exact = _drifts("two-layer-sigmoid-l2", "dLoss/dx", "dLoss/dh1 W1^T")
    assert max(d for d, _ in exact) < precision.FLOOR
    medians = [np.median([d for d, _ in _drifts("two-layer-sigmoid-l2", "dLoss/dx", quotient(2, "central", h, True))])
               for h in (1e-2, 1e-4)]
    assert medians[0] > precision.FLOOR
    assert 10 < medians[1] / medians[0] < 1000


def test_rounded_evaluation_rounds_every_step():
    """``rounded`` gives float32-representable values, and a formula whose steps are exact in float32 is
    unchanged."""
    ref = prepared(load_exercise(str(ROOT / "exercises" / "affine.yaml")), 0)
    env = ref.env(ref.trials[0])
    e = parse("2 a", ref.graph.functions, set(ref.graph.shapes))
    v = precision.rounded(e, env)
    assert np.array_equal(v, v.astype(np.float32).astype(float))
    assert np.array_equal(v, 2 * env.values["a"].astype(np.float32).astype(float))
