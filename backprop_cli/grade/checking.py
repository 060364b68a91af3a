"""Lets the commands check files: grade one answers file, watch it, or validate exercise files
together with their sample solutions."""
from __future__ import annotations

import os
import time

from backprop_cli.errors import BackpropError
from backprop_cli.messages import message


def check_files(ex, answers_path: str, seed: int = 0, lang: str = "en"):
    """The report for the answers file at ``answers_path`` against exercise ``ex``."""
    from backprop_cli.grade.grading import grade
    from backprop_cli.exercise.answers import load_answers, match_answers
    from backprop_cli.grade.reference import prepared

    answers = match_answers(ex, load_answers(answers_path), lang)
    return grade(prepared(ex, seed), answers)


def watch_file(path: str, run, on_error, interval: float = 0.4, until=lambda: False):
    """Call ``run`` now and whenever ``path`` changes, until Ctrl-C (or until ``until()`` is true)."""
    last = None
    try:
        while not until():
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


def validate_files(paths, seed: int, emit, lang: str = "en") -> bool:
    """Validate every exercise under ``paths``; ``emit(text, ok)`` reports each file. True if all pass."""
    from backprop_cli.exercise.bank import exercise_files, solution_for
    from backprop_cli.exercise.model import load_exercise
    from backprop_cli.grade.reference import prepared
    from backprop_cli.grade.validate import check_references

    all_ok = True
    ids = {}
    for path in exercise_files(paths):
        problems = []
        try:
            ex = load_exercise(path)
            if ex.id in ids:
                problems.append(message("cli.duplicate_id", lang, id=ex.id, other=ids[ex.id]))
            ids[ex.id] = path
            ref = prepared(ex, seed)
            problems += [message(p.key, lang, **p.args) for p in check_references(ref)]
            solution = solution_for(path, ex.id)
            if solution:
                report = check_files(ex, solution, seed, lang)
                if not report.passed:
                    bad = ", ".join(f"{r.question} ({r.status})" for r in report.results if r.status != "correct")
                    problems.append(message("cli.solution_failed", lang, path=solution, score=report.score,
                                            max_score=report.max_score) + f": {bad}")
        except BackpropError as err:
            problems.append(err.render(lang))
        problems = list(dict.fromkeys(problems))
        if problems:
            all_ok = False
            emit(message("cli.validate_failed", lang, path=path, count=len(problems)) + "\n" +
                 "\n".join("  " + p for p in problems), False)
        else:
            emit(message("cli.validated", lang, path=path, questions=len(ex.questions)), True)
    return all_ok
