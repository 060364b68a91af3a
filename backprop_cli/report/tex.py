"""Lets you put any text into a LaTeX document that pdflatex compiles: titles, sources, descriptions and
hints in any language. Special characters are escaped, mathematical ones set as math, accented letters
as accents, Cyrillic in T2A, and Markdown (paragraphs, lists, code, bold, emphasis) as LaTeX.
"""
from __future__ import annotations

import re
import unicodedata

from backprop_cli.formula.names import GREEK

_TEXT = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "_": r"\_",
         "%": r"\%", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}",
         ">": r"\textgreater{}", "|": r"\textbar{}", "…": r"\dots{}", "–": "--", "—": "---", "“": "``", "”": "''"}
_MATH = {"×": r"\times", "−": "-", "·": r"\cdot", "ℝ": r"\mathbb{R}", "∈": r"\in", "∂": r"\partial",
         "⊙": r"\odot", "⊗": r"\otimes", "∇": r"\nabla", "→": r"\to", "←": r"\leftarrow", "‖": r"\|",
         "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "√": r"\surd", "∞": r"\infty", "≡": r"\equiv", "±": r"\pm",
         "⊘": r"\oslash", "⊤": r"\top", "′": "'", "∀": r"\forall", "∃": r"\exists", "⇒": r"\Rightarrow",
         "𝕀": r"\mathbb{I}", "⋅": r"\cdot", "∣": r"\mid", "⁺": "^{+}", "≈": r"\approx", "∘": r"\circ", "ᵀ": r"^{\top}", "ŷ": r"\hat{y}",
         "ā": r"\bar{a}", "Σ": r"\Sigma", "∑": r"\sum", "ε": r"\varepsilon", "ˣ": "^{x}", "ⁱ": "^{i}",
         **{ch: "\\" + word for word, ch in GREEK.items()},
         **{ch: f"^{{{d}}}" for ch, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾", "0123456789-()")},
         **{ch: f"_{{{d}}}" for ch, d in zip("₀₁₂₃₄₅₆₇₈₉", "0123456789")}}
_CYRILLIC = re.compile(r"[\u0400-\u04ff](?:[\u0400-\u04ff\s,.:;!?/-]*[\u0400-\u04ff])?")
# Cyrillic needs the T2A fonts; where they are missing the document still compiles, without that text.
CYRILLIC_PREAMBLE = "\n".join([
    r"\newif\ifcyrillic\IfFileExists{t2aenc.def}{\cyrillictrue}{}",
    r"\ifcyrillic\usepackage[T2A,T1]{fontenc}\newcommand{\cyr}[1]{{\fontencoding{T2A}\selectfont #1}}",
    r"\else\usepackage[T1]{fontenc}\newcommand{\cyr}[1]{[Cyrillic text: needs the T2A fonts]}\fi"])


_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0307": r"\dot", "\u0303": r"\tilde", "\u0308": r"\ddot"}


def _tex_char(ch: str) -> str:
    """One character (with its combining marks) as LaTeX that pdflatex compiles: escaped, as math, accented,
    or named by its code point."""
    if ch in _TEXT or ch in _MATH:
        return _TEXT.get(ch) or rf"\ensuremath{{{_MATH[ch]}}}"
    if ch.isascii() or "\u00a0" <= ch <= "\u00ff" or "\u0400" <= ch <= "\u04ff":
        return ch                                   # Latin-1 and Cyrillic: inputenc knows them
    base, *marks = unicodedata.normalize("NFD", ch)
    if base.isascii() and marks and all(m in _ACCENTS for m in marks):
        out = base
        for m in marks:
            out = f"{_ACCENTS[m]}{{{out}}}"
        return rf"\ensuremath{{{out}}}"
    return rf"\texttt{{[U+{ord(ch):04X}]}}"


def tex_text(s: str) -> str:
    """``s`` as LaTeX text: special characters escaped, mathematical characters as math, Cyrillic in ``\\cyr``."""
    out = "".join(_tex_char(ch) for ch in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFC", s), re.S))
    return _CYRILLIC.sub(lambda m: r"\cyr{" + m.group(0) + "}", out)


def _tex_inline(line: str) -> str:
    parts = line.split("`")
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append(r"\texttt{" + tex_text(part) + "}")
        else:
            t = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", tex_text(part))
            out.append(re.sub(r"(?<![\w*])\*(?!\s)(.+?)\*", r"\\emph{\1}", t))
    return "".join(out)


def tex_markdown(md: str) -> list:
    """Markdown (paragraphs, lists, code, bold, emphasis) as LaTeX lines."""
    lines, out, i = md.strip("\n").splitlines(), [], 0
    item = re.compile(r"^\s*(\d+\.|[-*])\s+")
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].lstrip().startswith("```"):
                j += 1
            code = lines[i + 1:j]
            if all(c.isascii() for c in "".join(code)):
                out += [r"\begin{verbatim}"] + code + [r"\end{verbatim}"]
            else:
                out += [r"\par\noindent\texttt{" + tex_text(c).replace(" ", "~") + r"}\\" for c in code]
            i = j + 1
        elif item.match(line):
            env = "enumerate" if item.match(line).group(1)[0].isdigit() else "itemize"
            out.append(rf"\begin{{{env}}}")
            while i < len(lines) and (item.match(lines[i]) or lines[i].startswith("  ")):
                text = _tex_inline(lines[i].strip() if not item.match(lines[i]) else item.sub("", lines[i]))
                out.append((r"\item " if item.match(lines[i]) else "  ") + text)
                i += 1
            out.append(rf"\end{{{env}}}")
        else:
            out.append(_tex_inline(line))
            i += 1
    return out
