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
from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, SUB, Bin, Call, Expr, Name, Neg, Num, Pow, T
from backprop_cli.formula.constants import fold
from backprop_cli.formula.vocabulary import function_name as builtin

#: numpy/torch functions that are an operator of the language: ``np.dot(a, b)`` is ``a @ b``.
OPERATOR_CALLS = {"dot": MUL, "matmul": MUL, "mm": MUL, "multiply": HADAMARD, "mul": HADAMARD, "divide": DIV,
                  "div": DIV, "true_divide": DIV, "add": ADD, "subtract": SUB, "sub": SUB}
#: numpy/torch names of built-in functions.
NUMPY_FUNCTIONS = {"maximum": "max", "minimum": "min", "max": "max", "min": "min", "diagflat": "diag", "identity": "eye",
                   "logistic": "sigmoid", "expit": "sigmoid", "sigm": "sigmoid"}
#: Keyword arguments that name an axis (``np.sum(X, axis=0)``) or change nothing here (``keepdims``).
AXIS_KEYWORDS = {"axis", "dim"}
IGNORED_KEYWORDS = {"keepdims", "keepdim", "dtype"}
#: Keyword bounds of ``torch.clamp(x, min=0)`` and ``np.clip(x, a_min=0, a_max=None)``.
BOUND_KEYWORDS = {"min": "min", "max": "max", "a_min": "min", "a_max": "max"}
#: numpy/torch calls read here (not functions of the language): ``np.where(x > 0, g, 0)``, ``torch.clamp``.
HABIT_CALLS = {"where", "clamp", "clip", "square", "power", "pow", "greater", "greater_equal", "less", "less_equal",
               "ones_like", "zeros_like"}
#: Comparisons by name (``np.greater(Y, 0)``, ``Y.gt(0)``): the indicator step(a - b), or step(b - a).
COMPARISONS = {"greater": 1, "greater_equal": 1, "gt": 1, "ge": 1, "less": -1, "less_equal": -1, "lt": -1, "le": -1}
#: Methods that change nothing here: a copy, a dtype, or numpy's 1-D view of a vector (``s.squeeze()``).
IDENTITY_METHODS = {"astype", "float", "double", "clone", "detach", "copy", "squeeze", "flatten", "ravel"}
#: Shape functions that numpy calls with a tuple: ``np.ones((1, m))``.
SHAPE_CALLS = {"ones", "zeros"}
#: Elementwise functions torch also has as methods: ``x.relu()``, ``z.sigmoid()``.
FUNCTION_METHODS = {"relu", "sigmoid", "tanh", "exp", "log", "abs", "sign", "sqrt", "sin", "cos"}
#: Methods read after an operand: ``a.dot(b)``, ``X.sum(0)``, ``x.t()``, ``(y > 0).astype(float)``.
METHODS = {"dot", "matmul", "mm", "sum", "mean", "transpose", "t", "clamp", "clip", "pow", "gt", "ge", "lt",
           "le"} | FUNCTION_METHODS | IDENTITY_METHODS

_IDENTITY = re.compile(r"(?:I|Id|𝕀|E)_(\w+)")
_HAT = "\u0302"


def function_name(raw: str, declared: dict[str, str]) -> str | None:
    """The built-in (or declared) function ``raw`` names, in any case (``Tanh``, ``ReLU``), or None."""
    if raw in declared:
        return raw
    fn = builtin(raw) or NUMPY_FUNCTIONS.get(raw)
    if fn is None and raw.isascii():
        low = raw.lower()
        fn = builtin(low) or NUMPY_FUNCTIONS.get(low) or (low if low in OPERATOR_CALLS or low in HABIT_CALLS else None)
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

    keywords: dict[str, Expr] = {}

    if TYPE_CHECKING:   # what the parser provides
        text: str
        i: int
        toks: list[Any]

        @property
        def tok(self) -> Any: ...
        def advance(self) -> Any: ...
        def expect(self, kind: str) -> Any: ...
        def arguments(self, allow_empty: bool = False) -> list[Expr]: ...
        def node(self, node: E) -> E: ...
        def check_exponent(self, value: float, pos: int) -> float: ...

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
        if name in IDENTITY_METHODS:
            return node
        if name in ("clamp", "clip", "pow") or name in COMPARISONS:
            return self.habit_call(name, [node, *args], tok)
        if name in FUNCTION_METHODS and not args:
            return self.node(Call(name, (node,), False, tok.pos))
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


    def shape_arguments(self, fn: str) -> list[Expr] | None:
        """The arguments of ``np.ones((1, m))``: numpy's shape tuple as the two arguments; None otherwise."""
        if fn not in SHAPE_CALLS or self.tok.kind != "(" or self.toks[self.i + 1].kind != "(":
            return None
        self.advance()
        args = self.arguments()
        while self.tok.kind == ",":     # np.zeros((n, 1), dtype=float)
            self.advance()
            self.expect("name")
            self.expect("=")
            self.advance()
        self.expect(")")
        return args

    def habit_call(self, fn: str, args: list[Expr], start: Any) -> Expr:
        """``np.where(x > 0, g, 0)``, ``torch.clamp(x, min=0)``, ``np.clip(x, 0, None)``, ``np.square(x)``."""
        if fn == "where":
            return self.where(args, start)
        if fn == "square" and len(args) == 1:
            return self.node(Pow(args[0], 2.0, start.pos))
        if fn in ("power", "pow") and len(args) == 2:
            return self.node(Pow(args[0], self.check_exponent(fold(args[1], self.text), args[1].pos), start.pos))
        if fn in ("clamp", "clip") and 1 <= len(args) <= 3:
            return self.clamp(args, start)
        if fn in COMPARISONS and len(args) == 2:       # np.greater(Y, 0), Y.gt(0): the indicator
            big, small = args if COMPARISONS[fn] > 0 else args[::-1]
            diff = big if isinstance(small, Num) and small.value == 0 else Bin(SUB, big, small, start.pos)
            return self.node(Call("step", (diff,), False, start.pos))
        if fn in ("ones_like", "zeros_like"):
            raise FormulaSyntaxError("syntax.like", self.text, start.pos, fn=start.text, base=fn[:-5])
        raise FormulaSyntaxError("syntax.arity", self.text, start.pos, fn=start.text.lstrip("."), low=1, high=3, n=len(args))

    def clamp(self, args: list[Expr], start: Any) -> Expr:
        """clamp(x, low, high) with either bound absent (``None``): relu forms; both: clip(x, low, high)."""
        x, pos = args[0], start.pos
        bounds = [args[k] if k < len(args) else self.keywords.get(side) for k, side in ((1, "min"), (2, "max"))]
        low, high = (None if b is None or (isinstance(b, Name) and b.name == "None")
                     else fold(b, self.text, "shape.const_arg") for b in bounds)
        if low is None and high is None:
            raise FormulaSyntaxError("syntax.clamp", self.text, pos)
        if low is not None and high is not None:
            return self.node(Call("clip", (x, Num(low, pos), Num(high, pos)), False, pos))
        if low is not None:         # max(x, low) = relu(x - low) + low
            shifted = x if low == 0 else Bin(SUB, x, Num(low, pos), pos)
            out: Expr = self.node(Call("relu", (shifted,), False, pos))
            return out if low == 0 else self.node(Bin(ADD, out, Num(low, pos), pos))
        assert high is not None
        shifted = Neg(x, pos) if high == 0 else Bin(SUB, Num(high, pos), x, pos)   # min(x, high)
        out = self.node(Neg(Call("relu", (shifted,), False, pos), pos))
        return out if high == 0 else self.node(Bin(ADD, out, Num(high, pos), pos))

    def where(self, args: list[Expr], start: Any) -> Expr:
        """``np.where(x > 0, a, b)`` is ``step(x) ⊙ a + step(-x) ⊙ b``, with the zero terms left out."""
        cond = args[0] if args else None
        if len(args) != 3 or not (isinstance(cond, Call) and cond.fn == "step" and not cond.prime):
            raise FormulaSyntaxError("syntax.where", self.text, start.pos)
        pos = start.pos
        terms: list[Expr] = []
        for indicator, value in ((cond, args[1]), (Call("step", (Neg(cond.args[0], pos),), False, pos), args[2])):
            if isinstance(value, Num) and value.value == 0:
                continue
            if isinstance(value, Num):
                terms.append(indicator if value.value == 1 else Bin(MUL, value, indicator, pos))
            else:
                terms.append(Bin(HADAMARD, indicator, value, pos))
        out: Expr = terms[0] if terms else Num(0.0, pos)
        for term in terms[1:]:
            out = Bin(ADD, out, term, pos)
        return self.node(out)
