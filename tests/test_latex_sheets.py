"""Every bank exercise's LaTeX sheet (answers with steps, and questions only) compiles with pdflatex.
Skipped only where pdflatex is missing locally; in CI (CI=true) a missing pdflatex is a failure."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare
from backprop_cli.grade.solve import solve
from backprop_cli.report.solution import solution_latex, tex_text
from conftest import EXERCISES

HAVE_PDFLATEX = shutil.which("pdflatex") is not None


def test_pdflatex_is_there_in_ci():
    """CI installs texlive (.ci/run), so the sheets below are compiled there, never skipped."""
    if os.environ.get("CI", "").lower() == "true":
        assert HAVE_PDFLATEX, "pdflatex is missing in CI: .ci/run installs texlive-latex-base"


def _compile(tex: str, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "s.tex").write_text(tex, encoding="utf-8")
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "s.tex"], cwd=tmp_path,
                          capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="needs pdflatex (required in CI)")
@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_bank_sheet_compiles(path, tmp_path):
    """The sheet with answers and reverse steps, and the questions-only sheet, both compile."""
    ref = prepare(load_exercise(str(path)))
    sol = solve(ref, steps=True)
    for questions_only in (False, True):
        done = _compile(solution_latex(sol, questions_only), tmp_path)
        assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]


@pytest.mark.parametrize("text, expected", [
    pytest.param("m ≠ n", r"m \ensuremath{\neq} n", id="neq"),
    pytest.param("√x", r"\ensuremath{\surd}x", id="sqrt"),
    pytest.param("Ŷ and x̂", r"\ensuremath{\hat{Y}} and \ensuremath{\hat{x}}", id="hats"),
    pytest.param("∅", r"\texttt{[U+2205]}", id="unknown-symbol"),
])
def test_every_unicode_character_is_mapped(text, expected):
    """Characters pdflatex has no glyph for become math, accents, or their code point."""
    assert tex_text(text) == expected


def test_questions_only_needs_latex(run):
    """--questions-only without --format latex is a usage error."""
    res = run("solve", "affine", "--questions-only")
    assert res.exit_code == 2


def test_questions_only_sheet_reveals_no_answer(run):
    """The questions-only sheet lists the questions and prints no reference formula."""
    res = run("solve", "affine", "--format", "latex", "--questions-only")
    assert res.exit_code == 0 and r"\subsection*{Questions}" in res.output
    assert "Answers" not in res.output and r"W^{\top}" not in res.output
