"""Exam grading (SPEC 3, 7.3): anticipated mistakes, partial credit by diagnosis, error carried forward
and retryable verdicts, through the API and the command line."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import backprop_cli
from backprop_cli.errors import InputError
from backprop_cli.exercise.model import load_exercise

DENSE = """\
id: dense-exam
title: Dense layer
inputs:
  a: [1, n]
  W: [n, m]
  b: [1, m]
functions:
  f: elementwise
forward:
  - z = a @ W + b
  - c = f(z)
loss: J
partial: {sign-error: 0.25}
questions:
  - dJ/db
  - derivative: dJ/dW
    points: 2
    carry_forward: true
    mistakes:
      - {answer: a^T dJ/dc, points: 1, message: "Almost: you forgot f'(aW + b)."}
    partial: {transposed: 0.5}
  - {derivative: dJ/da, points: 2, carry_forward: true, carry_forward_points: 0.5}
  - {shape: dJ/dW}
translations:
  de:
    mistakes:
      dJ/dW: {"a^T dJ/dc": "Fast: f'(aW + b) fehlt."}
"""

CHAIN = """\
id: chain-exam
title: q = x + y, f = q z
inputs: {x: scalar, y: scalar, z: scalar}
forward:
  - q = x + y
  - f = q * z
loss: f
values: {x: -2, y: 5, z: -4}
carry_forward: true
questions:
  - df/dq
  - df/dx
  - df/dy
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def answers(tmp_path, text, name="answers.yaml"):
    return write(tmp_path, name, text)


def by_question(report):
    return {(r.kind, r.question): r for r in report.results}


@pytest.fixture
def dense(tmp_path):
    return write(tmp_path, "dense-exam.yaml", DENSE)


@pytest.fixture
def chain(tmp_path):
    return write(tmp_path, "chain-exam.yaml", CHAIN)


def test_anticipated_mistake_earns_its_points_and_message(dense, tmp_path):
    """An answer equal to an anticipated mistake (written differently) gets its points and the instructor's message."""
    path = answers(tmp_path, "answers:\n  dJ/dW: transpose(dJ/dc^T a)\n")
    r = by_question(backprop_cli.check(dense, path))[("derivative", "dJ/dW")]
    assert (r.status, r.points, r.max_points, r.credit) == ("incorrect", 1.0, 2.0, "mistake")
    assert r.args["texts"]["en"] == "Almost: you forgot f'(aW + b)."


def test_mistake_message_is_translated(dense, tmp_path, run):
    """The mistake's message comes in the exercise's translation when the report is in that language."""
    path = answers(tmp_path, "answers:\n  dJ/dW: a^T dJ/dc\n")
    res = run("check", dense, "--answers", path, "--format", "json", "--lang", "de")
    result = next(r for r in json.loads(res.output)["results"] if r["question"] == "dJ/dW" and r["kind"] == "derivative")
    assert result["message"] == "Fast: f'(aW + b) fehlt."
    assert result["points"] == 1.0 and result["credit"] == "mistake"


def test_partial_share_by_diagnosis(dense, tmp_path):
    """A diagnosed answer earns its question's share; another question falls back to the exercise's default."""
    path = answers(tmp_path, "answers:\n  dJ/dW: (dJ/dc ⊙ f'(a W + b))^T a\n  dJ/db: -(dJ/dc ⊙ f'(z))\n")
    results = by_question(backprop_cli.check(dense, path))
    dw, db = results[("derivative", "dJ/dW")], results[("derivative", "dJ/db")]
    assert (dw.diagnosis, dw.points, dw.credit) == ("transposed", 1.0, "partial")
    assert (db.diagnosis, db.points, db.credit) == ("sign-error", 0.25, "partial")


def test_partial_credit_shows_in_every_check_format(dense, tmp_path, run):
    """rich, JSON, JUnit and GitHub all show the partial points."""
    path = answers(tmp_path, "answers:\n  dJ/dW: (dJ/dc ⊙ f'(a W + b))^T a\n")
    rich = run("check", dense, "--answers", path)
    assert "[1/2]" in rich.output and "partial credit" in rich.output
    data = json.loads(run("check", dense, "--answers", path, "--format", "json").output)
    assert data["score"] == 1.0
    junit = ET.fromstring(run("check", dense, "--answers", path, "--format", "junit").output)
    case = next(c for c in junit.iter("testcase") if c.get("name") == "dJ/dW")      # the derivative, asked first
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["points"] == "1" and props["credit"] == "partial"
    github = run("check", dense, "--answers", path, "--format", "github").output
    assert "dJ/dW%3A incorrect 1/2" in github


def test_carry_forward_credits_an_answer_built_on_a_wrong_earlier_answer(dense, tmp_path):
    """dJ/dW = aᵀ·(the student's own wrong dJ/db) is right given that dJ/db: full points, with the message."""
    path = answers(tmp_path, "answers:\n  dJ/db: 2 dJ/dc ⊙ f'(z)\n  dJ/dW: a^T (2 dJ/dc ⊙ f'(z))\n"
                             "  dJ/da: (2 dJ/dc ⊙ f'(z)) W^T\n")
    results = by_question(backprop_cli.check(dense, path))
    dw, da = results[("derivative", "dJ/dW")], results[("derivative", "dJ/da")]
    assert (dw.status, dw.points, dw.credit, dw.message) == ("incorrect", 2.0, "carried-forward", "result.carried_forward")
    assert dw.args == {"names": "dJ/db"}
    assert (da.points, da.credit) == (1.0, "carried-forward")      # carry_forward_points: 0.5 of 2


def test_no_carry_forward_when_inconsistent_or_not_asked(dense, tmp_path):
    """An answer wrong even given the student's own dJ/db gets nothing; dJ/db itself is not carried."""
    path = answers(tmp_path, "answers:\n  dJ/db: 2 dJ/dc ⊙ f'(z)\n  dJ/dW: a^T (3 dJ/dc ⊙ f'(z))\n")
    results = by_question(backprop_cli.check(dense, path))
    assert results[("derivative", "dJ/dW")].points == 0.0
    assert results[("derivative", "dJ/db")].credit is None


def test_carry_forward_with_numbers_through_a_node(chain, tmp_path, run):
    """With numbers, df/dx = the student's own df/dq is carried forward through the graph (df/dx = df/dq · 1)."""
    path = answers(tmp_path, "answers:\n  df/dq: -3\n  df/dx: -3\n  df/dy: 7\n")
    res = run("check", chain, "--answers", path)
    assert res.exit_code == 1
    assert "correct given your df/dq" in res.output
    results = by_question(backprop_cli.check(chain, path))
    assert results[("derivative", "df/dx")].points == 1.0
    assert results[("derivative", "df/dy")].points == 0.0


def test_retryable_marks_syntax_shape_and_dimension_errors(dense, tmp_path, run):
    """Syntax errors, wrong shapes and dimension errors are retryable; a wrong value is not."""
    path = answers(tmp_path, "answers:\n  dJ/db: dJ/dc ⊙ (\n  dJ/dW: W\n  dJ/da: W @ a\nshapes:\n  dJ/dW: m x n\n")
    results = by_question(backprop_cli.check(dense, path))
    assert results[("derivative", "dJ/db")].retryable                     # syntax
    assert results[("derivative", "dJ/da")].retryable                     # dimension error
    assert not results[("shape", "dJ/dW")].retryable                      # the shape answer is the answer
    data = json.loads(run("check", dense, "--answers", path, "--format", "json").output)
    assert {(r["kind"], r["question"]): r["retryable"] for r in data["results"]} == {
        ("derivative", "dJ/db"): True, ("derivative", "dJ/dW"): results[("derivative", "dJ/dW")].retryable,
        ("derivative", "dJ/da"): True, ("shape", "dJ/dW"): False}
    github = run("check", dense, "--answers", path, "--format", "github").output
    assert "(retryable)" in github
    junit = ET.fromstring(run("check", dense, "--answers", path, "--format", "junit").output)
    assert any(p.get("name") == "retryable" for p in junit.iter("property"))


def test_wrong_shape_answer_is_retryable(dense, tmp_path):
    """An answer with the wrong shape (here Wᵀ-shaped) is retryable."""
    path = answers(tmp_path, "answers:\n  dJ/dW: W^T\n")
    r = by_question(backprop_cli.check(dense, path))[("derivative", "dJ/dW")]
    assert r.message.startswith("result.wrong_shape") and r.retryable   # _asked: dJ/dW's shape is a question


@pytest.mark.parametrize("bad, key", [
    pytest.param("partial: {transposd: 0.5}", "schema.unknown_key_suggest", id="unknown-code"),
    pytest.param("partial: {transposed: 2}", "schema.share", id="share-above-1"),
    pytest.param("carry_forward_points: -1", "schema.share", id="negative-share"),
    pytest.param("carry_forward: maybe", "schema.expected_bool", id="not-a-flag"),
])
def test_bad_settings_are_schema_errors(tmp_path, bad, key):
    """Unknown codes, shares outside 0..1 and non-boolean flags are errors at their place."""
    path = write(tmp_path, "x.yaml", DENSE.replace("partial: {sign-error: 0.25}", bad))
    with pytest.raises(InputError) as err:
        load_exercise(path)
    assert err.value.key == key


def test_mistake_worth_more_than_the_question_is_an_error(tmp_path):
    """A mistake may not earn more points than its question."""
    path = write(tmp_path, "x.yaml", DENSE.replace("points: 1, message", "points: 3, message"))
    with pytest.raises(InputError) as err:
        load_exercise(path)
    assert err.value.key == "schema.mistake_points"


def test_validate_refuses_a_mistake_equal_to_the_reference(tmp_path, run):
    """validate fails when an anticipated mistake is the reference itself, or cannot be read."""
    same = DENSE.replace("{answer: a^T dJ/dc,", "{answer: \"a^T (dJ/dc ⊙ f'(z))\",")
    res = run("validate", write(tmp_path, "dense-exam.yaml", same))
    assert res.exit_code == 1
    assert "equals the reference" in res.output + res.stderr
    broken = DENSE.replace("{answer: a^T dJ/dc,", "{answer: \"a^T dJ/dc +\",")
    res = run("validate", write(tmp_path, "dense-exam.yaml", broken))
    assert res.exit_code == 1
    assert "cannot be read" in res.output + res.stderr


def test_bank_uses_mistakes_and_partial(run, tmp_path):
    """The bank's dense exercise gives half the points for aᵀ·dJ/dc with its message (the seeds' typical slip)."""
    path = answers(tmp_path, "answers:\n  dJ/dW: a^T dJ/dc\n")
    r = by_question(backprop_cli.check("dense", path))[("derivative", "dJ/dW")]
    assert (r.points, r.max_points, r.credit) == (1.0, 2.0, "mistake")


def test_gradescope_shows_points_and_retryable(dense, tmp_path, run):
    """Gradescope's results.json carries the partial points and marks retryable answers."""
    path = answers(tmp_path, "answers:\n  dJ/dW: (dJ/dc ⊙ f'(a W + b))^T a\n  dJ/db: dJ/dc ⊙ (\n")
    doc = json.loads(run("check", dense, "--answers", path, "--format", "gradescope").output)
    tests = {t["name"]: t for t in doc["tests"]}
    assert tests["dense-exam: dJ/dW"]["score"] == 1.0 and tests["dense-exam: dJ/dW"]["extra_data"]["credit"] == "partial"
    assert tests["dense-exam: dJ/db"]["extra_data"]["retryable"] is True
    assert tests["dense-exam: dJ/dW"]["extra_data"]["retryable"] is True       # m×n for n×m: a shape error


def test_validate_names_a_translation_of_no_mistake(tmp_path, run):
    """A translated mistake message whose answer is no anticipated mistake of its question fails validate."""
    text = DENSE.replace('dJ/dW: {"a^T dJ/dc":', 'dJ/dW: {"a^T @ dJ/dc":')
    res = run("validate", write(tmp_path, "dense-exam.yaml", text))
    assert res.exit_code == 1
    assert "translations.de.mistakes: dJ/dW has no anticipated mistake 'a^T @ dJ/dc'" in res.output + res.stderr


def test_bank_mistake_messages_come_in_every_language(tmp_path, run):
    """The bank's anticipated mistakes answer in German and Russian too."""
    path = answers(tmp_path, "answers:\n  de/db: d\n")
    messages = set()
    for lang in ("en", "de", "ru"):
        data = json.loads(run("check", "colah-graph", "--answers", path, "--format", "json", "--lang", lang).output)
        messages.add(next(r["message"] for r in data["results"] if r["question"] == "de/db"))
    assert len(messages) == 3


def test_grade_shows_partial_points_and_retryable(tmp_path, run):
    """grade counts partial and carried-forward points in scores, per-question CSV points and JSON records."""
    bank = tmp_path / "bank"
    bank.mkdir()
    write(bank, "dense-exam.yaml", DENSE)
    sub = tmp_path / "subs" / "ana"
    sub.mkdir(parents=True)
    write(sub, "dense-exam.yaml", "answers:\n  dJ/dW: (dJ/dc ⊙ f'(a W + b))^T a\n  dJ/db: dJ/dc ⊙ (\n")
    data = json.loads(run("grade", str(tmp_path / "subs"), "--exercises", str(bank), "--format", "json").output)
    record = data["students"][0]["exercises"][0]
    assert record["score"] == 1.0
    results = {(r["kind"], r["question"]): r for r in record["results"]}
    assert results[("derivative", "dJ/dW")]["credit"] == "partial"
    assert results[("derivative", "dJ/db")]["retryable"] is True
    csv_text = run("grade", str(tmp_path / "subs"), "--exercises", str(bank), "--format", "csv").output
    head, row = csv_text.splitlines()[:2]
    cells = dict(zip(head.split(","), row.split(",")))
    assert cells["dense-exam dJ/dW [derivative] points"] == "1"
    junit = run("grade", str(tmp_path / "subs"), "--exercises", str(bank), "--format", "junit").output
    assert "dJ/dW: incorrect 1/2" in junit and "dJ/db: invalid 0/1 (retryable)" in junit
