"""Class grading (SPEC section 9, issue 10) through the command line: complete records, the class summary,
every grade format, and each record equal to ``check`` of the same file."""
from __future__ import annotations

import base64
import csv
import io
import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT
from test_cli import WRONG as WRONG_AFFINE
from test_hostile import assert_clean

SOLUTION = (ROOT / "solutions" / "affine.yaml").read_text()
DENSE = (ROOT / "solutions" / "dense.yaml").read_text()
# dJ/dW transposed, dJ/db with a sign error: two diagnosed mistakes.
WRONG = SOLUTION.replace("dJ/dW: a' @ dJ/dc", "dJ/dW: dJ/dc' @ a").replace("dJ/db: dJ/dc", "dJ/db: -dJ/dc")
MARKUP = 'exercise: "[/x]"\nanswers:\n  dJ/da: "[bold red]boom[/bold red]"\n'
FORMULA_NAME = '=HYPERLINK("x")'


@pytest.fixture
def klass(tmp_path):
    """A class of eight: right, wrong, binary, empty, symlinked, markup, formula-named, and a typo'd name."""
    root = tmp_path / "class"
    files = {"alice": {"affine.yaml": SOLUTION, "dense.yaml": DENSE}, "bob": {"affine.yaml": WRONG},
             "carol": {"affine.yaml": "\x00\x01binary"}, "dave": {}, "mallory": {"affine.yaml": MARKUP},
             FORMULA_NAME: {"affine.yaml": WRONG}, "trent": {"afine.yaml": SOLUTION, "dense.yml": DENSE}}
    for student, content in files.items():
        (root / student).mkdir(parents=True)
        for name, text in content.items():
            (root / student / name).write_text(text)
    (root / "eve").mkdir()
    os.symlink(ROOT / "solutions" / "affine.yaml", root / "eve" / "affine.yaml")
    assignment = tmp_path / "assignment.yaml"
    assignment.write_text("exercises:\n  - affine\n  - id: dense\n    points: 5\n")
    return root, assignment


def grade(run, klass, *args):
    root, assignment = klass
    return run("grade", str(root), "--assignment", str(assignment), *args)


def by_q(results):
    return {(r["kind"], r["question"]): r for r in results}


def test_every_student_and_exercise_has_a_record(run, klass):
    """Each of the 8 student folders has a record for both exercises, also the empty folder."""
    res = grade(run, klass, "--format", "json")
    assert res.exit_code == 1, res.stderr
    doc = json.loads(res.output)
    assert [e["exercise"] for e in doc["exercises"]] == ["affine", "dense"]
    assert len(doc["students"]) == 8
    assert all([e["exercise"] for e in s["exercises"]] == ["affine", "dense"] for s in doc["students"])
    dave = {e["exercise"]: e for e in next(s for s in doc["students"] if s["student"] == "dave")["exercises"]}
    assert dave["affine"]["score"] == 0 and dave["affine"]["max_score"] == 10
    assert {r["status"] for r in dave["affine"]["results"]} == {"missing"}
    assert dave["dense"]["max_score"] == 5


def test_each_record_equals_check_of_the_same_file(run, klass):
    """Statuses, points and diagnoses of every graded record are those of ``check`` on the same file."""
    root, _ = klass
    doc = json.loads(grade(run, klass, "--format", "json").output)
    compared = 0
    for s in doc["students"]:
        for e in s["exercises"]:
            path = root / s["student"] / f"{e['exercise']}.yaml"
            if e["error"] is not None or not path.is_file() or path.is_symlink():
                continue
            mine = json.loads(run("check", e["exercise"], "--answers", str(path), "--format", "json").output)
            scale = e["max_score"] / mine["max_score"]
            assert e["score"] == pytest.approx(mine["score"] * scale)
            theirs = by_q(mine["results"])
            for key, r in by_q(e["results"]).items():
                assert (r["status"], r["diagnosis"]) == (theirs[key]["status"], theirs[key]["diagnosis"])
                assert r["points"] == pytest.approx(theirs[key]["points"] * scale)
            compared += 1
    assert compared == 4


def test_records_are_keyed_by_kind_and_question(run, klass):
    """A wrong dJ/dW answer is incorrect although the shape question dJ/dW next to it is correct."""
    doc = json.loads(grade(run, klass, "--format", "json").output)
    bob = next(s for s in doc["students"] if s["student"] == "bob")["exercises"][0]
    results = by_q(bob["results"])
    assert results[("derivative", "dJ/dW")]["status"] == "incorrect"
    assert results[("derivative", "dJ/dW")]["diagnosis"] == "transposed"
    assert results[("shape", "dJ/dW")]["status"] == "correct"


def test_unreadable_and_symlinked_files_score_zero_with_an_error(run, klass):
    """A binary file and a symlink (to the instructor's solution) are 0 of max_score with an error."""
    doc = json.loads(grade(run, klass, "--format", "json").output)
    recs = {s["student"]: s["exercises"][0] for s in doc["students"]}
    assert recs["carol"]["score"] == 0 and recs["carol"]["max_score"] == 10 and "NUL" in recs["carol"]["error"]
    assert recs["eve"]["score"] == 0 and "symlink" in recs["eve"]["error"]


def test_totals_percentages_and_scaled_points(run, klass):
    """An exercise with assignment points is scaled to them, and totals and percentages add up."""
    doc = json.loads(grade(run, klass, "--format", "json").output)
    alice = next(s for s in doc["students"] if s["student"] == "alice")
    assert (alice["score"], alice["max_score"], alice["percent"]) == (15, 15, 100)
    bob = next(s for s in doc["students"] if s["student"] == "bob")
    assert bob["max_score"] == 15 and bob["percent"] == pytest.approx(100 * bob["score"] / 15, abs=0.01)


def test_summary_counts_statuses_and_diagnoses(run, klass):
    """The class summary counts each status and diagnosis per (exercise, kind, question) over all records."""
    doc = json.loads(grade(run, klass, "--format", "json").output)
    rows = {(q["exercise"], q["kind"], q["question"]): q for q in doc["summary"]["questions"]}
    for (ex, kind, question), row in rows.items():
        statuses = [by_q(e["results"])[(kind, question)]["status"]
                    for s in doc["students"] for e in s["exercises"] if e["exercise"] == ex]
        assert [row[k] for k in ("correct", "incorrect", "invalid", "missing")] == \
            [statuses.count(k) for k in ("correct", "incorrect", "invalid", "missing")]
    assert rows[("affine", "derivative", "dJ/dW")]["diagnoses"] == {"transposed": 2}
    assert rows[("affine", "derivative", "dJ/db")]["diagnoses"] == {"sign-error": 2}


def test_folder_problems_are_reported_with_a_did_you_mean(run, klass):
    """A misspelt file name gets a did-you-mean, and a .yml file is graded."""
    doc = json.loads(grade(run, klass, "--format", "json").output)
    trent = next(s for s in doc["students"] if s["student"] == "trent")
    assert any("did you mean affine.yaml" in p for p in trent["problems"])
    assert trent["exercises"][1]["score"] == 5


def test_csv_has_question_columns_and_no_formula_cells(run, klass):
    """CSV rows carry each question's points and diagnosis, and no cell starts like a formula."""
    rows = list(csv.DictReader(io.StringIO(grade(run, klass, "--format", "csv").output)))
    assert len(rows) == 16
    bob = next(r for r in rows if r["student"] == "bob" and r["exercise"] == "affine")
    assert bob["affine dJ/dW [derivative] diagnosis"] == "transposed"
    assert bob["affine dJ/dW [derivative] points"] == "0"
    assert bob["affine dJ/dW [shape] points"] == "1"
    assert any(r["student"] == "'" + FORMULA_NAME for r in rows)
    for r in rows:
        assert not any(v.startswith(("=", "+", "@")) for v in r.values()), r


def test_canvas_has_one_row_per_student_and_a_points_row(run, klass):
    """The Canvas gradebook has the Points Possible row and one column per exercise."""
    rows = list(csv.reader(io.StringIO(grade(run, klass, "--format", "canvas").output)))
    assert rows[0][-2:] == ["affine", "dense"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-2:] == ["10", "5"]
    alice = next(r for r in rows if r[0] == "alice")
    assert alice[3] == "alice" and alice[-2:] == ["10", "5"]
    assert len(rows) == 2 + 8


def test_markup_in_student_text_is_printed_literally(run, klass):
    """The table shows a student's [bold red] and [/x] as text instead of failing on them."""
    res = grade(run, klass, "--format", "table")
    assert res.exit_code == 1, res.stderr
    assert "mallory" in res.output and "internal error" not in res.output + res.stderr


def test_table_to_a_file_is_a_table(run, klass, tmp_path):
    """``--format table -o F`` writes the table with the class summary, not CSV."""
    out = tmp_path / "grades.txt"
    assert grade(run, klass, "--format", "table", "-o", str(out)).exit_code == 1
    text = out.read_text()
    assert "Class summary per question" in text and "student,exercise" not in text


def test_junit_has_a_suite_per_student(run, klass):
    """JUnit has one suite per student with an error for the binary file."""
    root = ET.fromstring(grade(run, klass, "--format", "junit").output)
    suites = {s.get("name"): s for s in root}
    assert len(suites) == 8 and suites["carol"].find("testcase/error") is not None


def test_html_report_is_self_contained(run, klass, tmp_path):
    """The HTML report inlines three SVG plots and loads nothing from elsewhere."""
    out = tmp_path / "class.html"
    assert grade(run, klass, "--format", "html", "-o", str(out)).exit_code == 1
    html = out.read_text()
    assert html.count("<svg") == 3
    for fetch in ("<script", "<link", "src=", 'href="http', "url(http", "@import"):
        assert fetch not in html, fetch


def test_grade_needs_the_assignment(run, klass):
    """Without --exercises or --assignment grade is a usage error, and so is a folder that does not exist."""
    root, _ = klass
    assert run("grade", str(root)).exit_code == 2
    assert run("grade", str(root), "--exercises", str(root / "nope")).exit_code == 2


def test_a_student_folder_given_as_the_class_is_explained(run, klass):
    """Giving one student's folder instead of the class folder is a usage error that says so."""
    root, assignment = klass
    res = run("grade", str(root / "alice"), "--assignment", str(assignment))
    assert res.exit_code == 2 and "one student's folder" in res.stderr


def test_usage_errors_under_github_format_are_annotations(run):
    """Under --format github a usage error is also an ::error line on standard output."""
    res = run("check", "no-such-exercise", "--format", "github")
    assert res.exit_code == 2 and res.output.startswith("::error ")


@pytest.mark.parametrize("fmt", ["gradescope", "classroom"])
def test_lms_formats_match_check(run, fmt):
    """Gradescope and Classroom reports give the same points per question as check's JSON."""
    path = ROOT / "tests" / "data" / "affine-wrong.yaml"
    path.write_text(WRONG)
    try:
        ref = by_q(json.loads(run("check", "affine", "--answers", str(path), "--format", "json").output)["results"])
        res = run("check", "affine", "--answers", str(path), "--format", fmt)
    finally:
        path.unlink()
    assert res.exit_code == 1
    doc = json.loads(res.output) if fmt == "gradescope" else json.loads(base64.b64decode(res.output))
    names = {f"affine: {q}" + ("" if k == "derivative" else f" ({k})"): r for (k, q), r in ref.items()}
    assert {t["name"]: t["score"] for t in doc["tests"]} == {n: r["points"] for n, r in names.items()}
    if fmt == "gradescope":
        assert doc["score"] == sum(r["points"] for r in ref.values())
        assert {t["status"] for t in doc["tests"]} == {"passed", "failed"}
    else:
        assert doc["version"] == 1 and doc["status"] == "fail" and doc["max_score"] == 10
        assert {t["status"] for t in doc["tests"]} == {"pass", "fail"}


@pytest.mark.parametrize("fmt", ["gradescope", "classroom"])
def test_a_deleted_answers_file_scores_zero_in_lms_formats(run, tmp_path, fmt):
    """In an LMS format a missing answers file is a report of 0 points, not a usage error."""
    res = run("check", "affine", "--answers", str(tmp_path / "gone.yaml"), "--format", fmt)
    assert res.exit_code == 1
    doc = json.loads(res.output) if fmt == "gradescope" else json.loads(base64.b64decode(res.output))
    assert sum(t["score"] for t in doc["tests"]) == 0 and len(doc["tests"]) == 9


def test_every_check_format_carries_the_fingerprint(run):
    """JSON, JUnit, GitHub, rich and Gradescope output all name the exercise's fingerprint."""
    fp = json.loads(run("check", "affine", "--format", "json").output)["fingerprint"]
    assert len(fp) == 64
    for fmt in ("junit", "github", "rich", "gradescope"):
        assert fp in run("check", "affine", "--format", fmt).output, fmt
    assert fp in base64.b64decode(run("check", "affine", "--format", "classroom").output).decode()


def test_pinned_fingerprint(run):
    """check --fingerprint passes with the exercise's own fingerprint and exits 2 with another."""
    fp = json.loads(run("check", "affine", "--format", "json").output)["fingerprint"]
    assert run("check", "affine", "--fingerprint", fp).exit_code == 0
    res = run("check", "affine", "--fingerprint", "0" * 64)
    assert res.exit_code == 2 and "pinned" in res.stderr


def test_a_shadowing_exercise_is_warned_about_in_every_format(run, tmp_path):
    """A local exercises/affine.yaml with a loose tolerance is named as shadowing the built-in in every format."""
    (tmp_path / "exercises").mkdir()
    text = (ROOT / "exercises" / "affine.yaml").read_text().replace("title:", "title: Easy", 1)
    (tmp_path / "exercises" / "affine.yaml").write_text(text)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "affine.yaml").write_text(SOLUTION)
    for fmt in ("rich", "json", "junit", "github", "gradescope"):
        res = run("check", "affine", "--format", fmt, cwd=tmp_path)
        assert "shadows the built-in" in res.output, fmt
    res = run("check", "affine", "--format", "classroom", cwd=tmp_path)
    assert "shadows the built-in" in base64.b64decode(res.output).decode()
    (tmp_path / "c" / "s").mkdir(parents=True)
    (tmp_path / "c" / "s" / "affine.yaml").write_text(SOLUTION)
    for fmt in ("json", "table", "html", "csv", "canvas", "junit"):
        res = run("grade", "c", "--exercises", "exercises", "--format", fmt, cwd=tmp_path)
        assert "shadows the built-in" in res.output + res.stderr, fmt


def test_every_grade_format_but_canvas_carries_the_fingerprints(run, klass):
    """JSON, CSV, table, JUnit and HTML of grade name each exercise's fingerprint."""
    doc = json.loads(grade(run, klass, "--format", "json").output)
    fps = [e["fingerprint"] for e in doc["exercises"]]
    assert len(fps) == 2 and all(len(fp) == 64 for fp in fps)
    for fmt in ("csv", "table", "junit", "html"):
        out = grade(run, klass, "--format", fmt).output
        assert all(fp in out for fp in fps), fmt


def test_check_suggests_the_yml_file_beside_a_missing_yaml(run, tmp_path):
    """check affine without solutions/affine.yaml but with solutions/affine.yml says did you mean the .yml."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "affine.yml").write_text(SOLUTION)
    res = run("check", "affine", cwd=tmp_path)
    assert res.exit_code == 2 and "did you mean 'solutions/affine.yml'" in res.stderr


# -- a small class, a time-out, a hostile class ---------------------------------------------------------------
ASSIGN = ROOT / "tests" / "data" / "affine-assignment.yaml"


def test_grade_a_class(run, tmp_path):
    """grade writes one row per student and exercise, in every format, and exits 1 if any is wrong."""
    for student, text in (("alice", (ROOT / "solutions" / "affine.yaml").read_text()), ("bob", WRONG_AFFINE)):
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "affine.yaml").write_text(text)
    res = run("grade", str(tmp_path / "class"), "--assignment", str(ASSIGN), "--format", "json")
    assert res.exit_code == 1
    rows = {r["student"]: r["exercises"][0] for r in json.loads(res.output)["students"]}
    assert rows["alice"]["score"] == rows["alice"]["max_score"] == 10
    assert {(x["kind"], x["question"]): x["status"] for x in rows["bob"]["results"]}[("derivative", "dJ/da")] == "correct"
    csv_out = tmp_path / "out.csv"
    assert run("grade", str(tmp_path / "class"), "--assignment", str(ASSIGN), "--format", "csv", "-o", str(csv_out)).exit_code == 1
    assert csv_out.read_text().splitlines()[0].startswith("student,exercise,score")
    junit = run("grade", str(tmp_path / "class"), "--assignment", str(ASSIGN), "--format", "junit", "-j", "2").output
    assert ET.fromstring(junit).tag == "testsuites"


def test_grade_marks_timeouts_and_goes_on(run, tmp_path):
    """A submission over the time bound is marked and the rest are graded."""
    (tmp_path / "c" / "x").mkdir(parents=True)
    (tmp_path / "c" / "x" / "affine.yaml").write_text(WRONG_AFFINE)
    (tmp_path / "c" / "y").mkdir()
    (tmp_path / "c" / "y" / "affine.yaml").write_text((ROOT / "solutions" / "affine.yaml").read_text())
    res = run("grade", str(tmp_path / "c"), "--assignment", str(ASSIGN), "--format", "json", "--timeout", "0.1")
    rows = json.loads(res.output)["students"]
    assert len(rows) == 2


def test_grade_survives_a_hostile_class(run, tmp_path):
    """grade marks broken submissions and grades the rest."""
    for name, text in (("ok", (ROOT / "solutions" / "affine.yaml").read_text()),
                       ("alias", "a: &x 1\nb: *x\n"), ("binary", "\x00\x01"), ("nested", "answers:\n  dJ/da: '" + "(" * 3000 + "'\n")):
        (tmp_path / "c" / name).mkdir(parents=True)
        (tmp_path / "c" / name / "affine.yaml").write_text(text)
    (tmp_path / "c" / "ghost").mkdir()
    (tmp_path / "c" / "ghost" / "no-such-exercise.yaml").write_text("answers: {}\n")
    out = tmp_path / "grades.json"
    res = run("grade", str(tmp_path / "c"), "--assignment", str(ROOT / "tests" / "data" / "affine-assignment.yaml"),
              "--format", "json", "-o", str(out))
    assert_clean(res, (1,))
    rows = {r["student"]: r for r in json.loads(out.read_text())["students"]}
    assert rows["ok"]["score"] == rows["ok"]["max_score"]
    assert rows["alias"]["exercises"][0]["error"] and rows["binary"]["exercises"][0]["error"]
    assert rows["ghost"]["score"] == 0 and rows["ghost"]["problems"]
    nested = {(x["kind"], x["question"]): x["status"] for x in rows["nested"]["exercises"][0]["results"]}
    assert nested[("derivative", "dJ/da")] == "invalid"


def test_json_has_one_line_per_question_result(run, klass):
    """``grade --format json`` indents the document down to the results, each question's result on a line
    of its own (a class has tens of thousands of them), and the lines are JSON themselves."""
    res = grade(run, klass, "--format", "json")
    doc = json.loads(res.output)
    results = [r for s in doc["students"] for e in s["exercises"] for r in e["results"]]
    lines = [line.strip().rstrip(",") for line in res.output.splitlines() if line.lstrip().startswith('{"question": ')]
    assert [json.loads(line) for line in lines] == results
    assert res.output.startswith('{\n  "exercises": [\n    {\n      "exercise": "affine",')
