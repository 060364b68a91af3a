"""Lets the core hand its verdicts to the renderers as data: the :class:`Result` of one question and the
:class:`Report` of one answers file (statuses, points, diagnosis codes, message keys with arguments).
:mod:`grading` makes them; :mod:`credit` and :mod:`copying` adjust them; ``report/`` turns them into text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backprop_cli.errors import Mark
from backprop_cli.formula.ast import Expr
from backprop_cli.formula.named import show
from backprop_cli.formula.printers import unicode

Warning_ = tuple[str, dict[str, Any], Mark | None]     # (message key, args, where, if anywhere)
DIMENSION_ERRORS = ("shape.matmul", "shape.broadcast", "shape.elementwise")
RETRYABLE_MESSAGES = DIMENSION_ERRORS + ("result.wrong_shape", "result.wrong_shape_asked", "result.star_is_matmul",
                                           "result.juxtaposed_is_matmul", "result.shape_rank1")


_FOR_PRINTING = frozenset({"reference", "read_formula", "taken"})   # left to the class defaults when pickled


@dataclass(frozen=True)
class Result:
    """The verdict on one question: status, points, and why (a diagnosis code, a message key)."""

    question: str
    kind: str
    status: str                      # correct | incorrect | invalid | missing
    points: float
    max_points: float
    answer: str | None = None        # what the student wrote
    answer_shape: str | None = None
    expected_shape: str | None = None
    diagnosis: str | None = None
    message: str = ""                # message key
    note: str | None = None          # message key of the diagnosis' explanation (None: diag.<diagnosis>)
    note_args: dict[str, Any] = field(default_factory=dict)
    remark: str | None = None        # message key of a remark on the notation used (``^(-1)`` is elementwise)
    args: dict[str, Any] = field(default_factory=dict)
    hint: str | None = None
    mark: Mark | None = None
    caret: tuple[str, int | None] | None = None   # (formula, position) for a fault inside the formula
    solution_text: str | None = None                                     # a reference given as text (numbers)
    credit: str | None = None        # why an incorrect answer earns points: mistake | partial | carried-forward
    reference: Expr | None = field(default=None, compare=False, repr=False)     # the reference formula
    read_formula: Expr | None = field(default=None, compare=False, repr=False)  # the answer as parsed
    taken: frozenset[str] = field(default=frozenset(), compare=False, repr=False)  # the exercise's names

    # A formula too large to print whole is printed through named intermediates (formula/named.py),
    # on one line here: ``g1 = …; g2 = …; answer``, which reads back as the same answer.
    # Printed only when a renderer asks: a class graded in batch never prints a reference.
    def __getstate__(self) -> dict[str, Any]:
        """What a pickled Result carries (``grade``'s workers send theirs to the parent): the verdict, without
        the formulas kept for printing (a batch never prints them; they were half of what was sent). The
        copy is equal to the original; its ``read``, and its ``solution`` of a formula, are None."""
        return {k: v for k, v in self.__dict__.items() if k not in _FOR_PRINTING}

    @property
    def read(self) -> str | None:
        """How the answer was read (unicode)."""
        return None if self.read_formula is None else show(unicode, self.read_formula, self.taken, "; ")

    @property
    def solution(self) -> str | None:
        """The reference (unicode), or the expected shape of a shape question."""
        if self.solution_text is not None or self.reference is None:
            return self.solution_text
        return show(unicode, self.reference, self.taken, "; ")

    @property
    def retryable(self) -> bool:
        """A syntax, shape or dimension error, or any invalid answer: worth another try (SPEC 7.3)."""
        return self.status == "invalid" or (self.status == "incorrect" and (
            self.message in RETRYABLE_MESSAGES or self.diagnosis == "dimension-error"))


class Scored:
    """What a graded answers file adds up to: the one place for :class:`Report` and ``batch.Record``."""

    results: tuple[Result, ...]

    @property
    def score(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def passed(self) -> bool:
        return all(r.status == "correct" for r in self.results)


@dataclass(frozen=True)
class Report(Scored):
    """The verdicts on one answers file, in question order, with the warnings of reading it."""

    exercise: str
    title: str
    results: tuple[Result, ...]
    warnings: tuple[Warning_, ...] = ()
    answers_path: str | None = None
    fingerprint: str | None = None   # sha256 of the exercise's canonical content (grade/assignment.py)
    variant: str | None = None       # the student whose drawn numbers were graded (SPEC 7.5)

    @property
    def max_score(self) -> float:
        return sum(r.max_points for r in self.results)
