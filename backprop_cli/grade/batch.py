"""Lets you grade a whole class: one folder per student with ``<id>.yaml`` answers files, in N worker
processes, each submission under a time bound, so one hostile file cannot stall the class.

References are prepared once per exercise in each worker and reused for every student.
"""
from __future__ import annotations

import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from backprop_cli.errors import BackpropError, UsageError


@dataclass(frozen=True)
class Row:
    student: str
    exercise: str
    score: float
    max_score: float
    statuses: dict = field(default_factory=dict)   # question -> status
    error: str | None = None                       # why the submission could not be graded

    @property
    def passed(self) -> bool:
        return self.error is None and self.score == self.max_score


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


_exercises: dict = {}


def _exercise(exercises_dir, ex_id):
    from backprop_cli.exercise.bank import exercise_path
    from backprop_cli.exercise.model import load_exercise

    key = (exercises_dir, ex_id)
    if key not in _exercises:
        path = os.path.join(exercises_dir, f"{ex_id}.yaml") if exercises_dir else exercise_path(ex_id)
        if not os.path.isfile(path):     # with --exercises, never fall back to another bank
            raise UsageError("cli.unknown_exercise", name=path)
        _exercises[key] = load_exercise(path)
    return _exercises[key]


def grade_one(task) -> Row:
    """Grade one submission file; never raises."""
    from backprop_cli.grade.checking import check_files

    student, path, exercises_dir, seed, timeout = task
    ex_id = os.path.splitext(os.path.basename(path))[0]
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        ex = _exercise(exercises_dir, ex_id)
        report = check_files(ex, path, seed)
        return Row(student, ex_id, report.score, report.max_score, {r.question: r.status for r in report.results})
    except _Timeout:
        return Row(student, ex_id, 0.0, 0.0, {}, "timeout")
    except BackpropError as err:
        return Row(student, ex_id, 0.0, 0.0, {}, err.render())
    except Exception as err:  # noqa: BLE001 - a bug must not stop the class
        return Row(student, ex_id, 0.0, 0.0, {}, f"internal error: {type(err).__name__}: {err}")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def submissions(folder: str) -> list:
    """(student, answers file) pairs, sorted."""
    tasks = []
    for student in sorted(os.listdir(folder)):
        sdir = os.path.join(folder, student)
        if not os.path.isdir(sdir):
            continue
        for name in sorted(os.listdir(sdir)):
            if name.endswith((".yaml", ".yml")):
                tasks.append((student, os.path.join(sdir, name)))
    return tasks


def grade_class(folder: str, exercises_dir, jobs: int = 1, seed: int = 0, timeout: float = 10.0,
                progress: bool = False) -> list:
    tasks = [(s, p, exercises_dir, seed, timeout) for s, p in submissions(folder)]
    bar = _progress(len(tasks)) if progress else None
    rows = []
    try:
        if jobs == 1:
            for task in tasks:
                rows.append(grade_one(task))
                bar and bar.advance()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for row in pool.map(grade_one, tasks, chunksize=max(1, len(tasks) // (jobs * 8) or 1)):
                    rows.append(row)
                    bar and bar.advance()
    finally:
        bar and bar.stop()
    return rows


class _progress:
    def __init__(self, total):
        from rich.progress import Progress

        self.p = Progress(transient=True)
        self.task = self.p.add_task("grading", total=total)
        self.p.start()

    def advance(self):
        self.p.advance(self.task)

    def stop(self):
        self.p.stop()
