"""Lets you put any text into a LaTeX document that pdflatex compiles: titles, sources, descriptions and
hints in any language. Special characters are escaped, mathematical ones set as math, accented letters
as accents, Cyrillic in T2A, and Markdown (paragraphs, lists, code, bold, emphasis) as LaTeX.
"""
from __future__ import annotations

import re
import unicodedata

from backprop_cli.formula.names import GREEK
from backprop_cli.formula.printers import greek_math

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
_CYRILLIC = re.compile(r"\\cyr\{[^{}]*\}|[\u0400-\u04ff](?:[\u0400-\u04ff\s,.:;!?/-]*[\u0400-\u04ff])?")


_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0307": r"\dot", "\u0303": r"\tilde", "\u0308": r"\ddot"}
#: Text accents of T1 by combining mark (ő is \H{o}, č is \v{c}, ą is \k{a}).
_TEXT_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
                 "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
                 "\u0327": "c", "\u0328": "k", "\u0331": "b"}
#: Letters and punctuation that T1 and the LaTeX kernel (textcomp) have under a name.
_NAMED = {"ß": r"\ss{}", "ø": r"\o{}", "Ø": r"\O{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}",
          "å": r"\aa{}", "Å": r"\AA{}", "ł": r"\l{}", "Ł": r"\L{}", "đ": r"\dj{}", "Đ": r"\DJ{}", "ı": r"\i{}",
          "ȷ": r"\j{}", "ð": r"\dh{}", "Ð": r"\DH{}", "þ": r"\th{}", "Þ": r"\TH{}", "ŋ": r"\ng{}", "Ŋ": r"\NG{}",
          "„": r"\quotedblbase{}", "‚": r"\quotesinglbase{}", "‘": "`", "’": "'", "«": r"\guillemotleft{}",
          "»": r"\guillemotright{}", "‹": r"\guilsinglleft{}", "›": r"\guilsinglright{}", "•": r"\textbullet{}",
          "†": r"\dag{}", "‡": r"\ddag{}", "‰": r"\textperthousand{}", "€": r"\texteuro{}", "№": r"\textnumero{}",
          "™": r"\texttrademark{}", "℃": r"\textcelsius{}", "°": r"\textdegree{}", "µ": r"\textmu{}",
          "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,", "\u2002": r"\enspace{}", "\u2003": r"\quad{}",
          "\u00ad": r"\-", "″": r"\ensuremath{''}", "‐": "-", "‑": "-", "‒": "--", "―": "---", "⁄": "/"}
#: Mathematical letters and symbols beyond those of :data:`_MATH`.
_MORE_MATH = {"ϵ": r"\epsilon", "ϑ": r"\vartheta", "ϕ": r"\phi", "ϱ": r"\varrho", "ς": r"\varsigma", "ϖ": r"\varpi",
              "∅": r"\emptyset", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq", "⊃": r"\supset",
              "⊇": r"\supseteq", "∪": r"\cup", "∩": r"\cap", "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg",
              "↔": r"\leftrightarrow", "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "∼": r"\sim",
              "≃": r"\simeq", "≅": r"\cong", "∝": r"\propto", "∓": r"\mp", "÷": r"\div", "∏": r"\prod", "∫": r"\int",
              "⊕": r"\oplus", "⊥": r"\perp", "∥": r"\parallel", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor",
              "⌋": r"\rfloor", "⟨": r"\langle", "⟩": r"\rangle", "≪": r"\ll", "≫": r"\gg", "ℓ": r"\ell",
              "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}", "⋯": r"\cdots",
              "⋮": r"\vdots", "∗": "*", "⋆": r"\star", "□": r"\square", "■": r"\blacksquare", "∎": r"\blacksquare",
              "✓": r"\checkmark", "↑": r"\uparrow", "↓": r"\downarrow", "⊗": r"\otimes", "∖": r"\setminus",
              "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
              "Ρ": "P", "Τ": "T", "Υ": r"\Upsilon", "Χ": "X", "ο": "o"}


def cyrillic_preamble(missing: str) -> str:
    """The preamble lines for Cyrillic, which needs the T2A fonts: where they are missing the document still
    compiles, with ``missing`` (LaTeX text without Cyrillic, in the sheet's language) in place of that text."""
    return "\n".join([
        r"\newif\ifcyrillic\IfFileExists{t2aenc.def}{\cyrillictrue}{}",
        r"\ifcyrillic\usepackage[T2A,T1]{fontenc}\newcommand{\cyr}[1]{{\fontencoding{T2A}\selectfont #1}}",
        rf"\else\usepackage[T1]{{fontenc}}\newcommand{{\cyr}}[1]{{{missing}}}\fi"])


def _tex_char(ch: str) -> str:
    """One character (with its combining marks) as LaTeX that pdflatex compiles: escaped, as math, as a
    named letter, accented, spelled by its compatibility form, or (CJK, emoji …) described by its name."""
    if ch in _TEXT or ch in _MATH or ch in _NAMED or ch in _MORE_MATH:
        return _TEXT.get(ch) or _NAMED.get(ch) or rf"\ensuremath{{{_MORE_MATH.get(ch) or _MATH[ch]}}}"
    if ch.isascii() or "\u00a0" <= ch <= "\u00ff" or "\u0400" <= ch <= "\u04ff":
        return ch                                   # Latin-1 and Cyrillic: inputenc knows them
    greek = greek_math(ch)
    if greek is not None and not greek.startswith(r"\text"):
        return rf"\ensuremath{{{greek.strip()}}}"   # ά as \acute{\alpha}; ὠ (no accent command) by its name below
    nfd = unicodedata.normalize("NFD", ch)
    base, marks = nfd[0], nfd[1:]
    if base.isascii() and base.isalpha() and marks and all(m in _ACCENTS for m in marks):
        out = base
        for m in marks:
            out = f"{_ACCENTS[m]}{{{out}}}"
        return rf"\ensuremath{{{out}}}"
    if marks and all(m in _TEXT_ACCENTS for m in marks) and base.isalpha() and (base.isascii() or base in _NAMED):
        out = _NAMED.get(base, base).removesuffix("{}")
        for m in marks:
            out = f"\\{_TEXT_ACCENTS[m]}{{{out}}}"
        return out
    if len(ch) > 1:                                 # marks no accent command has: the letter without them
        return _tex_char(base)
    if unicodedata.category(ch)[0] in "CM" or unicodedata.category(ch) == "Zl":
        return ""                                   # controls, format marks, stray combining marks
    if unicodedata.category(ch).startswith("Z"):
        return " "
    compatible = unicodedata.normalize("NFKC", ch)
    if compatible != ch:                            # ﬁ, full-width Ａ, ①, ᵃ: their plain spelling
        return "".join(_tex_char(c) for c in compatible)
    name = unicodedata.name(ch, "").lower()
    return rf"\textit{{({name})}}" if name else "?"


def cyrillic(tex: str) -> str:
    """``tex`` with every run of Cyrillic (also inside math's ``\\text{…}``) set in the T2A encoding."""
    return _CYRILLIC.sub(lambda m: m.group(0) if m.group(0).startswith("\\") else r"\cyr{" + m.group(0) + "}", tex)


def tex_text(s: str) -> str:
    """``s`` as LaTeX text: special characters escaped, mathematical characters as math, Cyrillic in ``\\cyr``."""
    return cyrillic("".join(_tex_char(ch) for ch in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFC", s), re.S)))


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


def tex_markdown(md: str) -> list[str]:
    """Markdown (paragraphs, lists, code, bold, emphasis) as LaTeX lines."""
    lines, i = md.strip("\n").splitlines(), 0
    out: list[str] = []
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
        elif (first := item.match(line)) is not None:
            env = "enumerate" if first.group(1)[0].isdigit() else "itemize"
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
