"""Lets you turn formula text into an AST, safely: a tokenizer and a recursive-descent parser.

The grammar is the file ``grammar.md`` next to this module (EBNF, one example per rule; SPEC section 5).
Most rules are a method of :class:`_Parser` with the same name; ``equation`` is :func:`parse_equation`.

Nothing here evaluates text: the tokens are matched by one regular expression and turned into frozen
nodes. Limits (length, depth, node count, digits, exponent size) are enforced as the text is read.
"""
from __future__ import annotations

import re
import unicodedata

from backprop_cli.errors import FormulaSyntaxError, LimitError
from backprop_cli.formula.ast import (ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Deriv, Equation, Name, Neg, Num, Pow,
                                      T, children)
from backprop_cli.formula.names import canonical_name
from backprop_cli.formula.vocabulary import Syntax, function_name, syntax_of

MAX_LENGTH, MAX_DEPTH, MAX_NODES, MAX_DIGITS, MAX_EXPONENT = 2000, 100, 500, 30, 64

_SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_ID = rf"[^\W\d{_SUP}ᵀ₀-₉][^\W{_SUP}ᵀ]*"
_TOKEN = re.compile(
    rf"""(?P<ws>[ \t\r\n\u00a0]+)
    |(?P<deriv>([d∂])({_ID})/([d∂])({_ID}))
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<trans>\^\s*\{{?\s*[T⊤]\s*\}}?(?!\w)|\.T(?!\w)|[ᵀ⊤])
    |(?P<sup>[⁻⁺]?[{_SUP}]+)
    |(?P<name>{_ID})
    |(?P<op>\*\*|\.\*|\./|[-+@*·⋅×⊙∘/⊘⊗^−=(),'′])""",
    re.VERBOSE,
)
_MULOPS = {"*": MUL, "@": MUL, "·": MUL, "⋅": MUL, "×": MUL, "⊙": HADAMARD, "∘": HADAMARD, ".*": HADAMARD,
           "/": DIV, "./": DIV, "⊘": DIV, "⊗": OUTER}
_NO_SYNTAX = Syntax()
_SUP_DIGITS = str.maketrans(_SUP + "⁻⁺", "0123456789-+")


class _Tok:
    __slots__ = ("kind", "text", "pos", "space", "groups")

    def __init__(self, kind, text, pos, space, groups=None):
        self.kind, self.text, self.pos, self.space, self.groups = kind, text, pos, space, groups


def _describe(ch: str) -> str:
    if ch.isprintable() and not unicodedata.category(ch).startswith("C"):
        return repr(ch)
    return f"U+{ord(ch):04X}"


def tokenize(text: str) -> list[_Tok]:
    """The tokens of ``text``; raises at the first character that belongs to no token."""
    if len(text) > MAX_LENGTH:
        raise LimitError("limit.length", text[:60], 0, limit=MAX_LENGTH, n=len(text))
    toks, pos, space = [], 0, False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FormulaSyntaxError("syntax.unexpected_char", text, pos, char=_describe(text[pos]))
        kind = m.lastgroup
        if kind == "ws":
            space = True
        else:
            tok_text = m.group(kind)
            if kind == "op":
                tok_text = {"−": "-", "′": "'"}.get(tok_text, tok_text)
                kind = tok_text
            elif kind == "num" and sum(c.isdigit() for c in tok_text) > MAX_DIGITS:
                raise LimitError("limit.digits", text, pos, limit=MAX_DIGITS)
            elif kind == "num" and toks and toks[-1].kind == "num" and not space:
                raise FormulaSyntaxError("syntax.expected", text, pos, expected="an operator", found=tok_text)
            groups = m.group(3, 4, 5, 6) if kind == "deriv" else None
            toks.append(_Tok(kind, tok_text, pos, space, groups))
            space = False
        pos = m.end()
    toks.append(_Tok("end", "", len(text), space))
    return toks


class _Parser:
    def __init__(self, text: str, functions: dict, names):
        self.text, self.functions, self.names = text, functions, names
        self.toks = tokenize(text)
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
        if self.tok.kind != kind:
            self.fail_expected(kind)
        return self.advance()

    def fail_expected(self, what: str):
        tok = self.tok
        if tok.kind == "end":
            raise FormulaSyntaxError("syntax.unexpected_end", self.text, tok.pos, expected=what)
        raise FormulaSyntaxError("syntax.expected", self.text, tok.pos, expected=what, found=tok.text)

    def node(self, node):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LimitError("limit.nodes", self.text, node.pos if node.pos >= 0 else 0, limit=MAX_NODES)
        return node

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitError("limit.depth", self.text, self.tok.pos, limit=MAX_DEPTH)

    def starts_operand(self, tok: _Tok) -> bool:
        return tok.kind in ("num", "name", "deriv", "(")

    # -- grammar -------------------------------------------------------------------------------
    def expr(self):
        left = self.term()
        while self.tok.kind in ("+", "-"):
            op = self.advance()
            left = self.node(Bin(ADD if op.kind == "+" else SUB, left, self.term(), op.pos))
        return left

    def term(self):
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

    def unary(self):
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

    def power(self):
        base = self.postfix()
        tok = self.tok
        if tok.kind in ("^", "**"):
            self.advance()
            return self.node(Pow(base, self.exponent(tok.pos), tok.pos))
        if tok.kind == "sup":
            self.advance()
            return self.node(Pow(base, self.check_exponent(float(tok.text.translate(_SUP_DIGITS)), tok.pos), tok.pos))
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
            value = self.check_exponent(_safe_pow(value, self.exponent(inner_pos)), pos)
        self.depth -= 1
        return value

    def check_exponent(self, value: float, pos: int) -> float:
        if not abs(value) <= MAX_EXPONENT:
            raise LimitError("limit.exponent", self.text, pos, limit=MAX_EXPONENT)
        return value

    def postfix(self):
        node = self.atom()
        while self.tok.kind in ("trans", "'"):
            node = self.node(T(node, self.advance().pos))
        return node

    def atom(self):
        tok = self.tok
        if tok.kind == "num":
            return self.number(self.advance())
        if tok.kind == "deriv":
            self.advance()
            return self.deriv(tok)
        if tok.kind == "name":
            fn = self.function_name(tok.text)
            nxt = self.toks[self.i + 1]
            if fn and (nxt.kind == "(" or (nxt.kind == "'" and self.toks[self.i + 2].kind == "(")):
                return self.call(fn)
            self.advance()
            return self.node(Name(canonical_name(tok.text), tok.pos))
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

    def deriv(self, tok: _Tok):
        d1, num, d2, den = tok.groups
        num, den = canonical_name(num), canonical_name(den)
        names = self.names
        if names is not None and not (num in names and den in names):
            a, b = canonical_name(d1 + tok.groups[1]), canonical_name(d2 + tok.groups[3])
            if a in names and b in names:  # "dx/dy" meant as the quotient of two names
                return self.node(Bin(DIV, Name(a, tok.pos), Name(b, tok.pos + len(d1 + tok.groups[1]) + 1), tok.pos))
        return self.node(Deriv(num, den, d1 == "∂", tok.pos))

    def function_name(self, raw: str):
        if raw in self.functions:
            return raw
        return function_name(raw)

    def call(self, fn: str):
        syntax = syntax_of(fn) or _NO_SYNTAX
        start = self.advance()
        prime = self.tok.kind == "'"
        if prime:
            self.advance()
            if not syntax.prime and self.functions.get(fn) != "elementwise":
                raise FormulaSyntaxError("syntax.no_derivative", self.text, start.pos, fn=start.text)
        self.enter()
        self.expect("(")
        args = [self.expr()]
        while self.tok.kind == ",":
            self.advance()
            args.append(self.expr())
        self.expect(")")
        self.depth -= 1
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


def _check_depth(e, text: str):
    """Refuse a tree deeper than the nesting limit (chains of transposes and long sums count too), so no
    later walk over the formula can run out of stack."""
    stack = [(e, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LimitError("limit.depth", text, max(node.pos, 0), limit=MAX_DEPTH)
        stack.extend((child, depth + 1) for child in children(node))
    return e


def _safe_pow(base: float, exp: float) -> float:
    """base ** exp as a real number: inf on overflow, nan where the power is not real ((-8)^(1/3))."""
    try:
        value = float(base) ** exp
    except (OverflowError, ZeroDivisionError):
        return float("inf")
    return float("nan") if isinstance(value, complex) else value


def fold(e, text: str = "", key: str = "syntax.exponent") -> float:
    """The value of a constant expression (numbers only), for exponents and axes."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Neg):
        return -fold(e.x, text, key)
    if isinstance(e, Pow):
        return _safe_pow(fold(e.base, text, key), e.exp)
    if isinstance(e, Bin) and e.op in (ADD, SUB, MUL, DIV):
        a, b = fold(e.left, text, key), fold(e.right, text, key)
        if e.op == DIV:
            return a / b if b else float("inf")
        return a + b if e.op == ADD else a - b if e.op == SUB else a * b
    raise FormulaSyntaxError(key, text, max(e.pos, 0))


def parse(text: str, functions: dict | None = None, names=None):
    """The AST of formula ``text``. ``functions`` maps declared function names to their kind;
    ``names`` (optional) are the known names, used to read ``dx/dy`` as a quotient where it must be one."""
    text = unicodedata.normalize("NFC", text)
    p = _Parser(text, functions or {}, names)
    if p.tok.kind == "end":
        raise FormulaSyntaxError("syntax.empty", text, 0)
    e = p.expr()
    if p.tok.kind != "end":
        p.fail_expected("operator or end of formula")
    return _check_depth(e, text)


def parse_equation(text: str, functions: dict | None = None) -> Equation:
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
