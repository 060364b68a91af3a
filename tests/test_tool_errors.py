"""A bug in the tool is never charged to the student (SPEC 10, issue 15 item 3): a bug injected into the
grader (monkeypatched before ``grade`` forks its workers) gives the record the status ``error``, leaves it
out of the student's score, flags it for the instructor in every output, and makes ``grade`` exit 2."""
from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT

SOLUTIONS = {ex: (ROOT / "solutions" / f"{ex}.yaml").read_text() for ex in ("affine", "dense")}


@pytest.fixture
def klass(tmp_path, monkeypatch):
    """A class of three where grading 'bug's affine file raises an unexpected exception (a tool bug), and
    the assignment of affine and dense as an --exercises folder."""
    from backprop_cli.grade import grading

    real = grading._grade_one

    def buggy(ref, q, entry, *parsed):
        if entry is not None and entry.text == "TRIGGER":
            raise ZeroDivisionError("injected")
        return real(ref, q, entry, *parsed)

    monkeypatch.setattr(grading, "_grade_one", buggy)
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    for ex in SOLUTIONS:
        shutil.copy(ROOT / "exercises" / f"{ex}.yaml", exercises / f"{ex}.yaml")
    subs = tmp_path / "subs"
    for student, files in {"ann": SOLUTIONS, "bug": {"affine": "answers:\n  dJ/da: TRIGGER\n", "dense": SOLUTIONS["dense"]},
                           "cat": {"affine": "answers: [unclosed\n"}}.items():
        (subs / student).mkdir(parents=True)
        for ex, text in files.items():
            (subs / student / f"{ex}.yaml").write_text(text)
    return subs, exercises


def grade(run, klass, *args):
    subs, exercises = klass
    return run("grade", str(subs), "--exercises", str(exercises), *args)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_tool_bug_is_an_uncounted_error_in_json(run, klass, jobs):
    """The buggy record has status error on every question, is not counted, and is listed for the
    instructor; grade exits 2; everyone else, and the student's other exercise, are graded as usual."""
    res = grade(run, klass, "--format", "json", "-j", jobs)
    assert res.exit_code == 2, res.output + res.stderr
    assert "Traceback" not in res.output + res.stderr
    doc = json.loads(res.output)
    students = {s["student"]: s for s in doc["students"]}
    bug = {e["exercise"]: e for e in students["bug"]["exercises"]}
    assert (bug["affine"]["counted"], bug["affine"]["internal_error"]) == (False, True)
    assert {r["status"] for r in bug["affine"]["results"]} == {"error"}
    assert "internal error: ZeroDivisionError: injected" in bug["affine"]["error"]
    assert "not counted" in bug["affine"]["error"]
    assert bug["dense"]["counted"] is True and bug["dense"]["score"] == bug["dense"]["max_score"] > 0
    assert (students["bug"]["score"], students["bug"]["max_score"], students["bug"]["percent"]) == \
        (bug["dense"]["score"], bug["dense"]["max_score"], 100.0)
    assert students["bug"]["not_counted"] == ["affine"]
    assert doc["internal_errors"] == [{"student": "bug", "exercise": "affine", "file": "affine.yaml",
                                       "error": bug["affine"]["error"].split(" — ")[0].removeprefix("not counted: ")}]
    assert any("could not be graded because of a fault of backprop" in w for w in doc["warnings"])
    ann = students["ann"]
    assert ann["score"] == ann["max_score"] > 0 and ann["not_counted"] == []
    cat = {e["exercise"]: e for e in students["cat"]["exercises"]}   # an unreadable file stays the student's: 0, counted
    assert cat["affine"]["counted"] is True and cat["affine"]["score"] == 0
    assert {r["status"] for r in cat["affine"]["results"]} == {"invalid"}
    assert students["cat"]["max_score"] == ann["max_score"]
    rows = {(q["exercise"], q["question"], q["kind"]): q for q in doc["summary"]["questions"]}
    assert rows[("affine", "dJ/da", "derivative")]["error"] == 1
    assert rows[("affine", "dJ/da", "derivative")]["invalid"] == 1       # cat's, not bug's


def test_a_tool_bug_is_flagged_in_the_table(run, klass):
    """The terminal table shows no score for the buggy record, says it is not counted, leaves it out of
    the total, and counts it in the summary's error column."""
    res = grade(run, klass, "--format", "table", "--lang", "en")
    assert res.exit_code == 2
    lines = res.output.splitlines()
    row = next(i for i, line in enumerate(lines) if "│ bug " in line)
    assert "affine" in lines[row] and "—/10" in lines[row] and "not counted" in lines[row]
    assert "ZeroDivisionError" in lines[row + 1]
    totals = [line for line in lines if "total" in line]
    assert any("10/10" in line for line in totals)     # bug's total: dense only
    summary = next(line for line in lines if line.startswith("│ affine") and "dJ/da" in line)
    assert [c.strip() for c in summary.split("│")[3:8]] == ["1", "0", "1", "0", "1"]
    assert "could not be graded because of a fault of backprop" in " ".join(res.output.split())


def test_a_tool_bug_is_blank_in_csv_and_canvas(run, klass):
    """CSV leaves the buggy record's score and points empty with the flag in its error column; the Canvas
    gradebook leaves its cell empty (not graded), never 0."""
    rows = list(csv.DictReader(io.StringIO(grade(run, klass, "--format", "csv").output)))
    rec = next(r for r in rows if (r["student"], r["exercise"]) == ("bug", "affine"))
    assert rec["score"] == "" and rec["percent"] == "" and "not counted" in rec["error"]
    assert all(rec[k] == "" for k in rec if k.endswith(" points"))
    cat = next(r for r in rows if (r["student"], r["exercise"]) == ("cat", "affine"))
    assert cat["score"] == "0"
    canvas = list(csv.reader(io.StringIO(grade(run, klass, "--format", "canvas").output)))
    head, by = canvas[0], {r[0]: r for r in canvas[2:]}
    assert by["bug"][head.index("affine")] == "" and by["bug"][head.index("dense")] != ""
    assert by["cat"][head.index("affine")] == "0"


def test_a_tool_bug_is_an_error_in_junit_and_flagged_in_html(run, klass):
    """JUnit reports the buggy record as an <error> that says it is not counted; the HTML report marks its
    row as internal and not counted."""
    root = ET.fromstring(grade(run, klass, "--format", "junit").output.split("\n", 1)[1])
    suite = next(s for s in root if s.get("name") == "bug")
    case = next(c for c in suite if c.get("name") == "affine")
    assert "not counted" in case.find("error").get("message")
    html = grade(run, klass, "--format", "html").output
    assert 'class="record internal" data-student="bug" data-exercise="affine" data-counted="false"' in html


@pytest.mark.parametrize("lang", ["de", "ru"])
def test_the_flag_is_in_every_language(run, klass, lang):
    """The not-counted flag and the class warning are in German and Russian too."""
    doc = json.loads(grade(run, klass, "--format", "json", "--lang", lang).output)
    bug = next(s for s in doc["students"] if s["student"] == "bug")
    text = bug["exercises"][0]["error"]
    assert "ZeroDivisionError" in text and "not counted" not in text and "backprop" in text
