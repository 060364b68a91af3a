"""The message catalogues: every language has every key, with the same placeholders."""
from __future__ import annotations

import ast
import re
import string

import pytest

from backprop_cli.messages import LANGUAGES, catalogue, default_lang, message
from conftest import ROOT

EN = catalogue("en")
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]


def fields(template: str) -> set[str]:
    """The names of the ``{placeholders}`` in ``template`` (``{{``/``}}`` escapes are no fields)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def specs(template: str) -> dict[str, str]:
    """Each placeholder with its format spec, e.g. ``{'score': 'g'}``."""
    return {name: spec for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def dummy_args(template: str) -> dict[str, object]:
    """Arguments for every placeholder: a number where a format spec asks for one, else a string."""
    return {name: 1.5 if spec else f"<{name}>" for name, spec in specs(template).items()}


def used_keys() -> set[str]:
    """Every message key the code names: string constants with a catalogue's prefix (``shape.matmul``), and
    the families it builds (``diag.`` + a diagnosis code, ``report.status.`` + a status, ``report.kind.`` +
    a question kind)."""
    from backprop_cli.grade.diagnosis import CODES

    prefixes = {key.split(".")[0] for key in EN}
    found = set()
    for path in (ROOT / "backprop_cli").rglob("*.py"):
        if "messages" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and re.fullmatch(r"[a-z_]+\.[a-z_0-9.-]*[a-z_0-9]", node.value) and node.value.split(".")[0] in prefixes):
                found.add(node.value)
    return (found | {f"diag.{code}" for code in CODES}
            | {f"report.status.{s}" for s in ("correct", "incorrect", "invalid", "missing")}
            | {f"report.kind.{k}" for k in ("shape", "value")})


def test_every_key_the_code_uses_exists():
    """Each message key named in backprop_cli/ is in the English catalogue (so in all three, see below)."""
    missing = sorted(used_keys() - set(EN))
    assert not missing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_exactly_the_english_keys(lang):
    """Every language has every English key and no other."""
    keys = set(catalogue(lang))
    assert not set(EN) - keys, f"{lang}: missing keys"
    assert not keys - set(EN), f"{lang}: keys not in en.py"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_are_non_empty_strings(lang):
    """No template is empty or only spaces."""
    for key, template in catalogue(lang).items():
        assert isinstance(template, str) and template.strip(), f"{lang}: {key} is empty"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_same_placeholders_as_english(lang):
    """Each translation has the English template's placeholders, with the same format specs."""
    wrong = [key for key, template in catalogue(lang).items() if specs(template) != specs(EN[key])]
    assert not wrong, f"{lang}: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_format_with_dummy_args(lang):
    """Every template fills in with the English placeholders, and each plain argument shows up in the text."""
    for key, template in catalogue(lang).items():
        text = template.format(**dummy_args(EN[key]))
        shown = [name for name, spec in specs(EN[key]).items() if not spec]
        assert all(f"<{name}>" in text for name in shown), f"{lang}: {key}"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_leading_space_kept(lang):
    """A template starts with a space exactly when the English one does (name.did_you_mean is glued to a name)."""
    wrong = [key for key, template in catalogue(lang).items() if template.startswith(" ") != EN[key].startswith(" ")]
    assert not wrong, f"{lang}: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_message_empty_suggestion_adds_no_text(lang):
    """An empty suggestion adds no "did you mean" text."""
    assert message("name.unknown", lang, name="Wx", suggestion="", known="W, x") == catalogue(lang)[
        "name.unknown"].format(name="Wx", suggestion_text="", known="W, x")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_message_fills_in_suggestion_text(lang):
    """A suggestion is filled in as the language's "did you mean" text."""
    hint = catalogue(lang)["name.did_you_mean"].format(suggestion="W")
    assert message("name.unknown", lang, name="Wx", suggestion="W", known="W, x") == catalogue(lang)[
        "name.unknown"].format(name="Wx", suggestion_text=hint, known="W, x")


@pytest.fixture
def no_locale(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("lang_env", "expected"), [
    ("de_DE.UTF-8", "de"),
    ("ru_RU.UTF-8", "ru"),
    ("en_US.UTF-8", "en"),
    ("fr_FR", "en"),
    ("fr_FR.UTF-8", "en"),
])
def test_default_lang_from_lang(no_locale, lang_env, expected):
    """LANG picks the catalogue by its first two letters; another language is English."""
    no_locale.setenv("LANG", lang_env)
    assert default_lang() == expected


def test_default_lang_unset(no_locale):
    """Without locale variables the language is English."""
    assert default_lang() == "en"


def test_default_lang_lc_all_wins(no_locale):
    """LC_ALL beats LANG."""
    no_locale.setenv("LANG", "de_DE.UTF-8")
    no_locale.setenv("LC_ALL", "ru_RU.UTF-8")
    assert default_lang() == "ru"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_missing_key_falls_back_to_english(monkeypatch, lang):
    """A key missing in a translation is shown in English; the others stay translated."""
    key = "result.wrong_shape"
    reduced = catalogue(lang)
    monkeypatch.delitem(reduced, key)       # the translation as it would be without that key
    assert key not in catalogue(lang)
    assert message(key, lang, got="1×n", want="n×1") == EN[key].format(got="1×n", want="n×1")
    # Other keys are still translated.
    assert message("result.correct", lang) == reduced["result.correct"]


def test_unknown_language_is_english():
    """An unknown language code gets the English catalogue."""
    assert catalogue("fr") is EN
    assert message("result.correct", "fr") == EN["result.correct"]


def test_unknown_key_is_a_bug_not_a_message():
    """An unknown key raises (an internal error), never prints the raw key as if it were a message."""
    with pytest.raises(LookupError, match="no.such.key"):
        message("no.such.key", "de", a=1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_diagnosis_code_has_a_name_in_every_language(lang):
    """Each code of the diagnosis catalogue has a display name, and in de and ru it is not the English code."""
    from backprop_cli.grade.diagnosis import CODES

    for code in CODES:
        name = message("diag.name." + code, lang)
        assert name
        assert (name == code) == (lang == "en"), (lang, code, name)


@pytest.mark.parametrize("lang, expected", [("de", "falsch (Vorzeichenfehler)"), ("ru", "неверно (ошибка знака)")])
def test_the_report_names_the_diagnosis_in_the_chosen_language(tmp_path, lang, expected):
    """`check --lang` writes the diagnosis of a wrong answer in that language, never as the English code."""
    from click.testing import CliRunner

    from backprop_cli.cli import cli

    answers = tmp_path / "affine.yaml"
    answers.write_text("answers:\n  dJ/db: '-dJ/dc'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "affine", "--answers", str(answers), "--lang", lang])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "sign-error" not in result.output


def test_russian_invalid_and_incorrect_read_apart():
    """In Russian the statuses invalid and incorrect share no word, so a student cannot confuse them."""
    invalid, incorrect = message("report.status.invalid", "ru"), message("report.status.incorrect", "ru")
    assert not set(invalid.split()) & set(incorrect.split())
    assert "корректн" not in invalid and "верн" not in invalid
