"""Lets the reader and the printers know the built-in functions: how each may be spelled, how many
arguments it takes, whether ``f'(x)`` exists, and how it prints in unicode and LaTeX.

This is the syntactic half of an operation's entry in :mod:`backprop_cli.derive.ops` (which is built
around this table and checks it covers every function). It lives here because the formula stage comes
first: the parser and printers must not import the derivation stage. A new function is added through
``derive.ops.define``, which declares its syntax here in the same call.
"""
from __future__ import annotations

from typing import NamedTuple


class Syntax(NamedTuple):
    spellings: tuple[str, ...] = ()       # other spellings the reader accepts (the name itself always)
    arity: tuple[int, int] = (1, 1)       # (at least, at most) arguments
    prime: bool = False                   # f'(x) exists: an elementwise function
    latex: str | None = None              # LaTeX command (default \operatorname{name})
    unicode: str | None = None            # unicode print name (default the name)
    const_args: tuple[int, ...] = ()      # argument positions that must fold to a number (an axis)


_ELEMENTWISE = Syntax(prime=True)

#: Every built-in function by canonical name.
SYNTAX: dict[str, Syntax] = {
    "exp": Syntax(prime=True, latex=r"\exp"),
    "log": Syntax(("ln",), prime=True, latex=r"\log"),
    "sqrt": _ELEMENTWISE,
    "abs": _ELEMENTWISE,
    "sign": _ELEMENTWISE,
    "sin": Syntax(prime=True, latex=r"\sin"),
    "cos": Syntax(prime=True, latex=r"\cos"),
    "tanh": Syntax(prime=True, latex=r"\tanh"),
    "sigmoid": Syntax(("sigma", "σ"), prime=True, latex=r"\sigma", unicode="σ"),
    "relu": _ELEMENTWISE,
    "leaky_relu": Syntax(arity=(1, 2), prime=True),
    "prelu": Syntax(arity=(2, 2), prime=True),
    "elu": Syntax(arity=(1, 2), prime=True),
    "softplus": _ELEMENTWISE,
    "gelu": _ELEMENTWISE,
    "hardtanh": _ELEMENTWISE,
    "step": Syntax(("heaviside",), prime=True),
    "sum": Syntax(arity=(1, 2), latex=r"\sum", const_args=(1,)),
    "mean": Syntax(arity=(1, 2), const_args=(1,)),
    "cosh": Syntax(prime=True, latex=r"\cosh"),
    "sinh": Syntax(prime=True, latex=r"\sinh"),
    "sech": Syntax(prime=True),
    "diag": Syntax(),
    "softmax": Syntax(arity=(1, 2), const_args=(1,)),
    "log_softmax": Syntax(arity=(1, 2), const_args=(1,)),
    "logsumexp": Syntax(arity=(1, 2), const_args=(1,)),
    "max": Syntax(arity=(1, 2), latex=r"\max"),
    "min": Syntax(arity=(1, 2), latex=r"\min"),
    "amax": Syntax(arity=(1, 2), const_args=(1,)),
    "amin": Syntax(arity=(1, 2), const_args=(1,)),
    "clip": Syntax(arity=(3, 3), const_args=(1, 2)),
    "norm": Syntax(),
    "trace": Syntax(("tr",), latex=r"\operatorname{tr}"),
    "ones": Syntax(arity=(2, 2)),
    "zeros": Syntax(arity=(2, 2)),
    "eye": Syntax(("I",), latex="I", unicode="I"),
    "outer": Syntax(arity=(2, 2)),          # read as the ⊗ operator
    "transpose": Syntax(),                  # read as the ᵀ operator
}

_SPELLINGS: dict[str, str] = {}


def _index() -> None:
    _SPELLINGS.clear()
    for name, syntax in SYNTAX.items():
        _SPELLINGS[name] = name
        for spelling in syntax.spellings:
            _SPELLINGS[spelling] = name


_index()


def declare(name: str, syntax: Syntax) -> None:
    """Make the reader and printers know function ``name`` (called by ``derive.ops.define``)."""
    SYNTAX[name] = syntax
    _index()


def forget(name: str) -> None:
    """Undo :func:`declare`."""
    SYNTAX.pop(name, None)
    _index()


def function_name(raw: str) -> str | None:
    """The canonical name of a built-in function spelled ``raw`` (``ln`` → ``log``), or None."""
    return _SPELLINGS.get(raw)


def syntax_of(name: str) -> Syntax | None:
    return SYNTAX.get(name)


def elementwise_names() -> frozenset[str]:
    """The built-in functions with a derivative ``f'(x)``."""
    return frozenset(name for name, s in SYNTAX.items() if s.prime)
