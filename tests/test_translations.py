"""The exercise's own texts in the student's language (SPEC 3 ``translations``, 7.4), the Markdown
description and wrapped messages of ``check``, and translated diagnosis names in the grade table."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from conftest import ROOT

from backprop_cli.exercise.model import load_exercise
from backprop_cli.exercise.texts import localized
from backprop_cli.report.markdown import render

BANK = sorted((ROOT / "exercises").glob("*.yaml"))
SEEDED = [p for p in BANK if not (load_exercise(str(p)).source or "").startswith("backprop exercise bank")]
WORD = re.compile(r"[A-Za-z]{4,}")


def test_most_of_the_bank_comes_from_the_seeds():
    """Most of the bank comes from the seeds (guards the selection below)."""
    assert len(SEEDED) >= 30


@pytest.mark.parametrize("path", BANK, ids=lambda p: p.stem)
def test_every_bank_exercise_has_german_and_russian_texts(path):
    """Title, description and every hint of a bank exercise (those of the seeds and the others) exist in de and ru."""
    ex = load_exercise(str(path))
    for lang in ("de", "ru"):
        texts = ex.translations.get(lang) or {}
        assert texts.get("title") and texts.get("description"), (lang, ex.id)
        hinted = {q.target for q in ex.questions if q.hint}
        assert hinted <= set(texts.get("hints") or {}), (lang, ex.id, hinted - set(texts.get("hints") or {}))
        other = localized(ex, lang)
        assert other.title != ex.title or lang == "de" and ex.title == other.title == texts["title"]
        assert other.description == texts["description"]


def _english_words(ex, lang) -> set[str]:
    """Words of the exercise's English texts that its translation does not use itself (names, code, …)."""
    english = " ".join([ex.title, ex.description] + [q.hint for q in ex.questions if q.hint])
    entry = ex.translations[lang]
    translated = " ".join([entry["title"], entry["description"], *(entry.get("hints") or {}).values()])
    keep = {w.lower() for w in WORD.findall(translated + " " + ex.id)}   # the id is a name, not text
    return {w for w in WORD.findall(english) if w.lower() not in keep}


@pytest.mark.parametrize("lang", ["de", "ru"])
@pytest.mark.parametrize("path", BANK, ids=lambda p: p.stem)
def test_the_report_in_german_or_russian_has_no_english_word_of_the_exercise(run, tmp_path, path, lang):
    """``check --lang de|ru`` with every answer missing (so every hint shows) prints none of the exercise's
    English words: title, description and hints come from its translation."""
    ex = load_exercise(str(path))
    answers = tmp_path / "a.yaml"
    answers.write_text(f"exercise: {ex.id}\nanswers:\n", encoding="utf-8")
    res = run("check", str(path), "--answers", str(answers), "--lang", lang)
    assert res.exit_code == 1, res.output + res.stderr
    leaked = {w for w in _english_words(ex, lang) if re.search(rf"\b{w}\b", res.output)}
    assert not leaked, leaked
    assert localized(ex, lang).title in res.output


def test_list_init_and_solve_show_the_translation(run, tmp_path):
    """``list``, ``init`` and ``solve`` show the exercise's title (and description) in the chosen language."""
    import json

    titles = {e["id"]: e["title"] for e in json.loads(run("list", "--lang", "de", "--format", "json").output)}
    assert titles["linear"] == "Lineare Abbildung b = aW"
    assert "Titel" in run("list", "--lang", "de").output
    titles = {e["id"]: e["title"] for e in json.loads(run("list", "--lang", "ru", "--format", "json").output)}
    assert titles["linear"] == "Линейное отображение b = aW"
    template = run("init", "linear", "--lang", "ru", "-o", "-").output
    assert "Линейное отображение" in template and "Соглашение о векторах-строках" in template
    assert "# Lineare Abbildung b = aW" in run("solve", "linear", "--lang", "de", "--format", "markdown").output
    assert "Linear map b = aW" in run("solve", "linear", "--lang", "en", "--format", "markdown").output


def test_a_hint_reads_in_the_chosen_language(run, tmp_path):
    """A wrong answer's hint is the translated one."""
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  dJ/da: dJ/dc\n", encoding="utf-8")
    out = run("check", "two-outputs", "--answers", str(answers), "--lang", "de").output
    assert "a erreicht J auf zwei Wegen" in out and "reaches J" not in out


def test_an_exercise_without_translations_keeps_its_own_texts(tmp_path):
    """Where ``translations`` has no language, the file's own texts are shown."""
    path = tmp_path / "plain.yaml"
    path.write_text((ROOT / "exercises" / "reused-node.yaml").read_text(encoding="utf-8").split("translations:")[0],
                    encoding="utf-8")
    ex = load_exercise(str(path))
    assert localized(ex, "ru") is ex and localized(ex, "de").title == ex.title


# -- Markdown and wrapping ---------------------------------------------------------------------------

def test_the_description_is_rendered_as_markdown(run):
    """``check`` shows the description without Markdown's markers, its table as columns, its list as bullets."""
    out = run("check", "activation-derivatives", "--answers", str(ROOT / "solutions" / "activation-derivatives.yaml")).output
    assert "**" not in out and "`z_sigmoid`" not in out and "|---|" not in out
    assert re.search(r"^  z_sigmoid +sigmoid σ\(x\)", out, re.M)
    bullets = run("check", "mlp3-l2", "--answers", str(ROOT / "solutions" / "mlp3-l2.yaml")).output
    assert "• a1 = W1 x + b1" in bullets


HOSTILE = 'id: hostile\ntitle: "[/x] [bold]t[/bold] \\e[31m"\ndescription: "[/x] **b** [red]`[/]`\\e]0;pwn\\a"\n' \
          'inputs: {a: [1, n], W: [n, m]}\nforward: [c = a @ W]\nloss: J\n' \
          'questions: [{derivative: dJ/da, hint: "[/x] [link=http://x]h[/link]"}]\n'


def test_markup_in_the_exercise_text_is_shown_as_text(run, tmp_path):
    """Rich markup and terminal escapes in a title, description or hint neither crash nor take effect."""
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  dJ/da: dJ/dc\n", encoding="utf-8")
    res = run("check", str(path), "--answers", str(answers))
    assert res.exit_code == 1, res.output + res.stderr
    assert "[/x] [bold]t[/bold]" in res.output and "[link=http://x]h[/link]" in res.output
    assert "\x1b" not in res.output and "\x07" not in res.output


def test_long_messages_wrap_to_a_narrow_terminal(run, tmp_path, monkeypatch):
    """With a 40-column terminal every line of the report fits, and no word of a message is lost."""
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  dJ/db: dJ/dc\n", encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "40")
    narrow = run("check", "dense", "--answers", str(answers), "--lang", "de").output
    monkeypatch.setenv("COLUMNS", "1000")
    wide = run("check", "dense", "--answers", str(answers), "--lang", "de").output
    texts = [line for line in narrow.splitlines() if line.startswith(" ") or line[:1].isalpha()]   # not a status line
    long_lines = [line for line in texts if len(line) > 40 and " " in line.strip()]
    assert not [line for line in long_lines if not line.lstrip().startswith(("fingerprint", "Fingerabdruck"))]
    assert "Rückweg" in narrow and len(narrow.splitlines()) > len(wide.splitlines())
    assert narrow.split() == wide.split()


def test_markdown_keeps_a_code_block_verbatim():
    """A fenced code block keeps its lines (indented), however narrow the width."""
    lines = render("Text.\n\n```\nx = 1.0 / (1 + math.exp(-y))   # (1)\n```\n", 20)
    assert "  x = 1.0 / (1 + math.exp(-y))   # (1)" in lines


# -- the grade table -----------------------------------------------------------------------------------

@pytest.fixture
def klass(tmp_path):
    """Two students: one transposes dJ/dW of affine (diagnosis ``transposed``)."""
    solution = (ROOT / "solutions" / "affine.yaml").read_text()
    wrong = solution.replace("dJ/dW: a' @ dJ/dc", "dJ/dW: dJ/dc' @ a")
    for student, text in (("alice", solution), ("bob", wrong)):
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "affine.yaml").write_text(text)
    (tmp_path / "assignment.yaml").write_text("exercises: [affine]\n")
    return tmp_path / "class", tmp_path / "assignment.yaml"


@pytest.mark.parametrize(("lang", "name"), [("en", "transposed"), ("de", "transponiert"), ("ru", "транспонировано")])
def test_the_grade_table_names_diagnoses_in_the_language(run, klass, lang, name):
    """The table's diagnosis column shows the diagnosis name in the chosen language; CSV keeps the code."""
    from backprop_cli.messages import message

    root, assignment = klass
    assert message("diag.name.transposed", lang) == name or name in message("diag.name.transposed", lang)
    table = run("grade", str(root), "--assignment", str(assignment), "--format", "table", "--lang", lang).output
    assert message("diag.name.transposed", lang) in table
    if lang != "en":
        assert "transposed" not in table
    rows = list(csv.DictReader(io.StringIO(run("grade", str(root), "--assignment", str(assignment),
                                               "--format", "csv", "--lang", lang).output)))
    assert "transposed" in {v for row in rows for v in row.values()}


def test_the_html_report_shows_titles_and_diagnoses_in_the_language(run, klass, tmp_path):
    """The class report in Russian shows the exercise's Russian title and the diagnosis's Russian name."""
    from backprop_cli.messages import message

    root, assignment = klass
    out = tmp_path / "class.html"
    run("grade", str(root), "--assignment", str(assignment), "--format", "html", "-o", str(out), "--lang", "ru")
    html = out.read_text(encoding="utf-8")
    assert "Аффинное преобразование" in html and message("diag.name.transposed", "ru") in html
    assert 'data-diagnosis="transposed"' in html


def test_translated_texts_are_plain_paths():
    """The test's bank selection reads real files (no stale path)."""
    assert all(Path(p).is_file() for p in SEEDED)


@pytest.mark.parametrize(("lang", "words", "english"), [
    ("de", ("Vorwärtsdurchlauf", "Frage", "Antwort", "Skalar", "Schritte: Rückwärtsmodus", "über xpy"), "Forward pass"),
    ("ru", ("Прямой проход", "Вопрос", "Ответ", "скаляр", "Шаги: обратный режим", "через xpy"), "Forward pass"),
])
def test_solve_speaks_the_language(run, lang, words, english):
    """``solve`` (rich) shows its own words, the exercise's texts and the step tree in the chosen language."""
    out = run("solve", "staged-backprop", "--steps", "--lang", lang).output
    assert all(w in out for w in words), [w for w in words if w not in out]
    assert english not in out and "Question" not in out and "in full" not in out


def test_markdown_renders_any_text_without_control_characters():
    """Any text at any width renders without an error, and no control character (escape, bell) gets through."""
    from hypothesis import given, settings, strategies as st

    alphabet = st.sampled_from(list("ab |-*`#_[]/\\\n\t 1.)") + ["\x1b", "\x07", "\x9b", "```", "| x |", "|---|", "**"])

    @settings(max_examples=150, deadline=None)
    @given(st.lists(alphabet, max_size=80).map("".join), st.one_of(st.none(), st.integers(1, 120)))
    def check(text, width):
        for line in render(text, width):
            assert not any(c in line for c in "\x1b\x07\x9b\n")

    check()
