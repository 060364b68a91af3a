"""Lets a student start: the answers template of an exercise, every question with an empty answer."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop_cli.exercise.model import Exercise


def _quote(key: str) -> str:
    return f'"{key}"' if any(c in key for c in ":#{}[],&*!|>'\"%@`") else key


def answers_template(ex: Exercise) -> str:
    """The answers file a student starts from: every question of ``ex`` with an empty answer."""
    lines = [f"# {ex.title}"]
    if ex.source:
        lines.append(f"# Source: {ex.source}")
    if ex.description:
        lines.append("#")
        lines += [f"# {line}".rstrip() for line in ex.description.strip().splitlines()]
    if ex.variant is not None:
        from backprop_cli.exercise.variants import numbers_text

        lines += ["#", f"# Your numbers (variant {ex.variant}): " + ", ".join(numbers_text(ex)),
                  "# Use these numbers, not those of the worked example above.",
                  f"# Check with: backprop check {ex.id} --student {ex.variant}"]
    lines += ["#", "# Fill in every answer; run 'backprop check " + ex.id + "' to grade it.",
              "# Formulas: dJ/dc @ W^T, a^T @ dJ/dc, dJ/dz ⊙ σ'(a), ... (see docs/formula-language.md)",
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
