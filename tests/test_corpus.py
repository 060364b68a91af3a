"""The labelled answer corpus (tests/corpus/<exercise-id>.yaml): for every exercise in the bank, answers
written in many equivalent notations (must be graded correct) and with the typical mistakes (must be
graded incorrect, with the named diagnosis), plus answers that must be rejected as invalid.

Corpus file format (one file per exercise)::

    exercise: affine
    right:          {<question>: [answer, ...]}          # status correct
    wrong:          {<question>: [case, ...]}            # status incorrect (unless the case says status:)
    invalid:        {<question>: [answer, ...]}          # status invalid
    shapes_right:   {<shape question>: [shape, ...]}
    shapes_wrong:   {<shape question>: [case, ...]}
    values_right:   {<value question>: [number, ...]}
    values_wrong:   {<value question>: [case, ...]}

An answer is a string (or a number or nested list, written to the answers file as is). A case is an
answer or a mapping ``{answer: ..., diagnosis: <code>|null, status: ..., xfail: "<reason>"}``:
``diagnosis`` is asserted when the key is present (``null`` asserts that no code is given), ``says`` asserts
the message key that explains the diagnosis (``diag.note.missing-term``; where no code of SPEC 7.3 names
the mistake, the explanation is still given in words; ``null``: the code's own message), ``xfail``
marks a known grader bug (strict, so a fix shows up). Any entry of ``right``/``invalid`` may be such a
mapping too.

Grading every case through its own file would be slow, so the answers of one exercise are graded in
rounds: round i puts the i-th case of every question into one answers file. Questions are graded
independently, so each case still gets its own verdict, and its own test id.
"""
from __future__ import annotations

import collections
import functools
import re
from pathlib import Path

import pytest
import yaml

import backprop_cli
from backprop_cli.grade.diagnosis import CODES

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
CORPUS = Path(__file__).resolve().parent / "corpus"

# section -> (answers-file section, default expected status)
SECTIONS = {
    "right": ("answers", "correct"),
    "wrong": ("answers", "incorrect"),
    "invalid": ("answers", "invalid"),
    "shapes_right": ("shapes", "correct"),
    "shapes_wrong": ("shapes", "incorrect"),
    "shapes_invalid": ("shapes", "invalid"),
    "values_right": ("values", "correct"),
    "values_wrong": ("values", "incorrect"),
}
CASE_KEYS = {"answer", "diagnosis", "status", "xfail", "note", "says"}
STATUSES = {"correct", "incorrect", "invalid", "missing"}
_UNSET = object()


class Case:
    def __init__(self, exercise, section, question, index, raw):
        self.exercise, self.section, self.question, self.index = exercise, section, question, index
        self.file_section, status = SECTIONS[section]
        entry = raw if isinstance(raw, dict) else {"answer": raw}
        unknown = set(entry) - CASE_KEYS
        assert not unknown, f"{exercise}: {section}/{question}: unknown case keys {sorted(unknown)}"
        assert "answer" in entry, f"{exercise}: {section}/{question}: case without 'answer': {raw!r}"
        self.answer = entry["answer"]
        self.status = entry.get("status", status)
        assert self.status in STATUSES, f"{exercise}: {section}/{question}: bad status {self.status!r}"
        self.diagnosis = entry.get("diagnosis", _UNSET)
        assert self.diagnosis is _UNSET or self.diagnosis is None or self.diagnosis in CODES, (
            f"{exercise}: {section}/{question}: unknown diagnosis {self.diagnosis!r}")
        self.says = entry.get("says", _UNSET)
        self.xfail = entry.get("xfail")
        self.round = None  # set by _schedule

    @property
    def id(self) -> str:
        text = self.answer if isinstance(self.answer, str) else repr(self.answer)
        text = re.sub(r"\s+", " ", text)
        if len(text) > 60:
            text = text[:57] + "..."
        return f"{self.exercise}:{self.section}:{self.question}:{text}"


def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@functools.lru_cache(maxsize=None)
def corpus_cases(exercise_id: str) -> tuple:
    data = _load(CORPUS / f"{exercise_id}.yaml")
    assert data.get("exercise") == exercise_id, f"corpus/{exercise_id}.yaml: exercise: must be {exercise_id}"
    unknown = set(data) - set(SECTIONS) - {"exercise"}
    assert not unknown, f"corpus/{exercise_id}.yaml: unknown sections {sorted(unknown)}"
    cases = []
    for section in SECTIONS:
        for question, answers in (data.get(section) or {}).items():
            assert isinstance(answers, list), f"{exercise_id}: {section}/{question} must be a list"
            for i, raw in enumerate(answers):
                cases.append(Case(exercise_id, section, question, i, raw))
    _schedule(cases)
    return tuple(cases)


_SYMBOL = re.compile(r"[d∂]\w+\s*/\s*[d∂]\w+")
SOLO = 10_000


def _schedule(cases) -> None:
    """Give each case a round, so that no round holds two answers to the same question. An answer that
    uses a derivative symbol is graded alone: it may lean on another question's symbol, and whether that
    is allowed depends on the other answers of its file (SPEC 7.2, answers that lean on each other)."""
    used = collections.Counter()
    solo = SOLO
    for case in cases:
        if isinstance(case.answer, str) and _SYMBOL.search(case.answer):
            case.round, solo = solo, solo + 1
            continue
        key = (case.file_section, case.question)
        case.round = used[key]
        used[key] += 1


def exercise_ids() -> list:
    return sorted(p.stem for p in EXERCISES.glob("*.yaml"))


def corpus_ids() -> list:
    return sorted(p.stem for p in CORPUS.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def graded_round(exercise_id: str, rnd: int, tmp_dir: str) -> dict:
    """{(file section, question): Result} for the round ``rnd`` of the exercise's corpus."""
    files = {"exercise": exercise_id, "answers": {}, "shapes": {}, "values": {}}
    for case in corpus_cases(exercise_id):
        if case.round == rnd:
            files[case.file_section][case.question] = case.answer
    path = Path(tmp_dir) / f"{exercise_id}-{rnd}.yaml"
    path.write_text(yaml.safe_dump(files, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = backprop_cli.check(str(EXERCISES / f"{exercise_id}.yaml"), str(path), seed=0)
    kind = {"derivative": "answers", "shape": "shapes", "value": "values"}
    return {(kind[r.kind], r.question): r for r in report.results}


def _all_cases() -> list:
    params = []
    for ex in corpus_ids():
        for case in corpus_cases(ex):
            marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
            params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.fixture(scope="session")
def round_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("corpus-rounds"))


@pytest.mark.parametrize("case", _all_cases())
def test_corpus_case(case: Case, round_dir: str) -> None:
    results = graded_round(case.exercise, case.round, round_dir)
    key = (case.file_section, case.question)
    assert key in results, f"{case.question!r} is not a {case.file_section} question of {case.exercise}"
    r = results[key]
    where = (f"{case.exercise} / {case.question} / answer {case.answer!r} (read as {r.read!r}): "
             f"status {r.status}, diagnosis {r.diagnosis}, message {r.message} {r.args}")
    assert r.status == case.status, f"expected status {case.status}; {where}"
    if case.diagnosis is not _UNSET:
        assert r.diagnosis == case.diagnosis, f"expected diagnosis {case.diagnosis}; {where}"
    if case.says is not _UNSET:
        assert r.note == case.says, f"expected the explanation {case.says}, got {r.note}; {where}"


def test_every_exercise_has_a_corpus_file() -> None:
    missing = sorted(set(exercise_ids()) - set(corpus_ids()))
    stray = sorted(set(corpus_ids()) - set(exercise_ids()))
    assert not missing, f"exercises without a corpus file in tests/corpus/: {missing}"
    assert not stray, f"corpus files without an exercise: {stray}"


def test_every_derivative_question_has_right_and_wrong_answers() -> None:
    problems = []
    for ex_id in exercise_ids():
        ex = backprop_cli.load_exercise(str(EXERCISES / f"{ex_id}.yaml"))
        cases = corpus_cases(ex_id) if (CORPUS / f"{ex_id}.yaml").exists() else ()
        for q in ex.questions:
            section = {"derivative": "answers", "shape": "shapes", "value": "values"}[q.kind]
            mine = [c for c in cases if c.file_section == section and c.question == q.target]
            if not any(c.status == "correct" for c in mine):
                problems.append(f"{ex_id}: {q.target}: no right answer")
            if not any(c.status == "incorrect" for c in mine):
                problems.append(f"{ex_id}: {q.target}: no wrong answer")
    assert not problems, "\n".join(problems)


def test_every_diagnosis_code_is_named_at_least_three_times() -> None:
    counts = collections.Counter(c.diagnosis for ex in corpus_ids() for c in corpus_cases(ex)
                                 if c.diagnosis is not _UNSET and c.diagnosis is not None and not c.xfail)
    thin = {code: counts[code] for code in CODES if counts[code] < 3}
    assert not thin, f"diagnosis codes named fewer than 3 times in the corpus: {thin}"
