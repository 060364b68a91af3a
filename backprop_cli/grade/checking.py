"""Lets the commands check files: grade one answers file, watch it, or validate exercise files
together with their sample solutions."""
from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from backprop_cli.errors import BackpropError, InputError, Mark, UsageError

if TYPE_CHECKING:      # the commands import this module early; what it grades with is loaded when used
    from backprop_cli.exercise.model import Exercise
    from backprop_cli.grade.reference import Reference
    from backprop_cli.grade.verdict import Report, Warning_



#: CPU seconds that grading one answers file may take in ``check`` (SPEC 10: under 2 s whatever the
#: input). The work bounds of formulas and the diagnosis budget keep every answer far below it; this is
#: the backstop that no handler can swallow.
CHECK_DEADLINE = 2.0


class Deadline(BaseException):
    """Raised by the timer of :func:`time_limit`: not an Exception, so no per-question handler can
    catch it."""


_TIMERS = {"cpu": (signal.ITIMER_PROF, signal.SIGPROF), "wall": (signal.ITIMER_REAL, signal.SIGALRM)}


@contextmanager
def time_limit(seconds: float | None, clock: str = "cpu") -> Iterator[None]:
    """Within the block, past ``seconds`` of ``clock`` time (``cpu``: a loaded machine does not trip
    it; ``wall``), raise :class:`Deadline`. Only in the main thread, where signals arrive; no limit
    where that is not possible."""
    usable = seconds is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if seconds is None or not usable:
        yield
        return
    timer, signum = _TIMERS[clock]

    def fire(signum: int, frame: FrameType | None) -> None:
        raise Deadline()

    old = signal.signal(signum, fire)
    signal.setitimer(timer, seconds)
    try:
        yield
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signum, old)


@contextmanager
def hard_deadline(seconds: float | None, path: str) -> Iterator[None]:
    """Within the block, past ``seconds`` of CPU time, stop with an InputError at ``path``. Without
    ``seconds`` it sets no limit and claims no :class:`Deadline`: an enclosing limit (grade's wall-clock
    time-out) keeps its own."""
    if seconds is None:
        yield
        return
    try:
        with time_limit(seconds, "cpu"):
            yield
    except Deadline:
        raise InputError("check.deadline", Mark(path, 1, 1), seconds=seconds) from None


def check_files(ex: Exercise, answers_path: str, seed: int = 0, student: str | None = None,
                classmates: Iterable[str] = (), deadline: float | None = None) -> Report:
    """The report for the answers file at ``answers_path`` against exercise ``ex``: against
    ``student``'s numbers when the exercise draws them, and with numbers copied from the worked example
    or from one of ``classmates`` caught. With ``deadline``, grading stops after that many CPU seconds
    (:func:`hard_deadline`)."""
    from backprop_cli.exercise.answers import load_answers, match_answers
    from backprop_cli.exercise.variants import for_student
    from backprop_cli.grade.grading import grade
    from backprop_cli.grade.variant_refs import prepared_for

    own = for_student(ex, student)
    answers = match_answers(own, load_answers(answers_path))
    ref = prepared_for(ex, student, seed)
    with hard_deadline(deadline, answers_path):
        report = grade(ref, answers)
        if own is not ex and not report.passed:
            from backprop_cli.grade.copying import spot_copies

            def others() -> Iterator[tuple[str | None, Reference]]:     # prepared only when a wrong number needs them
                yield None, prepared_for(ex, None, seed)
                yield from ((name, prepared_for(ex, name, seed)) for name in classmates if name != student)
            report = spot_copies(report, ref, answers, others())
    return report


def exercise_identity(ex: Exercise, pinned: str | None = None) -> tuple[str, tuple[Warning_, ...]]:
    """The exercise's fingerprint and the warning that it shadows a built-in exercise (if it does).
    With ``pinned``, an exercise whose fingerprint differs is a usage error (exit 2)."""
    from backprop_cli.exercise.bank import shadowed_builtin
    from backprop_cli.exercise.fingerprint import fingerprint

    fp = fingerprint(ex.path)
    if pinned is not None and (len(pinned) < 12 or not fp.startswith(pinned.strip().lower())):
        raise UsageError("check.fingerprint_mismatch", id=ex.id, actual=fp, expected=pinned)
    builtin = shadowed_builtin(ex.path, ex.id, fp)
    return fp, ((("check.shadows", {"path": ex.path, "id": ex.id}, None),) if builtin else ())


def no_answers(path: str, exercise: str) -> UsageError:
    """The usage error for a missing answers file, with a did-you-mean when a similar file is beside it."""
    import difflib

    from backprop_cli.exercise.bank import ANSWER_EXTS

    folder, name = os.path.split(path)
    try:
        near = [f for f in os.listdir(folder or ".") if f.endswith(ANSWER_EXTS)]
    except OSError:
        near = []
    close = difflib.get_close_matches(name, near, n=1, cutoff=0.7)
    if close:
        return UsageError("check.no_answers_suggest", path=path, closest=os.path.join(folder, close[0]))
    return UsageError("cli.no_answers", path=path, exercise=exercise)


def missing_report(ex: Exercise, error: BackpropError | None = None) -> Report:
    """The report of an answers file that is not there (every question ``missing``), or that cannot be
    read (``error``, a BackpropError: every question ``invalid`` with that error's message)."""
    from backprop_cli.grade.verdict import Report, Result

    status, key, args = ("missing", "result.missing", {}) if error is None else ("invalid", error.key, error.args_)
    results = tuple(Result(q.target, q.kind, status, 0.0, q.points, message=key, args=args, mark=error.mark if error is not None else None)
                    for q in ex.questions)
    return Report(ex.id, ex.title, results)


def watch_file(path: str, run: Callable[[], object], on_error: Callable[[BackpropError], object], interval: float = 0.4,
               until: Callable[[], bool] = lambda: False) -> None:
    """Call ``run`` now and whenever ``path`` changes, until Ctrl-C (or until ``until()`` is true)."""
    last: int | None = None
    try:
        while not until():
            stamp: int | None
            try:
                stamp = os.stat(path).st_mtime_ns
            except OSError:
                stamp = None
            if stamp != last:
                last = stamp
                try:
                    run()
                except BackpropError as err:
                    on_error(err)
            time.sleep(interval)
    except KeyboardInterrupt:
        return


@dataclass(frozen=True)
class FileCheck:
    """What ``validate`` found in one exercise file: problems are message keys with arguments, or errors."""

    path: str
    questions: int
    problems: tuple[tuple[str, dict[str, Any]] | BackpropError, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_files(paths: Iterable[str], seed: int) -> Iterator[FileCheck]:
    """Validate every exercise under ``paths``, one :class:`FileCheck` per file as soon as it is done."""
    from backprop_cli.exercise.bank import exercise_files, solution_for
    from backprop_cli.exercise.model import load_exercise
    from backprop_cli.grade.reference import prepared
    from backprop_cli.grade.teaching_checks import check_mistakes, check_translations, check_variants
    from backprop_cli.grade.validate import check_references

    ids: dict[str, str] = {}
    for path in exercise_files(paths):
        problems: list[tuple[str, dict[str, Any]] | BackpropError] = []
        questions = 0
        try:
            ex = load_exercise(path)
            questions = len(ex.questions)
            if ex.id in ids:
                problems.append(("cli.duplicate_id", {"id": ex.id, "other": ids[ex.id]}))
            ids[ex.id] = path
            ref = prepared(ex, seed)
            problems += [(p.key, p.args) for p in check_references(ref)]
            problems += check_mistakes(ref) + check_translations(ex) + check_variants(ex, seed)
            solution = solution_for(path, ex.id)
            if solution:
                report = check_files(ex, solution, seed)
                if not report.passed:
                    failed = ", ".join(f"{r.question} ({r.status})" for r in report.results if r.status != "correct")
                    problems.append(("cli.solution_failed", {"path": solution, "score": report.score,
                                                             "max_score": report.max_score, "failed": failed}))
        except BackpropError as err:
            problems.append(err)
        yield FileCheck(path, questions, tuple(problems))
