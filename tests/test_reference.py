"""References (grade/reference.py): every bank exercise against central finite differences, seeded trials,
questions resolved against the graph, and unusual exercises that validate or fail cleanly."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.errors import InputError
from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare
from backprop_cli.grade.validate import check_references
from conftest import EXERCISES, ROOT


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [0, 7])
def test_every_reference_matches_finite_differences(path, seed):
    """Each derivative question's reference equals central finite differences in every trial."""
    ref = prepare(load_exercise(str(path)), seed)
    assert check_references(ref) == []


def test_trials_draw_distinct_sizes():
    """Each trial gives every dimension name a different size from 2..7."""
    ref = prepare(load_exercise(str(ROOT / "exercises" / "affine.yaml")), 3)
    for t in ref.trials:
        assert t.sizes["n"] != t.sizes["m"]
        assert all(2 <= s <= 7 for s in t.sizes.values())


def test_same_seed_same_trials():
    """--seed makes the trials reproducible."""
    ex = load_exercise(str(ROOT / "exercises" / "dense.yaml"))
    a, b = prepare(ex, 11), prepare(ex, 11)
    assert all(np.array_equal(x.values["W"], y.values["W"]) for x, y in zip(a.trials, b.trials))


def test_external_loss_needs_no_equation_for_j():
    """Without an equation for J, the outputs' upstream gradients are given symbols."""
    ref = prepare(load_exercise(str(ROOT / "exercises" / "affine.yaml")))
    assert ref.graph.external and ref.given_keys() == {"dJ/dc"}


def test_question_on_unknown_node_names_it(tmp_path):
    """A question about an unknown node is an error at the question's line with a suggestion."""
    p = tmp_path / "x.yaml"
    p.write_text("id: x\ntitle: t\ninputs:\n  a: [1, n]\nforward:\n  - c = 2a\nloss: J\nquestions:\n  - dJ/dq\n")
    with pytest.raises(InputError) as err:
        prepare(load_exercise(str(p)))
    assert err.value.key == "question.unknown" and err.value.mark.line == 9


REVIEW_EXERCISES = [
    pytest.param("inputs:\n  s: scalar\n  x: [n, 1]\nforward:\n  - c = s * x\n  - J = sum(c)\nloss: J\n"
                 "questions:\n  - dc/ds\n", 0, "", id="scalar-times-column"),
    pytest.param("inputs:\n  a: [1, n]\nfunctions: {F: opaque}\nshapes:\n  B: [m, k]\nforward:\n  - B = F(a)\n"
                 "loss: J\nquestions:\n  - dJ/da\n", 1, "scalars and vectors", id="opaque-matrix-output"),
    pytest.param("inputs:\n  a: [1, n]\nfunctions: {F: opaque}\nshapes:\n  b: [1, m]\nforward:\n  - b = F(a)\n"
                 "  - J = sum(b)\nloss: J\nvalues:\n  a: [1, 2]\nquestions:\n  - dJ/da\n", 0, "", id="values-and-declared-dims"),
    pytest.param("inputs:\n  x: [1, n]\nforward:\n  - c = 3\n  - J = sum(c * x)\nloss: J\nquestions:\n  - dJ/dc\n",
                 1, "constant", id="constant-node"),
    pytest.param("inputs:\n  x: [1, n]\n  z: [1, n]\nforward:\n  - c = 2x\nloss: J\nquestions:\n  - dJ/dz\n",
                 1, "does not depend", id="unused-input"),
    pytest.param("inputs:\n  x: [1, n]\nforward:\n  - c = 2x\nloss: J\nquestions:\n  - dJ/dc\n", 1, "given symbol",
                 id="asks-a-given-symbol"),
    pytest.param("inputs:\n  X: [n, m]\nforward:\n  - J = sum(sum(X, 2-1))\nloss: J\nquestions:\n  - dJ/dX\n", 0, "",
                 id="axis-as-expression"),
    pytest.param("inputs:\n  X: [n, n]\nforward:\n  - y = ones(n, n) @ X\n  - J = sum(y ⊙ y)\nloss: J\n"
                 "questions:\n  - dJ/dX\n", 0, "", id="ones-times-square"),
]


@pytest.mark.parametrize("body, code, words", REVIEW_EXERCISES)
def test_unusual_exercises_validate_or_fail_cleanly(run, tmp_path, body, code, words):
    """Exercise shapes found in review: they validate, or fail with a clear message; never a crash."""
    path = tmp_path / "x.yaml"
    path.write_text("id: x\ntitle: t\n" + body, encoding="utf-8")
    res = run("validate", str(path))
    text = res.output + res.stderr
    assert res.exit_code == code, text
    assert "internal error" not in text and "Traceback" not in text
    assert words in text
