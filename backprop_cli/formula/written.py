"""Lets you read the written-maths habits of SPEC section 5.1 as the formula language means them: a
function's power ``tanh²(z)``, ``e^x`` for exp, ``I_m`` for an identity, ``\\sin x`` without
parentheses, norm and absolute-value bars ``‖x‖²`` / ``|x|``, an index sum ``Σ_i w_i x_i`` (``sum(w ⊙ x)``),
and a derivative spelt ``sigmoid_prime(x)``. Notations that cannot be read safely get a message that
says how to write them: ``tanh^{-1}`` (the inverse function, never 1/tanh), ``e^u`` where ``e`` is a node,
``∇_c J`` (a derivative symbol ``dJ/dc``).

Everything here builds AST nodes from tokens; nothing evaluates anything.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Collection, TypeVar

from backprop_cli.errors import FormulaSyntaxError
from backprop_cli.formula.ast import HADAMARD, MUL, Bin, Call, Expr, Name, Neg, Num, Pow, children, rebuild
from backprop_cli.formula.habits import function_name, identity_size, resolve
from backprop_cli.formula.names import canonical_name
from backprop_cli.formula.vocabulary import syntax_of

SUP_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
#: ``Σ_i`` / ``sum_i`` opening an index sum (the LaTeX reader writes ``\sum_{i=1}^{n}`` as ``Σ_i``).
_INDEX_SUM = re.compile(r"(?:Σ|sum)_\{?([^\W\d_])\}?")
#: ``sigmoid_prime``, ``relu_derivative``, ``tanh_grad``, ``dsigmoid``: a function's derivative by name.
_PRIMED = (re.compile(r"(.+?)_?(?:prime|derivative|deriv|grad|backward)"), re.compile(r"d_?(.+)"))
#: Subscripts after a norm's bars: ``‖x‖_2``, ``‖X‖_F`` (the Euclidean/Frobenius norm), ``‖x‖_1``.
_NORM_SUBSCRIPT = re.compile(r"_\{?(1|2|F|fro)\}?")
BARS = ("|", "‖")


def primed_function(raw: str, declared: dict[str, str]) -> str | None:
    """The elementwise function whose derivative ``raw`` names (``sigmoid_prime`` → sigmoid), or None."""
    for pattern in _PRIMED:
        m = pattern.fullmatch(raw)
        fn = function_name(m.group(1), declared) if m else None
        if fn and (declared.get(fn) == "elementwise" or (fn not in declared and getattr(syntax_of(fn), "prime", False))):
            return fn
    return None


def _elementwise(e: Expr) -> Expr:
    """``e`` with its products of two non-numbers made elementwise: index notation multiplies entries."""
    kids = tuple(_elementwise(c) for c in children(e))
    if isinstance(e, Bin) and e.op == MUL and not isinstance(e.left, Num) and not isinstance(e.right, Num):
        return Bin(HADAMARD, kids[0], kids[1], e.pos)
    return rebuild(e, kids) if kids else e


def _unwrap(text: str) -> str:
    """``(-x)`` → ``-x``: the exponent's text without one pair of outer parentheses."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        return text[1:-1].strip()
    return text


E = TypeVar("E", bound=Expr)


class WrittenReader:
    """The parts of the parser that read written maths (mixed into it)."""

    index: str | None = None          # the index of the Σ_i being read
    index_uses = 0
    open_bars: tuple[str, ...] = ()

    if TYPE_CHECKING:   # what the parser provides
        text: str
        names: Collection[str] | None
        functions: dict[str, str]
        i: int
        depth: int
        toks: list[Any]

        @property
        def tok(self) -> Any: ...
        def advance(self) -> Any: ...
        def expect(self, kind: str) -> Any: ...
        def enter(self) -> None: ...
        def node(self, node: E) -> E: ...
        def expr(self) -> Expr: ...
        def term(self) -> Expr: ...
        def power(self) -> Expr: ...
        def postfix(self) -> Expr: ...
        def exponent(self, pos: int) -> float: ...
        def check_exponent(self, value: float, pos: int) -> float: ...
        def call(self, fn: str, start: Any = None, prime: bool = False) -> Expr: ...
        def starts_operand(self, tok: Any) -> bool: ...

    def resolve_name(self, raw: str) -> str:
        """``raw`` as the exercise spells it; inside ``Σ_i``, ``x_i`` is ``x``."""
        name = resolve(canonical_name(raw), self.names)
        idx = self.index
        if idx and (self.names is None or name not in self.names):
            for suffix in ("_" + idx, "_{" + idx + "}"):
                base = resolve(name[:-len(suffix)], self.names) if name.endswith(suffix) else ""
                if base and (self.names is None or base in self.names):
                    self.index_uses += 1
                    return base
            m = re.fullmatch(r"(.+?)_(\w*)", name)
            if m and idx in m.group(2) and (self.names is None or resolve(m.group(1), self.names) in self.names):
                raise FormulaSyntaxError("syntax.index_sum", self.text, max(self.tok.pos, 0))   # w_ij: two indices
        return name

    def written_name(self, tok: Any, fn: str | None) -> Expr | None:
        """What a name stands for here, or None (a plain name): ``tanh²(z)``, ``\\sin x``, ``Σ_i x_i``,
        ``e^x``, ``I_m``."""
        nxt = self.toks[self.i + 1]
        known = self.names is not None and tok.text in self.names
        if fn and fn not in self.functions and nxt.kind in ("sup", "^", "**"):
            power = self.function_power(fn)      # tanh²(z), tanh^2(z): the square of the value
            if power is not None:
                return power
        syntax = syntax_of(fn) if fn else None
        elementwise = fn and (self.functions.get(fn) == "elementwise" or (syntax and syntax.prime and syntax.arity[0] == 1))
        if elementwise and not known and nxt.space and nxt.kind in ("name", "deriv", "√"):    # not \sin 2x
            self.advance()                       # \sin x: a function applied without parentheses
            return self.node(Call(str(fn), (self.power(),), False, tok.pos))
        m = _INDEX_SUM.fullmatch(canonical_name(tok.text))
        if m and not known and self.starts_operand(nxt):
            return self.index_sum(tok, m.group(1))
        name = self.resolve_name(tok.text)
        if name == "e" and self.names is not None and nxt.kind in ("^", "**"):
            return self.e_power(tok)
        size = identity_size(name, self.names)
        if size is not None:
            self.advance()
            arg = Num(float(size), tok.pos) if size.isdigit() else Name(resolve(size, self.names), tok.pos)
            return self.node(Call("eye", (arg,), False, tok.pos))
        return None

    def e_power(self, tok: Any) -> Expr | None:
        """``e^x`` is exp(x) where ``e`` is no name of the exercise. Where it is a node, ``e^2`` is that
        node's power (None: read on as a name), and ``e^u`` is refused with the way to write exp(u)."""
        start, depth = self.i, self.depth
        self.advance()
        self.advance()
        if "e" not in (self.names or ()):
            sign = self.advance() if self.tok.kind in ("-", "+") else None
            arg = self.postfix()
            arg = self.node(Neg(arg, sign.pos)) if sign is not None and sign.kind == "-" else arg
            return self.node(Call("exp", (arg,), False, tok.pos))
        try:
            self.exponent(tok.pos)
        except FormulaSyntaxError:
            self.i, self.depth = start + 2, depth
            arg_start = self.tok.pos
            while self.tok.kind in ("-", "+"):
                self.advance()
            self.postfix()
            raise FormulaSyntaxError("syntax.e_node", self.text, tok.pos,
                                     arg=_unwrap(self.text[arg_start:self.tok.pos])) from None
        self.i, self.depth = start, depth
        return None

    def function_power(self, fn: str) -> Expr | None:
        """``f^k(x)`` read as ``f(x)^k`` when a call follows the exponent; None (no token taken) otherwise.
        ``f^{-1}(x)`` is the inverse function, which the language lacks: refused, never read as 1/f(x)."""
        start, depth = self.i, self.depth
        name = self.advance()
        tok = self.advance()
        try:
            k = float(tok.text.translate(SUP_DIGITS)) if tok.kind == "sup" else self.exponent(tok.pos)
        except FormulaSyntaxError:
            k = None
        if k == -1 and self.tok.kind in ("(", "'"):
            raise FormulaSyntaxError("syntax.inverse_function", self.text, name.pos, fn=name.text)
        if k is None or self.tok.kind not in ("(", "'"):
            self.i, self.depth = start, depth
            return None
        return self.node(Pow(self.call(fn, name), self.check_exponent(k, tok.pos), tok.pos))

    def index_sum(self, tok: Any, idx: str) -> Expr:
        """``Σ_i x_i`` is sum(x), ``Σ_i w_i x_i`` is sum(w ⊙ x): the summand is one term, its names carry
        the index, and its products are elementwise."""
        if self.index:
            raise FormulaSyntaxError("syntax.index_sum", self.text, tok.pos)
        self.advance()
        self.index, self.index_uses = idx, 0
        try:
            summand = self.term()
            uses = self.index_uses
        finally:
            self.index = None
        if not uses:
            raise FormulaSyntaxError("syntax.index_sum", self.text, tok.pos)
        return self.node(Call("sum", (_elementwise(summand),), False, tok.pos))

    def bars(self, tok: Any) -> Expr:
        """``|x|`` is abs(x); ``‖x‖``, ``‖x‖_2`` and ``‖X‖_F`` are norm(x), ``‖x‖_1`` is sum(abs(x))."""
        self.enter()
        self.advance()
        self.open_bars = (*self.open_bars, tok.kind)
        try:
            inner = self.expr()
        finally:
            self.open_bars = self.open_bars[:-1]
        self.expect(tok.kind)
        self.depth -= 1
        if tok.kind == "|":
            return self.node(Call("abs", (inner,), False, tok.pos))
        m = _NORM_SUBSCRIPT.fullmatch(self.tok.text) if self.tok.kind == "name" and not self.tok.space else None
        if m:
            self.advance()
        if m and m.group(1) == "1":
            return self.node(Call("sum", (self.node(Call("abs", (inner,), False, tok.pos)),), False, tok.pos))
        return self.node(Call("norm", (inner,), False, tok.pos))

    def nabla(self, tok: Any) -> Expr:
        """``∇_c J`` is not part of the language: refused with the derivative symbol ``dJ/dc`` to write."""
        self.advance()
        var = self.advance().text.lstrip("_").strip("{}") if self.tok.kind == "name" and self.tok.text[0] == "_" else "…"
        loss = self.tok.text if self.tok.kind == "name" else "…"
        raise FormulaSyntaxError("syntax.nabla", self.text, tok.pos, deriv=f"d{loss}/d{var}")

