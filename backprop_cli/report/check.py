"""Lets you show a grading report: rich text for people, JSON, JUnit XML and GitHub annotations for CI.

Only this module (and the other renderers) turn message keys into words, in the chosen language.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from backprop_cli.messages import caret_lines, message

_ICON = {"correct": "✓", "incorrect": "✗", "invalid": "!", "missing": "?"}
_STYLE = {"correct": "green", "incorrect": "red", "invalid": "yellow", "missing": "magenta"}


def result_message(r, lang: str) -> str:
    """What is wrong (or that it is right), and for a known mistake, what to do."""
    text = message(r.message, lang, **r.args)
    if r.diagnosis:
        text += " — " + message("diag." + r.diagnosis, lang)
    return text


def _where(r) -> str:
    return f"{r.mark}: " if r.mark is not None else ""


def report_dict(report, lang: str = "en") -> dict:
    """The JSON document of SPEC section 9."""
    return {
        "exercise": report.exercise,
        "score": report.score,
        "max_score": report.max_score,
        "passed": report.passed,
        "results": [{
            "question": r.question, "kind": r.kind, "status": r.status, "points": r.points,
            "max_points": r.max_points, "answer": r.answer, "answer_shape": r.answer_shape,
            "expected_shape": r.expected_shape, "diagnosis": r.diagnosis, "message": result_message(r, lang),
            **({"line": r.mark.line, "column": r.mark.col} if r.mark is not None else {}),
        } for r in report.results],
        "warnings": [message(key, lang, **args) for key, args, _ in report.warnings],
    }


def report_json(report, lang: str = "en") -> str:
    return json.dumps(report_dict(report, lang), ensure_ascii=False, indent=2)


def report_junit(reports, lang: str = "en") -> str:
    """One <testsuite> per exercise, one <testcase> per question; wrong answers are <failure>s."""
    root = ET.Element("testsuites")
    for rep in reports:
        failures = sum(r.status == "incorrect" or r.status == "missing" for r in rep.results)
        errors = sum(r.status == "invalid" for r in rep.results)
        suite = ET.SubElement(root, "testsuite", name=rep.exercise, tests=str(len(rep.results)),
                              failures=str(failures), errors=str(errors))
        for r in rep.results:
            case = ET.SubElement(suite, "testcase", classname=rep.exercise, name=r.question)
            if r.status != "correct":
                tag = "error" if r.status == "invalid" else "failure"
                msg = result_message(r, lang)
                node = ET.SubElement(case, tag, message=msg, type=r.diagnosis or r.status)
                node.text = _where(r) + msg + (f"\n{caret_lines(*r.caret)}" if r.caret else "")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def report_github(report, lang: str = "en") -> str:
    """``::error file=…,line=…::message`` lines for GitHub Actions, at each answer's line."""
    lines = []
    for r in report.results:
        if r.status == "correct":
            continue
        where = ""
        if r.mark is not None:
            where = f" file={_gh_prop(r.mark.file)},line={r.mark.line},col={r.mark.col},"
        title = f"{report.exercise} {r.question}: {r.status}"
        lines.append(f"::error{where or ' '}title={_gh_prop(title)}::{_gh_escape(result_message(r, lang))}")
    for key, args, mark in report.warnings:
        where = f" file={_gh_prop(mark.file)},line={mark.line},col={mark.col}" if mark else ""
        lines.append(f"::warning{where}::{_gh_escape(message(key, lang, **args))}")
    lines.append(f"{report.exercise}: {message('report.summary', lang, score=report.score, max_score=report.max_score)}")
    return "\n".join(lines) + "\n"


def print_report(report, console, lang: str = "en", show_solution: bool = False, description: str | None = None):
    """The rich report: per question the status, how it was read, its shape, the message and hint."""
    from rich.markup import escape
    from rich.text import Text

    console.print(Text(f"{report.exercise} — {report.title}", style="bold"))
    if description:
        console.print(Text(description.strip(), style="dim"))
    for key, args, mark in report.warnings:
        console.print(Text(f"{mark}: {message('report.warning', lang)}: {message(key, lang, **args)}", style="yellow"))
    for r in report.results:
        status = message("report.status." + r.status, lang)
        head = Text()
        head.append(f"{_ICON[r.status]} ", style=_STYLE[r.status])
        head.append(f"{r.question}", style="bold")
        head.append(f"  {status}", style=_STYLE[r.status])
        if r.diagnosis:
            head.append(f" ({r.diagnosis})", style=_STYLE[r.status])
        head.append(f"  [{r.points:g}/{r.max_points:g}]", style="dim")
        console.print(head)
        if r.read is not None:
            console.print(f"    {message('report.read_as', lang)}: {escape(r.read)}", highlight=False)
        if r.answer_shape or r.expected_shape:
            got = r.answer_shape or "—"
            console.print(f"    {message('report.shape', lang)}: {escape(got)}   "
                          f"{message('report.expected', lang)}: {escape(r.expected_shape or '—')}", highlight=False)
        if r.status != "correct":
            console.print(Text(f"    {_where(r)}{result_message(r, lang)}"))
            if r.caret:
                console.print(Text(caret_lines(*r.caret), style="yellow"))
            if r.hint:
                console.print(Text(f"    {message('report.hint', lang)}: {r.hint}", style="cyan"))
            if show_solution and r.solution:
                console.print(Text(f"    {message('report.solution', lang)}: {r.solution}", style="green"))
    summary = message("report.summary", lang, score=report.score, max_score=report.max_score)
    console.print(Text(summary, style="bold green" if report.passed else "bold red"))
