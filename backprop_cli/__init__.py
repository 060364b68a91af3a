"""backprop: check backpropagation exercises. The small public API for notebooks:

>>> import backprop_cli
>>> report = backprop_cli.check("affine", "solutions/affine.yaml")
>>> report.passed, report.score, report.max_score
>>> backprop_cli.grade_answer("affine", "dJ/dW", "a^T @ dJ/dc").status
'correct'

Heavy modules are imported only when a function is called, so ``import backprop_cli`` is cheap.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from backprop_cli.exercise.model import Exercise
    from backprop_cli.grade.solve import Solution
    from backprop_cli.grade.verdict import Report, Result

__all__ = ["check", "solve", "grade_answer", "load_exercise"]


def load_exercise(exercise: str | os.PathLike[str] | Exercise) -> Exercise:
    """An exercise from a path or an id (./exercises, then the built-in bank); Exercise objects pass
    through. Loaded once per file version (path, modification time, size), in a small bounded cache,
    so repeated calls reuse its prepared reference."""
    from backprop_cli.grade.embed import cached_exercise

    return cached_exercise(exercise)


def grade_answer(exercise: str | os.PathLike[str] | Exercise, question: str, answer: Any, seed: int = 0,
                 student: str | None = None) -> Result:
    """Grade one answer without an answers file: ``grade_answer("affine", "dJ/dW", "a^T @ dJ/dc")``
    gives the question's :class:`~backprop_cli.grade.verdict.Result` (``.status``, ``.points``, ``.diagnosis``). ``answer`` is
    a formula as text, or numbers."""
    from backprop_cli.grade.embed import grade_answer as _grade_answer

    return _grade_answer(exercise, question, answer, seed, student)


def check(exercise: str | os.PathLike[str] | Exercise, answers: str, seed: int = 0, student: str | None = None,
          classmates: Iterable[str] = ()) -> Report:
    """Grade the answers file ``answers`` against ``exercise``: a :class:`~backprop_cli.grade.verdict.Report` (data; the
    renderers in :mod:`backprop_cli.report` turn it into text). With ``student``, against that
    student's own numbers; numbers of the worked example or of one of ``classmates`` are caught."""
    from backprop_cli.grade.checking import check_files

    return check_files(load_exercise(exercise), answers, seed, student, tuple(classmates))


def solve(exercise: str | os.PathLike[str] | Exercise, steps: bool = False, mode: str = "reverse",
          wrt: str | None = None, seed: int = 0, student: str | None = None) -> Solution:
    """The reference solution of ``exercise`` (with ``student``'s own numbers): a :class:`solve.Solution`."""
    from backprop_cli.grade.solve import solve as _solve
    from backprop_cli.grade.variant_refs import prepared_for

    return _solve(prepared_for(load_exercise(exercise), student, seed), steps, mode, wrt)
