"""Lets a learning-management system read a ``check`` report: Gradescope's ``results.json`` and the
``result`` that GitHub Classroom's autograding reporter reads (base64 of a JSON document with
``version``, ``status``, ``max_score`` and ``tests[]``, as classroom-resources/autograding-command-grader
writes it). Student text stays data: both formats are JSON.
"""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from backprop_cli.messages import message
from backprop_cli.report.check import result_message

if TYPE_CHECKING:
    from backprop_cli.grade.verdict import Report, Result


def _name(report: Report, r: Result, lang: str) -> str:
    kind = "" if r.kind == "derivative" else f" ({message('report.kind.' + r.kind, lang)})"
    return f"{report.exercise}: {r.question}{kind}"


def _output(r: Result, lang: str) -> str:
    text = result_message(r, lang)
    if r.status != "correct":
        text = f"{message('report.status.' + r.status, lang)}: {text}"
    if r.status != "correct" and r.hint:
        text += f"\n{message('report.hint', lang)}: {r.hint}"
    return text


def _warnings(report: Report, lang: str) -> list[str]:
    return [f"{message('report.warning', lang)}: {message(k, lang, **a)}" for k, a, _ in report.warnings]


def report_gradescope(report: Report, lang: str = "en") -> str:
    """Gradescope's results.json: a total ``score`` and one test per question."""
    tests = []
    for r in report.results:
        test = {"name": _name(report, r, lang), "score": r.points, "max_score": r.max_points,
                "status": "passed" if r.status == "correct" else "failed", "output": _output(r, lang),
                "extra_data": {"retryable": r.retryable, "credit": r.credit}}
        tests.append(test)
    summary = message("report.summary", lang, score=report.score, max_score=report.max_score)
    variant = f" ({message('report.variant', lang, name=report.variant)})" if report.variant is not None else ""
    output = "\n".join([f"{report.exercise}{variant}: {summary}"] + _warnings(report, lang) +
                       [f"{message('report.fingerprint', lang)}: {report.fingerprint}"])
    doc = {"score": report.score, "output": output, "tests": tests,
           "extra_data": {"exercise": report.exercise, "fingerprint": report.fingerprint,
                          "max_score": report.max_score, "variant": report.variant}}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def classroom_dict(report: Report, lang: str = "en") -> dict[str, Any]:
    """The autograding result document (before base64)."""
    tests: list[dict[str, Any]] = [{
        "name": _name(report, r, lang),
        "status": "pass" if r.status == "correct" else "fail",
        "score": r.points,
        "message": _output(r, lang),
        "test_code": r.answer or "",
        "filename": r.mark.file if r.mark is not None else "",
        "line_no": r.mark.line if r.mark is not None else 0,
        "duration": 0,
    } for r in report.results]
    for text in _warnings(report, lang):     # a failing, pointless test: the only place the reporter shows
        tests.append({"name": text, "status": "fail", "score": 0, "message": text, "test_code": "",
                      "filename": "", "line_no": 0, "duration": 0})
    return {"version": 1, "status": "pass" if all(t["status"] == "pass" for t in tests) else "fail",
            "max_score": report.max_score, "fingerprint": report.fingerprint, "variant": report.variant,
            "tests": tests}


def report_classroom(report: Report, lang: str = "en") -> str:
    """The base64 line to write to the step's ``result`` output (``echo "result=$(...)" >> "$GITHUB_OUTPUT"``)."""
    text = json.dumps(classroom_dict(report, lang), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii") + "\n"
