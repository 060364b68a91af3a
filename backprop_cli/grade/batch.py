"""Lets you grade a whole class: every student folder × every exercise of the assignment gets one record,
graded in worker processes (grade/pool.py) that each hold the prepared exercises, so one hostile file costs
only its own record. A submission is ended after ``timeout`` seconds, a worker is capped in memory, and a worker that
dies is replaced: its submission is retried once, then marked.

A fault of the tool (a bug, a worker that died twice, an exercise that cannot be prepared) is never charged
to the student (SPEC 10): the record's questions get the status ``error``, the record is not counted in
the student's score, and ``grade`` flags it for the instructor in every output and exits 2.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from backprop_cli.grade.assignment import Assigned, Problem, collect, load_assignment
from backprop_cli.grade.checking import Deadline, time_limit
from backprop_cli.grade.pool import MEMORY_MIB, Outcome, run_tasks
from backprop_cli.grade.verdict import Scored

if TYPE_CHECKING:      # loaded in the workers, when they grade
    from backprop_cli.grade.verdict import Report, Result, Warning_

Task = tuple[str, str, str]           # (exercise id, answers file, student)


@dataclass(frozen=True)
class Record(Scored):
    """The grade of one student on one exercise; ``results`` are check's results, one per question."""

    student: str
    exercise: str
    results: tuple[Result, ...]
    max_score: float
    error: Problem | None = None   # (message key, args): why the file could not be graded
    file: str | None = None
    warnings: tuple[Warning_, ...] = ()   # from reading the answers
    variant: str | None = None     # the student whose drawn numbers were graded (SPEC 7.5)
    internal: bool = False         # ``error`` is a fault of the tool, not of the file: the record is not counted

    @property
    def counted(self) -> bool:
        """Whether the record counts in the student's total (a tool fault does not)."""
        return not self.internal

    @property
    def passed(self) -> bool:
        return self.error is None and super().passed


@dataclass(frozen=True)
class ClassGrade:
    """The grades of a class: one record per student and exercise, and what was odd in their folders."""

    assignment: list[Assigned]
    records: list[Record]            # sorted by student then assignment order
    problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)   # student -> ((key, args), ...)

    def students(self) -> list[tuple[str, list[Record]]]:
        """(student, their records) in the records' order."""
        out: dict[str, list[Record]] = {}
        for r in self.records:
            out.setdefault(r.student, []).append(r)
        return list(out.items())

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.records)

    @property
    def internal(self) -> list[Record]:
        """The records that a fault of the tool left ungraded (for the instructor to look at)."""
        return [r for r in self.records if r.internal]


def _placeholder(assigned: Assigned, student: str, status: str, error: Problem | None = None,
                 file: str | None = None) -> Record:
    """A record whose questions all have ``status``: missing, invalid (the file cannot be read or graded),
    or error (a fault of the tool: not counted)."""
    from backprop_cli.grade.verdict import Result

    key, args = error or ("result.missing", {})
    results = tuple(Result(q.target, q.kind, status, 0.0, q.points * assigned.scale, message=key, args=args)
                    for q in assigned.exercise.questions)
    return Record(student, assigned.id, results, assigned.max_score, error, file, internal=status == "error")


def _scaled(assigned: Assigned, student: str, report: Report, file: str) -> Record:
    s = assigned.scale
    results = report.results if s == 1.0 else tuple(
        replace(r, points=r.points * s, max_points=r.max_points * s) for r in report.results)
    return Record(student, assigned.id, results, assigned.max_score, None, file, report.warnings, report.variant)


# --- in a worker -------------------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def grade_one(task: Task) -> Outcome:
    """Grade one file: ("ok", report), ("error", key, args) for a file that cannot be graded, or ("internal",
    key, args) for a bug of the tool; only a time-out escapes, as checking.Deadline."""
    from backprop_cli.errors import BackpropError
    from backprop_cli.grade.checking import check_files

    ex_id, path, student = task
    try:
        return ("ok", check_files(_STATE["assignment"][ex_id].exercise, path, _STATE["seed"], student,
                                  _STATE["classmates"]))
    except BackpropError as err:
        return ("error", err.key, dict(err.args_))
    except MemoryError:
        return ("error", "grade.out_of_memory", {"limit": MEMORY_MIB})
    except RecursionError:
        return ("error", "grade.too_complex", {})
    except Exception as err:  # noqa: BLE001 - a bug in the tool, reported as one, never the student's fault
        return ("internal", "cli.bug", {"error": f"{type(err).__name__}: {err}"})


def _timed(task: Task, timeout: float) -> Outcome:
    from backprop_cli.errors import BackpropError
    from backprop_cli.grade.reference import prepared

    try:      # the exercise is prepared once per worker, outside the student's time; it is not the student's fault
        prepared(_STATE["assignment"][task[0]].exercise, _STATE["seed"])
    except BackpropError as err:
        return ("internal", err.key, dict(err.args_))
    try:
        with time_limit(timeout, "wall"):
            return grade_one(task)
    except Deadline:
        return ("error", "grade.timed_out", {"seconds": timeout})


def grade_class(folder: str, exercises_dir: str | None = None, assignment_file: str | None = None, jobs: int = 1,
                seed: int = 0, timeout: float = 10.0, progress: Callable[[], object] | None = None) -> ClassGrade:
    """Grade every student folder under ``folder`` on every exercise of the assignment.

    Submissions go to the workers exercise by exercise, so each worker prepares (and caches) only the
    exercises of the chunks it takes, in parallel with the others."""
    assignment = load_assignment(exercises_dir, assignment_file)
    by_id = {a.id: a for a in assignment}
    subs = collect(folder, list(by_id))
    _STATE.update(assignment=by_id, seed=seed, classmates=tuple(s.student for s in subs))
    records: dict[tuple[str, str], Record] = {}
    tasks: list[Task] = []
    where: list[tuple[str, str]] = []
    for a in assignment:
        for sub in subs:
            key = (sub.student, a.id)
            if a.id in sub.files:
                where.append(key)
                tasks.append((a.id, sub.files[a.id], sub.student))
            elif a.id in sub.errors:
                records[key] = _placeholder(a, sub.student, "invalid", sub.errors[a.id])
            else:
                records[key] = _placeholder(a, sub.student, "missing")

    def done(index: int, outcome: Outcome) -> None:
        student, ex_id = where[index]
        a, file = by_id[ex_id], tasks[index][1]
        name = os.path.basename(file)
        if outcome[0] == "ok":
            records[(student, ex_id)] = _scaled(a, student, outcome[1], name)
        else:
            status = "error" if outcome[0] == "internal" else "invalid"
            records[(student, ex_id)] = _placeholder(a, student, status, (outcome[1], outcome[2]), name)
        progress and progress()

    if tasks:
        run_tasks(tasks, _timed, jobs, timeout, done)
    ordered = [records[(s.student, a.id)] for s in subs for a in assignment]
    return ClassGrade(assignment, ordered, {s.student: s.problems for s in subs if s.problems})


def summary(cg: ClassGrade) -> list[dict[str, Any]]:
    """Per question of the assignment: how many students got each status and each diagnosis."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a in cg.assignment:
        for q in a.exercise.questions:
            rows[(a.id, q.kind, q.target)] = {"exercise": a.id, "question": q.target, "kind": q.kind,
                                              "correct": 0, "incorrect": 0, "invalid": 0, "missing": 0,
                                              "error": 0, "diagnoses": {}}
    for rec in cg.records:
        for r in rec.results:
            row = rows.get((rec.exercise, r.kind, r.question))
            if row is None:
                continue
            row[r.status] += 1
            if r.diagnosis:
                row["diagnoses"][r.diagnosis] = row["diagnoses"].get(r.diagnosis, 0) + 1
    for row in rows.values():
        row["diagnoses"] = dict(sorted(row["diagnoses"].items(), key=lambda kv: (-kv[1], kv[0])))
    return list(rows.values())


def totals(cg: ClassGrade) -> list[tuple[str, float, float, float, list[Record]]]:
    """(student, score, max_score, percent, records) per student; a record the tool could not grade counts
    neither in the score nor in the maximum."""
    out = []
    for student, recs in cg.students():
        score = sum(r.score for r in recs if r.counted)
        max_score = sum(r.max_score for r in recs if r.counted)
        out.append((student, score, max_score, 100.0 * score / max_score if max_score else 0.0, recs))
    return out
