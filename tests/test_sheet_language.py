"""The worked-solution sheets of ``solve`` (Markdown and LaTeX) say every word of their own in the chosen
language (SPEC 7.4): headings, table heads, the inputs, values and loss lines, shapes, steps, ``where``,
``given`` and the note on missing Cyrillic fonts; English sheets stay as they were."""
from __future__ import annotations

import dataclasses
import re

import pytest

from conftest import EXERCISES, ROOT

from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.solve import solve
from backprop_cli.grade.variant_refs import prepared_for
from backprop_cli.messages import catalogue
from backprop_cli.report.solution import solution_latex, solution_markdown, tex_text

#: The English words a sheet of its own puts around the exercise's texts and formulas.
SHEET_WORDS = re.compile(r"\b(Forward pass|Inputs|Values|Loss|not computed|upstream|Answers?|Questions?|Shape|shape|"
                         r"scalar|where|given|Source|Variant|Steps|reverse mode|forward mode|in full|via|value of|"
                         r"Cyrillic|needs)\b")


def _sheets(path, lang: str, student: str | None = None) -> list[str]:
    """The Markdown and LaTeX sheets of ``path`` in ``lang`` (answers with reverse steps, forward steps,
    questions only), the exercise's own texts left out (they have tests of their own)."""
    ex = load_exercise(str(path))
    ex = dataclasses.replace(ex, title="T", description="", source="S")
    ref = prepared_for(ex, student)
    out = []
    for sol in (solve(ref, steps=True), solve(ref, steps=True, mode="forward", wrt=ref.graph.inputs[0])):
        out += [solution_markdown(sol, lang), solution_latex(sol, False, lang), solution_latex(sol, True, lang)]
    return out


def _words(sheet: str) -> str:
    """The text of a sheet without its formulas and code: Markdown's code spans and blocks, LaTeX's math,
    \\texttt and verbatim go; of an align*, only its \\text{…} stays."""
    sheet = re.sub(r"```.*?```", " ", sheet, flags=re.S)
    sheet = re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", " ", sheet, flags=re.S)
    sheet = re.sub(r"\\begin\{align\*\}(.*?)\\end\{align\*\}",
                   lambda m: " ".join(re.findall(r"\\text\{(.*?)\}", m.group(1))), sheet, flags=re.S)
    sheet = re.sub(r"\\mathrm\{[^{}]*\}|\\texttt\{[^{}]*\}", " ", sheet)
    return re.sub(r"`[^`]*`|\$[^$]*\$", " ", sheet)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_the_english_sheet_has_the_sheet_words(path):
    """The check below would see the English words: the English sheets have them (the bank has variants,
    drawn values and anticipated mistakes: all of it is covered)."""
    found = {w for sheet in _sheets(path, "en") for w in SHEET_WORDS.findall(_words(sheet))}
    assert {"Forward pass", "Inputs", "Answers", "Questions", "Question", "Shape", "shape", "Loss"} <= found


@pytest.mark.parametrize("lang", ["de", "ru"])
@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_german_and_russian_sheets_have_no_english_sheet_word(path, lang):
    """Every sheet of every bank exercise in de or ru (Markdown, LaTeX, questions only, both modes) has none
    of the sheet's English words."""
    loss = re.escape(load_exercise(str(path)).loss)       # a name (Loss), in the title of the steps
    for sheet in _sheets(path, lang):
        words = re.sub(rf"\b{loss}\b", " ", _words(sheet))
        assert not SHEET_WORDS.findall(words), (lang, SHEET_WORDS.findall(words))


@pytest.mark.parametrize("lang", ["de", "ru"])
def test_a_students_variant_sheet_is_translated(lang):
    """The sheet of a student's own variant names the variant in the chosen language."""
    path = ROOT / "exercises" / "colah-graph.yaml"
    sheets = _sheets(path, lang, student="alice")
    word = catalogue(lang)["solve.variant"]
    assert f"*{word}:* " in sheets[0] and rf"\textit{{{tex_text(word)}:}} " in sheets[1]
    assert not SHEET_WORDS.findall(_words(sheets[0])) and not SHEET_WORDS.findall(_words(sheets[1]))


def test_the_russian_fallback_note_has_no_cyrillic():
    """Where the T2A fonts are missing, the note put in place of Cyrillic text is itself Latin (it could
    not be printed otherwise), in the sheet's language."""
    tex = solution_latex(solve(prepared_for(load_exercise(str(ROOT / "exercises" / "affine.yaml")), None)), False, "ru")
    note = re.search(r"\\newcommand\{\\cyr\}\[1\]\{(.*?)\}\\fi", tex)
    assert note is not None and note.group(1) == catalogue("ru")["sheet.no_cyrillic"]
    assert not re.search(r"[\u0400-\u04ff]", note.group(1))


def test_every_language_word_for_where_is_read_back():
    """The word before named intermediates on a sheet, in each language, is one the grader reads back."""
    from backprop_cli.formula.definitions import WHERE

    assert {catalogue(lang)["sheet.where"] for lang in ("en", "de", "ru")} == set(WHERE)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "tests" / "data" / "sheets").iterdir()))
def test_the_english_sheets_are_unchanged(name):
    """English sheets are byte for byte those made before the sheets followed --lang (kept in
    tests/data/sheets: reverse steps, drawn values, questions only, forward mode)."""
    stem, suffix = name.rsplit(".", 1)
    exercise, kind = stem.rsplit("-", 1)
    ref = prepared_for(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")), None)
    sol = solve(ref, steps=kind != "q", mode="forward" if kind == "f" else "reverse",
                wrt=ref.graph.inputs[0] if kind == "f" else None)
    made = solution_markdown(sol) if suffix == "md" else solution_latex(sol, questions_only=kind == "q")
    assert made == (ROOT / "tests" / "data" / "sheets" / name).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "ru"])
def test_a_translated_sheet_with_named_intermediates_compiles_and_is_read_back(tmp_path, lang):
    """A German or Russian sheet whose answers are printed through named intermediates (``wobei``, ``где``)
    compiles with pdflatex, and its answers, pasted into an answers file, are graded correct."""
    import yaml

    import backprop_cli
    from backprop_cli.grade.reference import prepare
    from test_latex_sheets import HAVE_PDFLATEX, _compile, _large

    path = _large(tmp_path, 14, True)
    tex = solution_latex(solve(prepare(load_exercise(path))), False, lang)
    assert rf"\text{{{tex_text(catalogue(lang)['sheet.where'])}}}\quad g_{{1}} = " in tex
    blocks = re.findall(r"\\item \\texttt\{(d\S+)\}: \\begin\{align\*\}\n(.*?)\\end\{align\*\}", tex, re.S)
    assert len(blocks) == 2
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"answers": {q: body for q, body in blocks}}), encoding="utf-8")
    assert [r.status for r in backprop_cli.check(path, str(answers)).results] == ["correct", "correct"]
    if HAVE_PDFLATEX:
        done = _compile(tex, tmp_path)
        assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "ru"])
@pytest.mark.parametrize("exercise", ["colah-graph", "jacobian-softmax", "mlp-pytorch"])
def test_translated_question_sheets_and_forward_steps_compile(tmp_path, exercise, lang):
    """The German and Russian questions-only sheet and the sheet with forward-mode steps compile with
    pdflatex (the answers with reverse steps of every bank exercise are compiled in test_latex_sheets)."""
    from test_latex_sheets import HAVE_PDFLATEX, _compile

    if not HAVE_PDFLATEX:
        pytest.skip("needs pdflatex (required in CI)")
    ref = prepared_for(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")), None)
    forward = solve(ref, steps=True, mode="forward", wrt=ref.graph.inputs[0])
    for tex in (solution_latex(solve(ref), True, lang), solution_latex(forward, False, lang)):
        done = _compile(tex, tmp_path)
        assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]
