"""Lets you show the exercises of a bank as a table or as JSON."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from rich.console import Console

    from backprop_cli.exercise.model import Exercise


def _row(ex: Exercise) -> dict[str, Any]:
    return {"id": ex.id, "title": ex.title, "tags": list(ex.tags), "difficulty": ex.difficulty,
            "questions": len(ex.questions), "source": ex.source, "path": ex.path}


def listing_json(exercises: Iterable[Exercise]) -> str:
    """The exercises as a JSON list, each with its fingerprint."""
    from backprop_cli.exercise.fingerprint import fingerprint

    return json.dumps([{**_row(e), "fingerprint": fingerprint(e.path)} for e in exercises], ensure_ascii=False, indent=2)


def print_listing(exercises: Iterable[Exercise], console: Console, lang: str = "en") -> None:
    """The exercises as a table on ``console``, its column names in ``lang``."""
    from rich.markup import escape
    from rich.table import Table

    from backprop_cli.messages import message

    table = Table(*(message("list.column." + c, lang) for c in ("id", "title", "tags", "difficulty", "questions", "source")))
    for e in exercises:      # an exercise's text is data, never rich markup
        table.add_row(escape(e.id), escape(e.title), escape(", ".join(e.tags)), str(e.difficulty or ""),
                      str(len(e.questions)), escape(e.source or ""))
    console.print(table)
