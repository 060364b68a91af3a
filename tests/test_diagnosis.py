"""Diagnosis (grade/diagnosis.py) called directly: a wrong answer's values or shape name the typical mistake.

The labelled corpus (test_corpus.py) checks the codes through the whole grader; these pin one case per code
on the functions themselves, so a failure points at diagnosis.py.
"""
from __future__ import annotations

import pytest

from backprop_cli.derive.infer import infer
from backprop_cli.derive.numeric import evaluate
from backprop_cli.errors import ShapeError
from backprop_cli.exercise.model import load_exercise
from backprop_cli.formula.parser import parse
from backprop_cli.grade.diagnosis import CODES, diagnose, student_fix
from backprop_cli.grade.reference import prepare
from conftest import ROOT

_REFS: dict = {}


def diagnosis(exercise: str, question: str, answer: str) -> str | None:
    """The code diagnosis.py gives ``answer`` to ``question`` (student_fix when its shapes do not fit)."""
    if exercise not in _REFS:
        _REFS[exercise] = prepare(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")))
    ref = _REFS[exercise]
    q = next(q for q in ref.questions if q.key == question and q.kind == "derivative")
    e = parse(answer, ref.graph.functions, set(ref.graph.shapes) | {ref.graph.loss})
    try:
        shape = infer(e, ref.scope_for(q), answer)
    except ShapeError:
        return student_fix(ref, q, e)
    return diagnose(ref, q, [evaluate(e, ref.env(t)) for t in ref.trials], shape, e)


CASES = [
    pytest.param("affine", "dJ/da", "W dJ/dc^T", "transposed", id="transposed"),
    pytest.param("affine", "dJ/da", "-dJ/dc @ W^T", "sign-error", id="sign-error"),
    pytest.param("affine", "dJ/da", "2 dJ/dc @ W^T", "constant-factor", id="constant-factor"),
    pytest.param("affine", "dJ/da", "W^T", "missing-upstream", id="missing-upstream"),
    pytest.param("affine", "dJ/da", "W^T dJ/dc", "operand-order", id="operand-order"),
    pytest.param("affine", "dJ/da", "dJ/dc ⊙ W^T", "elementwise-vs-matrix-product", id="elementwise-vs-matrix"),
    pytest.param("dense", "dJ/db", "dJ/dc", "missing-activation-derivative", id="missing-activation-derivative"),
    pytest.param("dense", "dJ/db", "dJ/dc ⊙ f(a W + b)", "wrong-activation-derivative",
                 id="wrong-activation-derivative"),
    pytest.param("two-in-two-out", "dJ/da", "dJ/dc dc/da", "missing-path", id="missing-path"),
]


@pytest.mark.parametrize("exercise, question, answer, code", CASES)
def test_each_mistake_gets_its_code(exercise, question, answer, code):
    """A textbook instance of each mistake is named by its code."""
    assert diagnosis(exercise, question, answer) == code


def test_an_unrelated_answer_gets_no_code():
    """An answer that is wrong in no typical way gets no diagnosis (null), not a guess."""
    assert diagnosis("affine", "dJ/da", "dJ/dc @ W^T W W^T") is None


def test_a_dimension_error_without_a_fix_is_left_to_grading():
    """dJ/dc @ W does not fit and no single change fixes it: student_fix finds nothing (grading says dimension-error)."""
    assert diagnosis("affine", "dJ/da", "dJ/dc @ W") is None


def test_the_cases_cover_every_code_grading_does_not_give_itself():
    """Every code of CODES has a case above, except the two grading gives when diagnosis finds nothing."""
    assert {c.values[3] for c in CASES} == set(CODES) - {"shape-mismatch", "dimension-error"}


def finding(exercise: str, question: str, answer: str):
    """The diagnosis.Finding (code, message key, arguments) of a well-shaped or wrongly shaped answer."""
    from backprop_cli.grade.diagnosis import find

    if exercise not in _REFS:
        _REFS[exercise] = prepare(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")))
    ref = _REFS[exercise]
    q = next(q for q in ref.questions if q.key == question and q.kind == "derivative")
    e = parse(answer, ref.graph.functions, set(ref.graph.shapes) | {ref.graph.loss})
    shape = infer(e, ref.scope_for(q), answer)
    return find(ref, q, [evaluate(e, ref.env(t)) for t in ref.trials], shape, e)


@pytest.mark.parametrize("exercise, question, answer, code, note, args", [
    pytest.param("jacobian-softmax", "ds/dx", "diag(s)", None, "diag.note.missing-term", {},
                 id="softmax-term-left-out-no-fan-out"),
    pytest.param("reused-node", "dy/dx", "3 eye(n)", "missing-path", None, {}, id="reused-node-one-use-only"),
    pytest.param("hadamard", "dJ/da", "dJ/dc ⊙ a", None, "diag.note.wrong-variable", {"name": "a"},
                 id="own-factor-for-the-other"),
    pytest.param("batch-affine", "dJ/db", "dJ/dY", "shape-mismatch", "diag.note.sum-over-broadcast",
                 {"fix": "sum(…, 0)"}, id="bias-gradient-not-summed"),
    pytest.param("batch-affine", "dJ/dY", "dJ/dZ", "missing-activation-derivative",
                 "diag.note.missing-activation-derivative", {"fn": "relu'(·)"}, id="relu-derivative-named"),
    pytest.param("two-layer-sigmoid-l2", "dz1/dh1", "eye(k)", "missing-activation-derivative", None, {},
                 id="sigmoid-not-named-where-it-is-the-answer"),
])
def test_each_finding_says_what_is_true(exercise, question, answer, code, note, args):
    """find() gives the code of SPEC 7.3 only where it holds, and the message key that explains the rest."""
    f = finding(exercise, question, answer)
    assert (f.code, f.note, f.args) == (code, note, args)
