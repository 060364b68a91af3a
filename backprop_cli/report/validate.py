"""Lets you show what ``validate`` found in an exercise file, in the reader's language."""
from __future__ import annotations

from typing import Any

from backprop_cli.errors import BackpropError
from backprop_cli.grade.checking import FileCheck
from backprop_cli.messages import message


def validate_text(check: FileCheck, lang: str = "en") -> str:
    """``path: ok (…)``, or ``path: N problem(s)`` followed by one indented line per distinct problem."""
    if check.ok:
        return message("cli.validated", lang, path=check.path, questions=check.questions)
    problems = list(dict.fromkeys(_problem(p, lang) for p in check.problems))
    return (message("cli.validate_failed", lang, path=check.path, count=len(problems)) + "\n"
            + "\n".join("  " + p for p in problems))


def _problem(problem: tuple[str, dict[str, Any]] | BackpropError, lang: str) -> str:
    if isinstance(problem, BackpropError):
        return problem.render(lang)
    key, args = problem
    if "reason_key" in args:      # a nested message, such as why an anticipated mistake cannot be read
        args = {**args, "reason": message(args["reason_key"], lang, **args.get("reason_args", {}))}
    return message(key, lang, **args)
