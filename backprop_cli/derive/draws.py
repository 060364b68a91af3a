"""Lets the trials draw their seeded random numbers without loading ``numpy.random``, which would add about
10 ms to every ``check``'s start-up: :class:`Draws` offers the few calls of numpy's ``Generator`` that
the trials make, with the same meaning, from Python's Mersenne Twister (``random.Random``, loaded anyway).
An array of more than :data:`LARGE` numbers comes from a numpy generator seeded from the same stream, so
a large exercise is not drawn number by number in Python.
"""
from __future__ import annotations

import math
import random
from typing import Any, Callable, Protocol, Sequence

import numpy as np

LARGE = 4096
Size = int | tuple[int, ...] | None


class Rng(Protocol):
    """What the trials ask of a random source: :class:`Draws`, or a ``numpy.random.Generator``."""

    def permutation(self, x: Sequence[int]) -> Any: ...
    def uniform(self, low: float = 0.0, high: float = 1.0, size: Size = None) -> Any: ...
    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Size = None) -> Any: ...
    def choice(self, a: Sequence[float], size: Size = None) -> Any: ...
    def integers(self, low: int, high: int | None = None, size: Size = None) -> Any: ...


class Draws:
    """Seeded random numbers as numpy arrays (a float or int without ``size``), numpy's meanings:
    ``integers(low, high)`` excludes ``high``, ``integers(n)`` is ``integers(0, n)``."""

    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)

    def permutation(self, x: Sequence[int]) -> np.ndarray:
        out = list(x)
        self._r.shuffle(out)
        return np.array(out)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Size = None) -> Any:
        if size is None:
            return self._r.uniform(low, high)
        return self._array(size, lambda: self._r.uniform(low, high), lambda g, s: g.uniform(low, high, s))

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Size = None) -> Any:
        if size is None:
            return self._r.gauss(loc, scale)
        return self._array(size, lambda: self._r.gauss(loc, scale), lambda g, s: g.normal(loc, scale, s))

    def choice(self, a: Sequence[float], size: Size = None) -> Any:
        items = list(a)
        if size is None:
            return self._r.choice(items)
        return self._array(size, lambda: self._r.choice(items), lambda g, s: g.choice(items, s))

    def integers(self, low: int, high: int | None = None, size: Size = None) -> Any:
        low, high = (0, low) if high is None else (low, high)
        if size is None:
            return self._r.randrange(low, high)
        return self._array(size, lambda: self._r.randrange(low, high), lambda g, s: g.integers(low, high, s),
                           dtype=np.int64)

    def _array(self, size: int | tuple[int, ...], one: Callable[[], float],
               many: Callable[[Any, tuple[int, ...]], np.ndarray], dtype: Any = float) -> np.ndarray:
        shape = (size,) if isinstance(size, int) else tuple(size)
        n = math.prod(shape)
        if n > LARGE:
            generator = np.random.default_rng(self._r.getrandbits(64))
            return np.asarray(many(generator, shape), dtype=dtype)
        return np.fromiter((one() for _ in range(n)), dtype=dtype, count=n).reshape(shape)
