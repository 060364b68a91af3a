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
from backprop_cli.formula.parser import parse
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
    pytest.param("∅ ⊆ ℕ", r"\ensuremath{\emptyset} \ensuremath{\subseteq} \ensuremath{\mathbb{N}}", id="sets"),
    pytest.param("Erdős, Dvořák, Łódź, Straße", r"Erd\H{o}s, Dvo\v{r}ák, \L{}ód\'{z}, Stra\ss{}e", id="latin"),
    pytest.param("„Zitat“ № 3", r"\quotedblbase{}Zitat`` \textnumero{} 3", id="quotes-numero"),
    pytest.param("ﬁt ①", "fit 1", id="compatibility-forms"),
    pytest.param("a\u202eb\u200bc", "abc", id="format-characters-dropped"),
    pytest.param("🙂", r"\textit{(slightly smiling face)}", id="no-glyph-named"),
    pytest.param("Градиент", r"\cyr{Градиент}", id="cyrillic"),
])
def test_every_unicode_character_is_mapped(text, expected):
    """Characters pdflatex has no glyph for become math, accents, named letters, their plain spelling, or
    (with no glyph anywhere) their Unicode name; never a code point."""
    assert tex_text(text) == expected


#: A sample of every block an instructor's text may draw from: Latin-1, Latin Extended-A, Greek, Cyrillic,
#: punctuation, letter-like symbols, arrows, mathematical operators, super- and subscripts, CJK and emoji.
SAMPLE = "".join(chr(c) for c in [*range(0xA0, 0x250), *range(0x370, 0x3D0), *range(0x400, 0x460), *range(0x2010, 0x2060),
                                  *range(0x2070, 0x20A0), *range(0x2100, 0x2150), *range(0x2190, 0x21A0),
                                  *range(0x2200, 0x2270), 0x4E2D, 0x1F642, 0x1D400])


def test_no_character_prints_as_a_code_point():
    """No character of the sample is printed as [U+XXXX]."""
    assert "U+" not in tex_text(SAMPLE)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="needs pdflatex (required in CI)")
def test_sheet_with_every_kind_of_character_compiles(tmp_path):
    """Title, source and description made of the sample, and names beyond ASCII (é, х) in the forward
    equations, compile with pdflatex."""
    import yaml

    data = {"id": "unicode", "title": SAMPLE[:400], "source": SAMPLE[400:800], "description": SAMPLE[800:],
            "inputs": {"é": [1, "n"], "W": ["n", "m"]}, "forward": ["хх = é @ W", "J = sum(хх ⊙ хх)"], "loss": "J",
            "questions": ["dJ/dé", "dJ/dW"]}
    path = tmp_path / "unicode.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    tex = solution_latex(solve(prepare(load_exercise(str(path))), steps=True))
    assert r"\text{é}" in tex and r"\cyr{хх}" in tex
    done = _compile(tex, tmp_path)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="needs pdflatex (required in CI)")
@pytest.mark.parametrize("lang", ["de", "ru"])
def test_translated_bank_sheets_compile(run, tmp_path, lang):
    """The German and Russian sheets of the bank compile; Russian text is set in T2A (CI installs
    texlive-lang-cyrillic), never replaced by the fallback note."""
    for path in EXERCISES:
        res = run("solve", str(path), "--lang", lang, "--format", "latex", "--steps")
        assert res.exit_code == 0, res.output + res.stderr
        done = _compile(res.output, tmp_path)
        assert done.returncode == 0, (path.stem, done.stdout.decode("utf-8", "replace")[-2000:])
        if lang == "ru" and os.environ.get("CI", "").lower() == "true":
            assert "t2aenc.def" in (tmp_path / "s.log").read_text(errors="replace") or r"\cyr{" not in res.output


def test_questions_only_needs_latex(run):
    """--questions-only without --format latex is a usage error."""
    res = run("solve", "affine", "--questions-only")
    assert res.exit_code == 2


def test_questions_only_sheet_reveals_no_answer(run):
    """The questions-only sheet lists the questions and prints no reference formula."""
    res = run("solve", "affine", "--format", "latex", "--questions-only")
    assert res.exit_code == 0 and r"\subsection*{Questions}" in res.output
    assert "Answers" not in res.output and r"W^{\top}" not in res.output


def _large(tmp_path, n: int, residual: bool, mode: str = "given") -> str:
    import yaml

    from test_hostile_work import chain

    data = chain(n, residual=residual) | {"id": f"large{n}", "answers_may_use": mode}
    path = tmp_path / f"large{n}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="needs pdflatex (required in CI)")
@pytest.mark.parametrize("n, residual, mode", [pytest.param(14, True, "given", id="14-residual-blocks"),
                                               pytest.param(250, False, "downstream", id="250-equations")])
def test_sheet_of_a_large_exercise_compiles(tmp_path, n, residual, mode):
    """Long references are broken into lines and named intermediates, over pages, and the sheet compiles."""
    sol = solve(prepare(load_exercise(_large(tmp_path, n, residual, mode))), steps=True)
    tex = solution_latex(sol)
    assert r"\text{where}\quad g_{1} = " in tex and r"+ {} \\" in tex
    done = _compile(tex, tmp_path)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]


def test_long_formula_is_broken_after_its_operators():
    """A sum wider than a line is set over several lines, each but the last ending with its operator."""
    from backprop_cli.report.latex import WIDTH, broken

    e = parse(" + ".join(f"a{i} ⊙ b{i}" for i in range(20)) + " - c")
    lines = broken(e)
    assert len(lines) > 2 and all(line.endswith(("+ {}", "- {}")) for line in lines[:-1])
    assert all(len(line) < 2 * WIDTH for line in lines)


def test_sheet_answer_pasted_back_grades_correct(tmp_path):
    """The align* of an answer on the sheet (broken lines, `where` and named intermediates), copied into an
    answers file, is graded correct."""
    import re

    import yaml

    import backprop_cli

    path = _large(tmp_path, 14, True)
    tex = solution_latex(solve(prepare(load_exercise(path))))
    blocks = re.findall(r"\\item \\texttt\{(d\S+)\}: \\begin\{align\*\}\n(.*?)\\end\{align\*\}", tex, re.S)
    assert len(blocks) == 2
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"answers": {q: body for q, body in blocks}}), encoding="utf-8")
    assert [r.status for r in backprop_cli.check(path, str(answers)).results] == ["correct", "correct"]
