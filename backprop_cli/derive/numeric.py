"""Lets you put numbers into formulas: seeded random instantiation within domains, evaluation with
numpy (float64), and central finite differences.

All randomness comes from a seeded source passed in by the caller (:class:`draws.Draws`, or a
``numpy.random.Generator``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from backprop_cli.formula.ast import Deriv, Expr, Name
from backprop_cli.derive.infer import const_of, dim_of
from backprop_cli.derive.ops import as_array
from backprop_cli.derive.draws import Rng
from backprop_cli.derive.shapes import Dim


@dataclass
class NumEnv:
    """What a formula's names mean in one trial."""

    values: dict[str, np.ndarray]                               # name -> array (inputs, nodes)
    sizes: dict[str, int]                                       # dimension name -> int
    functions: dict[str, str] = field(default_factory=dict)     # declared name -> kind
    smooth: dict[str, Any] = field(default_factory=dict)        # declared elementwise name -> (f, f')
    derivs: Any = None                                          # Deriv -> array (a callable or a dict by key)

    def name(self, e: Name) -> np.ndarray:
        """The value of a name: an input or node, or the size a dimension name stands for."""
        if e.name in self.values:
            return self.values[e.name]
        return np.asarray(float(self.sizes[e.name]))

    def deriv(self, e: Deriv) -> np.ndarray:
        """The value of a derivative symbol in this trial."""
        value: np.ndarray = self.derivs(e) if callable(self.derivs) else self.derivs[e.key]
        return value

    def function(self, name: str) -> Any:
        """(f, f') of a declared elementwise function in this trial."""
        return self.smooth[name]

    def size(self, d: Dim) -> int:
        """The size of a dim in this trial."""
        return d if isinstance(d, int) else self.sizes[d]

    def dim(self, e: Expr) -> Dim:
        """A size argument (see :func:`infer.dim_of`)."""
        return dim_of(e, self.sizes)

    def const(self, e: Expr) -> float:
        """A constant argument (see :func:`infer.const_of`)."""
        return const_of(e)


def evaluate(e: Expr, env: NumEnv) -> np.ndarray:
    """The value of formula ``e`` (shapes must have been checked with :func:`infer.infer`), by its
    compiled program: each distinct sub-formula once, however deep or shared."""
    from backprop_cli.derive.program import program_of, run

    value: np.ndarray = run(program_of(e, env.functions), env)
    return value


def evaluate_trials(e: Expr, envs: list[NumEnv]) -> list[np.ndarray]:
    """The values of formula ``e`` in each of ``envs`` (the trials), compiled once and run in turn: the
    trials differ in their sizes, so they cannot share one stacked array."""
    from backprop_cli.derive.program import program_of, run_trials

    return run_trials(program_of(e, envs[0].functions), envs) if envs else []


# -- random instantiation ----------------------------------------------------------------------------
def draw_sizes(names: Iterable[str], rng: Rng, fixed: dict[str, int] | None = None) -> dict[str, int]:
    """Distinct sizes from 2..7 for the dimension names (wider if there are more than six)."""
    ordered = sorted(names)
    pool = list(range(2, max(8, len(ordered) + 2)))
    picks = rng.permutation(pool)[: len(ordered)]
    sizes = {n: int(s) for n, s in zip(ordered, picks)}
    sizes.update(fixed or {})
    return sizes


def draw_value(shape: tuple[int, ...], domain: str, rng: Rng) -> np.ndarray:
    """A random array of ``shape`` (concrete) within ``domain``."""
    if domain == "positive":
        x = rng.uniform(0.5, 2.0, shape)
    elif domain == "nonzero":
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    elif domain == "unit":
        x = rng.uniform(0.05, 0.95, shape)
    elif domain == "onehot":
        x = np.zeros(shape)
        flat = x.reshape(-1) if len(shape) < 2 or 1 in shape else None
        if flat is not None:
            flat[rng.integers(flat.size)] = 1.0
        else:
            x[np.arange(shape[0]), rng.integers(shape[1], size=shape[0])] = 1.0
    elif domain == "binary":
        x = rng.integers(0, 2, shape).astype(float)
    elif domain == "probability":
        x = rng.uniform(0.1, 1.0, shape)
        axis = None if len(shape) < 2 or 1 in shape else 1
        x = x / x.sum(axis=axis, keepdims=axis is not None)
    else:
        x = rng.normal(0.0, 1.0, shape)
        x = np.where(np.abs(x) < 0.05, 0.3, x)   # stay clear of the kinks of relu, abs, step
    return as_array(x)


def smooth_function(rng: Rng) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """A random smooth elementwise function and its derivative, for a declared ``f: elementwise``."""
    a, b, c, d = rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.5), rng.uniform(-1, 1), rng.uniform(0.2, 1.0)
    return (lambda x: a * np.sin(b * x + c) + d * x,
            lambda x: a * b * np.cos(b * x + c) + d)


def central_difference(f: Callable[[np.ndarray], Any], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f(x) / dx by central differences, for a scalar-valued f: an array of x's shape."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = f(x)
        flat[i] = old - eps
        lo = f(x)
        flat[i] = old
        gflat[i] = (hi - lo) / (2 * eps)
    return grad


def agree(a: Any, b: Any) -> bool:
    """Whether two trial values are the same array (float64 tolerances of SPEC 7.1)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    # np.allclose's test without its overhead; NaN and ∞ never agree (checked first, so the arithmetic
    # below meets finite numbers only and needs no np.errstate)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return False
    return bool((np.abs(a - b) <= 1e-9 + 1e-6 * np.abs(b)).all())
