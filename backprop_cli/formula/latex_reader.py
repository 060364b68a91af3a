"""Lets you read a formula written in LaTeX: it is rewritten into the plain formula language, as text.

``\\frac{\\partial J}{\\partial c} \\cdot {W_{1}}^{\\top}`` becomes ``∂J/∂c * (W_1)^T``: fractions of two
differentials are derivative symbols, other fractions are divisions, ``{...}`` groups are parentheses,
``\\left( \\right)`` and spacing commands go, Greek commands become letters, and ``\\operatorname{diag}``,
``\\mathrm{Loss}`` become their words. This is a rewriting of text into text (SPEC section 5.1), never an
evaluation; the parser reads the result. Text without a backslash or a brace is returned unchanged.
"""
from __future__ import annotations

import re
from typing import Any, Collection, NoReturn

from backprop_cli.errors import FormulaSyntaxError
from backprop_cli.formula.names import GREEK

_COMMAND = re.compile(r"\\([A-Za-z]+|.?)", re.S)
_DIFFERENTIAL = re.compile(r"\s*([d∂])\s*([^\W\d]\w*)\s*")
_FUNCTION_DIFFERENTIAL = re.compile(r"\s*[d∂]\s*([^\W\d]\w*)\s*\(([^()]*)\)\s*")

_GREEK = dict(GREEK, varepsilon="ε", vartheta="θ", varphi="φ", varrho="ρ", varsigma="σ")
_WORDS = {name: name for name in ("exp", "log", "ln", "tanh", "sin", "cos", "sinh", "cosh", "sech", "max", "min",
                                  "sqrt", "sum", "diag")}
_OPERATORS = {"cdot": " * ", "times": " * ", "ast": " * ", "odot": " ⊙ ", "circ": " ⊙ ", "otimes": " ⊗ ",
              "oslash": " ⊘ ", "div": " / ", "partial": "∂", "top": "T", "intercal": "T", "prime": "'",
              "sum": "sum", "geq": " >= ", "ge": " >= ", "leq": " <= ", "le": " <= ", "gt": " > ", "lt": " < ",
              "nabla": "∇"}
_SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "\\", "displaystyle", "textstyle", "nonumber"}
#: Math accents over a letter, as latex_name prints Greek letters with marks (tilde is the Greek perispomeni).
_ACCENTS = {"acute": "\u0301", "grave": "\u0300", "tilde": "\u0303", "ddot": "\u0308", "bar": "\u0304", "breve": "\u0306",
            "check": "\u030c", "dot": "\u0307"}
_BOLD = {"mathbf", "boldsymbol", "bm", "vec", "mathbfit"}
_SIZES = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg", "biggl", "biggr"}
_WRAPPERS = {"mathrm", "operatorname", "text", "textrm", "mathit", "mathbf", "boldsymbol", "bm", "mathsf",
             "mathbfit", "vec", "mathnormal", "textit", "textbf", "cyr"}
_DELIMITERS = {"(": "(", ")": ")", "[": "(", "]": ")", "\\{": "(", "\\}": ")", "\\lbrace": "(",
               "\\rbrace": ")", "\\lbrack": "(", "\\rbrack": ")", "\\langle": "(", "\\rangle": ")",
               "|": "|", "\\|": "‖", "\\lvert": "|", "\\rvert": "|", "\\vert": "|", "\\lVert": "‖", "\\rVert": "‖",
               "\\Vert": "‖"}


def is_latex(text: str) -> bool:
    return "\\" in text or "{" in text


def from_latex(text: str, names: Collection[str] | None = None) -> str:
    """The plain formula for LaTeX ``text`` (unchanged when it has no backslash or brace). ``x^{t}`` is a
    transpose unless ``t`` is one of ``names`` (then it is a power, as ``e^{t}`` where t is a node)."""
    if not is_latex(text):
        return text
    return re.sub(r"[ \t]{2,}", " ", _Reader(text, names or ()).convert(0, len(text))).strip()


class _Reader:
    def __init__(self, text: str, names: Collection[str]):
        self.text, self.names = text, names

    def fail(self, pos: int, key: str = "syntax.latex", **args: Any) -> NoReturn:
        raise FormulaSyntaxError(key, self.text, pos, **args)

    def group_end(self, start: int) -> int:
        """The index of the ``}`` that closes the ``{`` at ``start``."""
        depth = 0
        for i in range(start, len(self.text)):
            ch = self.text[i]
            if ch == "\\":
                continue
            if ch == "{" and self.text[i - 1:i] != "\\":
                depth += 1
            elif ch == "}" and self.text[i - 1:i] != "\\":
                depth -= 1
                if depth == 0:
                    return i
        self.fail(start, "syntax.latex_brace")

    def skip(self, i: int, end: int) -> int:
        while i < end and self.text[i] in " \t\r\n":
            i += 1
        return i

    def argument(self, i: int, end: int) -> tuple[str, int]:
        """The converted argument of a command at ``i``: a ``{group}``, a command, or one character."""
        i = self.skip(i, end)
        if i >= end:
            self.fail(min(i, len(self.text) - 1), "syntax.latex_argument")
        if self.text[i] == "{":
            close = self.group_end(i)
            return self.convert(i + 1, close).strip(), close + 1
        if self.text[i] == "\\":
            piece, i = self.command(i, end)      # W^\mathsf{T}: the command with its own argument
            return piece.strip(), i
        return self.text[i], i + 1

    def convert(self, i: int, end: int) -> str:
        out: list[str] = []
        text = self.text
        while i < end:
            ch = text[i]
            if ch == "\\":
                piece, i = self.command(i, end)
                if re.match(r"[^\W_]", piece) and re.search(r"[^\W_]$", out[-1] if out else "") and not \
                        re.search(r"(?:^|[^\w])[d∂]$", "".join(out[-2:])):
                    out.append(" ")         # X\theta, \mathbf{s}\mathbf{s}: two names (d\theta stays a differential)
                out.append(piece)
            elif ch == "{":
                close = self.group_end(i)
                inner = self.convert(i + 1, close).strip()
                out.append(f"({inner})" if inner else "")
                i = close + 1
            elif ch == "}":
                self.fail(i, "syntax.latex_brace")
            elif ch in "^_":
                if ch == "_" and out and re.search(r"[d∂]\w+/[d∂]\w+ $", out[-1]):
                    out[-1] = out[-1].rstrip()      # \frac{\partial J}{\partial z}_i: the entry dJ/dz_i
                if ch == "_" and out and out[-1] == "1" and not re.search(r"[\w.]1$", "".join(out[-2:])):
                    indicator = self.indicator(i, end)      # 1_{x > 0}: the indicator step(x)
                    if indicator:
                        out[-1], i = indicator
                        continue
                arg, i = self.argument(i + 1, end)
                if ch == "_":
                    out.append("_" + re.sub(r"\s+", "", arg).strip("()"))
                elif arg in ("T", "⊤", "t", "tr", "(T)") and arg not in self.names:
                    out.append("^T")
                elif arg in ("'", "''", "(')"):
                    out.append("'")                 # f^{\prime}(x) is f'(x)
                else:
                    out.append(f"^({arg})")
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    def indicator(self, j: int, end: int) -> tuple[str, int] | None:
        """``_{x > 0}`` or ``[x > 0]`` after ``\\mathbb{1}`` (or ``1``): the comparison, which the parser reads
        as the indicator step(x); None when no comparison follows."""
        if self.text.startswith("_", j):
            arg, k = self.argument(j + 1, end)
        elif self.text.startswith("[", j) and "]" in self.text[j:end]:
            k = self.text.index("]", j, end) + 1
            arg = self.convert(j + 1, k - 1)
        else:
            return None
        return (f"({arg.strip()})", k) if re.search(r"[<>≤≥]", arg) else None

    def index_sum(self, i: int, end: int) -> tuple[str, int]:
        """``\\sum_{i=1}^{n}`` is ``Σ_i`` (the parser reads the summand); ``\\sum(X, 0)`` stays the function."""
        j = self.skip(i, end)
        if not self.text.startswith("_", j):
            return "sum", i
        sub, j = self.argument(j + 1, end)
        index = re.match(r"\(?([^\W\d_])", sub)
        k = self.skip(j, end)
        if self.text.startswith("^", k):
            _, j = self.argument(k + 1, end)
        return (f" Σ_{index.group(1)} ", j) if index else ("sum_" + sub, j)

    def command(self, i: int, end: int) -> tuple[str, int]:
        m = _COMMAND.match(self.text, i)
        assert m is not None   # called at a backslash
        name, i = m.group(1), m.end()
        if name in ("frac", "dfrac", "tfrac"):
            num, i = self.argument(i, end)
            den, i = self.argument(i, end)
            a, b = _DIFFERENTIAL.fullmatch(num), _DIFFERENTIAL.fullmatch(den)
            if a and b:
                return f" {a.group(1)}{a.group(2)}/{b.group(1)}{b.group(2)} ", i
            f = _FUNCTION_DIFFERENTIAL.fullmatch(num)
            if f and b and f.group(2).strip() == b.group(2):      # \frac{d\sigma(x)}{dx} is σ'(x)
                return f" {f.group(1)}'({f.group(2).strip()}) ", i
            return f"(({num})/({den}))", i
        if name == "sum":
            return self.index_sum(i, end)
        if name in _SIZES:
            j = self.skip(i, end)
            for delim, plain in _DELIMITERS.items():
                if self.text.startswith(delim, j):
                    return plain, j + len(delim)
            if self.text.startswith(".", j):
                return "", j + 1
            return "", i
        if "\\" + name in _DELIMITERS:
            return _DELIMITERS["\\" + name], i
        if name in _SPACES:
            return " ", i
        if name in _WRAPPERS:
            arg, i = self.argument(i, end)
            if (named := _named_greek(arg)) is not None:     # \text{\textit{(greek small letter omega with psili)}}
                return named, i
            arg = re.sub(r"\s+", "", re.sub(r"^\((.*)\)$", r"\1", arg))
            if arg in ("1", "0") and name in _BOLD:      # \mathbf{1}: a vector of ones (or zeros) of no size
                indicator = self.indicator(self.skip(i, end), end) if arg == "1" else None
                return indicator or self.fail(m.start(), "syntax.ones_vector", command=f"\\{name}{{{arg}}}")
            return arg, i
        if name in _ACCENTS:                              # \acute{\alpha} is ά, as latex_name prints it
            arg, i = self.argument(i, end)
            return _accented(arg.strip("() "), name), i
        if name in ("hat", "widehat"):
            arg, i = self.argument(i, end)
            return arg.strip("()") + "hat", i
        if name == "mathbb":
            arg, i = self.argument(i, end)
            identity = arg in ("I", "1", "(I)", "(1)")
            return (identity and self.indicator(self.skip(i, end), end)) or (("I" if identity else arg), i)
        if name == "sqrt":
            arg, i = self.argument(i, end)
            return f"sqrt({arg})", i
        if name == "_":
            return "_", i
        if name in _OPERATORS:
            return _OPERATORS[name], i
        if name in _GREEK:
            return _GREEK[name], i
        if name in _WORDS:
            return _WORDS[name], i
        self.fail(m.start(), command="\\" + name)


def _accented(letter: str, accent: str) -> str:
    """``letter`` with the mark of ``accent`` (``\\acute{\\alpha}`` is ά), composed where Unicode composes it."""
    import unicodedata

    mark = _ACCENTS[accent]
    if accent == "tilde" and unicodedata.name(unicodedata.normalize("NFD", letter)[:1], "").startswith("GREEK"):
        mark = "\u0342"
    return unicodedata.normalize("NFC", letter + mark)


def _named_greek(arg: str) -> str | None:
    """The Greek letter a sheet names in place of a glyph, ``(greek small letter omega with psili)``, or None."""
    import unicodedata

    m = re.fullmatch(r"\s*\((greek [a-z ]+)\)\s*", arg)
    if m is None:
        return None
    head, *marks = m.group(1).upper().split(" WITH ")
    try:
        if not marks:
            return unicodedata.lookup(head)
        try:
            return unicodedata.lookup(m.group(1))
        except KeyError:
            return unicodedata.normalize("NFC", unicodedata.lookup(head) + "".join(
                unicodedata.lookup("COMBINING " + mark) for mark in marks))
    except KeyError:
        return None
