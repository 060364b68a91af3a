"""Lets you find exercises: by path, by id in ./exercises, or by id in the built-in bank in the wheel."""
from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING, Iterable

from backprop_cli.errors import UsageError

if TYPE_CHECKING:
    from backprop_cli.exercise.model import Exercise

BUILTIN = Path(__file__).resolve().parent.parent / "bank"
ANSWER_EXTS = (".yaml", ".yml")     # the extensions of exercise and answers files


def exercise_path(name: str) -> str:
    """The file of exercise ``name`` (a path or an id)."""
    if os.path.isfile(name):
        return name
    for folder in (Path("exercises"), BUILTIN):
        for ext in ANSWER_EXTS:
            candidate = folder / f"{name}{ext}"
            if candidate.is_file():
                return str(candidate)
    raise UsageError("cli.unknown_exercise", name=name)


def shadowed_builtin(path: str, ex_id: str, fp: str) -> str | None:
    """The built-in exercise file that ``path`` shadows with different content (``fp``, its fingerprint), if any."""
    from backprop_cli.exercise.fingerprint import fingerprint

    for ext in ANSWER_EXTS:
        builtin = BUILTIN / f"{ex_id}{ext}"
        if builtin.is_file():
            if os.path.realpath(builtin) == os.path.realpath(path):
                return None
            return None if fingerprint(str(builtin)) == fp else str(builtin)
    return None


def load(name: str, student: str | None = None) -> Exercise:
    """The exercise ``name`` (a path or an id), with ``student``'s own numbers when it draws them."""
    from backprop_cli.exercise.model import load_exercise
    from backprop_cli.exercise.variants import for_student

    ex: Exercise = for_student(load_exercise(exercise_path(name)), student)
    return ex


def exercise_files(paths: Iterable[str]) -> list[str]:
    """Every exercise file under ``paths`` (files or folders), sorted; ./exercises or the bank by default."""
    if not paths:
        paths = ["exercises"] if os.path.isdir("exercises") else [str(BUILTIN)]
    files = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(str(f) for f in Path(p).iterdir() if f.suffix in ANSWER_EXTS and f.is_file())
            if not found:
                raise UsageError("cli.no_exercises", path=p)
            files.extend(found)
        elif os.path.isfile(p):
            files.append(p)
        else:
            files.append(exercise_path(p))
    return files


def solution_for(exercise_file: str, ex_id: str) -> str | None:
    """The sample solution of an exercise: ``solutions/<id>.yaml`` beside its folder, or in the working directory."""
    here = Path(exercise_file).resolve().parent
    for folder in (here.parent / "solutions", Path("solutions")):
        candidate = folder / f"{ex_id}.yaml"
        if candidate.is_file():
            return str(candidate)
    return None
