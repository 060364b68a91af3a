"""The message catalogues: every language has every key, with the same placeholders."""
from __future__ import annotations

import string

import pytest

from backprop_cli import messages
from backprop_cli.messages import LANGUAGES, catalogue, default_lang, message

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


CASES = [(lang, key) for lang in LANGUAGES for key in sorted(EN)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_exactly_the_english_keys(lang):
    keys = set(catalogue(lang))
    assert not set(EN) - keys, f"{lang}: missing keys"
    assert not keys - set(EN), f"{lang}: keys not in en.py"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_are_non_empty_strings(lang):
    for key, template in catalogue(lang).items():
        assert isinstance(template, str) and template.strip(), f"{lang}: {key} is empty"


@pytest.mark.parametrize(("lang", "key"), CASES)
def test_same_placeholders_as_english(lang, key):
    template = catalogue(lang)[key]
    assert fields(template) == fields(EN[key])
    assert specs(template) == specs(EN[key])


@pytest.mark.parametrize(("lang", "key"), CASES)
def test_template_formats_with_dummy_args(lang, key):
    template = catalogue(lang)[key]
    text = template.format(**dummy_args(EN[key]))
    for name in fields(EN[key]):
        if not specs(EN[key])[name]:
            assert f"<{name}>" in text


@pytest.mark.parametrize(("lang", "key"), CASES)
def test_leading_space_kept(lang, key):
    # name.did_you_mean is appended right after a name, so its leading space matters.
    assert catalogue(lang)[key].startswith(" ") == EN[key].startswith(" ")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_message_empty_suggestion_adds_no_text(lang):
    assert message("name.unknown", lang, name="Wx", suggestion="", known="W, x") == catalogue(lang)[
        "name.unknown"].format(name="Wx", suggestion_text="", known="W, x")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_message_fills_in_suggestion_text(lang):
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
    no_locale.setenv("LANG", lang_env)
    assert default_lang() == expected


def test_default_lang_unset(no_locale):
    assert default_lang() == "en"


def test_default_lang_lc_all_wins(no_locale):
    no_locale.setenv("LANG", "de_DE.UTF-8")
    no_locale.setenv("LC_ALL", "ru_RU.UTF-8")
    assert default_lang() == "ru"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_missing_key_falls_back_to_english(monkeypatch, lang):
    key = "result.wrong_shape"
    reduced = {k: v for k, v in catalogue(lang).items() if k != key}
    module = __import__(f"backprop_cli.messages.{lang}", fromlist=["MESSAGES"])
    monkeypatch.setattr(module, "MESSAGES", reduced)
    assert key not in catalogue(lang)
    assert message(key, lang, got="1×n", want="n×1") == EN[key].format(got="1×n", want="n×1")
    # Other keys are still translated.
    assert message("result.correct", lang) == reduced["result.correct"]


def test_unknown_language_is_english():
    assert catalogue("fr") is EN
    assert message("result.correct", "fr") == EN["result.correct"]


def test_unknown_key_is_shown_with_its_args():
    assert message("no.such.key", "de", a=1) == "no.such.key: a=1"
    assert messages.message("no.such.key") == "no.such.key"
