"""Grading details found in review: each test pins one behaviour a student relies on."""
from __future__ import annotations

import pytest
import yaml

from backprop_cli import check
from backprop_cli.derive.program import metered
from backprop_cli.grade.grading import DIAGNOSIS_BUDGET


def exercise(tmp_path, text):
    path = tmp_path / "ex.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def answers(tmp_path, data):
    path = tmp_path / "answers.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def result(report, question, kind="derivative"):
    return next(r for r in report.results if r.question == question and r.kind == kind)


DEAD_END = """id: dead-end
title: t
inputs:
  a: [1, n]
  w: [n, 1]
forward:
  - c = a @ w
  - d = a ⊙ a
  - J = c^2
loss: J
questions:
  - dJ/da
"""


def test_gradient_of_a_node_that_does_not_reach_the_loss_is_invalid(tmp_path):
    """dJ/dd, for a node d that never reaches J, may not be used (and does not crash)."""
    rep = check(exercise(tmp_path, DEAD_END), answers(tmp_path, {"answers": {"dJ/da": "dJ/dd + dJ/dc * w^T"}}))
    r = result(rep, "dJ/da")
    assert r.status == "invalid" and r.message.startswith("allowed.")


def test_complex_exponent_is_invalid(tmp_path):
    """(-8)^(1/3) is no real number: the answer is invalid, not a crash."""
    rep = check("affine", answers(tmp_path, {"answers": {"dJ/da": "dJ/dc @ W^((-8)^(1/3))"}}))
    assert result(rep, "dJ/da").status == "invalid"


def test_shape_answer_as_a_yaml_list(tmp_path):
    """shapes: {c: [1, m]} (an unquoted YAML list) is the shape 1×m."""
    rep = check("affine", answers(tmp_path, "shapes:\n  c: [1, m]\n  dJ/dW: [m, n]\n"))
    assert result(rep, "c", "shape").status == "correct"
    assert result(rep, "dJ/dW", "shape").diagnosis == "shape-mismatch"   # never "transposed" (SPEC 7.4)


def test_a_wrong_number_does_not_reveal_the_reference(tmp_path):
    """The message for a wrong number says it is wrong, not what it should be; the solution holds it."""
    rep = check("cs231n-simple", answers(tmp_path, {"answers": {"df/dq": 7}}))
    r = result(rep, "df/dq")
    assert r.status == "incorrect" and "-4" not in str(r.args) and r.solution == "-4"


def test_shape_questions_do_not_show_their_answer(tmp_path):
    """A missing or wrong shape answer does not show the expected shape (only --show-solution does)."""
    rep = check("affine", answers(tmp_path, "shapes:\n  c: n x m\n"))
    wrong, missing = result(rep, "c", "shape"), result(rep, "dJ/dW", "shape")
    assert wrong.status == "incorrect" and wrong.expected_shape is None and "1×m" not in str(wrong.args)
    assert missing.status == "missing" and missing.expected_shape is None
    assert wrong.solution == "1×m"


def test_flat_list_for_a_column_value(tmp_path):
    """A flat list of numbers is read in the asked shape, also for a column."""
    text = """id: col
title: t
inputs:
  x: [2, 1]
forward:
  - L = sum(x ⊙ x)
loss: L
values:
  x: [1, 1]
questions:
  - dL/dx
"""
    rep = check(exercise(tmp_path, text), answers(tmp_path, {"answers": {"dL/dx": [2, 2]}}))
    assert result(rep, "dL/dx").status == "correct"
    rep = check(exercise(tmp_path, text), answers(tmp_path, {"answers": {"dL/dx": [[2, 2]]}}))
    assert result(rep, "dL/dx").status == "incorrect"
    assert result(rep, "dL/dx").diagnosis is None     # numbers get no transposed/sign hint (SPEC 7.4)


def test_a_long_unknown_name_is_quick(tmp_path, monkeypatch):
    """A 1,990-character name gets no suggestion search (its splits and close matches grow with its length)."""
    import difflib

    searches = []
    monkeypatch.setattr(difflib, "get_close_matches", lambda *args, **kw: searches.append(args) or [])
    rep = check("affine", answers(tmp_path, {"answers": {"dJ/da": "a" * 1990, "dJ/db": "qqq"}}))
    assert result(rep, "dJ/da").status == "invalid"
    assert searches and all(args[0] == "qqq" for args in searches)     # only the short name was searched


def test_many_paths_are_bounded(tmp_path):
    """A node used 22 times does not make the missing-path search explode."""
    text = "id: many\ntitle: t\ninputs:\n  x: [1, n]\nforward:\n  - y = " + " + ".join(["x"] * 22) + "\nloss: J\nquestions:\n  - dJ/dx\n"
    path = exercise(tmp_path, text)
    check(path, answers(tmp_path, {"answers": {"dJ/dx": "x"}}))       # prepared (and cached) outside the count
    with metered() as work:
        rep = check(path, answers(tmp_path, {"answers": {"dJ/dx": "3 dJ/dy"}}))
    assert result(rep, "dJ/dx").status == "incorrect"
    assert work.units < DIAGNOSIS_BUDGET / 10      # the search ends by itself, far from being cut off


def test_warnings_in_the_chosen_language(run, tmp_path):
    """With --lang de, the warning about a stray key is German."""
    path = answers(tmp_path, "answers:\n  dJ/dbb: x\n")
    res = run("check", "affine", "--answers", path, "--lang", "de")
    assert "Warnung" in res.output and "under 'answers'" not in res.output


VECTOR_BY_SCALAR = """id: vs
title: t
inputs:
  s: scalar
  v: [1, m]
forward:
  - c = s * v
  - J = sum(c)
loss: J
questions:
  - dc/ds
  - {shape: dc/ds}
"""


@pytest.mark.parametrize("answer, shape", [("v^T", "m x 1"), ("v", "1 x m")])
def test_vector_by_scalar_jacobian_in_either_orientation(tmp_path, answer, shape):
    """dc/ds of a row c by a scalar s has one dim: a row and a column are both accepted."""
    rep = check(exercise(tmp_path, VECTOR_BY_SCALAR), answers(tmp_path, {"answers": {"dc/ds": answer}, "shapes": {"dc/ds": shape}}))
    assert result(rep, "dc/ds").status == "correct"
    assert result(rep, "dc/ds", "shape").status == "correct"


def test_question_with_partial_symbol_on_a_plain_opaque_argument(tmp_path):
    """Asking ∂b/∂a where it equals db/da: the answer db/da uses what is asked, so it is invalid."""
    text = "id: p\ntitle: t\ninputs:\n  a: [1, n]\nfunctions: {F: opaque}\nforward:\n  - b = F(a)\nloss: J\nquestions:\n  - ∂b/∂a\n"
    rep = check(exercise(tmp_path, text), answers(tmp_path, {"answers": {"∂b/∂a": "db/da"}}))
    assert rep.results[0].status == "invalid"


def test_a_bug_inside_grading_is_not_charged_to_the_student(run, monkeypatch):
    """An exception inside grading is an internal error (exit 2), never an `invalid` answer."""
    import backprop_cli.grade.grading as grading

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(grading, "evaluate", broken)
    monkeypatch.setattr(grading, "evaluate_trials", broken)
    res = run("check", "affine", "--answers", "solutions/affine.yaml")
    assert res.exit_code == 2, res.output + res.stderr
    assert "internal error" in res.stderr and "boom" in res.stderr
    assert "invalid" not in res.output


@pytest.mark.parametrize("read, number", [
    pytest.param("-4,0", True, id="decimal-comma"),
    pytest.param("1e-3", True, id="exponent"),
    pytest.param("− 0.5", True, id="unicode-minus"),
    pytest.param("e", False, id="a-node-named-e"),
    pytest.param("-e", False, id="minus-a-node-named-e"),
    pytest.param("-E", False, id="minus-a-node-named-E"),
])
def test_only_plain_numbers_lose_their_sign_diagnosis(read, number):
    """The leak rule that drops transposed/sign codes for plain numbers treats a formula of the name e as a formula."""
    from backprop_cli.grade.grading import _is_number

    assert _is_number(read) is number
