"""Lets you read a YAML file safely and keep, for every value, the file, line and column it came from.

``load_yaml`` accepts what ``yaml.safe_load`` accepts, minus what an exercise or answers file never
needs and an attacker might use: anchors and aliases (the "billion laughs"), non-standard tags such as
``!!python/object``, duplicate keys, files over 1 MiB, binary or non-UTF-8 content, and very deep
nesting. Every rejection is an :class:`InputError` with a :class:`Mark` and a ``yaml.*`` message key.

The result is a tree of :class:`Node` wrappers: a scalar, a ``dict[str, Node]`` or a ``list[Node]``.
The tree is built straight from the parser's events, so each file is parsed once.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from backprop_cli.errors import InputError, Mark

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 100
MAX_EVENTS = 20_000       # YAML events (values, lists, mappings) in one file: no exercise or answers file needs more
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAG, _SEQ_TAG, _STR_TAG = _TAG + "map", _TAG + "seq", _TAG + "str"
_CONSTRUCT = SafeConstructor.yaml_constructors
# Only plain scalars starting with one of these may resolve to something other than a string.
_RESOLVED_FIRST = frozenset(k for k in yaml.SafeLoader.yaml_implicit_resolvers if k is not None)
# The characters PyYAML's reader accepts; anything else is found here first to give a precise mark.
_NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


@dataclass(frozen=True, slots=True)
class Node:
    """One YAML value and where it starts.

    ``value`` is a python scalar (as ``safe_load`` resolves it), a ``dict[str, Node]`` or a
    ``list[Node]``. For a mapping, ``key_marks`` holds the mark of each key. ``is_single_line`` is
    true for a one-line scalar whose text is exactly its source, so ``mark.shifted(i)`` is the
    place of its ``i``-th character.
    """

    value: Any
    mark: Mark
    is_single_line: bool = False
    key_marks: dict[str, Mark] | None = None

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, (dict, list))

    def key_mark(self, key: str) -> Mark:
        """The mark of ``key`` in this mapping (the mapping's own mark if there is none)."""
        return (self.key_marks or {}).get(key, self.mark)


def plain(node: Node) -> Any:
    """The plain python data of ``node``: dicts, lists and scalars, without marks."""
    value = node.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def load_yaml(path: str) -> Node:
    """Read and parse the YAML file at ``path``; marks name ``path``."""
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            raise InputError("yaml.too_large", Mark(path, 1, 1), size=size, limit=MAX_BYTES)
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("yaml.not_found", None, path=path) from None
    except OSError as exc:
        raise InputError("yaml.unreadable", None, path=path, reason=exc.strerror or str(exc)) from None
    if len(data) > MAX_BYTES:
        raise InputError("yaml.too_large", Mark(path, 1, 1), size=len(data), limit=MAX_BYTES)
    return load_yaml_text(_decode(data, path), path)


def _decode(data: bytes, path: str) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError("yaml.binary", _byte_mark(data, nul, path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("yaml.not_utf8", _byte_mark(data, exc.start, path), byte=f"{data[exc.start]:02X}") from None


def _byte_mark(data: bytes, pos: int, path: str) -> Mark:
    start = data.rfind(b"\n", 0, pos) + 1
    col = len(data[start:pos].decode("utf-8", "replace")) + 1
    return Mark(path, data.count(b"\n", 0, pos) + 1, col)


def _text_mark(text: str, pos: int, filename: str) -> Mark:
    return Mark(filename, text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1)


def load_yaml_text(text: str, filename: str) -> Node:
    """Parse one YAML document from ``text``; marks name ``filename``. An empty document is ``None``."""
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise InputError("yaml.binary", _text_mark(text, text.index("\x00"), filename))
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        raise InputError("yaml.control_char", _text_mark(text, bad.start(), filename), code=f"{ord(bad.group()):04X}")
    loader = Loader(text)
    try:
        return _build(loader, filename)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, filename) from None
    except yaml.YAMLError as exc:
        raise InputError("yaml.syntax", Mark(filename, 1, 1), problem=str(exc)) from None
    finally:
        loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, filename: str) -> InputError:
    m = exc.problem_mark or exc.context_mark
    mark = Mark(filename, m.line + 1, m.column + 1) if m else Mark(filename, 1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    lines = text.split("\n")
    at_tab = m is not None and m.line < len(lines) and lines[m.line][m.column : m.column + 1] == "\t"
    if at_tab or "'\\t'" in problem:
        return InputError("yaml.tab", mark)
    return InputError("yaml.syntax", mark, problem=problem)


def _mark(yaml_mark: Any, filename: str) -> Mark:
    return Mark(filename, yaml_mark.line + 1, yaml_mark.column + 1)


class _Collection:
    """A mapping or sequence being built, with the pending key of a mapping."""

    __slots__ = ("mark", "items", "keys", "key")

    def __init__(self, mark: Mark, is_map: bool):
        self.mark = mark
        self.items: Any = {} if is_map else []          # dict[str, Node] for a mapping, else list[Node]
        self.keys: dict[str, Mark] | None = {} if is_map else None
        self.key: tuple[Any, Mark] | None = None


def _build(loader: Any, filename: str) -> Node:
    stack: list[_Collection] = []
    root: Node | None = None
    documents = events = 0
    while loader.check_event():
        ev = loader.get_event()
        kind = type(ev)
        events += 1
        if events > MAX_EVENTS:   # bounds the time of any file under 1 MiB, long before it is all read
            raise InputError("yaml.too_many_nodes", _mark(ev.start_mark, filename), limit=MAX_EVENTS)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise InputError("yaml.multiple_documents", _mark(ev.start_mark, filename))
            continue
        if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
            continue
        mark = _mark(ev.start_mark, filename)
        if kind is yaml.AliasEvent:
            raise InputError("yaml.alias", mark, name=ev.anchor)
        if getattr(ev, "anchor", None) is not None:
            raise InputError("yaml.anchor", mark, name=ev.anchor)
        if kind is yaml.ScalarEvent:
            node = _scalar(loader, ev, mark)
        elif kind in (yaml.MappingStartEvent, yaml.SequenceStartEvent):
            is_map = kind is yaml.MappingStartEvent
            if ev.tag not in (None, "!", _MAP_TAG if is_map else _SEQ_TAG):
                raise InputError("yaml.tag", mark, tag=ev.tag)
            if stack and stack[-1].keys is not None and stack[-1].key is None:
                raise InputError("yaml.complex_key", mark)
            if len(stack) >= MAX_DEPTH:
                raise InputError("yaml.too_deep", mark, limit=MAX_DEPTH)
            stack.append(_Collection(mark, is_map))
            continue
        else:  # MappingEndEvent, SequenceEndEvent
            done = stack.pop()
            node = Node(done.items, done.mark, False, done.keys)
        if not stack:
            root = node
            continue
        parent = stack[-1]
        if parent.keys is None:
            parent.items.append(node)
        elif parent.key is None:
            key = ev.value if kind is yaml.ScalarEvent else None
            if key in parent.keys:
                raise InputError("yaml.duplicate_key", node.mark, name=key, line=parent.keys[key].line)
            parent.key = (key, node.mark)
        else:
            key, key_mark = parent.key
            parent.items[key] = node
            parent.keys[key] = key_mark
            parent.key = None
    return root if root is not None else Node(None, Mark(filename, 1, 1))


def _scalar(loader: Any, ev: Any, mark: Mark) -> Node:
    tag, value = ev.tag, ev.value
    if tag is None or tag == "!":
        plain_text = ev.implicit[0] and value[:1] in _RESOLVED_FIRST
        tag = loader.resolve(yaml.ScalarNode, value, ev.implicit) if plain_text else _STR_TAG
    if tag != _STR_TAG:
        if tag not in _SCALAR_TAGS:
            raise InputError("yaml.tag", mark, tag=tag)
        try:
            value = _CONSTRUCT[tag](loader, yaml.ScalarNode(tag, value, ev.start_mark, ev.end_mark, ev.style))
        except (ValueError, OverflowError):  # e.g. a date-like 2024-13-45: keep the text, as a string
            pass
    start, end, style = ev.start_mark, ev.end_mark, ev.style
    quoted = style == "'" or style == '"'
    single = (
        start.line == end.line
        and ev.tag is None
        and style in (None, "", "'", '"')
        and len(ev.value) == end.column - start.column - (2 if quoted else 0)
    )
    return Node(value, mark.shifted(1) if quoted else mark, single)
