"""Lets you compute every built-in elementwise function numerically, with its derivative f'(x) and, for the
functions with a parameter α (leaky_relu, prelu, elu), the derivative by α. The rules of :mod:`ops` use them."""
from __future__ import annotations

import math

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _phi(x):
    return 0.5 * (1.0 + np.asarray(_erf(x / math.sqrt(2.0)), dtype=float))


_pos = lambda x: (x > 0).astype(float)  # noqa: E731
ALPHA_DEFAULT = {"leaky_relu": 0.01, "elu": 1.0}

#: name: (f(x, α), f'(x, α), ∂f/∂α(x, α) or None)
FUNCTIONS = {
    "exp": (np.exp, lambda x, a: np.exp(x), None),
    "log": (np.log, lambda x, a: 1.0 / x, None),
    "sqrt": (np.sqrt, lambda x, a: 0.5 / np.sqrt(x), None),
    "abs": (np.abs, lambda x, a: np.sign(x), None),
    "sign": (np.sign, lambda x, a: np.zeros_like(x), None),
    "sin": (np.sin, lambda x, a: np.cos(x), None),
    "cos": (np.cos, lambda x, a: -np.sin(x), None),
    "tanh": (np.tanh, lambda x, a: 1.0 - np.tanh(x) ** 2, None),
    "sigmoid": (_sigmoid, lambda x, a: _sigmoid(x) * (1.0 - _sigmoid(x)), None),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x, a: _pos(x), None),
    "leaky_relu": (lambda x, a: np.where(x > 0, x, a * x), lambda x, a: np.where(x > 0, 1.0, a + 0 * x),
                   lambda x, a: np.where(x > 0, 0.0, x)),
    "elu": (lambda x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))),
            lambda x, a: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0))),
            lambda x, a: np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0)))),
    "softplus": (lambda x: np.logaddexp(0.0, x), lambda x, a: _sigmoid(x), None),
    "gelu": (lambda x: x * _phi(x), lambda x, a: _phi(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi), None),
    "hardtanh": (lambda x: np.clip(x, -1.0, 1.0), lambda x, a: (np.abs(x) < 1).astype(float), None),
    "step": (_pos, lambda x, a: np.zeros_like(x), None),
}
FUNCTIONS["prelu"] = FUNCTIONS["leaky_relu"]
TWO_ARGS = frozenset({"leaky_relu", "prelu", "elu"})
