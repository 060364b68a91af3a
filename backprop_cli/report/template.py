"""Lets a student start: the answers template of an exercise, every question with an empty answer."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop_cli.exercise.model import Exercise


def _quote(key: str) -> str:
    return f'"{key}"' if any(c in key for c in ":#{}[],&*!|>'\"%@`") else key


def answers_template(ex: Exercise, lang: str = "en") -> str:
    """The answers file a student starts from: every question of ``ex`` with an empty answer, and its
    comments in ``lang`` (the exercise's texts as given; see :mod:`texts` for their translations)."""
    from backprop_cli.messages import message

    lines = [f"# {ex.title}"]
    if ex.source:
        lines.append(f"# {message('template.source', lang)}: {ex.source}")
    if ex.description:
        lines.append("#")
        lines += [f"# {line}".rstrip() for line in ex.description.strip().splitlines()]
    if ex.variant is not None:
        from backprop_cli.exercise.variants import numbers_text

        lines += ["#", f"# {message('template.your_numbers', lang, variant=ex.variant)}: " + ", ".join(numbers_text(ex)),
                  f"# {message('template.not_the_example', lang)}",
                  f"# {message('template.check_with', lang)}: backprop check {ex.id} --student {ex.variant}"]
    lines += ["#", f"# {message('template.fill_in', lang, command=f'backprop check {ex.id}')}",
              f"# {message('template.formulas', lang)}: dJ/dc @ W^T, a^T @ dJ/dc, dJ/dz ⊙ σ'(a), ... (docs/formula-language.md)",
              f"exercise: {ex.id}"]
    sections = (("derivative", "answers"), ("shape", "shapes"), ("value", "values"))
    for kind, section in sections:
        qs = [q for q in ex.questions if q.kind == kind]
        if not qs:
            continue
        lines.append(f"{section}:")
        for q in qs:                    # no hints: they are for a wrong answer, not before one (SPEC 7.4)
            lines.append(f"  {_quote(q.target)}:")
    return "\n".join(lines) + "\n"
