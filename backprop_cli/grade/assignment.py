"""Lets you say what a class was set and find what each student handed in: the assignment (exercise ids
with optional points, from ``--exercises DIR`` or ``--assignment FILE``) and, per student folder, the one
regular file that answers each exercise. Nothing here follows a symbolic link or reads a file's content.

Everything odd found in a folder is a *problem*: a message key and its arguments, rendered by report/.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from backprop_cli.errors import InputError, UsageError
from backprop_cli.exercise.bank import ANSWER_EXTS, shadowed_builtin
from backprop_cli.exercise.fingerprint import digest

if TYPE_CHECKING:      # loaded when an assignment is read
    from backprop_cli.exercise.model import Exercise

Problem = tuple[str, dict[str, Any]]      # (message key, args)



@dataclass(frozen=True, eq=False)
class Assigned:
    """One exercise of the assignment."""

    id: str
    path: str
    exercise: Exercise
    fingerprint: str
    points: float | None = None    # the exercise scaled to this many points, or its own points
    shadows: str | None = None     # the built-in file it shadows, when it differs from it

    @property
    def raw_max(self) -> float:
        return sum(q.points for q in self.exercise.questions)

    @property
    def scale(self) -> float:
        return 1.0 if self.points is None or not self.raw_max else self.points / self.raw_max

    @property
    def max_score(self) -> float:
        return self.raw_max * self.scale


@dataclass(frozen=True)
class Submission:
    """What one student folder holds: for each exercise id, the file to grade or why there is none."""

    student: str
    files: dict[str, str] = field(default_factory=dict)       # exercise id -> path of a regular file
    errors: dict[str, Problem] = field(default_factory=dict)  # exercise id -> (key, args): a file that cannot be read
    problems: tuple[Problem, ...] = ()                        # (key, args) for everything else worth saying


def _assigned(path: str, points: float | None = None) -> Assigned:
    from backprop_cli.exercise.model import parse_exercise
    from backprop_cli.exercise.yamlio import load_yaml

    node = load_yaml(path)                 # read once: for the exercise and for its fingerprint
    ex = parse_exercise(node, path)
    fp = digest(node)
    return Assigned(ex.id, path, ex, fp, points, shadowed_builtin(path, ex.id, fp))


def load_assignment(exercises_dir: str | None, assignment_file: str | None) -> list[Assigned]:
    """The exercises of the assignment, in order: every exercise file in ``exercises_dir``, or the ids
    (with optional points) listed in ``assignment_file`` (looked up in ``exercises_dir`` when given)."""
    from backprop_cli.exercise.bank import exercise_files, exercise_path

    if exercises_dir is None and assignment_file is None:
        raise UsageError("grade.need_exercises")
    if exercises_dir is not None and not os.path.isdir(exercises_dir):
        raise UsageError("grade.no_exercises_dir", path=exercises_dir)
    if assignment_file is None:
        assert exercises_dir is not None
        return [_assigned(p) for p in exercise_files([exercises_dir])]
    items = _assignment_items(assignment_file)
    out = []
    for ex_id, points in items:
        path: str | None
        if exercises_dir is not None:
            path = next((os.path.join(exercises_dir, ex_id + e) for e in ANSWER_EXTS
                         if os.path.isfile(os.path.join(exercises_dir, ex_id + e))), None)
            if path is None:
                raise UsageError("cli.unknown_exercise", name=os.path.join(exercises_dir, ex_id))
        else:
            path = exercise_path(ex_id)
        out.append(_assigned(path, points))
    return out


def _assignment_items(path: str) -> list[tuple[str, float | None]]:
    from backprop_cli.exercise.yamlio import load_yaml, plain

    data = plain(load_yaml(path))
    if isinstance(data, dict) and set(data) <= {"exercises", "title"}:
        data = data.get("exercises")
    if not isinstance(data, list) or not data:
        raise InputError("grade.bad_assignment", None, path=path)
    items: list[tuple[str, float | None]] = []
    for item in data:
        if isinstance(item, str):
            items.append((item, None))
        elif (isinstance(item, dict) and isinstance(item.get("id"), str) and set(item) <= {"id", "points"}
              and (item.get("points") is None or (isinstance(item["points"], (int, float))
                                                   and not isinstance(item["points"], bool) and item["points"] > 0))):
            items.append((item["id"], None if item.get("points") is None else float(item["points"])))
        else:
            raise InputError("grade.bad_assignment", None, path=path)
    ids = [i for i, _ in items]
    if len(set(ids)) != len(ids):
        raise InputError("grade.bad_assignment", None, path=path)
    return items


def display_name(name: str) -> str:
    """A file name as text that can always be written (undecodable bytes shown as U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special"


def collect(folder: str, ids: Sequence[str]) -> list[Submission]:
    """One :class:`Submission` per student folder under ``folder`` (symbolic links are never followed)."""
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    students = [e for e in entries if e.is_dir(follow_symlinks=False)]
    loose = [e.name for e in entries if e.is_file(follow_symlinks=False) and e.name.endswith(ANSWER_EXTS)
             and os.path.splitext(e.name)[0] in ids]
    if loose and not students:
        raise UsageError("grade.too_deep", path=display_name(folder), file=display_name(loose[0]))
    return [_student(e.path, display_name(e.name), ids) for e in students]


def _student(path: str, student: str, ids: Sequence[str]) -> Submission:
    files: dict[str, str] = {}
    errors: dict[str, Problem] = {}
    problems: list[Problem] = []
    try:
        found = sorted(os.scandir(path), key=lambda e: (os.path.splitext(e.name)[1] != ".yaml", e.name))
    except OSError as err:     # an unreadable folder: every exercise is missing, and the reason is said
        return Submission(student, {}, {}, (("grade.unreadable_folder", {"reason": err.strerror or str(err)}),))
    for e in found:
        name = display_name(e.name)
        stem, ext = os.path.splitext(e.name)
        try:
            mode = e.stat(follow_symlinks=False).st_mode
        except OSError:        # gone since the folder was listed
            continue
        if stat.S_ISDIR(mode):
            inside = _answer_like(e.path)
            if inside:
                problems.append(("grade.subfolder", {"name": name, "files": ", ".join(inside)}))
            continue
        if ext not in ANSWER_EXTS or stem not in ids:
            if ext in ANSWER_EXTS or stem in ids:
                import difflib

                close = difflib.get_close_matches(stem, ids, n=1, cutoff=0.6)
                guess = f"{close[0]}.yaml" if close else None
                problems.append(("grade.unknown_file_suggest" if guess else "grade.unknown_file",
                                 {"name": name, "closest": guess} if guess else {"name": name}))
            continue
        if stem in files or stem in errors:
            kept = os.path.basename(files.get(stem, "")) or f"{stem}.yaml"
            problems.append(("grade.duplicate", {"name": name, "exercise": stem, "kept": display_name(kept)}))
            continue
        if not stat.S_ISREG(mode):
            errors[stem] = ("grade.not_regular", {"name": name, "what": _kind(mode)})
            continue
        files[stem] = e.path
    return Submission(student, files, errors, tuple(problems))


def _answer_like(path: str) -> list[str]:
    try:
        return sorted(display_name(e.name) for e in os.scandir(path) if e.name.endswith(ANSWER_EXTS))[:5]
    except OSError:
        return []
