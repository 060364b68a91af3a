"""The notation corpus (tests/notation_corpus.py): answers written in LaTeX, numpy/torch habits and written
maths are graded by their mathematics, and no answers file is rejected as a whole because of one answer.

The answers of one exercise are graded in rounds, as in tests/test_corpus.py: round i puts the i-th answer
of every question into one answers file, so one unreadable answer would void the whole round.
"""
from __future__ import annotations

import collections
import functools
from pathlib import Path

import pytest
import yaml

import backprop_cli
from backprop_cli.grade.diagnosis import CODES
from notation_corpus import CORPUS

ROOT = Path(__file__).resolve().parents[1]
KIND = {"derivative": "answers", "shape": "shapes", "value": "values"}


def _cases() -> list:
    cases, rounds = [], collections.Counter()
    for ex, sections in CORPUS.items():
        for section, questions in sections.items():
            for question, answers in questions.items():
                for answer, label in answers:
                    rnd = rounds[ex, section, question]
                    rounds[ex, section, question] += 1
                    cases.append((ex, section, question, answer, label, rnd))
    return cases


@functools.lru_cache(maxsize=None)
def _graded(ex: str, rnd: int, tmp: str) -> dict:
    files = {"exercise": ex, "answers": {}, "shapes": {}, "values": {}}
    for e, section, question, answer, _, r in _cases():
        if e == ex and r == rnd:
            files[section][question] = answer
    path = Path(tmp) / f"{ex}-{rnd}.yaml"
    path.write_text(yaml.safe_dump(files, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = backprop_cli.check(str(ROOT / "exercises" / f"{ex}.yaml"), str(path), seed=0)
    return {(KIND[r.kind], r.question): r for r in report.results}


def _params() -> list:
    params = []
    for case in _cases():
        ex, section, question, answer, label, _ = case
        params.append(pytest.param(case, id=f"{ex}:{section}:{question}:{answer}"))
    return params


@pytest.fixture(scope="session")
def round_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("notation-rounds"))


@pytest.mark.parametrize("case", _params())
def test_notation_case(case, round_dir) -> None:
    """An answer in a student's notation gets the verdict its mathematics deserves."""
    ex, section, question, answer, label, rnd = case
    r = _graded(ex, rnd, round_dir)[(section, question)]
    want = {"ok": "correct", "invalid": "invalid"}.get(label, "incorrect")
    where = f"{answer!r} read as {r.read!r}: {r.status}, {r.diagnosis}, {r.message} {r.args}"
    assert r.status == want, where
    if label in CODES:
        assert r.diagnosis == label, where


def test_the_corpus_is_large_and_labelled() -> None:
    """The corpus holds at least 300 answers, every label is a status or a diagnosis code."""
    cases = _cases()
    labels = {c[4] for c in cases}
    assert len(cases) >= 300
    assert labels <= {"ok", "wrong", "invalid"} | set(CODES)
