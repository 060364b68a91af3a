"""Stable numerics and the symbolic reading of softmax: compositions that overflow are evaluated in their
stable forms, and softmax of a matrix is row-wise even when a trial makes it one column."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.formula.parser import parse
from backprop_cli.exercise.model import load_exercise
from backprop_cli.derive.infer import Scope, canonical, infer
from backprop_cli.derive.numeric import NumEnv, evaluate
from backprop_cli.grade.reference import prepare
from backprop_cli.grade.validate import check_references

GAP = """id: gap
title: gap
inputs:
  x: [1, k]
  y: {shape: [1, k], domain: onehot}
forward:
  - L = -sum(y ⊙ log(softmax(x)))
loss: L
values:
  x: [[800, 0]]
  y: [[0, 1]]
questions:
  - dL/dx
  - {value: L}
"""

BATCH_OF_ONE = """id: sm
title: softmax batch
inputs:
  Z: [n, B]
  Y: {shape: [n, B], domain: onehot}
forward:
  - P = softmax(Z)
  - L = -sum(Y ⊙ log(P))
loss: L
values:
  Z: [[1], [2], [3]]
  Y: [[0], [1], [0]]
questions:
  - dL/dZ
  - {value: L}
"""


def _prepare(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return prepare(load_exercise(str(path)), 0)


def test_log_softmax_at_a_logit_gap_of_800(tmp_path):
    """-sum(y ⊙ log(softmax(x))) at a gap of 800 is 800, with the finite gradient softmax(x) - y."""
    ref = _prepare(tmp_path, GAP)
    trial = ref.value_trial
    value = next(q for q in ref.questions if q.kind == "value")
    grad = next(q for q in ref.questions if q.kind == "derivative")
    assert float(ref.value(trial, value)) == pytest.approx(800.0)
    np.testing.assert_allclose(ref.value(trial, grad), [[1.0, -1.0]], atol=1e-12)
    assert check_references(ref) == []


def test_softmax_of_a_batch_of_one_is_row_wise(tmp_path):
    """softmax(Z) for Z: n×B reads rows; with B = 1 every row is one entry, so P is 1 and the loss 0."""
    ref = _prepare(tmp_path, BATCH_OF_ONE)
    trial = ref.value_trial
    value = next(q for q in ref.questions if q.kind == "value")
    grad = next(q for q in ref.questions if q.kind == "derivative")
    assert float(ref.value(trial, value)) == pytest.approx(0.0)
    np.testing.assert_allclose(ref.value(trial, grad), np.zeros((3, 1)), atol=1e-12)


@pytest.mark.parametrize("text, want", [
    pytest.param("log(softmax(x))", "log_softmax(x)", id="log-softmax"),
    pytest.param("log(softmax(X))", "log_softmax(X, 1)", id="log-softmax-matrix"),
    pytest.param("log(sigmoid(x))", "-softplus(-x)", id="log-sigmoid"),
    pytest.param("log(sum(exp(X), 0))", "logsumexp(X, 0)", id="logsumexp"),
    pytest.param("softmax(X)", "softmax(X, 1)", id="matrix-axis"),
    pytest.param("softmax(x)", "softmax(x)", id="vector-unchanged"),
    pytest.param("log(x) + exp(x)", "log(x) + exp(x)", id="nothing-to-do"),
])
def test_canonical_forms(text, want):
    """canonical writes out the axis a matrix implies and the stable form of an overflowing composition."""
    scope = Scope(shapes={"x": (1, "n"), "X": ("m", "n")}, dims=frozenset({"m", "n"}))
    e = parse(text)
    infer(e, scope)
    assert canonical(e, scope) == parse(want)


@pytest.mark.parametrize("text", ["log(softmax(x))", "log(sigmoid(x))", "log(sum(exp(x)))"])
def test_stable_forms_have_the_same_value(text):
    """The stable form has the value of the composition where the latter does not overflow."""
    scope = Scope(shapes={"x": (1, "n")}, dims=frozenset({"n"}))
    e = parse(text)
    infer(e, scope)
    env = NumEnv(values={"x": np.array([[0.3, -1.2, 2.5]])}, sizes={"n": 3})
    np.testing.assert_allclose(evaluate(canonical(e, scope), env), evaluate(e, env), rtol=1e-12)
