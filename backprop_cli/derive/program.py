"""Lets you evaluate a formula fast and in linear time: it is compiled once into a flat list of numpy
operations over slots, then run for each trial.

Compiling walks the formula iteratively (so derived formulas of any depth are fine) and gives equal
sub-formulas one slot (hash-consing by operator and child slots), so a formula that shares sub-terms
(as every expanded gradient of a deep or residual network does) costs one evaluation per distinct node,
never one per path. The forward of each step is the ops table's numpy forward, so a new operation needs
no change here. A slot is released after its last use, so long chains keep few arrays alive.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol, Sequence, cast

import numpy as np

from backprop_cli.cache import BoundedCache
from backprop_cli.errors import EvaluationError
from backprop_cli.formula.ast import Call, Deriv, Expr, Name, Num
from backprop_cli.derive.ops import OPS, as_array, op_key, operands

_NAME, _DERIV = "name", "deriv"
MAX_CACHED = 1024    # compiled programs kept (least recently used first out)
STEP_COST = 1000     # work units of one step beyond its elements: the Python and numpy call overhead


class BudgetExceeded(Exception):
    """The work budget of a search (the diagnosis) ran out; the search stops without a result."""


_budget: list[int | None] = [None]     # remaining work units, or None when no budget is active
Forward = Callable[..., Any] | str    # an op's numpy forward, or _NAME / _DERIV
Step = tuple[Any, Any, tuple[int, ...], tuple[int, ...]]   # (node, its Forward, argument slots, slots to release)


class Env(Protocol):
    """What :func:`run` asks of the trial (a :class:`numeric.NumEnv`)."""

    def name(self, e: Name) -> np.ndarray: ...
    def deriv(self, e: Deriv) -> np.ndarray: ...


@contextmanager
def budget(units: int) -> Iterator[None]:
    """Within the block, every evaluation and compilation is charged (elements computed plus
    :data:`STEP_COST` per step); past ``units`` it raises :class:`BudgetExceeded`. Deterministic: the
    same input stops at the same point on any machine. An enclosing budget is charged what this one spent."""
    old = _budget[0]
    _budget[0] = units
    try:
        yield
    finally:
        spent = units - cast(int, _budget[0])
        _budget[0] = None if old is None else old - spent


class Meter:
    """The work units charged within :func:`metered`, set when its block ends."""

    units = 0


_UNBOUNDED = 2 ** 62


@contextmanager
def metered() -> Iterator[Meter]:
    """Count the work of every evaluation and compilation within the block (as :func:`budget` charges
    it, budgets inside the block included): a bound on the work of an input that no machine's speed changes."""
    meter = Meter()
    with budget(_UNBOUNDED):
        try:
            yield meter
        finally:
            meter.units = _UNBOUNDED - cast(int, _budget[0])


def charge(units: int) -> None:
    """Take ``units`` from the active budget (if any); raise :class:`BudgetExceeded` when it runs out."""
    left = _budget[0]
    if left is not None:
        _budget[0] = left = left - units
        if left < 0:
            raise BudgetExceeded()


class Program:
    """Steps ``(node, forward, argument slots, slots to release)``; the last step is the formula's value."""

    __slots__ = ("steps", "size")

    def __init__(self, steps: list[Step]):
        self.steps = steps
        self.size = len(steps)


def _key(e: Expr, args: tuple[int, ...], functions: dict[str, str]) -> tuple[Any, ...]:
    if isinstance(e, Name):
        return (_NAME, e.name)
    if isinstance(e, Deriv):
        return (_DERIV, e.num, e.den, e.partial)
    if isinstance(e, Num):
        return ("#", e.value)
    if isinstance(e, Call):
        sizes = e.args if not args and e.args else ()      # ones(r, c) reads its sizes itself
        return (op_key(e, functions), e.fn, sizes) + args
    return (op_key(e, functions), getattr(e, "exp", None)) + args


def compile_formula(e: Expr, functions: dict[str, str]) -> Program:
    """The program of formula ``e`` (``functions``: the declared function kinds, which choose the op)."""
    slot_of: dict[int, int] = {}
    keys: dict[tuple[Any, ...], int] = {}
    steps: list[tuple[Expr, Forward]] = []
    arg_lists: list[tuple[int, ...]] = []
    stack = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in slot_of:
            continue
        kids = operands(node, functions)
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(kids) if id(c) not in slot_of)
            continue
        args = tuple(slot_of[id(c)] for c in kids)
        key = _key(node, args, functions)
        slot = keys.get(key)
        if slot is None:
            slot = keys[key] = len(steps)
            steps.append((node, _forward(node, functions)))
            arg_lists.append(args)
        slot_of[id(node)] = slot
    last_use: dict[int, int] = {}
    for i, args in enumerate(arg_lists):
        for a in args:
            last_use[a] = i
    release: list[list[int]] = [[] for _ in steps]
    for a, i in last_use.items():
        release[i].append(a)
    return Program([(node, fwd, args, tuple(rel)) for (node, fwd), args, rel in zip(steps, arg_lists, release)])


def _forward(e: Expr, functions: dict[str, str]) -> Forward:
    if isinstance(e, Name):
        return _NAME
    if isinstance(e, Deriv):
        return _DERIV
    key = op_key(e, functions)
    op = OPS.get(key)
    if op is None:
        raise EvaluationError("name.no_rule", "", max(e.pos, 0), op=key)
    return op.forward


def run(program: Program, env: Env, each: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """The value of the compiled formula in ``env`` (a :class:`numeric.NumEnv`); ``each``, if given, is
    applied to every leaf's and every step's value before it is used (grade/precision rounds them)."""
    with np.errstate(all="ignore"):
        return _run(program, env, each)


def run_trials(program: Program, envs: Sequence[Env]) -> list[np.ndarray]:
    """The values of the compiled formula in each of ``envs`` (one per trial), under one error state."""
    with np.errstate(all="ignore"):
        return [_run(program, env) for env in envs]


def _run(program: Program, env: Env, each: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    vals: list[Any] = [None] * program.size
    budgeted = _budget[0] is not None
    for i, (node, fwd, args, rel) in enumerate(program.steps):
        if fwd is _NAME:
            vals[i] = env.name(node)
        elif fwd is _DERIV:
            vals[i] = env.deriv(node)
        else:
            vals[i] = as_array(fwd(node, tuple(vals[a] for a in args), env))
        if each is not None:
            vals[i] = each(vals[i])
        for a in rel:
            vals[a] = None
        if budgeted:
            charge(STEP_COST + vals[i].size)
    value: np.ndarray = vals[-1]
    return value


_cache = BoundedCache(MAX_CACHED)


def program_of(e: Expr, functions: dict[str, str]) -> Program:
    """:func:`compile_formula`, cached by the identity of the formula and its functions (both kept alive
    with the program, so their ids are not reused)."""
    def make() -> Program:
        prog = compile_formula(e, functions)
        charge(STEP_COST * prog.size // 4)
        return prog

    prog: Program = _cache.get((id(e), id(functions)), make, owner=(e, functions))
    return prog
