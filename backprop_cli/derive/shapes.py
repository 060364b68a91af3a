"""Lets you reason about shapes: symbolic dimensions, Jacobian dims, broadcasting, and shape answers.

A shape is a tuple of dims, each an int or a dimension name: ``()`` is a scalar, ``(1, "n")`` a row,
``("n", 1)`` a column, ``("r", "c")`` a matrix, and three or more dims a tensor (SPEC section 6).
``norm`` makes 1×1 a scalar and drops size-1 axes of tensors, so every shape has one spelling.
"""
from __future__ import annotations

import re
from typing import Collection, Mapping, Union

Dim = Union[int, str]
Shape = tuple[Dim, ...]
SCALAR: Shape = ()


def norm(shape: Collection[Dim]) -> Shape:
    """The one spelling of a shape: 1×1 is a scalar, a tensor loses its size-1 axes, one dim is a row."""
    shape = tuple(shape)
    if len(shape) > 2:
        shape = tuple(d for d in shape if d != 1)
        if len(shape) == 1:
            shape = (1, shape[0])
    if shape == (1, 1) or shape == (1,):
        return SCALAR
    if len(shape) == 1:
        return (1, shape[0])
    return shape


def fmt(shape: Collection[Dim]) -> str:
    """``1×n``, ``m×m×n`` or ``scalar``."""
    return "×".join(str(d) for d in shape) if shape else "scalar"


def is_vector(shape: Shape) -> bool:
    return len(shape) == 2 and (shape[0] == 1 or shape[1] == 1)


def is_column(shape: Shape) -> bool:
    return len(shape) == 2 and shape[1] == 1 and shape[0] != 1


def is_row(shape: Shape) -> bool:
    return len(shape) == 2 and shape[0] == 1 and shape[1] != 1


def dims(shape: Shape) -> Shape:
    """The Jacobian dims of a shape: none for a scalar, the length of a vector, every dim otherwise."""
    if not shape:
        return ()
    if is_vector(shape):
        return (shape[1] if shape[0] == 1 else shape[0],)
    return tuple(shape)


def jacobian_shape(of: Shape, wrt: Shape) -> Shape:
    """The shape of dX/dY: dims(X) ++ dims(Y); a vector result is a column for X, a row for Y."""
    dx, dy = dims(of), dims(wrt)
    if not dx and len(dy) == 1:
        return (1, dy[0])
    if not dy and len(dx) == 1:
        return (dx[0], 1)
    return norm(dx + dy)


def outer_shape(a: Shape, b: Shape) -> Shape:
    """The shape of a ⊗ b: dims(a) ++ dims(b); a scalar side scales the other."""
    if not a or not b:
        return b or a
    return jacobian_shape(a, b)


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """The shape of an elementwise operation on ``a`` and ``b``, or None if they don't broadcast.
    One side must have the result's shape; the other is a scalar or fits it with some axes of size 1."""
    if a == b or not b:
        return a
    if not a:
        return b
    if len(a) != len(b):
        return None
    if all(y in (x, 1) for x, y in zip(a, b)):
        return a
    if all(x in (y, 1) for x, y in zip(a, b)):
        return b
    return None


def matmul_shape(a: Shape, b: Shape) -> Shape | None:
    """The shape of the matrix (tensor) product ``a @ b``, or None if the inner dimensions differ."""
    if not a or not b:
        return b or a
    if a[-1] != b[0]:
        return None
    return norm(a[:-1] + b[1:])


def size_bound(shape: Shape, bound: Mapping[str, int], default: int = 7) -> int:
    """The largest element count of ``shape`` when each named dim is at most ``bound[name]``."""
    n = 1
    for d in shape:
        n *= d if isinstance(d, int) else bound.get(d, default)
    return n


def substitute(shape: Shape, sizes: Mapping[str, int]) -> tuple[int, ...]:
    """The concrete shape for the given dimension sizes."""
    return tuple(d if isinstance(d, int) else sizes[d] for d in shape)


_SPACE = re.compile(r"^(?:ℝ|R|\\mathbb\{R\})\s*\^\s*(.*)$")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_SPLIT = re.compile(r"\s*(?:×|\\times|[*,])\s*|(?<![^\W\d])\s*[xX]\s+|\s+[xX]\s*")   # an x after a letter is part of a name
_BARE_X = re.compile(r"(?<=[\w])[xX](?=[\w])")
_DIM = re.compile(r"^(?:[1-9]\d*|[^\W\d]\w*)$")


def parse_shape(text: object, dims: Collection[str] | None = None) -> Shape | None:
    """A shape answer in any notation of SPEC section 6 (``1 x n``, ``(1, n)``, ``R^{1×n}``, ``scalar``,
    ``m x m x n``), normalised; None if it is no shape. A single dim (``n``) is kept as rank 1. With the
    exercise's ``dims``, ``nxm`` is read as n×m unless ``nxm`` is itself a dimension."""
    from backprop_cli.formula.names import canonical_name

    s = str(text).strip()
    if s.lower() in ("scalar", "skalar", "скаляр", "1", "ℝ", "()", "1x1", "1×1"):
        return SCALAR
    if s in ("R", "r") and (dims is None or s not in dims):    # ℝ, unless the exercise has a dimension r
        return SCALAR
    space = _SPACE.match(s)
    if space:
        s = space.group(1).strip()
    if s[:1] in _PAIRS:
        if not s.endswith(_PAIRS[s[0]]):
            return None
        s = s[1:-1].strip()
    elif s[-1:] in _PAIRS.values():
        return None
    if s in ("x", "X"):
        return None
    parts = _SPLIT.split(s)
    if len(parts) == 1 and not re.search(r"\s", s) and not (_DIM.match(s) and (dims is None or s in dims)):
        parts = _BARE_X.split(s)                 # "nxm", "1xn" (a dimension named "nx" stays whole)
    if not s or not all(_DIM.match(p) for p in parts):
        return None
    dims_ = tuple(int(p) if p.isascii() and p.isdigit() else canonical_name(p) for p in parts)
    if len(dims_) == 1:
        return SCALAR if dims_[0] == 1 else dims_
    return dims_ if len(dims_) > 2 else norm(dims_)   # read as written: m×1×1 is not 1×m
