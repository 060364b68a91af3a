"""Every printed reference re-checks: the plain, unicode and LaTeX forms of each derivative reference, for
the bank and for exercises using the newer operations, pasted back as answers are graded correct."""
from __future__ import annotations

import pytest
import yaml

import backprop_cli
from backprop_cli.formula.printers import latex, plain, unicode
from conftest import EXERCISES

PRINTERS = [plain, unicode, latex]
NEW_OPS = """id: new-ops
title: newer operations
inputs:
  X: [B, n]
  w: [1, n]
  A: [n, n]
forward:
  - Z = X @ A
  - P = softmax(Z, 0)
  - L1 = logsumexp(Z, 1)
  - h = clip(w, -0.5, 0.5) ⊙ cosh(w) + max(w, sech(w))
  - J = sum(P ⊙ X) + sum(L1) + norm(h) + trace(A ⊙ A) + sum(amax(Z, 0))
loss: J
questions:
  - dJ/dX
  - dJ/dA
  - dJ/dw
  - dJ/dZ
"""


def _paste_back(exercise: str, printer, tmp_path) -> list:
    sol = backprop_cli.solve(exercise)
    answers = {q.question: printer(q.formula) for q in sol.questions if q.kind == "derivative" and q.formula is not None}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}, allow_unicode=True), encoding="utf-8")
    report = backprop_cli.check(exercise, str(path))
    return [(r.question, r.answer, r.status, r.message) for r in report.results
            if r.kind == "derivative" and r.status != "correct"]


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_bank_unicode_references_paste_back(path, tmp_path):
    """The unicode form (what `solve` shows in the terminal) of every bank reference grades correct."""
    assert _paste_back(str(path), unicode, tmp_path) == []


@pytest.mark.parametrize("printer", PRINTERS, ids=["plain", "unicode", "latex"])
def test_new_operation_references_paste_back(printer, tmp_path):
    """References through softmax(X, 0), logsumexp, clip, cosh, sech, max, norm, trace and amax re-check."""
    path = tmp_path / "new-ops.yaml"
    path.write_text(NEW_OPS, encoding="utf-8")
    assert _paste_back(str(path), printer, tmp_path) == []
