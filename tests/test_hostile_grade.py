"""Hostile students against ``grade`` and ``check`` (issue 15, items 4, 7, 9, 10), each through the real CLI.

Where a case needs grading itself to stall, die or eat memory, the test patches the per-question grader
in this process before ``grade`` forks its workers, so every worker inherits the hostile behaviour.
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, children, signal_when_ready

SOLUTION = (ROOT / "solutions" / "affine.yaml").read_text()
ASSIGNMENT = str(ROOT / "tests" / "data" / "affine-assignment.yaml")


def make_class(root, students):
    for student, files in students.items():
        folder = root / student
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    return root


def records(res):
    doc = json.loads(res.output)
    return {s["student"]: s for s in doc["students"]}


def test_two_files_for_one_exercise_give_one_record(run, tmp_path):
    """affine.yaml and affine.yml give one record, graded from affine.yaml, and the .yml is reported."""
    root = make_class(tmp_path / "c", {"s": {"affine.yaml": SOLUTION, "affine.yml": "answers: {}\n"}})
    res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json")
    s = records(res)["s"]
    assert len(s["exercises"]) == 1 and s["score"] == 10
    assert any("affine.yml is a second file" in p for p in s["problems"])


def test_grade_without_an_assignment_grades_nothing(run, tmp_path):
    """Without --exercises or --assignment, grade refuses (exit 2) instead of grading the whole bank."""
    root = make_class(tmp_path / "c", {"s": {"affine.yaml": SOLUTION, "dense.yaml": SOLUTION}})
    res = run("grade", str(root), "--format", "json")
    assert res.exit_code == 2 and "--assignment" in res.stderr and res.output == ""


def _log_call(log):
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()}\n")


def test_timeout_ends_the_submission_and_is_not_swallowed(run, tmp_path, monkeypatch):
    """A question that never ends marks the row timed out, and no later question of that file is started."""
    from backprop_cli.grade import grading

    log = tmp_path / "calls.log"

    def stall(ref, q, entry, *parsed):
        _log_call(log)
        time.sleep(60)

    monkeypatch.setattr(grading, "_grade_one", stall)
    root = make_class(tmp_path / "c", {"s": {"affine.yaml": SOLUTION}})
    res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json", "--timeout", "0.5")
    rec = records(res)["s"]["exercises"][0]
    assert rec["error"] == "timed out after 0.5 s" and rec["score"] == 0 and rec["max_score"] == 10
    assert len(log.read_text().split()) == 1


def test_a_killed_worker_costs_only_its_own_row(run, tmp_path, monkeypatch):
    """A worker killed by one file is replaced; the file is retried once, then marked, and the class is graded."""
    from backprop_cli.grade import grading

    log = tmp_path / "kills.log"
    real = grading._grade_one

    def killer(ref, q, entry, *parsed):
        if entry is not None and entry.text == "KILL":
            _log_call(log)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(ref, q, entry, *parsed)

    monkeypatch.setattr(grading, "_grade_one", killer)
    students = {f"s{i:02d}": {"affine.yaml": SOLUTION} for i in range(12)}
    students["s05"] = {"affine.yaml": "answers:\n  dJ/da: KILL\n"}
    root = make_class(tmp_path / "c", students)
    res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json", "-j", "2")
    assert res.exit_code == 2, res.stderr      # a worker that died twice is the tool's fault, reported as such
    recs = records(res)
    assert "died twice" in recs["s05"]["exercises"][0]["error"]
    assert recs["s05"]["exercises"][0]["counted"] is False and recs["s05"]["max_score"] == 0
    assert all(recs[s]["score"] == 10 for s in students if s != "s05")
    assert len(log.read_text().split()) == 2


def test_a_worker_that_dies_while_idle_costs_nothing(run, tmp_path, monkeypatch):
    """A worker killed between two chunks (the parent's next send finds a broken pipe) is replaced and the
    chunk goes to the new one: every record is graded (before, the whole class ended in BrokenPipeError)."""
    from backprop_cli.grade import pool

    real, sends = pool._Slot.send, []

    def send_to_a_dead_worker(slot, chunk):
        sends.append(1)
        if len(sends) == 3:
            slot.proc.kill()
            slot.proc.join()
        real(slot, chunk)

    monkeypatch.setattr(pool._Slot, "send", send_to_a_dead_worker)
    students = {f"s{i:02d}": {"affine.yaml": SOLUTION} for i in range(40)}
    res = run("grade", str(make_class(tmp_path / "c", students)), "--assignment", ASSIGNMENT, "--format", "json", "-j", "2")
    assert res.exit_code == 0, res.stderr
    assert len(sends) > 3 and all(s["score"] == 10 for s in records(res).values())


def test_memory_is_capped_per_worker(run, tmp_path, monkeypatch):
    """A file whose grading asks for 3 GiB gets an out-of-memory error; the worker and the class go on."""
    from backprop_cli.grade import grading

    real = grading._grade_one

    def hog(ref, q, entry, *parsed):
        if entry is not None and entry.text == "HOG":
            import numpy

            numpy.ones(3 * 2**30 // 8)
        return real(ref, q, entry, *parsed)

    monkeypatch.setattr(grading, "_grade_one", hog)
    root = make_class(tmp_path / "c", {"a": {"affine.yaml": "answers:\n  dJ/da: HOG\n"}, "b": {"affine.yaml": SOLUTION}})
    res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json")
    recs = records(res)
    assert "MiB of memory" in recs["a"]["exercises"][0]["error"]
    assert recs["b"]["score"] == 10


def test_markup_in_a_student_file_does_not_break_the_table(run, tmp_path):
    """exercise: "[/x]" and markup in answers are shown as text in the table, for everyone."""
    root = make_class(tmp_path / "c", {"m": {"affine.yaml": 'exercise: "[/x]"\n'},
                                       "n": {"affine.yaml": 'answers:\n  dJ/da: "[bold red]x[/bold red]"\n'},
                                       "ok": {"affine.yaml": SOLUTION}})
    res = run("grade", str(root), "--assignment", ASSIGNMENT)
    assert res.exit_code == 1, res.stderr
    assert "'[/x]'" in res.output and "ok" in res.output


def test_non_utf8_file_names_leave_no_temporary_file(run, tmp_path):
    """A student folder and a file named with invalid UTF-8 bytes are graded and -o writes only its file."""
    root = tmp_path / "c"
    root.mkdir()
    bad = os.path.join(os.fsencode(root), b"stu\xffdent")
    os.mkdir(bad)
    with open(os.path.join(bad, b"affine.yaml"), "w") as fh:
        fh.write(SOLUTION)
    with open(os.path.join(bad, b"dense\xfe.yaml"), "w") as fh:
        fh.write("answers: {}\n")
    out = tmp_path / "out" / "grades.json"
    out.parent.mkdir()
    res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    doc = json.loads(out.read_text())
    assert doc["students"][0]["student"] == "stu\ufffddent" and doc["students"][0]["score"] == 10
    assert os.listdir(out.parent) == ["grades.json"]


def test_formula_file_names_are_not_formulas_in_csv(run, tmp_path):
    """A file named =HYPERLINK(...).yaml and a student named +cmd reach the CSV as text, not as formulas."""
    root = make_class(tmp_path / "c", {"+cmd": {'=HYPERLINK("x","y").yaml': "answers: {}\n", "affine.yaml": SOLUTION}})
    for fmt in ("csv", "canvas"):
        res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", fmt)
        cells = [c for row in csv.reader(io.StringIO(res.output)) for c in row]
        assert "'+cmd" in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells


def test_a_fifo_as_answers_file_does_not_block(run, tmp_path):
    """check on a FIFO exits 2 at once, and grade marks a FIFO named affine.yaml as not a regular file."""
    fifo = tmp_path / "answers.yaml"
    os.mkfifo(fifo)
    res = run("check", "affine", "--answers", str(fifo))
    assert res.exit_code == 2 and "not a regular file" in res.stderr
    (tmp_path / "c" / "f").mkdir(parents=True)
    os.mkfifo(tmp_path / "c" / "f" / "affine.yaml")
    res = run("grade", str(tmp_path / "c"), "--assignment", ASSIGNMENT, "--format", "json", "--timeout", "2")
    assert "fifo" in records(res)["f"]["exercises"][0]["error"]


def test_symlinks_are_never_followed(run, tmp_path):
    """A symlinked answers file (to the solutions) and a symlinked student folder score nothing."""
    (tmp_path / "c" / "a").mkdir(parents=True)
    os.symlink(ROOT / "solutions" / "affine.yaml", tmp_path / "c" / "a" / "affine.yaml")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "affine.yaml").write_text(SOLUTION)
    os.symlink(tmp_path / "elsewhere", tmp_path / "c" / "b")
    res = run("grade", str(tmp_path / "c"), "--assignment", ASSIGNMENT, "--format", "json")
    recs = records(res)
    assert recs["a"]["score"] == 0 and "symlink" in recs["a"]["exercises"][0]["error"]
    assert "b" not in recs


STALLING_GRADE = """
import os, sys, time
from backprop_cli.grade import grading

LOG = sys.argv[1]

def stall(ref, q, entry, *parsed):
    with open(LOG, "a") as fh:      # this worker is set up (it dies with its parent) and grading
        fh.write(f"{os.getpid()}\\n")
    time.sleep(600)

grading._grade_one = stall
from backprop_cli.cli import main
sys.argv = ["backprop"] + sys.argv[2:]
main()
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc to find the workers")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_sigterm_stops_the_workers(tmp_path, signum):
    """SIGTERM (or even SIGKILL) to grade -j 4 ends it and all four of its workers, once each worker is set
    up and grading (it waits for that, never for a fixed time)."""
    root = make_class(tmp_path / "c", {f"s{i}": {"affine.yaml": SOLUTION} for i in range(8)})
    log = tmp_path / "grading.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(tmp_path / "out", "wb") as out:     # files, not pipes: a worker left alive cannot hold up the wait
        proc = subprocess.Popen([sys.executable, "-c", STALLING_GRADE, str(log), "grade", str(root), "--assignment",
                                 ASSIGNMENT, "-j", "4", "--timeout", "300"], env=env, stdout=out, stderr=out)

    def four_grading():   # the four workers (by /proc), each past its set-up and stalled in a file (by the log)
        grading = {int(p) for p in log.read_text().split()} if log.exists() else set()
        return sorted(grading) if len(grading) == 4 and set(children(proc.pid)) == grading else None

    left = signal_when_ready(proc, four_grading, "four workers grading", signum)
    assert proc.returncode != 0
    assert left == [], (tmp_path / "out").read_text(errors="replace")


def test_a_superscript_in_a_shape_is_a_verdict(run, tmp_path):
    """The shape answer `1 x ²` is graded (invalid), not an internal error."""
    path = tmp_path / "a.yaml"
    path.write_text('exercise: affine\nshapes:\n  c: "1 x ²"\n')
    res = run("check", "affine", "--answers", str(path), "--format", "json")
    c = next(r for r in json.loads(res.output)["results"] if (r["kind"], r["question"]) == ("shape", "c"))
    assert c["status"] == "invalid" and "internal error" not in c["message"]


def test_markup_in_an_exercise_title_does_not_crash_list(run, tmp_path):
    """list prints a title of "[/x]" (a closing tag that matches nothing) as text."""
    text = (ROOT / "exercises" / "affine.yaml").read_text()
    lines = [("title: \"[/x]\"" if line.startswith("title:") else line) for line in text.splitlines()]
    (tmp_path / "m.yaml").write_text("\n".join(lines) + "\n")
    res = run("list", str(tmp_path / "m.yaml"))
    assert res.exit_code == 0, res.stderr
    assert "[/x]" in res.output


def test_an_oversized_file_is_zero_with_an_error(run, tmp_path):
    """An answers file over 1 MiB is 0 of max_score with an error that names the limit; the class goes on."""
    root = make_class(tmp_path / "c", {"big": {"affine.yaml": "# " + "x" * (1024 * 1024) + "\n"},
                                       "ok": {"affine.yaml": SOLUTION}})
    recs = records(run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json"))
    big = recs["big"]["exercises"][0]
    assert big["score"] == 0 and big["max_score"] == 10 and "1 MiB" in big["error"]
    assert recs["ok"]["score"] == 10


def test_an_unreadable_student_folder_is_missing_with_a_reason(run, tmp_path, monkeypatch):
    """A student folder that cannot be listed gets missing records and a problem that says why."""
    root = make_class(tmp_path / "c", {"locked": {"affine.yaml": SOLUTION}, "ok": {"affine.yaml": SOLUTION}})
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    recs = records(run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json"))
    assert recs["locked"]["score"] == 0 and "Permission denied" in recs["locked"]["problems"][0]
    assert {r["status"] for r in recs["locked"]["exercises"][0]["results"]} == {"missing"}
    assert recs["ok"]["score"] == 10


def test_preparing_the_exercise_is_not_charged_to_the_student(run, tmp_path, monkeypatch):
    """A slow preparation of the exercise does not time out the student whose file comes first: no clock of
    the student's runs while the exercise is prepared."""
    from backprop_cli.grade import reference

    real, log = reference.prepare, tmp_path / "timers.log"

    def slow_prepare(*args, **kw):
        with open(log, "a") as fh:     # the time left on the wall and CPU clocks of the student, if running
            fh.write(f"{signal.getitimer(signal.ITIMER_REAL)[0]} {signal.getitimer(signal.ITIMER_PROF)[0]}\n")
        time.sleep(2.0)                # past the time-out below; grading the file itself takes ~20 ms
        return real(*args, **kw)

    monkeypatch.setattr(reference, "prepare", slow_prepare)
    monkeypatch.setattr(reference, "_cache", reference.BoundedCache(reference.MAX_PREPARED))
    root = make_class(tmp_path / "c", {"first": {"affine.yaml": SOLUTION}})
    res = run("grade", str(root), "--assignment", ASSIGNMENT, "--format", "json", "--timeout", "1.5")
    assert records(res)["first"]["score"] == 10, res.output
    timers = [float(t) for t in log.read_text().split()]
    assert timers and all(t == 0.0 for t in timers)