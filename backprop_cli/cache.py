"""Lets a stage keep what it made for an object or a file, bounded: a least-recently-used cache whose
entries can be tied to the object (or the tuple of objects) they were made for, so an id() reused by a
new object never hits."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable


class BoundedCache:
    """At most ``size`` entries; the least recently used one is forgotten first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any], owner: Any = None) -> Any:
        """The value kept under ``key`` for ``owner`` (compared by identity; a tuple item by item), else
        ``make()``, kept with its owner (which keeps the owner alive, so its id() is not reused)."""
        hit = self._entries.get(key)
        if hit is not None and _same(hit[0], owner):
            self._entries.move_to_end(key)
            return hit[1]
        value = make()
        self._entries[key] = (owner, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def _same(a: Any, b: Any) -> bool:
    if type(a) is tuple and type(b) is tuple:
        return len(a) == len(b) and all(x is y for x, y in zip(a, b))
    return a is b
