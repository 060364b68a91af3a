"""The soak test of issue 15: one class of 200 submissions that mixes hostile files with ordinary ones, graded
by ``grade -j 2`` through the real command line. Every ordinary submission must get exactly the record that
``check`` gives its file alone, and every student folder a record, whatever its neighbours do.

Not mixed in here, because they need this process patched before ``grade`` forks (see
tests/test_hostile_grade.py, which covers each alone): a worker killed by ``kill -9``, a file whose grading
eats memory past the cap, a question that never ends (``--timeout``), and SIGTERM to ``grade -j 4``.
"""
from __future__ import annotations

import json
import os
import random

import pytest
import yaml

import backprop_cli
from conftest import ROOT

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


def test_a_hostile_class_leaves_every_ordinary_record_right(run, tmp_path):
    """200 submissions, hostile ones among them, at -j 2: every ordinary submission gets the record check
    gives it alone, and every student folder (not the symlinked one) gets a record for every exercise."""
    root = tmp_path / "class"
    root.mkdir()
    ordinary = _make_class(root)
    assignment = tmp_path / "assignment.yaml"
    assignment.write_text(yaml.safe_dump({"exercises": EXERCISES}), encoding="utf-8")
    res = run("grade", str(root), "--assignment", str(assignment), "--format", "json", "-j", "2", "--timeout", "20")
    assert res.exit_code in (0, 1), res.stderr[-2000:]
    doc = json.loads(res.output)
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
            if rec["error"] or have != want:
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
    assert {_status(students, "leaning-on-each-other", "jacobian-l2", q) for q in ("dL/dy", "dL/dyhat")} == {"invalid"}
    two = next(e for e in students["two-files"]["exercises"] if e["exercise"] == "jacobian-l2")
    assert two["score"] == two["max_score"] and any("second file" in p for p in students["two-files"]["problems"])
