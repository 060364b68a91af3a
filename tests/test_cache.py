"""The bounded cache behind every per-object and per-file cache of the package."""
from __future__ import annotations

from backprop_cli.cache import BoundedCache


def test_a_value_is_made_once_per_key():
    """The second get of a key returns the kept value without calling make again."""
    cache, calls = BoundedCache(4), []
    first = cache.get("k", lambda: calls.append(1) or object())
    assert cache.get("k", lambda: calls.append(1) or object()) is first
    assert calls == [1]


def test_the_least_recently_used_entry_is_forgotten_first():
    """Past its size the cache drops the entry used longest ago, and keeps one that was just used."""
    cache = BoundedCache(2)
    cache.get("a", lambda: "A")
    cache.get("b", lambda: "B")
    cache.get("a", lambda: "A2")          # a is now the most recent
    cache.get("c", lambda: "C")           # b goes
    assert len(cache) == 2
    assert cache.get("a", lambda: "new") == "A"
    assert cache.get("b", lambda: "new") == "new"


def test_an_entry_made_for_another_object_never_hits():
    """A key built from id() is only a hit for the very object it was made for (ids are reused)."""
    cache = BoundedCache(4)
    one, other = object(), object()
    cache.get(("x", 1), lambda: "for one", owner=one)
    assert cache.get(("x", 1), lambda: "for other", owner=other) == "for other"
    assert cache.get(("x", 1), lambda: "again", owner=other) == "for other"


def test_an_entry_owned_by_a_tuple_hits_only_for_the_same_objects():
    """A tuple owner (a formula and its functions) hits only when every item is the very same object."""
    cache = BoundedCache(4)
    formula, functions = object(), {}
    cache.get("k", lambda: "compiled", owner=(formula, functions))
    assert cache.get("k", lambda: "again", owner=(formula, functions)) == "compiled"
    assert cache.get("k", lambda: "for equal functions", owner=(formula, {})) == "for equal functions"


def test_programs_are_compiled_once_per_formula_and_functions():
    """program_of keeps a compiled program for the same formula object and functions object only."""
    from backprop_cli.derive.program import program_of
    from backprop_cli.formula.parser import parse

    e, functions = parse("a * b + a"), {}
    assert program_of(e, functions) is program_of(e, functions)
    assert program_of(e, {}) is not program_of(e, functions)
