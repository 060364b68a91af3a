"""Exercise aliases (SPEC section 3): the source's own symbols are read as the exercise's names."""
from __future__ import annotations

import json

import pytest
import yaml

from conftest import ROOT

from backprop_cli.errors import InputError
from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare


def check(run, tmp_path, exercise, answers, *extra):
    """Grade ``answers`` for ``exercise`` and return {question: result record}."""
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}, allow_unicode=True), encoding="utf-8")
    res = run("check", str(exercise), "--answers", str(path), "--format", "json", *extra)
    assert res.exit_code in (0, 1), res.output + res.stderr
    return {r["question"]: r for r in json.loads(res.output)["results"] if r["kind"] == "derivative"}


# (exercise, question, answer in the seed's notation, right by its mathematics?)
SEED_NOTATION = [
    # seed 004, staged backprop: the slides' code names df/dxpy dxpy, and so on
    ("staged-backprop", "df/dden", "(-1.0 / (den**2)) * dinvden", True),
    ("staged-backprop", "df/dsigx", "(1) * dden", True),
    ("staged-backprop", "df/dxpy", "(2 * xpy) * dxpysqr", True),
    ("staged-backprop", "df/dy", "dxdpy + ((1 - sigy) * sigy) * dsigy", True),     # the slides' typo dxdpy for dxpy
    ("staged-backprop", "df/dx", "(1) * dxpy + ((1 - sigx) * sigx) * dsigx + (1) * dnum", True),
    ("staged-backprop", "df/dx", "(1) * dxpy + ((1 - sigx) * sigx) * dsigx", False),   # a forgotten dx += …
    ("staged-backprop", "df/dy", "(1) * dxpy + ((1 - sigy) * sigy) * dsigy", True),
    ("staged-backprop", "df/dy", "(1) * dxpy + sigy * dsigy", False),
    ("staged-backprop", "df/dsigy", "dnum", True),
    ("staged-backprop", "df/dsigy", "dden", False),
    # seed 000: the sheet's dE/dd (function1), w^T (affine), ā (dense)
    ("function1", "dJ/da", "dE/dd · 3b", True),
    ("function1", "dJ/da", "dE/dd · 3a", False),
    ("function1", "dJ/dc", r"\frac{dE}{dd} \cdot 3", True),
    ("affine", "dJ/da", "dJ/dc · w^T", True),
    ("affine", "dJ/da", "dJ/dc · w", False),
    ("dense", "dJ/db", "dJ/dc ⊙ ā'(a W + b)", True),
    ("dense", "dJ/db", "dJ/dc ⊙ ā(a W + b)", False),
    ("dense", "dJ/da", "(dJ/dc ⊙ ā'(a W + b)) W^T", True),
    # seed 001: the lecture's L_2, L_1 and ŷ
    ("jacobian-l2", "dL/dyhat", "2 (ŷ - y)^T", True),
    ("jacobian-l2", "dL/dy", "-dL_2/dŷ", True),
    ("jacobian-l2", "dL/dy", "dL_2/dŷ", False),
    ("jacobian-l1", "dL/dy", "-dL1/dyhat", True),
    ("jacobian-l1", "dL/dy", "dL1/dyhat", False),
    # seed 003: Θ for θ
    ("linear-regression", "dJ/dθ", "1/m X^T (X Θ - y)", True),
    ("linear-regression", "dJ/dθ", "1/m X^T (X Θ + y)", False),
    ("linear-regression", "dJ/dθ", r"\frac{1}{m} X^T (X \Theta - y)", True),
]


@pytest.mark.parametrize(("exercise", "question", "answer", "right"),
                         [pytest.param(*case, id=f"{case[0]}:{case[2]}") for case in SEED_NOTATION])
def test_answers_in_the_seeds_notation_are_graded_by_their_mathematics(run, tmp_path, exercise, question, answer, right):
    """An answer written in its seed's own symbols is correct exactly when its mathematics is."""
    r = check(run, tmp_path, exercise, {question: answer})[question]
    assert r["status"] == ("correct" if right else "incorrect"), r


def test_an_alias_of_the_question_itself_is_its_own_symbol(run, tmp_path):
    """``dx`` in the answer to df/dx is df/dx itself: refused like the symbol it stands for."""
    r = check(run, tmp_path, "staged-backprop", {"df/dx": "dx"})["df/dx"]
    assert r["status"] == "invalid" and r["message"]


def test_the_report_reads_an_alias_as_the_exercises_symbol(run, tmp_path):
    """The report shows how ``dxpysqr`` was read: the derivative symbol it stands for."""
    path = tmp_path / "a.yaml"
    path.write_text("answers:\n  df/dxpy: 2 xpy dxpysqr\n", encoding="utf-8")
    res = run("check", "staged-backprop", "--answers", str(path))
    assert "∂f/∂xpysqr" in res.output, res.output


@pytest.mark.parametrize(("exercise", "answer", "wrong"), [
    pytest.param("function1", "dc * 3", "did you mean c", id="dc-is-not-c"),
    pytest.param("cs231n-simple", "dq", "did you mean q", id="dq-is-not-q"),
])
def test_a_derivative_without_its_numerator_never_suggests_the_node(run, tmp_path, exercise, answer, wrong):
    """Where no alias declares it, ``dc`` is unknown and the message never suggests ``c`` (a wrong answer)."""
    results = check(run, tmp_path, exercise, {next(iter(_questions(exercise))): answer})
    r = next(iter(results.values()))
    assert r["status"] == "invalid" and wrong not in r["message"], r


def _questions(exercise):
    return [q.target for q in load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")).questions if q.kind == "derivative"]


def _exercise(tmp_path, aliases: str):
    path = tmp_path / "ex.yaml"
    path.write_text("id: tiny\ntitle: Tiny\ninputs: {a: [1, n], W: [n, m]}\nforward: [c = a @ W]\nloss: J\n"
                    "questions: [dJ/da]\n" + aliases, encoding="utf-8")
    return path


@pytest.mark.parametrize(("aliases", "key"), [
    pytest.param("aliases: {a: W}\n", "alias.collides", id="an-input"),
    pytest.param("aliases: {c: dJ/dc}\n", "alias.collides", id="a-node"),
    pytest.param("aliases: {J: dJ/dc}\n", "alias.collides", id="the-loss"),
    pytest.param("aliases: {exp: W}\n", "alias.collides", id="a-built-in-function"),
    pytest.param("aliases: {δ: dJ/dq}\n", "alias.bad_target", id="an-unknown-symbol"),
    pytest.param("aliases: {δ: W + a}\n", "alias.bad_target", id="a-formula"),
    pytest.param("aliases: {'d/x': W}\n", "schema.alias_symbol", id="not-a-symbol"),
])
def test_a_bad_alias_is_an_error_at_its_place(tmp_path, aliases, key):
    """An alias that shadows a name, or stands for nothing of the exercise, is refused with its line."""
    path = _exercise(tmp_path, aliases)
    with pytest.raises(InputError) as err:
        prepare(load_exercise(str(path)))
    assert err.value.key == key and err.value.mark.line == 7


def test_validate_reports_a_colliding_alias(run, tmp_path):
    """``backprop validate`` fails on an alias that collides with a name."""
    res = run("validate", str(_exercise(tmp_path, "aliases: {W: dJ/dc}\n")))
    assert res.exit_code == 1 and "W" in res.output + res.stderr


def test_an_exercise_alias_of_a_derivative_is_graded(run, tmp_path):
    """``δ: dJ/dc`` makes ``δ W^T`` the answer dJ/dc W^T."""
    path = _exercise(tmp_path, "aliases: {δ: dJ/dc}\n")
    assert check(run, tmp_path, path, {"dJ/da": "δ W^T"})["dJ/da"]["status"] == "correct"
    assert check(run, tmp_path, path, {"dJ/da": r"\delta W"})["dJ/da"]["status"] == "incorrect"


def test_the_schema_describes_aliases(run):
    """``backprop schema`` lists ``aliases`` as a map of symbols to text."""
    res = run("schema", "exercise")
    assert json.loads(res.output)["properties"]["aliases"]["additionalProperties"] == {"type": "string"}
