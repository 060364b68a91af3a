"""Every printed reference re-checks: the plain, unicode and LaTeX forms of each derivative reference, for
the bank, for exercises using the newer operations, and for references too large to print whole (printed
through named intermediates: a 14-block residual net and a 250-equation chain), pasted back as answers
are graded correct."""
from __future__ import annotations

import pytest
import yaml

import backprop_cli
from backprop_cli.derive import program
from backprop_cli.formula.ast import postorder
from backprop_cli.formula.named import show, tree_size
from backprop_cli.formula.parser import MAX_LENGTH
from backprop_cli.formula.printers import latex, plain, unicode
from conftest import EXERCISES
from test_hostile_work import chain

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
    answers = {q.question: show(printer, q.formula, sol.names) for q in sol.questions
               if q.kind == "derivative" and q.formula is not None}
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


LARGE = [
    pytest.param(chain(14, residual=True) | {"id": "residual14", "answers_may_use": "given"}, id="14-residual-blocks-given"),
    pytest.param(chain(250) | {"id": "chain250", "answers_may_use": "given"}, id="250-equations-given"),
    pytest.param(chain(250) | {"id": "chain250d"}, id="250-equations-downstream"),
]


def _write(tmp_path, data) -> str:
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def _distinct(e) -> int:
    return len(postorder(e))


@pytest.mark.parametrize("data", LARGE)
def test_large_references_print_through_named_intermediates(data, tmp_path):
    """A reference too large for the formula limits prints as named intermediates: every line fits the limits,
    and the text grows with the distinct parts of the formula, not with its (exponential) tree."""
    sol = backprop_cli.solve(_write(tmp_path, data))
    for q in sol.questions:
        for printer in PRINTERS:
            text = show(printer, q.formula, sol.names)
            lines = text.split(" \\\\ ") if printer is latex else text.splitlines()
            assert all(len(line) <= MAX_LENGTH for line in lines)
            assert len(lines) > 1 or tree_size(q.formula)[0] <= 400
            assert len(text) <= 60 * _distinct(q.formula)


def test_residual_reference_is_exponential_as_a_tree(tmp_path):
    """Why names are needed: the 14-block residual gradient has over a hundred times more parts as a tree
    than distinct ones."""
    sol = backprop_cli.solve(_write(tmp_path, chain(14, residual=True) | {"id": "res", "answers_may_use": "given"}))
    parts, _ = tree_size(sol.questions[0].formula)
    assert parts > 100 * _distinct(sol.questions[0].formula)


@pytest.mark.parametrize("printer", PRINTERS, ids=["plain", "unicode", "latex"])
@pytest.mark.parametrize("data", LARGE)
def test_large_references_paste_back_under_counted_work(data, printer, tmp_path):
    """The named form of each large reference grades correct, with evaluation work (elements computed plus
    a fixed cost per numpy step, counted by the compiled evaluator) linear in the formula's distinct parts."""
    path = _write(tmp_path, data)
    sol = backprop_cli.solve(path)
    distinct = sum(_distinct(q.formula) for q in sol.questions)
    with program.budget(40 * program.STEP_COST * distinct):
        assert _paste_back(path, printer, tmp_path) == []


def test_names_of_intermediates_avoid_the_exercise_names(tmp_path):
    """An exercise whose nodes are called g1, g2 … gets intermediates that are none of them."""
    data = chain(14, residual=True) | {"id": "gnames", "answers_may_use": "given"}
    data["forward"] = [eq.replace("h", "g") for eq in data["forward"]]
    path = _write(tmp_path, data)
    sol = backprop_cli.solve(path)
    assert {f"g{i}" for i in range(14)} <= sol.names
    text = show(plain, sol.questions[0].formula, sol.names)
    defined = {line.split(" = ")[0] for line in text.splitlines()[:-1]}
    assert defined and not defined & sol.names
    assert _paste_back(path, plain, tmp_path) == []

