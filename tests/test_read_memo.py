"""Grading keeps each answer text as read, and its shape and evaluated form, per preparation (grade/reading.py
``_Read``): a text met again is not parsed, inferred or compiled again, and gets the verdict a fresh
grading gives, with its own file's marks."""
from __future__ import annotations

import pytest

import backprop_cli
from backprop_cli.derive import program
from backprop_cli.errors import Mark
from backprop_cli.exercise.answers import AnswerEntry
from backprop_cli.grade import grading, reading
from backprop_cli.grade.reference import prepare

ANSWERS = [     # (question, text): right, wrong, unreadable, of another shape, a constant, a vector Jacobian
    ("dJ/dW", "a^T @ dJ/dc"),
    ("dJ/dW", "dJ/dc^T @ a"),
    ("dJ/da", "dJ/dc @ W^T"),
    ("dJ/da", "dJ/dc @ W"),
    ("dJ/da", "dJ/dc @@ W"),
    ("dJ/db", "dJ/dc"),
    ("dc/da", "W^T"),
    ("dc/db", "I(m)"),
    ("dc/db", "2"),
]


def _fresh(monkeypatch):
    """A preparation of its own (nothing kept yet), and counters of parses and compilations."""
    ref = prepare(backprop_cli.load_exercise("affine"), 0)
    calls = {"parse": 0, "compile": 0}
    parse, compile_formula = reading.parse, program.compile_formula

    def counted_parse(*a, **kw):
        calls["parse"] += 1
        return parse(*a, **kw)

    def counted_compile(*a, **kw):
        calls["compile"] += 1
        return compile_formula(*a, **kw)

    monkeypatch.setattr(reading, "parse", counted_parse)
    monkeypatch.setattr(program, "compile_formula", counted_compile)
    return ref, calls


def _grade(ref, question, text, line):
    q = next(q for q in ref.questions if q.kind == "derivative" and q.question.target == question)
    return grading.grade_one(ref, q, AnswerEntry(question, text, None, Mark(f"student{line}.yaml", line, 5)))


def test_a_text_met_again_is_read_and_compiled_once(monkeypatch):
    """Grading the same texts for a second and third student parses and compiles nothing more."""
    ref, calls = _fresh(monkeypatch)
    for question, text in ANSWERS:
        _grade(ref, question, text, 1)
    first = dict(calls)
    assert first["parse"] >= len({t for _, t in ANSWERS}) - 1 and first["compile"] > 0
    for line in (2, 3):
        for question, text in ANSWERS:
            _grade(ref, question, text, line)
    assert calls == first


def test_a_kept_reading_gives_the_fresh_verdict_with_the_files_own_mark(monkeypatch):
    """Each answer graded again equals its grading in a fresh preparation, except for where it was written."""
    kept, _ = _fresh(monkeypatch)
    for question, text in ANSWERS:
        _grade(kept, question, text, 1)
    for question, text in ANSWERS:
        again = _grade(kept, question, text, 7)
        fresh = _grade(prepare(backprop_cli.load_exercise("affine"), 0), question, text, 7)
        assert again == fresh, (question, text)
        assert (again.status, again.diagnosis, again.message, again.read) == (fresh.status, fresh.diagnosis, fresh.message, fresh.read)
        assert again.mark == Mark("student7.yaml", 7, 5)
    statuses = {text: _grade(kept, q, text, 9).status for q, text in ANSWERS}
    assert statuses["a^T @ dJ/dc"] == "correct" and statuses["dJ/dc^T @ a"] == "incorrect"
    assert statuses["dJ/dc @@ W"] == "invalid"


def test_the_same_text_to_another_question_is_judged_for_that_question(monkeypatch):
    """The shape and form kept for one question are not used for another: ``dJ/dc`` is right for dJ/db only."""
    ref, _ = _fresh(monkeypatch)
    assert _grade(ref, "dJ/db", "dJ/dc", 1).status == "correct"
    assert _grade(ref, "dJ/da", "dJ/dc", 1).status == "incorrect"
    assert _grade(ref, "dJ/db", "dJ/dc", 2).status == "correct"


@pytest.mark.parametrize("length", [reading.MEMO_TEXT + 1, 5 * reading.MEMO_TEXT])
def test_a_long_text_is_not_kept(monkeypatch, length):
    """A text longer than MEMO_TEXT is read each time, so the memo holds at most MEMO short texts."""
    ref, calls = _fresh(monkeypatch)
    text = "dJ/dc" + " " * (length - len("dJ/dc @ W^T")) + " @ W^T"
    assert len(text) == length
    _grade(ref, "dJ/da", text, 1)
    _grade(ref, "dJ/da", text, 2)
    assert calls["parse"] == 2
    kept = reading._read.get(ref)       # nothing kept for this preparation: not the long text
    assert kept is None or (len(kept.parsed), len(kept.shaped)) == (0, 0)
