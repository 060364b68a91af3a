"""Lets every student have numbers of their own (SPEC 7.5): the drawn ``values`` of an exercise, seeded
by the student's name, so a neighbour's numbers are of no use.

The numbers depend only on the exercise id, the student's name and the input, never on the order of
students or on the machine: ``backprop check --student ana`` and ``backprop grade`` (folder ``ana``)
give Ana the same numbers.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Protocol, Sequence, TypeVar, cast

import numpy

from backprop_cli.cache import BoundedCache
from backprop_cli.errors import Mark
from backprop_cli.exercise.teaching import Draw

Values = dict[str, tuple[numpy.ndarray, Mark]]


class _Input(Protocol):
    @property
    def name(self) -> str: ...


class Drawn(Protocol):
    """What this module asks of an exercise (an :class:`~backprop_cli.exercise.model.Exercise`, which
    imports this module, so it is named by what it has)."""

    @property
    def id(self) -> str: ...
    @property
    def values(self) -> Values: ...
    @property
    def draws(self) -> dict[str, Any]: ...
    @property
    def inputs(self) -> Sequence[_Input]: ...


E = TypeVar("E", bound=Drawn)

_cache = BoundedCache(4096)


def student_rng(exercise_id: str, student: str, name: str) -> numpy.random.Generator:
    """The generator for input ``name`` of ``student`` in exercise ``exercise_id``."""
    from backprop_cli.exercise.fingerprint import sha256

    digest = sha256(f"{exercise_id}\x00{student}\x00{name}".encode("utf-8"))
    return numpy.random.default_rng(int.from_bytes(digest[:8], "little"))


def draw(spec: Draw, rng: numpy.random.Generator) -> numpy.ndarray:
    """Numbers of ``spec`` (a :class:`teaching.Draw`): whole numbers, or reals rounded to its digits."""
    if spec.kind == "integer":
        out = rng.integers(int(numpy.ceil(spec.low)), int(numpy.floor(spec.high)) + 1, size=spec.shape)
        return numpy.asarray(out, dtype=numpy.float64)
    real: numpy.ndarray = numpy.asarray(numpy.round(rng.uniform(spec.low, spec.high, size=spec.shape), spec.digits) + 0.0)
    return real


def drawn_values(draws: Mapping[str, Draw], exercise_id: str, student: str) -> Values:
    """``{input: (array, mark)}`` of ``student``'s numbers."""
    return {name: (draw(spec, student_rng(exercise_id, student, name)), spec.mark) for name, spec in draws.items()}


def default_values(draws: Mapping[str, Draw]) -> Values:
    """The numbers used when no student is named: each draw's ``default`` (the seed's numbers), or a
    fixed draw where it has none."""
    return {name: (spec.default, spec.mark) if spec.default is not None
            else (draw(spec, student_rng("", "", name)), spec.mark) for name, spec in draws.items()}


def for_student(ex: E, student: str | None) -> E:
    """``ex`` with ``student``'s numbers (``variant`` names the student); ``ex`` itself when it draws
    nothing or no student is named. The same object is returned for the same exercise and student, so
    references prepared for it are reused."""
    if student is None or not ex.draws:
        return ex
    def make() -> Any:
        values = {**ex.values, **drawn_values(ex.draws, ex.id, student)}
        return dataclasses.replace(cast(Any, ex), values=values, variant=student)   # ex is a dataclass

    variant: E = _cache.get((id(ex), student), make, owner=ex)
    return variant


def numbers_text(ex: Drawn) -> list[str]:
    """``name = value`` for every input of ``ex`` with values (a variant's own numbers), in input order."""
    return [f"{spec.name} = {_number_text(ex.values[spec.name][0])}" for spec in ex.inputs if spec.name in ex.values]


def _number_text(array: Any) -> str:
    def fmt(x: Any) -> str:
        return f"{float(x):g}"
    if numpy.ndim(array) == 0:
        return fmt(array)
    return "[" + ", ".join(_number_text(a) for a in array) + "]"
