"""The soak test of issue 15: one class of 200 submissions that mixes hostile files with ordinary ones, graded
by ``grade -j 2`` through the real command line. Every ordinary submission must get exactly the record (status
and points of every question, and the score) that ``check`` gives its file alone, and every student folder a
record, whatever its neighbours do.

Mixed in as well, by patching this process before ``grade`` forks its workers (they inherit it): a question
that never ends (the record is timed out), a file whose grading asks for 3 GiB (capped: out of memory), and
two workers killed by ``kill -9`` from outside while the class is graded (what they held is retried). The
same class is then graded in a child process that gets SIGTERM half way: it stops with its workers and
leaves no output file.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml

import backprop_cli
from conftest import ROOT, children, signal_when_ready

sys.path.insert(0, str(ROOT / "fuzz"))
from quotients import quotient  # noqa: E402

pytestmark = pytest.mark.slow   # a whole class at -j 2: run in CI, skip with -m "not slow"

EXERCISES = ["affine", "two-layer-sigmoid-l2", "jacobian-l2"]
SOLUTIONS = {ex: yaml.safe_load((ROOT / "solutions" / f"{ex}.yaml").read_text(encoding="utf-8")) for ex in EXERCISES}

#: Wrong or partial answers an ordinary student writes (the ordinary files mix them with right ones).
SLIPS = {
    "affine": {"dJ/da": "dJ/dc W", "dJ/dW": "dJ/dc^T a", "dJ/db": "2 dJ/dc", "dc/da": "W", "dc/db": ""},
    "two-layer-sigmoid-l2": {"dLoss/dW1": "dLoss/dh1 x^T", "dLoss/dx": "dLoss/dh1 W1", "dz1/dh1": "diag(z1)",
                             "dLoss/dz2": "z2 - y", "dLoss/dh1": "dLoss/dz1 · dz1/dh1"},
    "jacobian-l2": {"dL/dyhat": "2 (yhat - y)", "dL/dy": "-dL/dyhat"},
}

_FD = "sum((σ((x {s} {h} I(n)) W1 + b1) W2 + b2 - y)^2, 1)"
FINITE_DIFFERENCE = "((" + _FD.format(s="+", h="1e-5") + " - " + _FD.format(s="-", h="1e-5") + ") / 2e-5)^T"
FOURTH_ORDER = ("((-" + _FD.format(s="+", h=0.02) + " + 8 " + _FD.format(s="+", h=0.01) + " - 8 " + _FD.format(s="-", h=0.01)
                + " + " + _FD.format(s="-", h=0.02) + ") / 0.12)^T")
SOLUTION_TEXT = {ex: (ROOT / "solutions" / f"{ex}.yaml").read_text(encoding="utf-8") for ex in EXERCISES}
EXPENSIVE = " + ".join(["(ones(300, 300) @ ones(300, 300) @ ones(300, 1))^T @ (dJ/dc W^T)^T"] * 6)


def _answers(ex: str, **answers) -> str:
    return yaml.safe_dump({"exercise": ex, "answers": answers}, allow_unicode=True)


#: The hostile files of issues 15 and 9 that a file can carry: folder name -> {file name: text or bytes}.
HOSTILE = {
    "inject-code": {"affine.yaml": _answers("affine", **{"dJ/da": '__import__("os").system("touch pwned")',
                                                          "dJ/dW": "a.__class__.__mro__", "dJ/db": "eval('1')"})},
    "inject-lambda": {"affine.yaml": _answers("affine", **{"dJ/da": "lambda x: x"})},
    "deep-nesting": {"affine.yaml": _answers("affine", **{"dJ/da": "(" * 5000 + "a" + ")" * 5000})},
    "yaml-nesting": {"affine.yaml": "answers: " + "[" * 3000 + "]" * 3000 + "\n"},
    "huge": {"affine.yaml": "# " + "x" * (1024 * 1024 + 10) + "\n"},
    "binary": {"affine.yaml": bytes(range(256)) * 40},
    "not-utf8": {"affine.yaml": "answers:\n  dJ/da: \"caf\xe9\"\n".encode("latin-1")},
    "alias-bomb": {"affine.yaml": "a: &a [x, x]\nb: &b [*a, *a]\nanswers: {dJ/da: *b}\n"},
    "python-tag": {"affine.yaml": "answers: !!python/object/apply:os.system ['touch pwned']\n"},
    "duplicate-key": {"affine.yaml": "answers:\n  dJ/da: a\n  dJ/da: b\n"},
    "markup": {"affine.yaml": 'exercise: "[/x]"\nanswers:\n  dJ/da: "[bold red]x[/bold red]"\n'},
    "+formula-name": {'=HYPERLINK("x","y").yaml': "answers: {}\n", "affine.yaml": "answers: {dJ/da: '=1+1'}\n"},
    "two-files": {"jacobian-l2.yaml": SOLUTION_TEXT["jacobian-l2"], "jacobian-l2.yml": _answers("jacobian-l2", **{"dL/dy": "0"})},
    "expensive": {"affine.yaml": _answers("affine", **{"dJ/da": EXPENSIVE, "dJ/dW": "ones(1000, 1000) @ ones(1000, 1000)"})},
    "finite-difference": {"two-layer-sigmoid-l2.yaml": _answers("two-layer-sigmoid-l2", **{"dLoss/dx": FINITE_DIFFERENCE})},
    "fourth-order-difference": {"two-layer-sigmoid-l2.yaml": _answers("two-layer-sigmoid-l2", **{"dLoss/dx": FOURTH_ORDER})},
    "leaning-on-each-other": {"jacobian-l2.yaml": _answers("jacobian-l2", **{"dL/dyhat": "-dL/dy", "dL/dy": "-dL/dyhat"})},
    "hidden-step-quotient": {"two-layer-sigmoid-l2.yaml": _answers("two-layer-sigmoid-l2", **{
        "dLoss/dx": quotient(2, "central", 1e-5, hidden=True)})},
    "sixth-order-quotient": {"two-layer-sigmoid-l2.yaml": _answers("two-layer-sigmoid-l2", **{
        "dLoss/dx": quotient(6, "central", 0.01)})},
    "spelled-keys": {"two-layer-sigmoid-l2.yaml": yaml.safe_dump({
        "answers": {("dLoss/dW₁" if k == "dLoss/dW1" else "∂Loss/∂x" if k == "dLoss/dx" else k): v
                    for k, v in SOLUTIONS["two-layer-sigmoid-l2"]["answers"].items()},
        "shapes": SOLUTIONS["two-layer-sigmoid-l2"]["shapes"]}, allow_unicode=True)},
    "superscript-shape": {"affine.yaml": yaml.safe_dump({"shapes": {"c": "1 x ²"}}, allow_unicode=True)},
    "stall": {"affine.yaml": _answers("affine", **{"dJ/da": "STALL"})},
    "memory-hog": {"affine.yaml": _answers("affine", **{"dJ/da": "HOG"})},
    "wrong-exercise": {"affine.yaml": _answers("dense", **{"dJ/da": "a"})},
    "not-a-mapping": {"affine.yaml": "- just\n- a list\n"},
    "empty": {"affine.yaml": ""},
}
SPECIAL = ["symlink-file", "fifo", "symlinked-folder", "non-utf8-name"]


def _write(folder, files) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _ordinary(rng: random.Random, ex: str) -> str:
    """A student's file: the sample solution with a few slips, keys in the order written."""
    answers = dict(SOLUTIONS[ex].get("answers") or {})
    for key, slip in SLIPS[ex].items():
        if key in answers and rng.random() < 0.3:
            answers[key] = slip
    doc = {"exercise": ex, "answers": answers, "shapes": SOLUTIONS[ex].get("shapes") or {}}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _make_class(root) -> dict:
    """200 student folders; returns {student: {exercise: answers path}} for the ordinary ones."""
    rng = random.Random(15)
    ordinary = {}
    hostile_names = list(HOSTILE) + SPECIAL
    slots = ["hostile"] * len(hostile_names) + ["ordinary"] * (200 - len(hostile_names))
    rng.shuffle(slots)
    hostile_iter = iter(hostile_names)
    for i, kind in enumerate(slots):
        if kind == "ordinary":
            student = f"student{i:03d}"
            files = {f"{ex}.yaml": _ordinary(rng, ex) for ex in EXERCISES if rng.random() < 0.9}
            _write(root / student, files)
            ordinary[student] = {ex: root / student / f"{ex}.yaml" for ex in EXERCISES}
            continue
        name = next(hostile_iter)
        if name in HOSTILE:
            _write(root / name, HOSTILE[name])
        elif name == "symlink-file":
            (root / name).mkdir()
            os.symlink(ROOT / "solutions" / "affine.yaml", root / name / "affine.yaml")
        elif name == "fifo":
            (root / name).mkdir()
            os.mkfifo(root / name / "affine.yaml")
        elif name == "symlinked-folder":
            os.symlink(root / "student-elsewhere-target", root / name)
        elif name == "non-utf8-name":
            folder = os.path.join(os.fsencode(root), b"non-utf8-\xff")
            os.mkdir(folder)
            with open(os.path.join(folder, b"affine.yaml"), "w", encoding="utf-8") as fh:
                fh.write(_ordinary(rng, "affine"))
    (root.parent / "student-elsewhere-target").mkdir(exist_ok=True)
    _write(root.parent / "student-elsewhere-target", {"affine.yaml": SOLUTIONS and _ordinary(rng, "affine")})
    return ordinary


def _expected(path) -> dict | None:
    """What ``check`` alone says of one ordinary file: {(kind, question): (status, points)}, or None (no file)."""
    if not path.exists():
        return None
    report = backprop_cli.check(str(ROOT / "exercises" / f"{path.stem}.yaml"), str(path), seed=0)
    return {(r.kind, r.question): (r.status, r.points) for r in report.results}


def _hostile_grading(patch, log) -> None:
    """Patch this process with ``patch(module, name, value)`` (monkeypatch.setattr, or setattr in a child
    process; the workers fork from it): STALL never ends, HOG asks for 3 GiB, and every file a worker grades
    is logged, so the test can see how far the class is."""
    from backprop_cli.grade import batch, grading

    real_one, real_file = grading._grade_one, batch.grade_one

    def hostile(ref, q, entry, *parsed):
        if entry is not None and entry.text == "STALL":
            time.sleep(3600)
        if entry is not None and entry.text == "HOG":
            import numpy

            numpy.ones(3 * 2**30 // 8)
        return real_one(ref, q, entry, *parsed)

    def logged(task):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return real_file(task)

    patch(grading, "_grade_one", hostile)
    patch(batch, "grade_one", logged)




def _killer(log, at: tuple, killed: list, stop: threading.Event) -> None:
    """kill -9 one worker of this process when ``log`` has reached each count of ``at`` lines."""
    for count in at:
        while not stop.is_set():
            lines = log.read_text().split() if log.exists() else []
            workers = children(os.getpid())
            if len(lines) >= count and workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
                break
            time.sleep(0.02)


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc to find the workers")
def test_a_hostile_class_leaves_every_ordinary_record_right(run, tmp_path, monkeypatch):
    """200 submissions, hostile ones among them, at -j 2, with two workers killed by kill -9 while it runs:
    every ordinary submission gets the record check gives it alone, and every student folder (not the
    symlinked one) gets a record for every exercise."""
    root = tmp_path / "class"
    root.mkdir()
    ordinary = _make_class(root)
    assignment = tmp_path / "assignment.yaml"
    assignment.write_text(yaml.safe_dump({"exercises": EXERCISES}), encoding="utf-8")
    log = tmp_path / "graded.log"
    _hostile_grading(monkeypatch.setattr, log)
    killed, stop = [], threading.Event()
    killer = threading.Thread(target=_killer, args=(log, (120, 300), killed, stop), daemon=True)
    killer.start()
    try:
        res = run("grade", str(root), "--assignment", str(assignment), "--format", "json", "-j", "2", "--timeout", "20")
    finally:
        stop.set()
        killer.join()
    assert len(killed) == 2 and len(set(killed)) == 2
    assert res.exit_code == 1, res.stderr[-2000:]
    doc = json.loads(res.output)
    assert doc["internal_errors"] == []
    students = {s["student"]: s for s in doc["students"]}
    folders = {os.fsdecode(name) for name in os.listdir(os.fsencode(root))} - {"symlinked-folder"}
    assert len(folders) == 199
    assert "symlinked-folder" not in students
    assert {name.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for name in folders} == set(students)
    for record in students.values():
        assert sorted(e["exercise"] for e in record["exercises"]) == sorted(EXERCISES)
    wrong = []
    for student, paths in ordinary.items():
        got = {e["exercise"]: e for e in students[student]["exercises"]}
        for ex, path in paths.items():
            want = _expected(path)
            rec = got[ex]
            if want is None:
                if rec["score"] != 0:
                    wrong.append(f"{student}/{ex}: no file but score {rec['score']}")
                continue
            have = {(r["kind"], r["question"]): (r["status"], r["points"]) for r in rec["results"]}
            if rec["error"] or have != want or rec["score"] != sum(p for _, p in want.values()):
                wrong.append(f"{student}/{ex}: error {rec['error']!r}, {sorted(set(have.items()) ^ set(want.items()))}")
    assert not wrong, wrong[:5]
    _assert_hostile_records(students)
    assert not (tmp_path / "pwned").exists() and not (ROOT / "pwned").exists()


def _status(students, student, ex, question):
    rec = next(e for e in students[student]["exercises"] if e["exercise"] == ex)
    return next(r["status"] for r in rec["results"] if r["kind"] == "derivative" and r["question"] == question)


def _assert_hostile_records(students) -> None:
    """What the hostile files themselves earn: nothing, with the reason where the file is unusable."""
    for name in ("huge", "binary", "not-utf8", "alias-bomb", "python-tag", "duplicate-key", "yaml-nesting",
                 "not-a-mapping", "wrong-exercise", "markup", "symlink-file", "fifo"):
        rec = next(e for e in students[name]["exercises"] if e["exercise"] == "affine")
        assert rec["score"] == 0 and rec["error"], (name, rec["error"])
    for name in ("inject-code", "inject-lambda", "deep-nesting", "expensive", "+formula-name"):
        assert students[name]["score"] == 0, name
    assert _status(students, "finite-difference", "two-layer-sigmoid-l2", "dLoss/dx") == "invalid"
    assert _status(students, "fourth-order-difference", "two-layer-sigmoid-l2", "dLoss/dx") == "incorrect"
    for name in ("hidden-step-quotient", "sixth-order-quotient"):     # float64 agreement alone would accept them
        rec = next(e for e in students[name]["exercises"] if e["exercise"] == "two-layer-sigmoid-l2")
        r = next(r for r in rec["results"] if r["kind"] == "derivative" and r["question"] == "dLoss/dx")
        assert (r["status"], r["points"]) == ("incorrect", 0) and "only approximately" in r["message"], name
    spelled = next(e for e in students["spelled-keys"]["exercises"] if e["exercise"] == "two-layer-sigmoid-l2")
    assert spelled["score"] == spelled["max_score"] and not spelled["error"]
    shape = next(e for e in students["superscript-shape"]["exercises"] if e["exercise"] == "affine")
    assert next(r["status"] for r in shape["results"] if (r["kind"], r["question"]) == ("shape", "c")) == "invalid"
    assert not shape["error"] and not shape["internal_error"]
    for name, error in (("stall", "timed out after 20 s"), ("memory-hog", "MiB of memory")):
        rec = next(e for e in students[name]["exercises"] if e["exercise"] == "affine")
        assert rec["score"] == 0 and error in rec["error"] and rec["counted"], (name, rec["error"])
    assert {_status(students, "leaning-on-each-other", "jacobian-l2", q) for q in ("dL/dy", "dL/dyhat")} == {"invalid"}
    two = next(e for e in students["two-files"]["exercises"] if e["exercise"] == "jacobian-l2")
    assert two["score"] == two["max_score"] and any("second file" in p for p in students["two-files"]["problems"])


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc to find the workers")
def test_sigterm_half_way_through_the_class_stops_everything(tmp_path):
    """The same class, graded at -j 2 into a file by a child process that gets SIGTERM while it grades: it
    exits non-zero, its workers are gone, and it leaves neither the output file nor a temporary one."""
    root = tmp_path / "class"
    root.mkdir()
    _make_class(root)
    assignment = tmp_path / "assignment.yaml"
    assignment.write_text(yaml.safe_dump({"exercises": EXERCISES}), encoding="utf-8")
    out = tmp_path / "out" / "grades.json"
    out.parent.mkdir()
    log = tmp_path / "graded.log"
    script = (f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nimport test_soak\n"
              "from backprop_cli.cli import main\n"
              f"test_soak._hostile_grading(setattr, {str(log)!r})\nmain(sys.argv[1:])\n")
    with open(tmp_path / "stderr", "wb") as err:     # a file, not a pipe: a worker left alive cannot hold up the wait
        proc = subprocess.Popen([sys.executable, "-c", script, "grade", str(root), "--assignment", str(assignment),
                                 "--format", "json", "-o", str(out), "-j", "2", "--timeout", "20"],
                                env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL, stderr=err)

    def half_way():      # 200 of the ~520 files graded (the stalled one keeps the class going for 20 s)
        workers = children(proc.pid)
        graded = len(log.read_text().split()) if log.exists() else 0
        return workers if graded >= 200 and len(workers) == 2 else None

    left = signal_when_ready(proc, half_way, "200 files graded by two workers", signal.SIGTERM)
    assert proc.returncode != 0
    assert left == [], (tmp_path / "stderr").read_text(errors="replace")
    assert list(out.parent.iterdir()) == []
