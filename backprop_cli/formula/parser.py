"""Lets you turn formula text into an AST, safely: a tokenizer and a recursive-descent parser.

The grammar is the file ``grammar.md`` next to this module (EBNF, one example per rule; SPEC section 5).
Most rules are a method of :class:`_Parser` with the same name; ``equation`` is :func:`parse_equation`.

Other notations (SPEC 5.1): LaTeX is rewritten first (:mod:`latex_reader`); numpy habits and written maths
are read with :mod:`habits`; a comparison ``(Y > 0)`` is the indicator ``step(Y)``.

Nothing here evaluates text: the tokens are matched by one regular expression and turned into frozen
nodes. Limits (length, depth, node count, digits, exponent size) are enforced as the text is read.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Collection, NoReturn, TypeVar

from backprop_cli.errors import FormulaSyntaxError, LimitError
from backprop_cli.formula.ast import (ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Deriv, Equation, Expr, Name, Neg, Num,
                                      Pow, T, children)
from backprop_cli.formula.constants import fold, safe_pow
from backprop_cli.formula.habits import (AXIS_KEYWORDS, BOUND_KEYWORDS, HABIT_CALLS, IGNORED_KEYWORDS, METHODS,
                                         OPERATOR_CALLS, HabitReader, function_name, resolve)
from backprop_cli.formula.latex_reader import from_latex
from backprop_cli.formula.names import canonical_name
from backprop_cli.formula.vocabulary import Syntax, syntax_of
from backprop_cli.formula.written import BARS, SUP_DIGITS, WrittenReader, primed_function

MAX_LENGTH, MAX_DEPTH, MAX_NODES, MAX_DIGITS, MAX_EXPONENT = 2000, 100, 500, 30, 64

_SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_ID = rf"[^\W\d{_SUP}ᵀ₀-₉][^\W{_SUP}ᵀ]*"
_TOKEN = re.compile(
    rf"""(?P<ws>[ \t\r\n\u00a0]+)
    |(?P<prefix>(?:np|numpy|torch|jnp|math|scipy\.special|torch\.nn\.functional|nn\.functional|F)\.(?={_ID}\s*\())
    |(?P<method>\.(?:{"|".join(sorted(METHODS, key=len, reverse=True))})(?=\s*\())
    |(?P<deriv>([d∂])(?:(?<=∂)\s+)?({_ID})[ \t]*/[ \t]*([d∂])(?:(?<=∂)\s+)?({_ID}))
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<trans>\^\s*\{{?\s*[T⊤]\s*\}}?(?!\w)|\.T(?!\w)|[ᵀ⊤])
    |(?P<sup>[⁻⁺]?[{_SUP}]+)
    |(?P<name>{_ID})
    |(?P<op>\*\*|\.\*|\./|[<>]=|\|\||[-+@*·⋅×⊙∘/⊘⊗^−=(),'′√<>≤≥|‖∇])""",
    re.VERBOSE,
)
_DERIV = _TOKEN.groupindex["deriv"]
_MULOPS = {"*": MUL, "@": MUL, "·": MUL, "⋅": MUL, "×": MUL, "⊙": HADAMARD, "∘": HADAMARD, ".*": HADAMARD,
           "/": DIV, "./": DIV, "⊘": DIV, "⊗": OUTER}


class _Tok:
    __slots__ = ("kind", "text", "pos", "space", "groups")

    def __init__(self, kind: str, text: str, pos: int, space: bool, groups: tuple[Any, ...] | None = None):
        self.kind, self.text, self.pos, self.space, self.groups = kind, text, pos, space, groups


def _describe(ch: str) -> str:
    return repr(ch) if ch.isprintable() and not unicodedata.category(ch).startswith("C") else f"U+{ord(ch):04X}"


def tokenize(text: str) -> list[_Tok]:
    """The tokens of ``text``; raises at the first character that belongs to no token."""
    if len(text) > MAX_LENGTH:
        raise LimitError("limit.length", text[:60], 0, limit=MAX_LENGTH, n=len(text))
    toks: list[_Tok] = []
    pos, space = 0, False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] == "[" and toks and toks[-1].kind in ("name", "deriv", ")", "trans") and not space:
                prev = toks[-2] if toks[-1].kind == "trans" and len(toks) > 1 else toks[-1]
                name = prev.text if prev.kind in ("name", "deriv") else "(…)"
                raise FormulaSyntaxError("syntax.indexing", text, pos, name=name)   # W[0], W.T[0]
            raise FormulaSyntaxError("syntax.unexpected_char", text, pos, char=_describe(text[pos]))
        kind = m.lastgroup or ""
        if kind == "ws":
            space = True
        elif kind == "prefix":
            pass
        else:
            tok_text = m.group(kind)
            if kind == "op":
                tok_text = {"−": "-", "′": "'", "≤": "<=", "≥": ">=", "||": "‖"}.get(tok_text, tok_text)
                kind = tok_text
            elif kind == "num" and sum(c.isdigit() for c in tok_text) > MAX_DIGITS:
                raise LimitError("limit.digits", text, pos, limit=MAX_DIGITS)
            elif kind == "num" and toks and toks[-1].kind == "num" and not space:
                raise FormulaSyntaxError("syntax.expected", text, pos, expected="an operator", found=tok_text)
            groups = m.group(*range(_DERIV + 1, _DERIV + 5)) if kind == "deriv" else None
            toks.append(_Tok(kind, tok_text, pos, space, groups))
            space = False
        pos = m.end()
    toks.append(_Tok("end", "", len(text), space))
    return toks


E = TypeVar("E", bound=Expr)


class _Parser(HabitReader, WrittenReader):
    def __init__(self, text: str, functions: dict[str, str], names: Collection[str] | None):
        self.text, self.functions, self.names = text, functions, names
        self.toks: list[_Tok] = tokenize(text)
        self.i = self.depth = self.nodes = 0

    # -- helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def advance(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str) -> _Tok:
        return self.advance() if self.tok.kind == kind else self.fail_expected(kind)

    def fail_expected(self, what: str) -> NoReturn:
        tok = self.tok
        if tok.kind == "end":
            raise FormulaSyntaxError("syntax.unexpected_end", self.text, tok.pos, expected=what)
        raise FormulaSyntaxError("syntax.expected", self.text, tok.pos, expected=what, found=tok.text)

    def node(self, node: E) -> E:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LimitError("limit.nodes", self.text, node.pos if node.pos >= 0 else 0, limit=MAX_NODES)
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitError("limit.depth", self.text, self.tok.pos, limit=MAX_DEPTH)

    def starts_operand(self, tok: _Tok) -> bool:
        return tok.kind in ("num", "name", "deriv", "(", "√", "∇") or (tok.kind in BARS and tok.kind not in self.open_bars)

    # -- grammar -------------------------------------------------------------------------------
    def expr(self) -> Expr:
        left = self.term()
        while self.tok.kind in ("+", "-"):
            op = self.advance()
            left = self.node(Bin(ADD if op.kind == "+" else SUB, left, self.term(), op.pos))
        if self.tok.kind in ("<", ">", "<=", ">="):    # numpy's indicator: (Y > 0) is step(Y)
            op = self.advance()
            right = self.expr()
            big, small = (left, right) if op.kind in (">", ">=") else (right, left)
            diff = big if isinstance(small, Num) and small.value == 0 else self.node(Bin(SUB, big, small, op.pos))
            return self.node(Call("step", (diff,), False, op.pos))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while True:
            tok = self.tok
            if tok.kind in _MULOPS:
                self.advance()
                left = self.node(Bin(_MULOPS[tok.kind], left, self.unary(), tok.pos))
            elif self.starts_operand(tok):
                left = self.node(Bin(MUL, left, self.unary(), tok.pos))
            else:
                return left

    def unary(self) -> Expr:
        tok = self.tok
        if tok.kind in ("-", "+"):
            self.enter()
            self.advance()
            operand = self.unary()
            self.depth -= 1
            return self.node(Neg(operand, tok.pos)) if tok.kind == "-" else operand
        if tok.kind == "num":
            nxt = self.toks[self.i + 1]
            if not nxt.space and nxt.kind in ("name", "deriv", "("):
                num = self.number(self.advance())
                return self.node(Bin(MUL, num, self.power(), nxt.pos))
        return self.power()

    def power(self) -> Expr:
        base = self.postfix()
        tok, nxt = self.tok, self.toks[min(self.i + 1, len(self.toks) - 1)]
        if tok.kind == "^" and nxt.text == "t" and nxt.kind == "name" and self.names is not None and "t" not in self.names:
            self.i += 2                         # x^t: a transpose, where t is no name of the exercise
            return self.node(T(base, tok.pos))
        if tok.kind in ("^", "**"):
            self.advance()
            return self.node(Pow(base, self.exponent(tok.pos), tok.pos))
        if tok.kind == "sup":
            self.advance()
            return self.node(Pow(base, self.check_exponent(float(tok.text.translate(SUP_DIGITS)), tok.pos), tok.pos))
        return base

    def exponent(self, pos: int) -> float:
        self.enter()
        sign = 1.0
        while self.tok.kind in ("-", "+"):
            sign = -sign if self.advance().kind == "-" else sign
        tok = self.tok
        if tok.kind == "num":
            value = self.number(self.advance()).value
        elif tok.kind == "(":
            self.advance()
            value = fold(self.expr(), self.text)
            self.expect(")")
        else:
            raise FormulaSyntaxError("syntax.exponent", self.text, tok.pos)
        value = self.check_exponent(sign * value, pos)
        if self.tok.kind in ("^", "**"):
            inner_pos = self.advance().pos
            value = self.check_exponent(safe_pow(value, self.exponent(inner_pos)), pos)
        self.depth -= 1
        return value

    def check_exponent(self, value: float, pos: int) -> float:
        if not abs(value) <= MAX_EXPONENT:
            raise LimitError("limit.exponent", self.text, pos, limit=MAX_EXPONENT)
        return value

    def postfix(self) -> Expr:
        node = self.atom()
        while self.tok.kind in ("trans", "'", "method"):
            if self.tok.kind == "method":
                node = self.method(node)
            else:
                node = self.node(T(node, self.advance().pos))
        return node

    def arguments(self, allow_empty: bool = False) -> list[Expr]:
        """A call's arguments, ``(`` to ``)``; numpy's ``axis=``/``dim=`` give the axis, ``keepdims=`` is dropped,
        ``min=``/``max=`` are clamp's bounds."""
        self.enter()
        self.expect("(")
        args: list[Expr] = []
        axis_keyword, keywords = False, dict[str, Expr]()
        if self.tok.kind == ")" and not allow_empty:
            self.fail_expected("operand")
        while self.tok.kind != ")":
            if args or keywords:
                self.expect(",")
            tok, nxt = self.tok, self.toks[min(self.i + 1, len(self.toks) - 1)]
            if tok.kind == "name" and nxt.kind == "=" and tok.text in AXIS_KEYWORDS | IGNORED_KEYWORDS | set(BOUND_KEYWORDS):
                self.i += 2
                axis_keyword = axis_keyword or tok.text in AXIS_KEYWORDS
                if tok.text not in AXIS_KEYWORDS:
                    keywords[BOUND_KEYWORDS.get(tok.text, "")] = self.expr()
                    continue
            args.append(self.expr())
        self.expect(")")
        self.depth -= 1
        self.axis_keyword = axis_keyword      # np.max(X, axis=1) is a row maximum: amax
        self.keywords = keywords
        return args

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "num":
            return self.number(self.advance())
        if tok.kind == "deriv":
            self.advance()
            return self.deriv(tok)
        if tok.kind == "name":
            fn = function_name(tok.text, self.functions)
            nxt, after = self.toks[self.i + 1], self.toks[min(self.i + 2, len(self.toks) - 1)]
            if fn and (nxt.kind == "(" or (nxt.kind == "'" and after.kind == "(")):
                return self.call(fn)
            primed = None if fn or nxt.kind != "(" or tok.text in (self.names or ()) else primed_function(tok.text, self.functions)
            if primed:                          # sigmoid_prime(x) is σ'(x)
                return self.call(primed, prime=True)
            self.refuse_unknown_call(tok, fn, self.toks, self.i + 1)
            return self.name(tok, fn)
        if tok.kind in BARS:
            return self.bars(tok)
        if tok.kind == "∇":
            return self.nabla(tok)
        if tok.kind == "√":
            self.advance()
            return self.node(Call("sqrt", (self.postfix(),), False, tok.pos))
        if tok.kind == "(":
            self.enter()
            self.advance()
            inner = self.expr()
            self.expect(")")
            self.depth -= 1
            return inner
        self.fail_expected("operand")

    def number(self, tok: _Tok) -> Num:
        value = float(tok.text)
        if value == float("inf"):
            raise LimitError("limit.number", self.text, tok.pos)
        return self.node(Num(value, tok.pos))

    def deriv(self, tok: _Tok) -> Expr:
        assert tok.groups is not None   # every deriv token has its four groups
        d1, num, d2, den = tok.groups
        num, den = self.resolve_name(num), self.resolve_name(den)     # inside Σ_i, dL/dy_i is dL/dy
        names = self.names
        if names is not None and not (num in names and den in names):
            a, b = canonical_name(d1 + tok.groups[1]), canonical_name(d2 + tok.groups[3])
            if a in names and b in names:  # "dx/dy" meant as the quotient of two names
                return self.node(Bin(DIV, Name(a, tok.pos), Name(b, tok.pos + len(d1 + tok.groups[1]) + 1), tok.pos))
        return self.node(Deriv(num, den, d1 == "∂", tok.pos))

    def name(self, tok: _Tok, fn: str | None) -> Expr:
        """A name, or what a name stands for here (``tanh²(z)``, ``e^x``, ``I_m``, ``Σ_i x_i``; :mod:`written`)."""
        special = self.written_name(tok, fn)
        if special is not None:
            return special
        self.advance()
        return self.node(Name(self.resolve_name(tok.text), tok.pos))

    def call(self, fn: str, start: _Tok | None = None, prime: bool = False) -> Expr:
        syntax = syntax_of(fn) or Syntax()
        start = start or self.advance()
        if self.tok.kind == "'":
            prime = bool(self.advance())
            if not syntax.prime and self.functions.get(fn) != "elementwise":
                raise FormulaSyntaxError("syntax.no_derivative", self.text, start.pos, fn=start.text)
        args = self.shape_arguments(fn) or self.arguments()
        if fn in HABIT_CALLS and fn not in self.functions and not prime:
            return self.habit_call(fn, args, start)
        if fn in OPERATOR_CALLS and not prime and len(args) == 2:
            return self.node(Bin(OPERATOR_CALLS[fn], args[0], args[1], start.pos))
        if fn in ("max", "min") and not prime:   # np.max(X, axis=1) is amax(X, 1); max(x, 0) is relu(x)
            fn, syntax = ("a" + fn, syntax_of("a" + fn) or syntax) if self.axis_keyword else (fn, syntax)
            if fn in ("max", "min") and (relu := self.max_min(fn, args, start)) is not None:
                return relu
        if fn == "step" and len(args) == 2 and isinstance(args[1], Num):
            args = args[:1]                     # np.heaviside(x, 0): the value at 0 changes nothing here
        low, high = (1, 64) if self.functions.get(fn) == "opaque" else syntax.arity
        if not low <= len(args) <= high:
            raise FormulaSyntaxError("syntax.arity", self.text, start.pos, fn=start.text, low=low, high=high, n=len(args))
        for i in syntax.const_args:
            if i < len(args):
                args[i] = Num(fold(args[i], self.text, "shape.const_arg"), args[i].pos)
        if fn == "outer" and not prime:
            return self.node(Bin(OUTER, args[0], args[1], start.pos))
        if fn == "transpose" and not prime:
            return self.node(T(args[0], start.pos))
        return self.node(Call(fn, tuple(args), prime, start.pos))


def _check_depth(e: E, text: str) -> E:
    """Refuse a tree deeper than the nesting limit (chains of transposes and long sums count too), so no
    later walk over the formula can run out of stack."""
    stack: list[tuple[Expr, int]] = [(e, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LimitError("limit.depth", text, max(node.pos, 0), limit=MAX_DEPTH)
        stack.extend((child, depth + 1) for child in children(node))
    return e


def parse(text: str, functions: dict[str, str] | None = None, names: Collection[str] | None = None) -> Expr:
    """The AST of formula ``text``. ``functions`` maps declared function names to their kind;
    ``names`` (optional) are the known names, used to read ``dx/dy`` as a quotient where it must be one."""
    text = from_latex(unicodedata.normalize("NFC", text).replace("∑", "Σ"), names)
    p = _Parser(text, functions or {}, names)
    if p.tok.kind == "end":
        raise FormulaSyntaxError("syntax.empty", text, 0)
    e = p.expr()
    if p.tok.kind != "end":
        p.fail_expected("operator or end of formula")
    return _check_depth(e, text)


def parse_equation(text: str, functions: dict[str, str] | None = None) -> Equation:
    """The forward equation ``targets = expr`` in ``text``."""
    text = unicodedata.normalize("NFC", text)
    p = _Parser(text, functions or {}, None)
    paren = p.tok.kind == "("
    if paren:
        p.advance()
    targets, positions = [], []
    while True:
        tok = p.expect("name")
        targets.append(canonical_name(tok.text))
        positions.append(tok.pos)
        if p.tok.kind != ",":
            break
        p.advance()
    if paren:
        p.expect(")")
    p.expect("=")
    if p.tok.kind == "end":
        p.fail_expected("operand")
    e = p.expr()
    if p.tok.kind != "end":
        p.fail_expected("operator or end of formula")
    return Equation(tuple(targets), _check_depth(e, text), tuple(positions))
