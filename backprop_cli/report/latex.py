"""Lets you hand out a worked solution (a :class:`solve.Solution`) as a LaTeX document that pdflatex
compiles (article, amsmath, amssymb): the exercise, its forward pass, each question's reference formula,
shape and value, and the steps; or, with ``questions_only``, the exercise sheet without answers.

A formula wider than a line is broken after a top-level ``+``, ``-`` or product (``a + {} \\\\ \\quad b``),
and one too large to print whole is shown through named intermediates, ``where g_1 = …`` (SPEC 10). The
grader reads all of it back: a line ending with an operator continues on the next.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from backprop_cli.derive.shapes import Shape
from backprop_cli.formula.ast import ADD, HADAMARD, MUL, OUTER, SUB, Bin, Expr, Name, Neg, Num
from backprop_cli.formula.named import fit
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import PROD, UNARY, latex, latex_name, level, plain, unicode
from backprop_cli.report.graph import short
from backprop_cli.report.sheet import EXTERNAL, asked, equations, external, in_full, is_given, steps_title, tangent
from backprop_cli.report.tex import CYRILLIC_PREAMBLE, cyrillic, tex_markdown, tex_text

if TYPE_CHECKING:      # the solution is made by grade.solve before it is shown
    from backprop_cli.grade.solve import Solution, Solved, Step

#: A formula wider than this (in characters of its unicode form) is broken into lines.
WIDTH = 72
_OP = {ADD: "+", SUB: "-", MUL: r"\cdot", HADAMARD: r"\odot", OUTER: r"\otimes"}


def tex_number(x: float | np.ndarray) -> str:
    """A number as LaTeX math: ``0.5``, ``1.2 \\cdot 10^{-5}``."""
    mantissa, _, exp = short(x).partition("e")
    return rf"{mantissa} \cdot 10^{{{int(exp)}}}" if exp else mantissa


def tex_value(value: Any) -> str:
    """A value as LaTeX math: a number, or a ``bmatrix``."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return tex_number(a)
    rows = a if a.ndim == 2 else a.reshape(1, -1)
    body = r" \\ ".join(" & ".join(tex_number(x) for x in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def tex_shape(shape: Shape) -> str:
    """A shape as LaTeX math: ``m \\times n``, or scalar."""
    return r"\text{scalar}" if not shape else r" \times ".join(
        str(d) if isinstance(d, int) else latex_name(d) for d in shape)


# -- line breaks ---------------------------------------------------------------------------------------------
def _operands(e: Expr) -> list[tuple[str | None, Expr]]:
    """[(operator or None, operand)] of the top-level sum or product chain of ``e`` (left-associative), or
    [(None, e)] when ``e`` is neither."""
    ops = (ADD, SUB) if isinstance(e, Bin) and e.op in (ADD, SUB) else (MUL, HADAMARD, OUTER)
    out: list[tuple[str | None, Expr]] = []
    while isinstance(e, Bin) and e.op in ops and not (e.op == MUL and isinstance(e.left, Num)):
        out.append((e.op, e.right))
        e = e.left
    out.append((None, e))
    return out[::-1]


def _operand_tex(op: str | None, e: Expr) -> str:
    """An operand of a chain in LaTeX, in parentheses where the printer would put them."""
    text = latex(e)
    bound = PROD if op in (None, ADD, SUB) else UNARY
    if (op is not None and level(e) < bound) or (op is None and level(e) < bound - 1) or (op and isinstance(e, Neg)):
        return rf"\left({text}\right)"
    return text


def broken(e: Expr, width: int = WIDTH) -> list[str]:
    """``e`` in LaTeX as lines no wider than ``width`` where a top-level operator allows: every line but the
    last ends with its operator and ``{}`` (so a line break never turns a minus into a sign)."""
    if len(unicode(e)) <= width:
        return [latex(e)]
    parts = _operands(e)
    if len(parts) == 1:
        return [latex(e)]
    lines: list[str] = []
    current, used = _operand_tex(None, parts[0][1]), len(unicode(parts[0][1]))
    for op, operand in parts[1:]:
        assert op is not None            # only the first operand has no operator before it
        text, w = _operand_tex(op, operand), len(unicode(operand)) + 3
        if used + w > width:
            lines.append(f"{current} {_OP[op]} {{}}")
            current, used = text, w
        else:
            current, used = f"{current} {_OP[op]} {text}", used + w
    return lines + [current]


def formula_rows(e: Expr, taken: frozenset[str], lead: str, first: str = "", last: str = "") -> list[str]:
    """``e`` as rows of an ``align*``: ``lead`` (e.g. ``x &=``) and the formula broken into lines, ``first``
    after its first line and ``last`` after its last; then, when it is printed through named
    intermediates, ``where`` and one row per name."""
    n = fit(e, (plain, unicode, latex), taken)
    body = e if n is None else n.body
    lines = broken(body)
    rows = [f"{lead} {lines[0]}"] + [rf"&\quad {line}" for line in lines[1:]]
    if len(rows) == 1:
        rows[0] += last + first
    else:
        rows[0] += first
        rows[-1] += last
    for k, (name, f) in enumerate(() if n is None else n.definitions):
        parts = broken(f)
        head = r"&\text{where}\quad " if k == 0 else r"&\qquad\quad "
        rows += [f"{head}{latex(Name(name))} = {parts[0]}"] + [rf"&\qquad\qquad {line}" for line in parts[1:]]
    return rows


def _answer(q: Solved, taken: frozenset[str]) -> str:
    """A question's reference: inline when it fits a line, else an ``align*`` of broken and named lines."""
    assert q.formula is not None, q.question     # only a question with a reference formula is answered so
    if fit(q.formula, (plain, unicode, latex), taken) is None and len(unicode(q.formula)) <= WIDTH:
        return rf"$\displaystyle {latex(q.formula)}$, "
    rows = formula_rows(q.formula, taken, f"{latex(parse(q.question))} &=")
    return "\n".join([r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]) + "\n"


# -- the document ------------------------------------------------------------------------------------------
def solution_latex(sol: Solution, questions_only: bool = False) -> str:
    """A complete LaTeX document with the content of the Markdown sheet; with ``questions_only``, the
    exercise sheet: the forward pass and the questions, no answers."""
    ex, eqs, taken = sol.exercise, equations(sol.exercise), sol.names
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
    rows = [f"{', '.join(latex_name(t) for t in targets)} &= {latex(e)}" if targets and not isinstance(e, str) else
            rf"&\text{{{tex_text(str(e))}}}" for targets, e in eqs]
    body += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    body += [f"Loss: ${latex_name(ex.loss)}$" + (EXTERNAL if external(ex, eqs) else "."), ""]
    body += [r"\subsection*{Questions}" if questions_only else r"\subsection*{Answers}", r"\begin{enumerate}"]
    for q in sol.questions if questions_only else ():
        body.append(r"\item " + asked(q, lambda t: rf"\texttt{{{tex_text(t)}}}"))
    for q in () if questions_only else sol.questions:
        text = r"\item " + asked(q, lambda t: rf"\texttt{{{tex_text(t)}}}") + ": "
        if q.kind == "derivative" and q.formula is not None:
            text += _answer(q, taken)
        text += f"shape ${tex_shape(q.shape)}$"
        body.append(text + (f", value ${tex_value(q.value)}$" if q.value is not None else ""))
    body.append(r"\end{enumerate}")
    if sol.steps and not questions_only:
        body += [rf"\subsection*{{{tex_text(steps_title(sol))}}}", r"\begin{align*}"]
        body.append(" \\\\\n".join(_latex_step(s, taken) for s in sol.steps))
        body.append(r"\end{align*}")
    text = cyrillic("\n".join(body))       # also names in formulas, as \text{…}
    preamble = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}",
                CYRILLIC_PREAMBLE if r"\cyr{" in text else r"\usepackage[T1]{fontenc}",
                r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\allowdisplaybreaks", r"\begin{document}"]
    return "\n".join(preamble + [text, r"\end{document}"]) + "\n"


def _latex_step(s: Step, taken: frozenset[str]) -> str:
    """One step in ``align*``: the formula and its shape, then (if different, and short enough to print
    whole) the formula in full, then the value."""
    shape = rf" \qquad ({tex_shape(s.shape)})"
    value = "" if s.value is None else f" = {tex_value(s.value)}"
    if is_given(s):
        return f"{latex(s.symbol)} &\\quad\\text{{given}}{value}{shape}"
    full = in_full(s, taken)
    head = f"{latex(s.symbol)} &="
    if s.formula is None:
        rows = [f"{head} {tangent(latex, s)}" + (shape if full else value + shape)]
    else:
        rows = formula_rows(s.formula, taken, head, first=shape, last="" if full else value)
    if full and s.expanded is not None:
        rows += formula_rows(s.expanded, taken, "&=", last=value)
    return " \\\\\n".join(rows)
