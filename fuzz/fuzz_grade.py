"""Fuzz ``grade``: random class folders (hostile folder and file names in any bytes, markup, formula-like
names, binary and oversized-looking content, duplicates, subfolders, symlinks, FIFOs) are graded and
rendered in every format. Every student folder must get one record per exercise, no undesigned error may
come out, no CSV cell may start like a formula, and the rich table must render.

    python fuzz/fuzz_grade.py [--examples 200] [--seed 0]

The same harness runs in CI with a small fixed budget (tests/test_fuzz_grade.py).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_cli.grade.batch import grade_class  # noqa: E402
from backprop_cli.report import batch as render  # noqa: E402
from backprop_cli.report.html import grade_html  # noqa: E402

ASSIGNMENT = ROOT / "tests" / "data" / "affine-assignment.yaml"
SOLUTION = (ROOT / "solutions" / "affine.yaml").read_bytes()
NAME_PARTS = [b"affine", b"afine", b"dense", b".yaml", b".yml", b"=HYPERLINK(\"x\")", b"+", b"-", b"@", b"[/x]",
              b"[bold red]", b"\xff", b"\xfe\xfd", "ü".encode(), b" ", b"..", b"\t", b"a"]
CONTENTS = [SOLUTION, SOLUTION.replace(b"dJ/dc @ W.T", b"W @ dJ/dc"), b'exercise: "[/x]"\n', b"\x00\x01",
            b"answers:\n  dJ/da: \"[bold]x[/]\"\n", b"a: &x 1\nb: *x\n", b"", b"answers: {dJ/da: " + b"(" * 300 + b"}\n"]
names = st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=4).map(b"".join).filter(
    lambda n: n not in (b".", b"..") and b"/" not in n)
entries = st.tuples(names, st.sampled_from(["file", "dir", "symlink", "fifo"]), st.sampled_from(CONTENTS))
classes = st.lists(st.tuples(names, st.lists(entries, max_size=4)), min_size=1, max_size=5, unique_by=lambda s: s[0])


def build(root: bytes, students) -> int:
    for student, items in students:
        folder = os.path.join(root, student)
        os.mkdir(folder)
        for name, kind, content in items:
            path = os.path.join(folder, name)
            if os.path.lexists(path):
                continue
            if kind == "file":
                with open(path, "wb") as fh:
                    fh.write(content)
            elif kind == "dir":
                os.mkdir(path)
                with open(os.path.join(path, b"affine.yaml"), "wb") as fh:
                    fh.write(content)
            elif kind == "symlink":
                os.symlink(os.fsencode(ROOT / "solutions" / "affine.yaml"), path)
            else:
                os.mkfifo(path)
    return len(students)


def grade_one_class(students) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(os.fsencode(tmp), b"class")
        os.mkdir(root)
        n = build(root, students)
        cg = grade_class(os.fsdecode(root), None, str(ASSIGNMENT), jobs=1, timeout=5.0)
        assert len(cg.records) == n, (len(cg.records), n)
        json.loads(render.grade_json(cg))
        for text in (render.grade_csv(cg), render.grade_canvas(cg)):
            for row in csv.reader(io.StringIO(text)):
                assert not any(c.startswith(("=", "+", "-", "@")) for c in row), row
        render.grade_junit(cg)
        render.grade_text(cg)
        grade_html(cg)


def run(examples: int, seed: int | None = None):
    @settings(max_examples=examples, deadline=None, derandomize=seed is not None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(classes)
    def fuzz(students):
        grade_one_class(students)

    fuzz()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    t = time.perf_counter()
    run(a.examples, a.seed)
    print(f"{a.examples} classes graded and rendered without an undesigned error in {time.perf_counter() - t:.1f} s")
