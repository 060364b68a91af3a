"""backprop: check backpropagation exercises. The small public API for notebooks:

>>> import backprop_cli
>>> report = backprop_cli.check("affine", "solutions/affine.yaml")
>>> report.passed, report.score, report.max_score

Heavy modules are imported only when a function is called, so ``import backprop_cli`` is cheap.
"""
from __future__ import annotations

__all__ = ["check", "solve", "load_exercise"]


def load_exercise(exercise):
    """An exercise from a path or an id (./exercises, then the built-in bank); Exercise objects pass through."""
    if not isinstance(exercise, str):
        return exercise
    from backprop_cli.exercise.bank import exercise_path
    from backprop_cli.exercise.model import load_exercise as _load

    return _load(exercise_path(exercise))


def check(exercise, answers: str, seed: int = 0, student: str | None = None, classmates=()):
    """Grade the answers file ``answers`` against ``exercise``: a :class:`grading.Report` (data; the
    renderers in :mod:`backprop_cli.report` turn it into text). With ``student``, against that
    student's own numbers; numbers of the worked example or of one of ``classmates`` are caught."""
    from backprop_cli.grade.checking import check_files

    return check_files(load_exercise(exercise), answers, seed, student, tuple(classmates))


def solve(exercise, steps: bool = False, mode: str = "reverse", wrt: str | None = None, seed: int = 0,
          student: str | None = None):
    """The reference solution of ``exercise`` (with ``student``'s own numbers): a :class:`solve.Solution`."""
    from backprop_cli.grade.solve import solve as _solve
    from backprop_cli.grade.variant_refs import prepared_for

    return _solve(prepared_for(load_exercise(exercise), student, seed), steps, mode, wrt)
