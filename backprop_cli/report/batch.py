"""Lets you show the grades of a class: JSON (SPEC section 9), CSV with per-question points, a Canvas
gradebook, JUnit, and a terminal table with the class summary. Student text is data everywhere: escaped
for rich markup, and for spreadsheets against formula injection.
"""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any, Callable, Sequence

from backprop_cli.exercise.texts import localized
from backprop_cli.messages import message

if TYPE_CHECKING:      # loaded when a class is graded (and rich only when a table is drawn)
    from rich.console import Console
    from rich.table import Table

    from backprop_cli.grade.assignment import Problem
    from backprop_cli.grade.batch import ClassGrade, Record

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: object) -> str:
    """A CSV text cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _num(x: float) -> str:
    return f"{x:g}"


def error_text(error: Problem | None, lang: str) -> str | None:
    """Why a file could not be graded, in ``lang``."""
    return None if error is None else message(error[0], lang, **error[1])


def record_error(r: Record, lang: str) -> str | None:
    """Why a record has no grade: the file's error, or (a fault of the tool) that it is not counted, and why."""
    text = error_text(r.error, lang)
    return message("grade.not_counted", lang, error=text) if r.internal else text


def class_warnings(cg: ClassGrade, lang: str) -> list[str]:
    """Warnings about the assignment itself: exercises that shadow a built-in one, and records that a fault of
    the tool left ungraded (not counted; the instructor must look at them)."""
    out = [message("grade.shadows", lang, id=a.id, path=a.path, builtin=a.shadows) for a in cg.assignment if a.shadows]
    internal = cg.internal
    if internal:
        out.append(message("grade.internal_errors", lang, count=len(internal),
                           records=", ".join(f"{r.student}/{r.exercise}" for r in internal[:10])
                           + (", …" if len(internal) > 10 else "")))
    return out


def _results(rec: Record, lang: str) -> list[dict[str, Any]]:
    from backprop_cli.grade.verdict import Report
    from backprop_cli.report.check import report_dict

    results: list[dict[str, Any]] = report_dict(Report(rec.exercise, "", rec.results, rec.warnings), lang)["results"]
    return results


def grade_dict(cg: ClassGrade, lang: str = "en") -> dict[str, Any]:
    """The JSON document of ``grade`` (SPEC section 9)."""
    from backprop_cli.grade.batch import summary, totals

    students = []
    for student, score, max_score, percent, recs in totals(cg):
        students.append({
            "student": student, "score": score, "max_score": max_score, "percent": round(percent, 2),
            "problems": [message(k, lang, **a) for k, a in cg.problems.get(student, ())],
            "not_counted": [r.exercise for r in recs if not r.counted],
            "exercises": [{
                "exercise": r.exercise, "score": r.score, "max_score": r.max_score, "file": r.file,
                "variant": r.variant, "counted": r.counted, "internal_error": r.internal,
                "error": record_error(r, lang), "results": _results(r, lang),
                "warnings": [message(k, lang, **a) for k, a, _ in r.warnings],
            } for r in recs],
        })
    return {
        "exercises": [{"exercise": a.id, "title": localized(a.exercise, lang).title, "fingerprint": a.fingerprint,
                       "max_score": a.max_score, "shadows_builtin": a.shadows is not None}
                      for a in cg.assignment],
        "students": students,
        "summary": {"questions": summary(cg)},
        "warnings": class_warnings(cg, lang),
        "internal_errors": [{"student": r.student, "exercise": r.exercise, "file": r.file,
                             "error": error_text(r.error, lang)} for r in cg.internal],
    }


def grade_json(cg: ClassGrade, lang: str = "en") -> str:
    """The JSON document of :func:`grade_dict`, as text: indented down to each question's result, which
    is one line (a class has tens of thousands of them)."""
    from backprop_cli.report.jsontext import json_text

    return json_text(grade_dict(cg, lang), flat=6)


def grade_csv(cg: ClassGrade, lang: str = "en") -> str:
    """One row per student and exercise, with each question's points and diagnosis in its own columns."""
    from backprop_cli.grade.batch import totals

    questions = [(a.id, q.kind, q.target) for a in cg.assignment for q in a.exercise.questions]
    head = ["student", "exercise", "score", "max_score", "percent", "fingerprint", "error", "problems", "variant"]
    for ex, kind, q in questions:
        head += [f"{ex} {q} [{kind}] points", f"{ex} {q} [{kind}] diagnosis"]
    fps = {a.id: a.fingerprint for a in cg.assignment}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([cell(h) for h in head])
    column = {key: len(head) - 2 * len(questions) + 2 * i for i, key in enumerate(questions)}
    for student, _, _, _, recs in totals(cg):
        problems = "; ".join(message(k, lang, **a) for k, a in cg.problems.get(student, ()))
        for r in recs:
            row = [cell(student), r.exercise, _num(r.score) if r.counted else "", _num(r.max_score),
                   f"{100 * r.score / r.max_score if r.max_score else 0:.1f}" if r.counted else "", fps[r.exercise],
                   cell(record_error(r, lang)), cell(problems), cell(r.variant)] + [""] * (2 * len(questions))
            for x in r.results if r.counted else ():      # a row fills only its own exercise's columns
                at = column.get((r.exercise, x.kind, x.question))
                if at is not None:
                    row[at:at + 2] = [_num(x.points), x.diagnosis or ""]
            w.writerow(row)
    return out.getvalue()


def grade_canvas(cg: ClassGrade, lang: str = "en") -> str:
    """A Canvas gradebook import: one row per student (the folder name as SIS Login ID), one column per
    exercise, and the 'Points Possible' row Canvas reads the maximum from."""
    from backprop_cli.grade.batch import totals

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [cell(a.id) for a in cg.assignment])
    w.writerow(["    Points Possible", "", "", "", ""] + [_num(a.max_score) for a in cg.assignment])
    for student, _, _, _, recs in totals(cg):
        # a record the tool could not grade is left empty: Canvas counts an empty cell as not graded, not as 0
        w.writerow([cell(student), "", "", cell(student), ""] + [_num(r.score) if r.counted else "" for r in recs])
    return out.getvalue()


def grade_junit(cg: ClassGrade, lang: str = "en") -> str:
    """One <testsuite> per student, one <testcase> per exercise."""
    root = ET.Element("testsuites")
    for student, recs in cg.students():
        suite = ET.SubElement(root, "testsuite", name=student, tests=str(len(recs)),
                              failures=str(sum(not r.passed and r.error is None for r in recs)),
                              errors=str(sum(r.error is not None for r in recs)))
        props = ET.SubElement(suite, "properties")
        for a in cg.assignment:
            ET.SubElement(props, "property", name=f"fingerprint:{a.id}", value=a.fingerprint)
        for r in recs:
            case = ET.SubElement(suite, "testcase", classname=student, name=r.exercise)
            if r.variant is not None:
                ET.SubElement(ET.SubElement(case, "properties"), "property", name="variant", value=r.variant)
            if r.error is not None:
                text = record_error(r, lang) or ""
                ET.SubElement(case, "error", message=text).text = text
            elif not r.passed:
                bad = ", ".join(f"{x.question}: {message('report.status.' + x.status, lang)} "
                                f"{x.points:g}/{x.max_points:g}"
                                f"{' (' + message('report.retryable', lang) + ')' if x.retryable else ''}"
                                for x in r.results if x.status != "correct")
                ET.SubElement(case, "failure", message=f"{r.score:g}/{r.max_score:g}").text = bad
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _not_correct(r: Record, lang: str) -> str:
    """What a record lacks, in a few words: the error, that there is no file, or the questions not correct."""
    if r.error is not None:
        return record_error(r, lang) or ""
    if r.file is None:
        return message("grade.no_file", lang)
    return ", ".join(f"{_qname(x.question, x.kind, lang)} ({message('report.status.' + x.status, lang)}"
                     f"{', ' + message('diag.name.' + x.diagnosis, lang) if x.diagnosis else ''}"
                     f"{', ' + message('report.retryable', lang) if x.retryable else ''})"
                     for x in r.results if x.status != "correct")


def _qname(question: str, kind: str, lang: str) -> str:
    return question if kind == "derivative" else f"{question} ({message('report.kind.' + kind, lang)})"


def print_grade(cg: ClassGrade, console: Console, lang: str = "en") -> None:
    """The terminal report: a row per student and exercise, then the class summary per question."""
    from rich.markup import escape
    from rich.table import Table

    from backprop_cli.grade.batch import summary, totals

    for text in class_warnings(cg, lang):
        console.print(f"[yellow]{escape(message('report.warning', lang))}: {escape(text)}[/yellow]")
    for a in cg.assignment:
        console.print(f"[dim]{escape(a.id)} — {escape(message('report.fingerprint', lang))}: {a.fingerprint}[/dim]")
    col: Callable[[str], str] = lambda k: message("grade.col." + k, lang)  # noqa: E731
    table = Table(col("student"), col("exercise"), col("score"), col("percent"), col("not_correct"))
    for student, score, max_score, percent, recs in totals(cg):
        for i, r in enumerate(recs):
            bad = _not_correct(r, lang)
            if not r.counted:    # flagged for the instructor: no grade, and the total leaves it out
                table.add_row(escape(student) if i == 0 else "", escape(r.exercise), f"—/{r.max_score:g}", "—",
                              f"[bold red]{escape(bad)}[/bold red]")
                continue
            pct = f"{100 * r.score / r.max_score if r.max_score else 0:.0f}%"
            table.add_row(escape(student) if i == 0 else "", escape(r.exercise),
                          f"{r.score:g}/{r.max_score:g}", pct, escape(bad))
        table.add_row("", f"[bold]{escape(col('total'))}[/bold]", f"[bold]{score:g}/{max_score:g}[/bold]",
                      f"[bold]{percent:.0f}%[/bold]", "", end_section=True)
    console.print(table)
    for student, problems in cg.problems.items():
        for k, args in problems:
            console.print(f"[yellow]{escape(student)}: {escape(message(k, lang, **args))}[/yellow]")
    console.print(summary_table(summary(cg), lang))
    if cg.internal:
        console.print(f"[bold red]{escape(class_warnings(cg, lang)[-1])}[/bold red]")


def summary_table(rows: Sequence[dict[str, Any]], lang: str = "en") -> Table:
    """The class summary per question: status counts and the most common diagnoses."""
    from rich.markup import escape
    from rich.table import Table

    col: Callable[[str], str] = lambda k: message("grade.col." + k, lang)  # noqa: E731
    st: Callable[[str], str] = lambda k: message("report.status." + k, lang)  # noqa: E731
    errors = any(row.get("error") for row in rows)     # a column for tool faults only when there are some
    table = Table(col("exercise"), col("question"), st("correct"), st("incorrect"), st("invalid"),
                  st("missing"), *([st("error")] if errors else []), col("diagnoses"), title=message("grade.summary_title", lang))
    for row in rows:
        name = _qname(row["question"], row["kind"], lang)
        diags = ", ".join(f"{message('diag.name.' + code, lang)} {n}" for code, n in list(row["diagnoses"].items())[:3])
        table.add_row(escape(row["exercise"]), escape(name), str(row["correct"]), str(row["incorrect"]),
                      str(row["invalid"]), str(row["missing"]), *([str(row["error"])] if errors else []), diags)
    return table


def grade_text(cg: ClassGrade, lang: str = "en", width: int = 120) -> str:
    """The terminal report as plain text (for ``--format table -o FILE``)."""
    from rich.console import Console

    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    print_grade(cg, console, lang)
    return console.export_text()


class ProgressBar:
    """A transient progress bar on standard error; its total grows as results come in."""

    def __init__(self, lang: str = "en") -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.p = Progress(transient=True, console=Console(stderr=True))
        self.task = self.p.add_task(message("grade.progress", lang), total=None)
        self.p.start()

    def advance(self) -> None:
        """One more result."""
        self.p.advance(self.task)

    def stop(self) -> None:
        """Take the bar off the screen."""
        self.p.stop()
