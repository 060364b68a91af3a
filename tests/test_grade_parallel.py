"""How ``grade`` hands files to its workers (grade/batch.py, grade/pool.py): chunks of one exercise, results sent back a
few at a time, and a dead worker blamed on the file it was grading, never on one it had already graded."""
from __future__ import annotations

import json
import os
import signal

from conftest import ROOT

from backprop_cli.grade.pool import _chunks

SOLUTION = (ROOT / "solutions" / "affine.yaml").read_text()
ASSIGNMENT = str(ROOT / "tests" / "data" / "affine-assignment.yaml")


def test_chunks_hold_one_exercise_each_and_keep_the_order():
    """Tasks are cut at every change of exercise and at the size limit, in their order."""
    tasks = list(enumerate([("a", "p", f"s{i}") for i in range(20)] + [("b", "p", "s1"), ("c", "p", "s1")]))
    chunks = _chunks(tasks, 1)
    assert [i for c in chunks for i, _ in c] == list(range(22))
    assert all(len({t[0] for _, t in c}) == 1 for c in chunks)
    assert [len(c) for c in chunks][:2] == [5, 4]      # a quarter of what is left: 22 // 4, then 17 // 4


def test_chunks_shrink_so_the_workers_finish_together():
    """A chunk holds at most a quarter of each worker's share of what is left (and at most 64), so the
    last chunks are single files: no worker is left grading a big chunk while the others wait."""
    tasks = list(enumerate((f"ex{i // 60:02d}", "p", f"s{i % 60}") for i in range(37 * 60)))
    for jobs in (1, 2, 4):
        chunks = _chunks(tasks, jobs)
        left = len(tasks)
        for c in chunks:
            assert len(c) <= max(1, min(64, left // (4 * jobs)))
            left -= len(c)
        assert [len(c) for c in chunks[-3:]] == [1, 1, 1]
        assert len(chunks[0]) == 60      # a whole exercise while much is left


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


def test_workers_collect_garbage_and_the_parent_collects_again_after():
    """The parent turns its collector off while it gathers results (they hold no cycles), but a worker's
    grading makes cyclic garbage, so every worker has it on; afterwards the parent's is on again."""
    import gc

    from backprop_cli.grade.pool import run_tasks

    seen: dict[int, object] = {}
    run_tasks([("a", "p", f"s{i}") for i in range(12)], lambda task, timeout: ("ok", gc.isenabled()), 2, 5.0,
              lambda i, out: seen.update({i: out}))
    assert seen == {i: ("ok", True) for i in range(12)}
    assert gc.isenabled()


def test_a_result_sent_by_a_worker_is_the_verdict_without_the_formulas_for_printing(tmp_path):
    """A worker pickles its reports to the parent: every verdict field arrives (the copy is equal and
    renders the same grade JSON), but not the formulas kept only to print ``read`` and ``solution``."""
    import pickle

    from backprop_cli.exercise.bank import load
    from backprop_cli.grade.checking import check_files
    from backprop_cli.report.check import report_dict

    wrong = tmp_path / "affine.yaml"
    wrong.write_text(SOLUTION.replace("dJ/dW: a' @ dJ/dc", "dJ/dW: dJ/dc' @ a"))
    report = check_files(load("affine"), str(wrong))
    sent = pickle.loads(pickle.dumps(report))
    assert sent == report and {r.status for r in sent.results} == {"correct", "incorrect"}
    assert report_dict(sent) == report_dict(report)
    assert all(r.read is not None for r in report.results if r.kind != "shape")
    assert all(r.read is None and r.reference is None and not r.taken for r in sent.results)
    assert [r.solution for r in sent.results if r.kind == "shape"] == [r.solution for r in report.results if r.kind == "shape"]
