"""Lets you read the habits students bring from numpy, torch and written maths (SPEC section 5.1) as the
formula language means them: other spellings of a name (``W_2`` for ``W2``, ``ŷ`` for ``yhat``), identity
matrices written ``I_m``, function names in any case, numpy's function and keyword spellings.

Everything here maps text to names of the formula language; nothing evaluates anything.
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any, Collection, TypeVar

from backprop_cli.errors import FormulaSyntaxError
from backprop_cli.formula.ast import DIV, HADAMARD, MUL, Bin, Call, Expr, Neg, Num, T
from backprop_cli.formula.constants import fold
from backprop_cli.formula.vocabulary import function_name as builtin

#: numpy/torch functions that are an operator of the language: ``np.dot(a, b)`` is ``a @ b``.
OPERATOR_CALLS = {"dot": MUL, "matmul": MUL, "mm": MUL, "multiply": HADAMARD, "divide": DIV}
#: numpy/torch names of built-in functions.
NUMPY_FUNCTIONS = {"maximum": "max", "minimum": "min", "max": "max", "min": "min", "diagflat": "diag", "identity": "eye",
                   "logistic": "sigmoid", "expit": "sigmoid", "sigm": "sigmoid"}
#: Keyword arguments that name an axis (``np.sum(X, axis=0)``) or change nothing here (``keepdims``).
AXIS_KEYWORDS = {"axis", "dim"}
IGNORED_KEYWORDS = {"keepdims", "keepdim"}
#: Methods read after an operand: ``a.dot(b)``, ``X.sum(0)``, ``x.t()``, ``(y > 0).astype(float)``.
METHODS = {"dot", "matmul", "mm", "sum", "mean", "transpose", "t", "astype", "float", "double"}

_IDENTITY = re.compile(r"(?:I|Id|𝕀|E)_(\w+)")
_HAT = "\u0302"


def function_name(raw: str, declared: dict[str, str]) -> str | None:
    """The built-in (or declared) function ``raw`` names, in any case (``Tanh``, ``ReLU``), or None."""
    if raw in declared:
        return raw
    fn = builtin(raw) or NUMPY_FUNCTIONS.get(raw)
    if fn is None and raw.isascii():
        low = raw.lower()
        fn = builtin(low) or NUMPY_FUNCTIONS.get(low) or (low if low in OPERATOR_CALLS else None)
    return fn


def holds_comma(toks: Any, i: int) -> bool:
    """Whether the parenthesis at ``toks[i]`` holds a comma at its own level: ``foo(a, b)`` is a call."""
    depth = 0
    for tok in toks[i:]:
        depth += (tok.kind == "(") - (tok.kind == ")")
        if depth == 0 or (tok.kind == "," and depth == 1):
            return bool(tok.kind == ",")
    return False


def _spellings(name: str) -> set[str]:
    """Other ways of writing ``name``: with or without ``_`` before digits and hats, ``ŷ`` ↔ ``yhat``."""
    out = {name.replace("_", ""), re.sub(r"(?<=[^\W\d_])(\d+)$", r"_\1", name)}
    decomposed = unicodedata.normalize("NFD", name)
    if _HAT in decomposed:
        out.add(decomposed.replace(_HAT, "hat"))
    m = re.fullmatch(r"([^\W\d_])_?hat(_?\d*)", name)
    if m:
        out.add(unicodedata.normalize("NFC", m.group(1) + _HAT) + m.group(2))
    more = set()
    for alt in out:
        more |= {alt.replace("_", ""), re.sub(r"(?<=[^\W\d_])(\d+)$", r"_\1", alt)}
    return (out | more) - {name}


def resolve(name: str, names: Collection[str] | None) -> str:
    """``name`` as the exercise spells it, when exactly one of its other spellings is a known name."""
    if names is None or name in names:
        return name
    hits = {alt for alt in _spellings(name) if alt in names}
    return hits.pop() if len(hits) == 1 else name


def identity_size(name: str, names: Collection[str] | None) -> str | None:
    """``m`` for ``I_m``, ``Id_m`` or ``𝕀_m`` (an identity matrix), unless the exercise knows the name."""
    if names is None or name in names:
        return None
    m = _IDENTITY.fullmatch(name)
    return m.group(1) if m else None


E = TypeVar("E", bound=Expr)


class HabitReader:
    """The parts of the parser that read numpy's methods and two-argument max/min (mixed into it)."""

    if TYPE_CHECKING:   # what the parser provides
        text: str

        def advance(self) -> Any: ...
        def arguments(self, allow_empty: bool = False) -> list[Expr]: ...
        def node(self, node: E) -> E: ...

    def method(self, node: Expr) -> Expr:
        """``a.dot(b)``, ``X.sum(0)``, ``x.t()``, ``(y > 0).astype(float)``: numpy's methods."""
        tok = self.advance()
        name = tok.text.lstrip(".")
        args = self.arguments(allow_empty=True)
        if name in ("dot", "matmul", "mm") and len(args) == 1:
            return self.node(Bin(MUL, node, args[0], tok.pos))
        if name in ("sum", "mean") and len(args) <= 1:
            axis = [Num(fold(a, self.text, "shape.const_arg"), a.pos) for a in args]
            return self.node(Call(name, (node, *axis), False, tok.pos))
        if name in ("transpose", "t") and not args:
            return self.node(T(node, tok.pos))
        if name in ("astype", "float", "double"):
            return node
        raise FormulaSyntaxError("syntax.arity", self.text, tok.pos, fn=tok.text, low=0, high=1, n=len(args))

    def refuse_unknown_call(self, tok: Any, fn: str | None, toks: list[Any], i: int) -> None:
        """``foo(a, b)`` with an unknown ``foo`` is an unknown function (``W(x + b)`` stays a product)."""
        if not fn and toks[i].kind == "(" and not toks[i].space and holds_comma(toks, i):
            raise FormulaSyntaxError("syntax.unknown_function", self.text, tok.pos, fn=tok.text)

    def max_min(self, fn: str, args: list[Expr], start: Any) -> Expr | None:
        """``max(x, 0)`` is relu(x), ``min(x, 0)`` is -relu(-x); other forms are the max/min operations
        (None), unless the table lacks them."""
        zero = [isinstance(a, Num) and a.value == 0 for a in args]
        if len(args) == 2 and any(zero) and not all(zero):
            x = args[1] if zero[0] else args[0]
            if fn == "max":
                return self.node(Call("relu", (x,), False, start.pos))
            return self.node(Neg(Call("relu", (Neg(x, start.pos),), False, start.pos), start.pos))
        if builtin(fn) is None:
            raise FormulaSyntaxError("syntax.max_general", self.text, start.pos, fn=start.text)
        return None

