"""Lets you hand out a worked solution (a :class:`solve.Solution`): as JSON (SPEC section 9), as a
Markdown sheet, or on a rich console (the LaTeX sheet is :mod:`latex`).

Every format shows the same things: the exercise (title, source, description), its forward equations,
each question's reference formula, shape and value, and, when asked for, the accumulation step by step.
A formula too large to print whole is printed through named intermediates (``g1 = …`` lines, then the
formula), which the grader reads back.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backprop_cli.formula.ast import Expr
from backprop_cli.formula.printers import plain, unicode
from backprop_cli.derive.shapes import fmt
from backprop_cli.report.latex import solution_latex
from backprop_cli.report.graph import shape_text
from backprop_cli.report.sheet import (asked, equations, external, has_values, json_value, loss_line, shown,
                                       step_text, steps_title, value_text, whole)
from backprop_cli.report.tex import tex_text

if TYPE_CHECKING:      # the solution is made by grade.solve before it is shown
    from rich.console import Console

    from backprop_cli.grade.solve import Solution, Step


# -- JSON ------------------------------------------------------------------------------------------------
def solution_json(sol: Solution) -> dict[str, Any]:
    """The solution as SPEC section 9 has it; formulas in the plain (re-parsable) notation."""
    return {
        "exercise": sol.exercise.id,
        "variant": sol.exercise.variant,
        "questions": [{"question": q.question, "kind": q.kind,
                       "formula": shown(plain, q.formula, sol.names) if q.kind == "derivative" else None,
                       "shape": fmt(q.shape), "value": json_value(q.value)} for q in sol.questions],
        "steps": [{"symbol": plain(s.symbol), "formula": shown(plain, s.formula, sol.names),
                   "expanded": plain(s.expanded) if s.expanded is not None and whole(s.expanded) else None, "shape": fmt(s.shape), "value": json_value(s.value),
                   "paths": [{"via": via, "formula": shown(plain, f, sol.names)} for via, f in s.parts]} for s in sol.steps],
    }


# -- Markdown --------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def solution_markdown(sol: Solution, lang: str = "en") -> str:
    """A Markdown solution sheet in ``lang``: the exercise, its forward pass, a table of answers and the steps."""
    from backprop_cli.messages import message

    def say(key: str, **args: Any) -> str:
        return message(key, lang, **args)

    ex, eqs = sol.exercise, equations(sol.exercise)
    out = [f"# {ex.title}", ""]
    if ex.source:
        out += [f"*{say('solve.source')}:* {ex.source}", ""]
    if ex.variant is not None:
        out += [f"*{say('solve.variant')}:* {ex.variant}", ""]
    if ex.description.strip():
        out += [ex.description.strip(), ""]
    out += [f"## {say('solve.forward_pass')}", "",
            say("sheet.inputs", inputs=", ".join(f"`{i.name}` ({shape_text(i.shape, lang)})" for i in ex.inputs))]
    if ex.values:
        out += ["", say("sheet.values", values=", ".join(f"`{n} = {value_text(v)}`" for n, (v, _) in ex.values.items()))]
    out += ["", "```"] + [_unicode_equation(t, e) for t, e in eqs] + ["```", ""]
    out += [loss_line(ex, eqs, f"`{ex.loss}`", lang), "", f"## {say('sheet.answers')}", ""]
    values = has_values(sol)
    out += [f"| # | {say('solve.question')} | {say('solve.answer')} | {say('solve.shape')} |"
            + (f" {say('solve.value')} |" if values else ""), "|---|---|---|---|" + ("---|" if values else "")]
    for k, q in enumerate(sol.questions, 1):
        answer = f"`{_cell(shown(unicode, q.formula, sol.names, '; ') or '')}`" if q.kind == "derivative" and q.formula is not None else ""
        row = f"| {k} | {_cell(asked(q, lambda t: f'`{t}`', lang))} | {answer} | {shape_text(q.shape, lang)} |"
        out.append(row + (f" {_cell(value_text(q.value))} |" if values else ""))
    if sol.steps:
        out += ["", f"## {steps_title(sol, lang)}", ""]
        for k, s in enumerate(sol.steps, 1):
            out += _markdown_step(k, s, sol.names, lang)
    return "\n".join(out) + "\n"


def _unicode_equation(targets: tuple[str, ...] | None, e: Expr | str) -> str:
    return f"{', '.join(targets)} = {unicode(e)}" if targets and not isinstance(e, str) else str(e)


def _markdown_step(k: int, s: Step, taken: frozenset[str], lang: str = "en") -> list[str]:
    from backprop_cli.messages import message

    symbol, formula, below = step_text(s, unicode, taken, "; ")
    head = message("solve.is_given", lang, symbol=f"`{symbol}`") if formula is None else f"`{symbol} = {formula}`"
    value = f" = {value_text(s.value)}" if s.value is not None else ""
    return [f"{k}. {head} ({shape_text(s.shape, lang)}){value}"] + [
        f"   - {message('solve.' + label.replace(' ', '_'), lang)}{f' `{via}`' if via else ''}: `{text}`"
        for label, via, text in below]


# -- rich --------------------------------------------------------------------------------------------------
def print_solution_rich(sol: Solution, console: Console, lang: str = "en") -> None:
    """The solution on a rich console, in ``lang``: the exercise, a table of answers and a tree of steps."""
    from rich.markdown import Markdown
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    from backprop_cli.messages import message

    def say(key: str, **args: Any) -> str:
        return message("solve." + key, lang, **args)

    ex, eqs = sol.exercise, equations(sol.exercise)
    console.print(Text(ex.title, style="bold"))
    if ex.source:
        console.print(Text(f"{say('source')}: {ex.source}", style="dim"))
    if ex.variant is not None:
        console.print(Text(f"{say('variant')}: {ex.variant}", style="bold"))
    if ex.description.strip():
        console.print()
        console.print(Markdown(ex.description.strip()))
    console.print()
    console.print(Text(say("forward_pass"), style="bold"))
    for targets, e in eqs:
        console.print(Text("  " + _unicode_equation(targets, e)))
    console.print(Text("  " + say("loss_external" if external(ex, eqs) else "loss", loss=ex.loss)))
    console.print()
    values = has_values(sol)
    table = Table(title=None, show_lines=False, header_style="bold")
    for column in ("#", say("question"), say("answer"), say("shape")) + ((say("value"),) if values else ()):
        table.add_column(column, overflow="fold")
    for k, q in enumerate(sol.questions, 1):
        answer = (shown(unicode, q.formula, sol.names) or "") if q.kind == "derivative" else ""
        row = [str(k), asked(q, lang=lang), answer, shape_text(q.shape, lang)] + ([value_text(q.value)] if values else [])
        table.add_row(*(Text(c) for c in row))
    console.print(table)
    if sol.steps:
        tree = Tree(Text(steps_title(sol, lang), style="bold"))
        for s in sol.steps:
            symbol, formula, below = step_text(s, unicode, sol.names)
            text = Text(say("is_given", symbol=symbol) if formula is None else f"{symbol} = {formula}")
            text.append(f"   {shape_text(s.shape, lang)}", style="dim")
            if s.value is not None:
                text.append(f"   = {value_text(s.value)}", style="cyan")
            branch = tree.add(text)
            for label, via, formula in below:
                branch.add(Text(f"{say(label.replace(' ', '_'))}{' ' + via if via else ''}: {formula}"))
        console.print()
        console.print(tree)


__all__ = ["solution_json", "solution_markdown", "solution_latex", "print_solution_rich", "json_value", "tex_text"]
