"""Lets you show the grades of a class: a table, JSON, CSV or JUnit, one record per student and exercise."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET


def _record(r) -> dict:
    return {"student": r.student, "exercise": r.exercise, "score": r.score, "max_score": r.max_score,
            "statuses": r.statuses, "error": r.error}


def rows_json(rows) -> str:
    return json.dumps([_record(r) for r in rows], ensure_ascii=False, indent=2)


def rows_csv(rows) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student", "exercise", "score", "max_score", "statuses", "error"])
    for r in rows:
        statuses = "; ".join(f"{q}={s}" for q, s in r.statuses.items())
        w.writerow([r.student, r.exercise, f"{r.score:g}", f"{r.max_score:g}", statuses, r.error or ""])
    return out.getvalue()


def rows_junit(rows, lang: str = "en") -> str:
    root = ET.Element("testsuites")
    by_student = {}
    for r in rows:
        by_student.setdefault(r.student, []).append(r)
    for student, items in by_student.items():
        suite = ET.SubElement(root, "testsuite", name=student, tests=str(len(items)),
                              failures=str(sum(not r.passed and r.error is None for r in items)),
                              errors=str(sum(r.error is not None for r in items)))
        for r in items:
            case = ET.SubElement(suite, "testcase", classname=student, name=r.exercise)
            if r.error is not None:
                ET.SubElement(case, "error", message=r.error).text = r.error
            elif not r.passed:
                bad = ", ".join(f"{q}: {s}" for q, s in r.statuses.items() if s != "correct")
                ET.SubElement(case, "failure", message=f"{r.score:g}/{r.max_score:g}").text = bad
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def print_rows(rows, console):
    from rich.table import Table

    table = Table("student", "exercise", "score", "not correct")
    for r in rows:
        bad = r.error or ", ".join(f"{q} ({s})" for q, s in r.statuses.items() if s != "correct")
        table.add_row(r.student, r.exercise, f"{r.score:g}/{r.max_score:g}", bad)
    console.print(table)
