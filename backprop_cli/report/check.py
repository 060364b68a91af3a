"""Lets you show a grading report: rich text for people, JSON, JUnit XML and GitHub annotations for CI.

Only this module (and the other renderers) turn message keys into words, in the chosen language.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable, TextIO

from backprop_cli.messages import caret_lines, message

if TYPE_CHECKING:      # this is the hot path of ``check``: what it renders is loaded by then anyway
    import xml.etree.ElementTree as ET

    from backprop_cli.errors import BackpropError
    from backprop_cli.exercise.model import Exercise
    from backprop_cli.grade.verdict import Report, Result

_ICON = {"correct": "✓", "incorrect": "✗", "invalid": "!", "missing": "?"}
_STYLE = {"correct": "green", "incorrect": "red", "invalid": "yellow", "missing": "magenta"}


def result_message(r: Result, lang: str) -> str:
    """What is wrong (or that it is right), and for a known mistake, what to do."""
    if r.message == "result.mistake":    # the instructor's own words, in their translation when given
        texts: dict[str, str] = r.args.get("texts", {})
        return texts.get(lang) or texts.get("en", "")
    text = message(r.message, lang, **r.args)
    if (r.diagnosis or r.note) and r.credit != "carried-forward":
        text += " — " + message(r.note or f"diag.{r.diagnosis}", lang, **r.note_args)
    if r.remark:
        text += " " + message(r.remark, lang)
    return text


def _where(r: Result) -> str:
    return f"{r.mark}: " if r.mark is not None else ""


def report_dict(report: Report, lang: str = "en", show_solution: bool = False) -> dict[str, Any]:
    """The JSON document of SPEC section 9 (with ``solution`` for wrong answers when asked)."""
    return {
        "exercise": report.exercise,
        "fingerprint": report.fingerprint,
        "score": report.score,
        "max_score": report.max_score,
        "passed": report.passed,
        "variant": report.variant,
        "results": [{
            "question": r.question, "kind": r.kind, "status": r.status, "points": r.points,
            "max_points": r.max_points, "answer": r.answer, "answer_shape": r.answer_shape,
            "expected_shape": r.expected_shape, "diagnosis": r.diagnosis, "message": result_message(r, lang),
            "retryable": r.retryable, "credit": r.credit,
            **({"line": r.mark.line, "column": r.mark.col} if r.mark is not None else {}),
            **({"solution": r.solution} if show_solution and r.status != "correct" else {}),
        } for r in report.results],
        "warnings": [message(key, lang, **args) for key, args, _ in report.warnings],
    }


def report_json(report: Report, lang: str = "en", show_solution: bool = False) -> str:
    """The JSON document of :func:`report_dict`, as text."""
    import json

    return json.dumps(report_dict(report, lang, show_solution), ensure_ascii=False, indent=2)


def error_json(exercise: str, err: BackpropError, lang: str = "en") -> str:
    """The JSON object for a check that could not grade at all (an unreadable file, an unknown exercise)."""
    import json

    mark = err.mark
    where = {"file": mark.file, "line": mark.line, "column": mark.col} if mark is not None else {}
    return json.dumps({"exercise": exercise, "score": 0.0, "passed": False, "results": [],
                       "error": {"code": err.key, "message": err.render(lang), **where}}, ensure_ascii=False, indent=2)


def report_junit(reports: Iterable[Report], lang: str = "en") -> str:
    """One <testsuite> per exercise, one <testcase> per question; wrong answers are <failure>s."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites")
    for rep in reports:
        failures = sum(r.status == "incorrect" or r.status == "missing" for r in rep.results)
        errors = sum(r.status == "invalid" for r in rep.results)
        suite = ET.SubElement(root, "testsuite", name=rep.exercise, tests=str(len(rep.results)),
                              failures=str(failures), errors=str(errors))
        props = {**({"fingerprint": rep.fingerprint} if rep.fingerprint else {}),
                 **({"variant": rep.variant} if rep.variant is not None else {})}
        if props:
            _properties(suite, **props)
        for r in rep.results:
            case = ET.SubElement(suite, "testcase", classname=rep.exercise, name=r.question)
            _properties(case, points=f"{r.points:g}", max_points=f"{r.max_points:g}",
                        **({"retryable": "true"} if r.retryable else {}), **({"credit": r.credit} if r.credit else {}))
            if r.status != "correct":
                tag = "error" if r.status == "invalid" else "failure"
                msg = result_message(r, lang)
                node = ET.SubElement(case, tag, message=msg, type=r.diagnosis or r.status)
                node.text = _where(r) + msg + (f"\n{_caret(r.caret)}" if r.caret else "")
        if rep.warnings:
            ET.SubElement(suite, "system-err").text = "\n".join(
                f"{message('report.warning', lang)}: {message(k, lang, **a)}" for k, a, _ in rep.warnings)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _caret(caret: tuple[str, int | None]) -> str:
    return caret_lines(caret[0], caret[1] or 0)


def _properties(parent: ET.Element, **props: object) -> None:
    import xml.etree.ElementTree as ET

    node = ET.SubElement(parent, "properties")
    for name, value in props.items():
        ET.SubElement(node, "property", name=name, value=str(value))


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def report_github(report: Report, lang: str = "en") -> str:
    """``::error file=…,line=…::message`` lines for GitHub Actions, at each answer's line."""
    lines = []
    for r in report.results:
        if r.status == "correct":
            continue
        where = ""
        if r.mark is not None:
            where = f" file={_gh_prop(r.mark.file)},line={r.mark.line},col={r.mark.col},"
        status = message("report.status." + r.status, lang)      # the word the rich report shows
        title = f"{report.exercise} {r.question}: {status} {r.points:g}/{r.max_points:g}"
        if r.retryable:
            title += f" ({message('report.retryable', lang)})"
        lines.append(f"::error{where or ' '}title={_gh_prop(title)}::{_gh_escape(result_message(r, lang))}")
    for key, args, mark in report.warnings:
        where = f" file={_gh_prop(mark.file)},line={mark.line},col={mark.col}" if mark else ""
        lines.append(f"::warning{where}::{_gh_escape(message(key, lang, **args))}")
    variant = f" ({message('report.variant', lang, name=report.variant)})" if report.variant is not None else ""
    lines.append(f"{report.exercise}{variant}: {message('report.summary', lang, score=report.score, max_score=report.max_score)}")
    if report.fingerprint:
        lines.append(f"{message('report.fingerprint', lang)}: {report.fingerprint}")
    return "\n".join(lines) + "\n"


def report_description(ex: Exercise, report: Report, lang: str = "en") -> str:
    """The exercise's description, followed by the student's own numbers when the report is of a variant."""
    if report.variant is None:
        return ex.description
    from backprop_cli.exercise.variants import for_student, numbers_text

    numbers = ", ".join(numbers_text(for_student(ex, report.variant)))
    return f"{ex.description.rstrip()}\n\n{message('report.your_numbers', lang)}: {numbers}"


_CODES = {"green": "32", "red": "31", "yellow": "33", "magenta": "35", "cyan": "36", "dim": "2", "bold": "1"}


def use_colour(stream: object) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return isatty is not None and bool(isatty()) and "NO_COLOR" not in os.environ


def terminal_width(stream: TextIO) -> int | None:
    """The width to wrap at: ``COLUMNS`` if set, else the terminal's; None (no wrapping) for a file or pipe."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns if stream.isatty() else None
    except (AttributeError, OSError, ValueError):
        return None


def print_report(report: Report, stream: TextIO | None = None, lang: str = "en", show_solution: bool = False,
                 description: str | None = None, colour: bool | None = None, width: int | None = None) -> None:
    """The human report: per question the status, how it was read, its shape, the message and hint; the
    description is Markdown, and long lines wrap at ``width`` (default: the terminal's).
    Plain text with ANSI colours on a terminal (no rich here: this is the hot path of ``check``)."""
    from backprop_cli.report.markdown import clean, render, wrap

    stream = stream or sys.stdout
    colour = use_colour(stream) if colour is None else colour
    width = terminal_width(stream) if width is None else width

    def paint(text: str, *styles: str) -> str:
        if not colour or not styles:
            return text
        return "\x1b[" + ";".join(_CODES[s] for s in styles) + "m" + text + "\x1b[0m"

    out = [paint(line, "bold") for line in wrap(clean(f"{report.exercise} — {report.title}"), width)]
    if report.variant is not None:
        out.append(paint(message("report.variant", lang, name=report.variant), "bold"))
    if description:
        out += [paint(line, "dim") if line else line for line in render(description, min(width or 80, 100))] + [""]
    for key, args, mark in report.warnings:
        where = f"{mark}: " if mark is not None else ""
        out.append(paint(f"{where}{message('report.warning', lang)}: {message(key, lang, **args)}", "yellow"))
    for r in report.results:
        style = _STYLE[r.status]
        name = r.question if r.kind == "derivative" else f"{r.question} ({message('report.kind.' + r.kind, lang)})"
        diagnosis = message("diag.name." + r.diagnosis, lang) if r.diagnosis else None
        note = ", ".join(filter(None, (diagnosis, message("report.credit." + r.credit, lang) if r.credit else None)))
        head = paint(_ICON[r.status], style) + " " + paint(name, "bold") + "  " + paint(
            message("report.status." + r.status, lang) + (f" ({note})" if note else ""), style)
        out.append(head + paint(f"  [{r.points:g}/{r.max_points:g}]", "dim"))
        if r.read is not None:
            out.append(f"    {message('report.read_as', lang)}: {r.read}")
        if r.kind != "shape" and (r.answer_shape or r.expected_shape):
            shape: Callable[[str | None], str] = lambda s: message("report.scalar", lang) if s == "scalar" else s or "—"  # noqa: E731
            out.append(f"    {message('report.shape', lang)}: {shape(r.answer_shape)}   "
                       f"{message('report.expected', lang)}: {shape(r.expected_shape)}")
        if r.status != "correct":
            out += wrap(f"{_where(r)}{result_message(r, lang)}", width, "    ", "      ")
            if r.caret:
                out.append(paint(_caret(r.caret), "yellow"))
            if r.retryable:
                out.append(paint(f"    {message('report.retry', lang)}", "yellow"))
            if r.hint:
                out += [paint(line, "cyan") for line in wrap(f"{message('report.hint', lang)}: {clean(r.hint)}",
                                                             width, "    ", "      ")]
            if show_solution and r.solution:
                out.append(paint(f"    {message('report.solution', lang)}: {r.solution}", "green"))
    summary = message("report.summary", lang, score=report.score, max_score=report.max_score)
    out.append(paint(summary, "bold", "green" if report.passed else "red"))
    if report.fingerprint:
        out.append(paint(f"{message('report.fingerprint', lang)}: {report.fingerprint}", "dim"))
    stream.write("\n".join(out) + "\n")
