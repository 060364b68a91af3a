"""Lets you show any message in English, German or Russian.

Each language is a module with a ``MESSAGES`` dict from message key to a ``str.format`` template.
A key missing in a language falls back to English; a key in no catalogue is a bug and raises (it is never
shown raw).
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Protocol

LANGUAGES = ("en", "de", "ru")
#: Where the language comes from when none is asked for: the first of these that is set and not empty.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def language_of(locale: str) -> str:
    """The catalogue for a locale name: ``de_DE.UTF-8`` → ``de``; one we do not have → ``en``."""
    code = locale[:2].lower()
    return code if code in LANGUAGES else "en"


def default_lang() -> str:
    """The language from ``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` (``de_DE.UTF-8`` → ``de``), else English."""
    for var in LOCALE_VARIABLES:
        value = os.environ.get(var, "")
        if value:
            return language_of(value)
    return "en"


_LOADED: dict[str, dict[str, str]] = {}


def catalogue(lang: str) -> dict[str, str]:
    """The templates of ``lang`` by message key (English for a language we do not have)."""
    code = lang if lang in LANGUAGES else "en"
    templates = _LOADED.get(code)
    if templates is None:       # a report asks for thousands of messages: the module is looked up once
        templates = _LOADED[code] = importlib.import_module(f"backprop_cli.messages.{code}").MESSAGES
    return templates


def message(key: str, lang: str = "en", **args: Any) -> str:
    """The message ``key`` in ``lang``, filled in with ``args``."""
    if "suggestion" in args and "suggestion_text" not in args:
        hint = args["suggestion"]
        args["suggestion_text"] = _fill("name.did_you_mean", lang, {"suggestion": hint}) if hint else ""
    return _fill(key, lang, args)


def _fill(key: str, lang: str, args: dict[str, Any]) -> str:
    template = catalogue(lang).get(key) or catalogue("en").get(key)
    if template is None:   # a bug, not a message: never show a raw key (tests check every used key exists)
        raise LookupError(f"message key {key!r} is in no catalogue")
    try:
        return template.format(**args)
    except (KeyError, IndexError, ValueError):
        return template


def caret_lines(text: str, pos: int) -> str:
    """The formula with a caret under the character at ``pos``."""
    line = text.replace("\n", " ").replace("\t", " ")
    pos = max(0, min(pos, len(line)))
    return f"    {line}\n    {' ' * pos}^"


class _Error(Protocol):   # a BackpropError (errors.py imports this module, so not the other way round)
    @property
    def key(self) -> str: ...
    @property
    def mark(self) -> object: ...
    @property
    def args_(self) -> dict[str, Any]: ...


def render_error(err: _Error, lang: str = "en") -> str:
    """``file:line:col: message`` and, for formula errors, the formula with a caret under the fault."""
    text = message(err.key, lang, **err.args_)
    if "equation" in err.args_:
        text = f"{message('graph.in_equation', lang, equation=err.args_['equation'])}: {text}"
    if err.mark is not None:
        text = f"{err.mark}: {text}"
    formula = getattr(err, "text", "")
    pos = getattr(err, "pos", None)
    if formula and pos is not None and len(formula) <= 200:
        text += "\n" + caret_lines(formula, pos)
    return text
