"""How ``grade`` hands files to its workers (grade/batch.py): chunks of one exercise, results sent back a
few at a time, and a dead worker blamed on the file it was grading, never on one it had already graded."""
from __future__ import annotations

import json
import os
import signal

from conftest import ROOT

from backprop_cli.grade.batch import _chunks

SOLUTION = (ROOT / "solutions" / "affine.yaml").read_text()
ASSIGNMENT = str(ROOT / "tests" / "data" / "affine-assignment.yaml")


def test_chunks_hold_one_exercise_each_and_keep_the_order():
    """Tasks are cut at every change of exercise and at the size limit, in their order."""
    tasks = list(enumerate([("a", "p", "s1"), ("a", "p", "s2"), ("a", "p", "s3"), ("b", "p", "s1"), ("c", "p", "s1")]))
    chunks = _chunks(tasks, 2)
    assert [[i for i, _ in c] for c in chunks] == [[0, 1], [2], [3], [4]]


def test_a_worker_killed_mid_chunk_blames_only_its_current_file(run, tmp_path, monkeypatch):
    """Files graded before the killer in the same chunk (their results not yet sent) are graded again and
    score in full; only the killer's file is marked, after one retry."""
    from backprop_cli.grade import grading

    log = tmp_path / "kills.log"
    real = grading._grade_one

    def killer(ref, q, entry, *parsed):
        if entry is not None and entry.text == "KILL":
            with open(log, "a") as fh:
                fh.write(f"{os.getpid()}\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(ref, q, entry, *parsed)

    monkeypatch.setattr(grading, "_grade_one", killer)
    students = {f"s{i:02d}": SOLUTION for i in range(40)}
    students["s15"] = "answers:\n  dJ/da: KILL\n"      # chunks of 10 (40 files, one worker): s10-s14 precede it
    for student, text in students.items():
        (tmp_path / "c" / student).mkdir(parents=True)
        (tmp_path / "c" / student / "affine.yaml").write_text(text)
    res = run("grade", str(tmp_path / "c"), "--assignment", ASSIGNMENT, "--format", "json", "-j", "1")
    assert res.exit_code == 2, res.stderr      # a worker that died twice is the tool's fault
    recs = {s["student"]: s for s in json.loads(res.output)["students"]}
    assert "died twice" in recs["s15"]["exercises"][0]["error"]
    assert all(recs[s]["score"] == 10 and recs[s]["exercises"][0]["error"] is None for s in students if s != "s15")
    assert recs["s15"]["exercises"][0]["counted"] is False
    assert len(log.read_text().split()) == 2
