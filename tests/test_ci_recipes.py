"""The LMS recipes of docs/ci.md run as written and grade the whole assignment (a deleted file counts 0)."""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

DOC = (ROOT / "docs" / "ci.md").read_text()


def block(marker: str, lang: str) -> str:
    """The ```lang block of docs/ci.md that contains ``marker``."""
    return next(b for b in re.findall(rf"```{lang}\n(.*?)```", DOC, re.S) if marker in b)


@pytest.fixture
def backprop_on_path(tmp_path):
    """A ``backprop`` executable on PATH that runs this tree."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "backprop"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m backprop_cli \"$@\"\n")
    shim.chmod(0o755)
    return dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", PYTHONPATH=str(ROOT))


def fingerprint(ex_id: str) -> str:
    from backprop_cli.exercise.bank import exercise_path
    from backprop_cli.exercise.fingerprint import fingerprint as fp

    old = os.getcwd()
    os.chdir(ROOT)
    try:
        return fp(exercise_path(ex_id))
    finally:
        os.chdir(old)


def test_gradescope_run_autograder_grades_the_whole_assignment(tmp_path, backprop_on_path):
    """run_autograder writes one results.json over every pinned exercise; the deleted dense.yaml scores 0."""
    script = block("# run_autograder", "bash")
    auto = tmp_path / "autograder"
    for d in ("source", "submission", "results"):
        (auto / d).mkdir(parents=True)
    (auto / "source" / "assignment.txt").write_text(f"affine {fingerprint('affine')}\ndense {fingerprint('dense')}\n")
    (auto / "submission" / "affine.yaml").write_text((ROOT / "solutions" / "affine.yaml").read_text())
    (auto / "run_autograder").write_text(script.replace("/autograder", str(auto)))
    res = subprocess.run(["bash", str(auto / "run_autograder")], env=backprop_on_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    doc = json.loads((auto / "results" / "results.json").read_text())
    assert doc["score"] == 10
    assert len([t for t in doc["tests"] if t["name"].startswith("dense:")]) > 0
    assert sum(t["score"] for t in doc["tests"] if t["name"].startswith("dense:")) == 0
    assert sum(t["max_score"] for t in doc["tests"]) > 10


def test_gradescope_run_autograder_refuses_a_changed_exercise(tmp_path, backprop_on_path):
    """A wrong pin stops run_autograder with an error instead of writing a grade."""
    script = block("# run_autograder", "bash")
    auto = tmp_path / "autograder"
    for d in ("source", "submission", "results"):
        (auto / d).mkdir(parents=True)
    (auto / "source" / "assignment.txt").write_text("affine " + "0" * 64 + "\n")
    (auto / "run_autograder").write_text(script.replace("/autograder", str(auto)))
    res = subprocess.run(["bash", str(auto / "run_autograder")], env=backprop_on_path, capture_output=True, text=True)
    assert res.returncode != 0 and not (auto / "results" / "results.json").exists()


def test_classroom_workflow_steps_give_results_the_reporter_reads(tmp_path, backprop_on_path):
    """Each step of the Classroom workflow writes result=<base64 JSON> the reporter reads; a deleted file is 0."""
    workflow = block("# .github/workflows/classroom.yml", "yaml")
    steps = re.findall(r'run: (echo "result=\$\(backprop check .*)', workflow)
    assert len(steps) == 2
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "affine.yaml").write_text((ROOT / "solutions" / "affine.yaml").read_text())
    output = tmp_path / "github_output"
    env = dict(backprop_on_path, GITHUB_OUTPUT=str(output))
    for step in steps:     # the pins of the docs' example, renewed in case the bank's exercise was edited since
        ex_id = re.search(r"backprop check (\S+)", step).group(1)
        step = re.sub(r"--fingerprint \S+", f"--fingerprint {fingerprint(ex_id)}", step)
        res = subprocess.run(["bash", "-c", step], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
    results = [json.loads(base64.b64decode(line.split("=", 1)[1])) for line in output.read_text().splitlines()]
    assert [r["max_score"] for r in results][0] == 10
    assert [sum(t["score"] for t in r["tests"]) for r in results] == [10, 0]
    for r in results:
        assert r["version"] == 1 and all({"name", "status", "score"} <= set(t) for t in r["tests"])
