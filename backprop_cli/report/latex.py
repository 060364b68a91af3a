"""Lets you hand out a worked solution (a :class:`solve.Solution`) as a LaTeX document that pdflatex
compiles (article, amsmath, amssymb): the exercise, its forward pass, each question's reference formula,
shape and value, and the steps; or, with ``questions_only``, the exercise sheet without answers.

A formula wider than a line is broken after a top-level ``+``, ``-`` or product (``a + {} \\\\ \\quad b``),
and one too large to print whole is shown through named intermediates, ``where g_1 = …`` (SPEC 10). The
grader reads all of it back: a line ending with an operator continues on the next.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from backprop_cli.derive.shapes import Shape
from backprop_cli.formula.ast import ADD, HADAMARD, MUL, OUTER, SUB, Bin, Expr, Name, Neg, Num
from backprop_cli.formula.named import fit
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import PROD, UNARY, latex, latex_name, level, plain, unicode
from backprop_cli.report.graph import short
from backprop_cli.messages import message
from backprop_cli.report.sheet import asked, equations, in_full, is_given, loss_line, steps_title, tangent
from backprop_cli.report.tex import cyrillic, cyrillic_preamble, tex_markdown, tex_text

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


def tex_shape(shape: Shape, lang: str = "en") -> str:
    """A shape as LaTeX math: ``m \\times n``, or the word for scalar in ``lang``."""
    return rf"\text{{{tex_text(message('solve.scalar', lang))}}}" if not shape else r" \times ".join(
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


def formula_rows(e: Expr, taken: frozenset[str], lead: str, first: str = "", last: str = "", lang: str = "en") -> list[str]:
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
        head = rf"&\text{{{tex_text(message('sheet.where', lang))}}}\quad " if k == 0 else r"&\qquad\quad "
        rows += [f"{head}{latex(Name(name))} = {parts[0]}"] + [rf"&\qquad\qquad {line}" for line in parts[1:]]
    return rows


def _answer(q: Solved, taken: frozenset[str], lang: str = "en") -> str:
    """A question's reference: inline when it fits a line, else an ``align*`` of broken and named lines."""
    assert q.formula is not None, q.question     # only a question with a reference formula is answered so
    if fit(q.formula, (plain, unicode, latex), taken) is None and len(unicode(q.formula)) <= WIDTH:
        return rf"$\displaystyle {latex(q.formula)}$, "
    rows = formula_rows(q.formula, taken, f"{latex(parse(q.question))} &=", lang=lang)
    return "\n".join([r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]) + "\n"


# -- the document ------------------------------------------------------------------------------------------
def solution_latex(sol: Solution, questions_only: bool = False, lang: str = "en") -> str:
    """A complete LaTeX document in ``lang`` with the content of the Markdown sheet; with ``questions_only``,
    the exercise sheet: the forward pass and the questions, no answers."""
    def say(key: str, **args: Any) -> str:
        return tex_text(message(key, lang, **args))

    ex, eqs, taken = sol.exercise, equations(sol.exercise), sol.names
    code = lambda t: rf"\texttt{{{tex_text(t)}}}"      # noqa: E731  (a question's target)
    body = [rf"\section*{{{tex_text(ex.title)}}}"]
    if ex.source:
        body += [rf"\noindent\textit{{{say('solve.source')}:}} " + tex_text(ex.source), ""]
    if ex.variant is not None:
        body += [rf"\noindent\textit{{{say('solve.variant')}:}} " + tex_text(ex.variant), ""]
    if ex.description.strip():
        body += tex_markdown(ex.description) + [""]
    inputs = ", ".join(rf"${latex_name(i.name)} \in \mathbb{{R}}" + (f"^{{{tex_shape(i.shape, lang)}}}$" if i.shape else "$")
                       for i in ex.inputs)
    body += [rf"\subsection*{{{say('solve.forward_pass')}}}", _fill("sheet.inputs", lang, inputs=inputs)]
    if ex.values:
        body += ["", _fill("sheet.values", lang, values=", ".join(
            f"${latex_name(n)} = {tex_value(v)}$" for n, (v, _) in ex.values.items()))]
    rows = [f"{', '.join(latex_name(t) for t in targets)} &= {latex(e)}" if targets and not isinstance(e, str) else
            rf"&\text{{{tex_text(str(e))}}}" for targets, e in eqs]
    body += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    body += [_fill_line(loss_line(ex, eqs, "\x00", lang), f"${latex_name(ex.loss)}$"), ""]
    body += [rf"\subsection*{{{say('sheet.questions' if questions_only else 'sheet.answers')}}}", r"\begin{enumerate}"]
    for q in sol.questions if questions_only else ():
        body.append(r"\item " + _asked(q, code, lang))
    for q in () if questions_only else sol.questions:
        text = r"\item " + _asked(q, code, lang) + ": "
        if q.kind == "derivative" and q.formula is not None:
            text += _answer(q, taken, lang)
        text += _fill("sheet.shape", lang, shape=f"${tex_shape(q.shape, lang)}$")
        body.append(text + (", " + _fill("sheet.value", lang, value=f"${tex_value(q.value)}$") if q.value is not None else ""))
    body.append(r"\end{enumerate}")
    if sol.steps and not questions_only:
        body += [rf"\subsection*{{{tex_text(steps_title(sol, lang))}}}", r"\begin{align*}"]
        body.append(" \\\\\n".join(_latex_step(s, taken, lang) for s in sol.steps))
        body.append(r"\end{align*}")
    text = cyrillic("\n".join(body))       # also names in formulas, as \text{…}
    preamble = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}",
                cyrillic_preamble(tex_text(message("sheet.no_cyrillic", lang))) if r"\cyr{" in text
                else r"\usepackage[T1]{fontenc}",
                r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\allowdisplaybreaks", r"\begin{document}"]
    return "\n".join(preamble + [text, r"\end{document}"]) + "\n"


def _fill_line(sentence: str, tex: str) -> str:
    """A sentence of the catalogue as LaTeX text, with the LaTeX ``tex`` where it has the mark ``\\x00``."""
    return tex.join(tex_text(part) for part in sentence.split("\x00"))


def _fill(key: str, lang: str, **tex: str) -> str:
    """The message ``key`` in ``lang`` as LaTeX text, its arguments (LaTeX already) put in unescaped."""
    marks = {name: f"\x00{k}\x00" for k, name in enumerate(tex)}
    parts = message(key, lang, **marks).split("\x00")
    names = list(tex)
    return "".join(tex[names[int(p)]] if k % 2 else tex_text(p) for k, p in enumerate(parts))


def _asked(q: Solved, code: Callable[[str], str], lang: str) -> str:
    """What a question asks, as LaTeX: the sentence escaped, the target set by ``code``."""
    return _fill_line(asked(q, lambda _t: "\x00", lang), code(q.question))


def _latex_step(s: Step, taken: frozenset[str], lang: str = "en") -> str:
    """One step in ``align*``: the formula and its shape, then (if different, and short enough to print
    whole) the formula in full, then the value."""
    shape = rf" \qquad ({tex_shape(s.shape, lang)})"
    value = "" if s.value is None else f" = {tex_value(s.value)}"
    if is_given(s):
        return f"{latex(s.symbol)} &\\quad\\text{{{tex_text(message('sheet.given', lang))}}}{value}{shape}"
    full = in_full(s, taken)
    head = f"{latex(s.symbol)} &="
    if s.formula is None:
        rows = [f"{head} {tangent(latex, s)}" + (shape if full else value + shape)]
    else:
        rows = formula_rows(s.formula, taken, head, first=shape, last="" if full else value, lang=lang)
    if full and s.expanded is not None:
        rows += formula_rows(s.expanded, taken, "&=", last=value, lang=lang)
    return " \\\\\n".join(rows)
