"""Lets you read an exercise in the student's language: its title, description and hints as given under
``translations`` (SPEC section 3), falling back to the file's own (English) texts.

Only the exercise's own words change; a renderer still makes every other word in the language.
"""
from __future__ import annotations

from dataclasses import replace

from backprop_cli.exercise.keys import compact
from backprop_cli.exercise.model import Exercise


def localized(ex: Exercise, lang: str) -> Exercise:
    """``ex`` with its title, description and hints in ``lang`` where its ``translations`` give them."""
    entry = ex.translations.get(lang) or {}
    if not any(entry.get(key) for key in ("title", "description", "hints")):
        return ex
    hints = {compact(key): text for key, text in (entry.get("hints") or {}).items()}
    hinted = {compact(q.target) for q in ex.questions if q.hint}
    questions = tuple(
        replace(q, hint=hints[compact(q.target)])
        if compact(q.target) in hints and (q.hint or compact(q.target) not in hinted) else q
        for q in ex.questions)
    return replace(ex, title=entry.get("title") or ex.title, description=entry.get("description") or ex.description,
                   questions=questions)
