"""Lets you hand out a worked solution (a :class:`solve.Solution`): as JSON (SPEC section 9), as a
Markdown or a LaTeX sheet, or on a rich console.

Every format shows the same things: the exercise (title, source, description), its forward equations,
each question's reference formula, shape and value, and, when asked for, the accumulation step by step.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np

from backprop_cli.errors import BackpropError
from backprop_cli.formula.ast import Name
from backprop_cli.formula.names import GREEK
from backprop_cli.formula.parser import parse_equation
from backprop_cli.formula.printers import latex, latex_name, plain, unicode
from backprop_cli.report.graph import short
from backprop_cli.derive.shapes import fmt


# -- shared pieces -----------------------------------------------------------------------------------
def json_value(value):
    """A number or nested list for JSON (non-finite entries become None), or None."""
    if value is None:
        return None
    a = np.asarray(value, dtype=float)
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def _show(printer, e):
    return None if e is None else printer(e)


def _value_text(value) -> str:
    return "" if value is None else short(value, items=None)


def _asked(q, code=lambda t: t) -> str:
    """What a question asks, with its target set by ``code`` (backticks in Markdown, ``\\texttt`` in LaTeX)."""
    return {"shape": "shape of ", "value": "value of "}.get(q.kind, "") + code(q.question)


def _equations(ex):
    """(targets, AST) of each forward equation; (None, text) if it does not parse on its own."""
    out = []
    for eq in ex.forward:
        try:
            parsed = parse_equation(eq.text, {f.name: f.kind for f in ex.functions})
            out.append((parsed.targets, parsed.expr))
        except BackpropError:
            out.append((None, eq.text))
    return out


_EXTERNAL = " (not computed here: its upstream gradients are given)."


def _external(ex, equations) -> bool:
    return not any(targets and ex.loss in targets for targets, _ in equations)


def _steps_title(sol) -> str:
    if sol.mode == "reverse":
        return f"Steps: reverse mode, from {sol.exercise.loss} back to the inputs"
    return f"Steps: forward mode, tangents with respect to {sol.wrt}"


def _step_text(s, printer=unicode) -> tuple:
    """(symbol, formula or None if given, [(label, node, formula)] below): the formula in full if it differs,
    then the contribution of each path if there are several."""
    formula = None if _is_given(s) else _show(printer, s.formula) or _tangent(printer, s)
    below = [("in full", None, printer(s.expanded))] if s.expanded is not None and s.expanded != s.formula else []
    return printer(s.symbol), formula, below + [("via", via, printer(f)) for via, f in s.parts if len(s.parts) > 1]


def _tangent(printer, s) -> str:
    """Forward mode, where dX/dY has no formula: the tangent ``δX = …`` that defines it as a linear map."""
    if getattr(s, "tangent", None) is None:
        return "?"
    return f"{printer(Name('δ' + s.symbol.num))} = {printer(s.tangent)}"


def _is_given(step) -> bool:
    return step.formula is not None and step.formula == step.symbol


def _has_values(sol) -> bool:
    return any(q.value is not None for q in sol.questions) or any(s.value is not None for s in sol.steps)


# -- JSON ------------------------------------------------------------------------------------------------
def solution_json(sol) -> dict:
    """The solution as SPEC section 9 has it; formulas in the plain (re-parsable) notation."""
    return {
        "exercise": sol.exercise.id,
        "variant": sol.exercise.variant,
        "questions": [{"question": q.question, "kind": q.kind,
                       "formula": _show(plain, q.formula) if q.kind == "derivative" else None,
                       "shape": fmt(q.shape), "value": json_value(q.value)} for q in sol.questions],
        "steps": [{"symbol": plain(s.symbol), "formula": _show(plain, s.formula),
                   "expanded": _show(plain, s.expanded), "shape": fmt(s.shape), "value": json_value(s.value),
                   "paths": [{"via": via, "formula": plain(f)} for via, f in s.parts]} for s in sol.steps],
    }


# -- Markdown --------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def solution_markdown(sol) -> str:
    """A Markdown solution sheet: the exercise, its forward pass, a table of answers and the steps."""
    ex, equations = sol.exercise, _equations(sol.exercise)
    out = [f"# {ex.title}", ""]
    if ex.source:
        out += [f"*Source:* {ex.source}", ""]
    if ex.variant is not None:
        out += [f"*Variant:* {ex.variant}", ""]
    if ex.description.strip():
        out += [ex.description.strip(), ""]
    out += ["## Forward pass", "", "Inputs: " + ", ".join(f"`{i.name}` ({fmt(i.shape)})" for i in ex.inputs) + "."]
    if ex.values:
        out += ["", "Values: " + ", ".join(f"`{n} = {_value_text(v)}`" for n, (v, _) in ex.values.items()) + "."]
    out += ["", "```"] + [_unicode_equation(t, e) for t, e in equations] + ["```", ""]
    out += [f"Loss: `{ex.loss}`" + (_EXTERNAL if _external(ex, equations) else "."), "", "## Answers", ""]
    values = _has_values(sol)
    out += ["| # | Question | Answer | Shape |" + (" Value |" if values else ""),
            "|---|---|---|---|" + ("---|" if values else "")]
    for k, q in enumerate(sol.questions, 1):
        answer = f"`{_cell(unicode(q.formula))}`" if q.kind == "derivative" and q.formula is not None else ""
        row = f"| {k} | {_cell(_asked(q, lambda t: f'`{t}`'))} | {answer} | {fmt(q.shape)} |"
        out.append(row + (f" {_cell(_value_text(q.value))} |" if values else ""))
    if sol.steps:
        out += ["", f"## {_steps_title(sol)}", ""]
        for k, s in enumerate(sol.steps, 1):
            out += _markdown_step(k, s)
    return "\n".join(out) + "\n"


def _unicode_equation(targets, e) -> str:
    return f"{', '.join(targets)} = {unicode(e)}" if targets else e


def _markdown_step(k, s) -> list:
    symbol, formula, below = _step_text(s)
    head = f"`{symbol}` is given" if formula is None else f"`{symbol} = {formula}`"
    value = f" = {_value_text(s.value)}" if s.value is not None else ""
    return [f"{k}. {head} ({fmt(s.shape)}){value}"] + [
        f"   - {label}{f' `{via}`' if via else ''}: `{text}`" for label, via, text in below]


# -- LaTeX -------------------------------------------------------------------------------------------------
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
_CYRILLIC_PREAMBLE = "\n".join([
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


def tex_number(x: float) -> str:
    mantissa, _, exp = short(x).partition("e")
    return rf"{mantissa} \cdot 10^{{{int(exp)}}}" if exp else mantissa


def tex_value(value) -> str:
    """A value as LaTeX math: a number, or a ``bmatrix``."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return tex_number(a)
    rows = a if a.ndim == 2 else a.reshape(1, -1)
    body = r" \\ ".join(" & ".join(tex_number(x) for x in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def tex_shape(shape) -> str:
    return r"\text{scalar}" if not shape else r" \times ".join(
        str(d) if isinstance(d, int) else latex_name(d) for d in shape)


def solution_latex(sol, questions_only: bool = False) -> str:
    """A complete LaTeX document (article, amsmath, amssymb) with the content of :func:`solution_markdown`;
    with ``questions_only``, the exercise sheet: the forward pass and the questions, no answers."""
    ex, equations = sol.exercise, _equations(sol.exercise)
    body = [rf"\section*{{{tex_text(ex.title)}}}"]
    if ex.source:
        body += [r"\noindent\textit{Source:} " + tex_text(ex.source), ""]
    if ex.variant is not None:
        body += [r"\noindent\textit{Variant:} " + tex_text(ex.variant), ""]
    if ex.description.strip():
        body += tex_markdown(ex.description) + [""]
    body += [r"\subsection*{Forward pass}", "Inputs: " + ", ".join(
        rf"${latex_name(i.name)} \in \mathbb{{R}}" + (f"^{{{tex_shape(i.shape)}}}$" if i.shape else "$")
        for i in ex.inputs) + "."]
    if ex.values:
        body += ["", "Values: " + ", ".join(f"${latex_name(n)} = {tex_value(v)}$" for n, (v, _) in ex.values.items())
                 + "."]
    rows = [f"{', '.join(latex_name(t) for t in targets)} &= {latex(e)}" if targets else
            rf"&\text{{{tex_text(e)}}}" for targets, e in equations]
    body += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    body += [f"Loss: ${latex_name(ex.loss)}$" + (_EXTERNAL if _external(ex, equations) else "."), ""]
    body += [r"\subsection*{Questions}" if questions_only else r"\subsection*{Answers}", r"\begin{enumerate}"]
    for q in sol.questions if questions_only else ():
        body.append(r"\item " + _asked(q, lambda t: rf"\texttt{{{tex_text(t)}}}"))
    for q in () if questions_only else sol.questions:
        text = r"\item " + _asked(q, lambda t: rf"\texttt{{{tex_text(t)}}}") + ": "
        if q.kind == "derivative" and q.formula is not None:
            text += rf"$\displaystyle {latex(q.formula)}$, "
        text += f"shape ${tex_shape(q.shape)}$"
        body.append(text + (f", value ${tex_value(q.value)}$" if q.value is not None else ""))
    body.append(r"\end{enumerate}")
    if sol.steps and not questions_only:
        body += [rf"\subsection*{{{tex_text(_steps_title(sol))}}}", r"\begin{align*}"]
        body.append(" \\\\\n".join(_latex_step(s) for s in sol.steps))
        body.append(r"\end{align*}")
    preamble = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}",
                _CYRILLIC_PREAMBLE if r"\cyr{" in "\n".join(body) else r"\usepackage[T1]{fontenc}",
                r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\begin{document}"]
    return "\n".join(preamble + body + [r"\end{document}"]) + "\n"


def _latex_step(s) -> str:
    """One step in ``align*``: the formula and its shape, then (if different) the formula in full, then the value."""
    head = latex(s.symbol) + (r" &\quad\text{given}" if _is_given(s) else f" &= {_show(latex, s.formula) or _tangent(latex, s)}")
    shape = rf" \qquad ({tex_shape(s.shape)})"
    value = "" if s.value is None else f" = {tex_value(s.value)}"
    if s.expanded is not None and s.expanded != s.formula:
        return f"{head}{shape} \\\\\n&= {latex(s.expanded)}{value}"
    return f"{head}{value}{shape}"


# -- rich --------------------------------------------------------------------------------------------------
def print_solution_rich(sol, console) -> None:
    """The solution on a rich console: the exercise, a table of answers and a tree of steps."""
    from rich.markdown import Markdown
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    ex, equations = sol.exercise, _equations(sol.exercise)
    console.print(Text(ex.title, style="bold"))
    if ex.source:
        console.print(Text(f"Source: {ex.source}", style="dim"))
    if ex.variant is not None:
        console.print(Text(f"Variant: {ex.variant}", style="bold"))
    if ex.description.strip():
        console.print()
        console.print(Markdown(ex.description.strip()))
    console.print()
    console.print(Text("Forward pass", style="bold"))
    for targets, e in equations:
        console.print(Text("  " + _unicode_equation(targets, e)))
    console.print(Text(f"  loss: {ex.loss}" + (_EXTERNAL[:-1] if _external(ex, equations) else "")))
    console.print()
    values = _has_values(sol)
    table = Table(title=None, show_lines=False, header_style="bold")
    for column in ("#", "Question", "Answer", "Shape") + (("Value",) if values else ()):
        table.add_column(column, overflow="fold")
    for k, q in enumerate(sol.questions, 1):
        answer = unicode(q.formula) if q.kind == "derivative" and q.formula is not None else ""
        row = [str(k), _asked(q), answer, fmt(q.shape)] + ([_value_text(q.value)] if values else [])
        table.add_row(*(Text(c) for c in row))
    console.print(table)
    if sol.steps:
        tree = Tree(Text(_steps_title(sol), style="bold"))
        for s in sol.steps:
            symbol, formula, below = _step_text(s)
            text = Text(f"{symbol} is given" if formula is None else f"{symbol} = {formula}")
            text.append(f"   {fmt(s.shape)}", style="dim")
            if s.value is not None:
                text.append(f"   = {_value_text(s.value)}", style="cyan")
            branch = tree.add(text)
            for label, via, formula in below:
                branch.add(Text(f"{label}{' ' + via if via else ''}: {formula}"))
        console.print()
        console.print(tree)


__all__ = ["solution_json", "solution_markdown", "solution_latex", "print_solution_rich", "json_value"]
