"""Lets you print any formula as plain text (re-parsable), unicode (``∂J/∂c · Wᵀ``) or LaTeX.

Each printer is a table from node type to a function, so a new format touches no node class.
Parentheses are added from precedence: sums < products < unary minus < powers < postfix < atoms.
"""
from __future__ import annotations

import re
import unicodedata

from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Deriv, Expr, Name, Neg, Num, Pow, T, postorder
from backprop_cli.formula.names import SPELLED, spelled_name
from backprop_cli.formula.vocabulary import syntax_of

SUM, PROD, UNARY, POWER, POSTFIX, ATOM = range(1, 7)


def level(e: Expr) -> int:
    if isinstance(e, Bin):
        return SUM if e.op in (ADD, SUB) else PROD
    if isinstance(e, Neg):
        return UNARY
    if isinstance(e, Num):
        return ATOM if e.value >= 0 else UNARY
    if isinstance(e, Pow):
        return POWER
    if isinstance(e, T):
        return POSTFIX
    return ATOM


def number_text(v: float) -> str:
    """A number as the formulas write it: ``3`` for 3.0, else the shortest repr."""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


#: A left operand ending in a name like ``dx``: ``dx / dy`` would read back as a derivative symbol.
_ENDS_IN_D = re.compile(r"(?<![\w.])[d∂]\w+$")


class Printer:
    """Base printer: subclasses give the spellings."""

    ops: dict[str, str] = {}
    lparen, rparen = "(", ")"
    transpose = ""
    _memos: list[dict[int, str]]     # one memo per print in progress (set on first use)

    def __call__(self, e: Expr) -> str:
        # Children first, each distinct node once, so a derived formula of any depth prints without
        # recursion; ``show`` of a child then finds its text.
        memo: dict[int, str] = {}
        memos: list[dict[int, str]] = self.__dict__.setdefault("_memos", [])
        memos.append(memo)
        try:
            for node in postorder(e):
                memo[id(node)] = getattr(self, "p_" + type(node).__name__)(node)
            return memo[id(e)]
        finally:
            memos.pop()

    def show(self, e: Expr) -> str:
        memos: list[dict[int, str]] | None = self.__dict__.get("_memos")
        if memos and id(e) in memos[-1]:
            cached: str = memos[-1][id(e)]
            return cached
        text: str = getattr(self, "p_" + type(e).__name__)(e)
        return text

    def wrap(self, e: Expr, min_level: int) -> str:
        text = self.show(e)
        return f"{self.lparen}{text}{self.rparen}" if level(e) < min_level else text

    def p_Num(self, e: Num) -> str:
        return number_text(e.value)

    def p_Neg(self, e: Neg) -> str:
        return "-" + self.wrap(e.x, UNARY)

    def p_Bin(self, e: Bin) -> str:
        lvl = level(e)
        left = self.wrap(e.left, lvl)
        right = self.wrap(e.right, lvl + 1)
        if e.op == DIV and right[:1] in ("d", "∂") and _ENDS_IN_D.search(left):
            right = f"{self.lparen}{right}{self.rparen}"   # else `dx / dy` reads back as the symbol dx/dy
        return self.binary(e, left, right)

    def binary(self, e: Bin, left: str, right: str) -> str:
        return f"{left} {self.op_text(e)} {right}"

    def op_text(self, e: Bin) -> str:
        return self.ops[e.op]

    def p_T(self, e: T) -> str:
        return self.wrap(e.x, POSTFIX) + self.transpose

    def call_args(self, e: Call) -> str:
        return ", ".join(self.show(a) for a in e.args)


class PlainPrinter(Printer):
    ops = {ADD: "+", SUB: "-", MUL: "@", HADAMARD: ".*", DIV: "/"}
    transpose = "^T"

    def op_text(self, e: Bin) -> str:
        if e.op == MUL and (isinstance(e.left, Num) or isinstance(e.right, Num)):
            return "*"
        return self.ops[e.op]

    def p_Bin(self, e: Bin) -> str:
        if e.op == OUTER:
            return f"outer({self.show(e.left)}, {self.show(e.right)})"
        return super().p_Bin(e)

    def p_Name(self, e: Name) -> str:
        return spelled_name(e.name)

    def p_Deriv(self, e: Deriv) -> str:
        d = "∂" if e.partial else "d"
        return f"{d}{spelled_name(e.num)}/{d}{spelled_name(e.den)}"

    def p_Pow(self, e: Pow) -> str:
        exp = number_text(e.exp) if e.exp >= 0 else f"({number_text(e.exp)})"
        return f"{self.wrap(e.base, POSTFIX)}^{exp}"

    def p_Call(self, e: Call) -> str:
        return f"{e.fn}{chr(39) if e.prime else ''}({self.call_args(e)})"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class UnicodePrinter(Printer):
    ops = {ADD: "+", SUB: "-", MUL: "·", HADAMARD: "⊙", DIV: "/", OUTER: "⊗"}
    transpose = "ᵀ"

    def binary(self, e: Bin, left: str, right: str) -> str:
        if e.op == MUL and isinstance(e.left, Num) and isinstance(e.right, (Name, Deriv, Call)):
            glued = isinstance(e.right, Name) and e.right.name[:1] not in "eE"   # 2e3 would read as 2000
            return f"{left}{'' if glued else ' '}{right}"
        return super().binary(e, left, right)

    def p_Name(self, e: Name) -> str:
        return e.name

    def p_Deriv(self, e: Deriv) -> str:
        return f"∂{e.num}/∂{e.den}"

    def p_Pow(self, e: Pow) -> str:
        if e.exp == int(e.exp):
            return self.wrap(e.base, POSTFIX) + number_text(e.exp).translate(_SUPERSCRIPT)
        return f"{self.wrap(e.base, POSTFIX)}^({number_text(e.exp)})"

    def p_Call(self, e: Call) -> str:
        syntax = syntax_of(e.fn)
        name = (syntax and syntax.unicode) or e.fn
        return f"{name}{chr(39) if e.prime else ''}({self.call_args(e)})"


def _starts_with_number(e: Expr) -> bool:
    """Whether ``e`` is printed starting with a digit or a sign (so juxtaposition would misread)."""
    while isinstance(e, (Bin, Pow, T)):
        e = e.left if isinstance(e, Bin) else e.base if isinstance(e, Pow) else e.x
    return isinstance(e, (Num, Neg))


_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0307": r"\dot", "\u0303": r"\tilde"}


#: Math accents for the marks a Greek letter may carry (``ά`` is ``\\acute{\\alpha}``, ``ΐ`` ``\\acute{\\ddot{\\iota}}``).
_GREEK_ACCENTS = {"\u0301": r"\acute", "\u0300": r"\grave", "\u0342": r"\tilde", "\u0303": r"\tilde", "\u0308": r"\ddot",
                  "\u0304": r"\bar", "\u0306": r"\breve", "\u0302": r"\hat", "\u0307": r"\dot", "\u030c": r"\check"}
def greek_math(ch: str) -> str | None:
    """A Greek letter with its marks (``ά``, or α and a combining acute) in math mode that pdflatex compiles:
    a command (``\\alpha``), under math accents (``\\acute{\\alpha}``), or, with a mark no math accent draws
    (the breathing of ``ὠ``, an iota subscript) or no command (``Α``, ``ϑ``), by its Unicode name, which
    :mod:`latex_reader` reads back; None for a character that is not Greek."""
    if ch == "ο":
        return "o"              # omicron, which has no command
    if ch in SPELLED:
        return "\\" + SPELLED[ch] + " "
    nfd = unicodedata.normalize("NFD", ch)
    base, marks = nfd[:1], nfd[1:]
    if not unicodedata.name(base, "").startswith("GREEK"):
        return None
    letter = "\\" + SPELLED[base] if marks and base in SPELLED and base != "ο" else None
    if letter is None or not all(m in _GREEK_ACCENTS for m in marks):
        nfc = unicodedata.normalize("NFC", ch)
        name = " with ".join([unicodedata.name(nfc[0], "")] + [unicodedata.name(m, "").removeprefix("COMBINING ")
                                                                for m in nfc[1:]])
        return rf"\text{{\textit{{({name.lower()})}}}}"
    for m in marks:
        letter = f"{_GREEK_ACCENTS[m]}{{{letter}}}"
    return letter


def _math_letters(text: str) -> str:
    """Letters for math mode: Greek as commands (accented ones by :func:`greek_math`), other letters beyond
    ASCII (é, х) as ``\\text{…}``."""
    clusters = re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFC", text), re.S)
    greek = "".join(g if (g := greek_math(c)) is not None else c for c in clusters)
    return re.sub(r"[^\x00-\x7f]+", lambda m: rf"\text{{{m.group(0)}}}", greek)


def latex_name(name: str) -> str:
    """A name in LaTeX: Greek letters as commands, a multi-letter head upright, digits and ``_x`` as a subscript."""
    head, tail = name, ""
    for i, ch in enumerate(name):
        if ch == "_" or (ch.isdigit() and i > 0):
            head, tail = name[:i], name[i:].lstrip("_")
            break
    decomposed = unicodedata.normalize("NFD", head) if len(head) == 1 else head
    base, marks = decomposed[:1], decomposed[1:]
    if len(head) == 1 and marks and all(m in _ACCENTS for m in marks):     # ŷ as \hat{y}: pdflatex has no glyph for it in math
        head = latex_name(base)
        for m in marks:
            head = f"{_ACCENTS[m]}{{{head}}}"
    elif len(head) == 1:
        head = _math_letters(head)
    elif len(head) > 1:
        head = r"\mathrm{" + _math_letters(head) + "}"
    return f"{head.strip()}_{{{_math_letters(tail).strip()}}}" if tail else head.strip()


class LatexPrinter(Printer):
    ops = {ADD: "+", SUB: "-", MUL: r"\cdot", HADAMARD: r"\odot", OUTER: r"\otimes"}
    transpose = r"^{\top}"
    lparen, rparen = r"\left(", r"\right)"

    def binary(self, e: Bin, left: str, right: str) -> str:
        if e.op == DIV:
            return rf"\frac{{{self.show(e.left)}}}{{{self.show(e.right)}}}"
        if e.op == MUL and isinstance(e.left, Num) and not _starts_with_number(e.right):
            return f"{left} {right}"
        if isinstance(e.right, Neg):               # "2 \cdot -x" would read as a subtraction
            right = rf"\left({right}\right)"
        return super().binary(e, left, right)

    def p_Name(self, e: Name) -> str:
        return latex_name(e.name)

    def p_Deriv(self, e: Deriv) -> str:
        d = r"\partial " if e.partial else "d"
        return rf"\frac{{{d}{latex_name(e.num)}}}{{{d}{latex_name(e.den)}}}"

    def p_Pow(self, e: Pow) -> str:
        base = self.wrap(e.base, POSTFIX)
        if isinstance(e.base, (T, Pow)):       # x^T^2 would be a double superscript
            base = "{" + base + "}"
        return f"{base}^{{{number_text(e.exp)}}}"

    def p_T(self, e: T) -> str:
        return "{" + self.wrap(e.x, POSTFIX) + "}" + self.transpose

    def p_Call(self, e: Call) -> str:
        if e.fn == "sqrt" and not e.prime:
            return rf"\sqrt{{{self.show(e.args[0])}}}"
        syntax = syntax_of(e.fn)
        name = (syntax and syntax.latex) or r"\operatorname{" + _math_letters(e.fn).strip().replace("_", r"\_") + "}"
        return rf"{name}{chr(39) if e.prime else ''}\left({self.call_args(e)}\right)"


plain, unicode, latex = PlainPrinter(), UnicodePrinter(), LatexPrinter()
