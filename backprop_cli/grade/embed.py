"""Lets tools that embed the grader (a web form, a notebook cell, a test harness) grade many answers
fast: exercises are loaded and prepared once and kept in a small bounded cache, keyed by the file's
path, modification time and size, so an edited exercise is read again and memory stays flat.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from backprop_cli.cache import BoundedCache
from backprop_cli.errors import Mark, UsageError
from backprop_cli.exercise.model import Exercise
from backprop_cli.grade.verdict import Result

MAX_EXERCISES = 32
_exercises = BoundedCache(MAX_EXERCISES)


def cached_exercise(exercise: str | os.PathLike[str] | Exercise) -> Exercise:
    """The exercise for a path or an id, loaded once per (path, modification time, size); an Exercise
    object passes through."""
    if not isinstance(exercise, (str, os.PathLike)):
        return exercise
    from backprop_cli.exercise.bank import exercise_path
    from backprop_cli.exercise.model import load_exercise

    path = os.path.abspath(exercise_path(os.fspath(exercise)))
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
    except OSError:
        key = None              # let the loader give its own error
    if key is None:
        return load_exercise(path)
    ex: Exercise = _exercises.get(key, lambda: load_exercise(path))
    return ex


def grade_answer(exercise: str | os.PathLike[str] | Exercise, question: str, answer: Any, seed: int = 0,
                 student: str | None = None) -> Result:
    """The :class:`verdict.Result` of one answer (a formula as text, or numbers) to ``question`` of
    ``exercise``: what ``check`` would give that question, without an answers file."""
    from backprop_cli.exercise.answers import AnswerEntry
    from backprop_cli.exercise.keys import normalize_key
    from backprop_cli.grade.grading import grade_one
    from backprop_cli.grade.variant_refs import prepared_for

    ex = cached_exercise(exercise)
    ref = prepared_for(ex, student, seed)
    wanted = normalize_key(question)
    q = next((q for q in ref.questions if normalize_key(q.question.target) == wanted), None)
    if q is None:
        raise UsageError("api.no_question", exercise=ex.id, question=question,
                         questions=", ".join(q.question.target for q in ref.questions))
    mark = Mark("<answer>", 1, 1)
    if isinstance(answer, str):
        entry = AnswerEntry(q.question.target, answer, None, mark)
    else:
        entry = AnswerEntry(q.question.target, None, np.asarray(answer, dtype=float), mark)
    return grade_one(ref, q, entry)
