"""Checking files: every sample solution of the bank gets full marks, and --watch grades again on save."""
from __future__ import annotations

import os
import threading
import time

import pytest

from backprop_cli import check
from backprop_cli.grade.checking import watch_file
from backprop_cli.errors import InputError
from conftest import EXERCISES, ROOT


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_every_sample_solution_gets_full_marks(path):
    """solutions/<id>.yaml is fully correct for every exercise of the bank."""
    report = check(str(path), str(ROOT / "solutions" / f"{path.stem}.yaml"))
    wrong = [(r.question, r.status, r.message) for r in report.results if r.status != "correct"]
    assert not wrong and report.score == report.max_score > 0


def test_bank_has_every_required_id():
    """The bank holds every id of SPEC section 8 and at least 32 exercises."""
    required = """chain-rule two-inputs two-outputs function1 two-in-two-out linear translation hadamard affine dense
    function1-graph neuron layer mlp3-l2 activation-derivatives jacobian-l2 jacobian-l1 jacobian-cross-entropy
    jacobian-elementwise jacobian-softmax jacobian-affine path-sum colah-graph linear-regression cs231n-simple
    two-layer-sigmoid-l2 logistic-neuron staged-backprop sigmoid-derivative softmax-cross-entropy batch-affine
    reused-node""".split()
    ids = {p.stem for p in EXERCISES}
    assert set(required) <= ids and len(ids) >= 32


def until(condition, safety: float = 60.0) -> None:
    """Wait until ``condition()`` is true; ``safety`` seconds only stop a hung test (the wait ends on the
    condition, never on a fixed time)."""
    give_up = time.monotonic() + safety
    while not condition() and time.monotonic() < give_up:
        time.sleep(0.01)


def save(path, text: str) -> None:
    """Save ``text`` at ``path`` in one step, a second later than now by its time stamp (so a coarse clock
    still sees a change, and the watcher never sees the text before its time stamp)."""
    new = path.with_suffix(".new")
    new.write_text(text)
    os.utime(new, ns=(time.time_ns(), time.time_ns() + 10**9))
    os.replace(new, path)


def test_watch_grades_again_when_the_file_is_saved(tmp_path):
    """watch_file runs once at the start and again after each save."""
    path = tmp_path / "a.yaml"
    path.write_text("one")
    runs, stop = [], threading.Event()
    worker = threading.Thread(target=watch_file, args=(str(path), lambda: runs.append(1), print, 0.02, stop.is_set))
    worker.start()
    until(lambda: len(runs) == 1)     # the first run has seen the first version (a fixed sleep raced with it)
    save(path, "two")
    until(lambda: len(runs) >= 2)
    stop.set()
    worker.join()
    assert len(runs) == 2


def test_watch_reports_errors_and_keeps_watching(tmp_path):
    """A broken save is reported and watching goes on."""
    path = tmp_path / "a.yaml"
    path.write_text("x")
    errors, calls, stop = [], [], threading.Event()

    def run():
        calls.append(1)
        raise InputError("yaml.syntax", None, problem="broken")

    worker = threading.Thread(target=watch_file, args=(str(path), run, errors.append, 0.02, stop.is_set))
    worker.start()
    until(lambda: bool(errors))       # a fixed sleep could end before the thread's first look
    save(path, "y")
    until(lambda: len(calls) >= 2)    # still watching after the error: the next save runs again
    stop.set()
    worker.join()
    assert len(calls) == 2 and [e.key for e in errors] == ["yaml.syntax", "yaml.syntax"]
