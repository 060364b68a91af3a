"""Lets you load a student's answers file (SPEC section 4) and match its keys to the exercise's questions.

Keys written with ``∂`` or spaces match their question; keys that match none become warnings (message
keys with arguments) that name the closest question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy

from backprop_cli.cache import BoundedCache
from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.fields import _fail, _fields, _got, _opt, _text
from backprop_cli.exercise.keys import compact as _compact, normalize_key
from backprop_cli.exercise.model import Exercise, _array
from backprop_cli.exercise.yamlio import Node, load_yaml, load_yaml_text

ANSWERS_KEYS = ("exercise", "answers", "shapes", "values")
SECTION_KIND = {"answers": "derivative", "shapes": "shape", "values": "value"}
MAX_WARNINGS = 20


@dataclass(frozen=True)
class AnswerEntry:
    """One answer: ``text`` (a formula or number), or ``array`` (a nested list), or neither (missing).

    ``exact`` says that ``mark.shifted(i)`` is the place of ``text[i]`` in the file.
    """

    key: str
    text: str | None
    array: numpy.ndarray | None
    mark: Mark
    exact: bool = False
    problem: str | None = None       # what YAML made of an entry that is no answer (a mapping, a boolean)


@dataclass(frozen=True, eq=False)
class Answers:
    """A student's answers file: its entries by section, and the warnings met reading it."""

    exercise: str | None
    answers: dict[str, AnswerEntry]
    shapes: dict[str, AnswerEntry]
    values: dict[str, AnswerEntry]
    path: str
    warnings: tuple[tuple[str, dict[str, object], Mark], ...] = ()   # (message key, args, mark)
    exercise_mark: Mark | None = None


def load_answers(path: str) -> Answers:
    """Read and check the answers file at ``path`` (its keys are not yet matched to questions).

    A file that YAML cannot read only because some formulas are unquoted (``dJ/da: - dJ/dc @ W^T``,
    ``dJ/da: @x``) is read with those formulas quoted, and each quoted line gets a warning."""
    try:
        return parse_answers(load_yaml(path), path)
    except InputError as err:
        if err.key not in ("yaml.syntax",):
            raise
        with open(path, encoding="utf-8") as fh:
            text, quoted = _quote_formulas(fh.read())
        if not quoted:
            raise
        try:
            node = load_yaml_text(text, path)
        except InputError:
            raise err from None
    ans = parse_answers(node, path)
    notes: tuple[tuple[str, dict[str, object], Mark], ...] = tuple(
        ("answers.quoted", {"line": n}, Mark(path, n, 1)) for n in quoted)
    return replace(ans, warnings=notes + ans.warnings)


_ENTRY = re.compile(r"^(\s+[^\s#:'\"][^:#]*?:[ \t]+)(.*?)[ \t]*$")
_NEEDS_QUOTES = re.compile(r"^(?:-[ \t]|[@`%*&!]|[|>].*\S.*[|]|\[(?!.*\]$)|\{(?!.*\}$))|:[ \t]")


def _quote_formulas(text: str) -> tuple[str, list[int]]:
    """``text`` with every indented ``key: value`` whose value YAML cannot read as a plain string quoted,
    and the numbers of the lines changed."""
    lines, quoted = text.split("\n"), []
    for i, line in enumerate(lines):
        m = _ENTRY.match(line)
        if m and m.group(2) and _NEEDS_QUOTES.search(m.group(2)):
            lines[i] = m.group(1) + "'" + m.group(2).replace("'", "''") + "'"
            quoted.append(i + 1)
    return "\n".join(lines), quoted


def parse_answers(node: Node, path: str) -> Answers:
    """The :class:`Answers` in the YAML tree ``node``; an empty file has no answers."""
    if node.value is not None and not node.is_map:
        _fail("schema.not_mapping", node)
    top = _fields(node, "", ANSWERS_KEYS)
    exercise = _opt(top, "exercise")
    return Answers(exercise=_text(exercise, "exercise").strip() if exercise else None, path=path,
                   exercise_mark=exercise.mark if exercise else None,
                   answers=_entries(_opt(top, "answers"), "answers"), shapes=_entries(_opt(top, "shapes"), "shapes"),
                   values=_entries(_opt(top, "values"), "values"))


def _entries(node: Node | None, section: str) -> dict[str, AnswerEntry]:
    entries = {}
    for key, value in (_fields(node, section) if node else {}).items():
        raw, mark = value.value, value.mark
        if isinstance(raw, bool) or isinstance(raw, dict):   # one unreadable answer never voids the file
            entries[key] = AnswerEntry(key, None, None, mark, problem=_got(value))
            continue
        if isinstance(raw, list) and section == "shapes":   # [1, n] is a shape (SPEC 6), not numbers
            if any(isinstance(item.value, (list, dict)) for item in raw):
                entries[key] = AnswerEntry(key, None, None, mark, problem=_got(value))
                continue
            entries[key] = AnswerEntry(key, "[" + ", ".join(str(item.value) for item in raw) + "]", None, mark)
        elif isinstance(raw, list):
            entries[key] = _list_entry(key, value)
        elif raw is None or not str(raw).strip():
            entries[key] = AnswerEntry(key, None, None, mark)
        elif isinstance(raw, str):
            lead = len(raw) - len(raw.lstrip())
            entries[key] = AnswerEntry(key, raw.strip(), None, mark.shifted(lead), value.is_single_line)
        else:
            entries[key] = AnswerEntry(key, repr(raw) if isinstance(raw, float) else str(raw), None, mark)
    return entries


def _list_entry(key: str, node: Node) -> AnswerEntry:
    """A YAML list as the student meant it: numbers (``[0, -1/0.6]`` as written), or the formula of a
    one-item list (``[dJ/dc W^T]``, or ``- dJ/dc`` on the next line)."""
    try:
        return AnswerEntry(key, None, _array(node, key), node.mark)
    except InputError:
        pass
    items = node.value
    if len(items) == 1 and isinstance(items[0].value, str):
        return AnswerEntry(key, items[0].value.strip(), None, items[0].mark)
    return AnswerEntry(key, _flow(node), None, node.mark)


def _flow(node: Node) -> str:
    if node.is_seq:
        return "[" + ", ".join(_flow(item) for item in node.value) + "]"
    return str(node.value)


def match_answers(ex: Exercise, ans: Answers) -> Answers:
    """``ans`` keyed by the exercise's question targets, one entry per question (missing ones empty).

    A key written with ``∂`` or spaces matches its question. Keys that match no question become
    warnings, ``(message key, args, mark)``, that name the closest question. A wrong ``exercise:`` id
    is an error.
    """
    if ans.exercise is not None and ans.exercise != ex.id:
        raise InputError("answers.exercise_mismatch", ans.exercise_mark or Mark(ans.path, 1, 1),
                         got=ans.exercise, expected=ex.id)
    warnings, hidden = list(ans.warnings), 0

    def warn(make: Callable[[], tuple[str, dict[str, object]]], mark: Mark) -> None:
        nonlocal hidden
        if len(warnings) < MAX_WARNINGS:
            warnings.append((*make(), mark))
        else:  # a huge file of stray keys must not cost a suggestion search each
            hidden += 1

    sections: dict[str, dict[str, AnswerEntry]] = {}
    for section, (targets, exact, loose) in _target_keys(ex).items():
        matched: dict[str, AnswerEntry] = {}
        for key, entry in getattr(ans, section).items():
            target = exact.get(_compact(key)) or loose.get(normalize_key(key))
            if target is None:
                warn(lambda: _unknown_answer(ex, section, key, targets), entry.mark)
            elif target in matched:
                first = matched[target]
                warn(lambda: ("answers.duplicate", {"name": key, "first": first.key, "line": first.mark.line}),
                     entry.mark)
            else:
                matched[target] = entry
        missing = Mark(ans.path, 1, 1)
        sections[section] = {t: matched.get(t) or AnswerEntry(t, None, None, missing) for t in targets}
    if hidden:
        warnings.append(("answers.more_warnings", {"count": hidden}, Mark(ans.path, 1, 1)))
    return replace(ans, warnings=tuple(warnings), answers=sections["answers"], shapes=sections["shapes"],
                   values=sections["values"])


_targets = BoundedCache(256)


def _target_keys(ex: Exercise) -> dict[str, tuple[list[str], dict[str, str], dict[str, str]]]:
    """Per section: the exercise's question targets, by their compact and by their normalised key (made
    once per exercise: a class's answers files are all matched against the same questions)."""
    def make() -> dict[str, tuple[list[str], dict[str, str], dict[str, str]]]:
        out = {}
        for section, kind in SECTION_KIND.items():
            targets = [q.target for q in ex.questions if q.kind == kind]
            out[section] = (targets, {_compact(t): t for t in targets},
                            {normalize_key(t): t for t in reversed(targets)})
        return out

    keys: dict[str, tuple[list[str], dict[str, str], dict[str, str]]] = _targets.get(id(ex), make, owner=ex)
    return keys


def _unknown_answer(ex: Exercise, section: str, key: str, targets: list[str]) -> tuple[str, dict[str, object]]:
    """The warning (message key and args) for an answer key that matches no question in its section."""
    import difflib

    for q in ex.questions:
        if normalize_key(q.target) == normalize_key(key):
            where = next(s for s, k in SECTION_KIND.items() if k == q.kind)
            return "answers.wrong_section", {"name": key, "section": section, "expected": where}
    if not targets:
        return "answers.no_questions", {"name": key, "section": section}
    by_key: dict[str, str] = {}
    for t in targets:   # compare in both spellings, so dJ/dthetta finds dJ/dθ
        by_key.setdefault(normalize_key(t), t)
        by_key.setdefault(_spelled(normalize_key(t)), t)
    close = difflib.get_close_matches(normalize_key(key), list(by_key), n=1, cutoff=0.0)
    return "answers.unknown_key", {"name": key, "section": section, "closest": by_key[close[0]]}


def _spelled(key: str) -> str:
    """A canonical key with its Greek names spelled out (``dJ/dθ`` → ``dJ/dtheta``)."""
    from backprop_cli.formula.names import spelled_name

    if "/" in key:
        num, den = key.split("/", 1)
        return f"d{spelled_name(num[1:])}/d{spelled_name(den[1:])}"
    return spelled_name(key)
