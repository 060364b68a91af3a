"""Lets the file loaders read one field of a YAML tree: a mapping with known keys, a string, a number,
a choice or a name, each failing with an :class:`InputError` at the offending node."""
from __future__ import annotations

import math
import re

from typing import Any, NoReturn, Sequence

from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.keys import SUBSCRIPT_DIGITS
from backprop_cli.exercise.yamlio import Node, plain
from backprop_cli.formula.names import canonical_name

# YAML 1.1 reads 1e-3 as a string; where a number is expected we accept such text too.
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")


def _got(node: Node) -> str:
    import json

    text = json.dumps(plain(node), ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(key: str, node: Node, **args: Any) -> NoReturn:
    raise InputError(key, node.mark, got=_got(node), **args)


def _unknown_key(node: Node, key: str, allowed: Sequence[str]) -> None:
    import difflib

    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    args = dict(name=key, allowed=", ".join(allowed))
    if close:
        raise InputError("schema.unknown_key_suggest", node.key_mark(key), closest=close[0], **args)
    raise InputError("schema.unknown_key", node.key_mark(key), **args)


def _fields(node: Node, field: str, allowed: Sequence[str] | None = None) -> dict[str, Node]:
    """The entries of the mapping ``node`` (null is empty); with ``allowed``, unknown keys are errors."""
    if node.value is None:
        return {}
    if not node.is_map:
        _fail("schema.expected_mapping", node, field=field)
    for key in node.value if allowed is not None else ():
        if allowed is not None and key not in allowed:
            _unknown_key(node, key, allowed)
    entries: dict[str, Node] = node.value
    return entries


def _opt(fields: dict[str, Node], field: str) -> Node | None:
    node = fields.get(field)
    return None if node is None or node.value is None else node


def _required(fields: dict[str, Node], parent: Node, field: str) -> Node:
    node = fields.get(field)
    if node is None or node.value is None:
        raise InputError("schema.missing_field", parent.key_mark(field), field=field)
    return node


def _text(node: Node, field: str) -> str:
    value = node.value
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        _fail("schema.expected_string", node, field=field)
    return value if isinstance(value, str) else str(value)


def _number(node: Node, field: str, key: str = "schema.expected_number") -> float:
    value = node.value
    if isinstance(value, str) and _FLOAT.match(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(key, node, field=field, name=field)
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _choice(node: Node | None, field: str, allowed: Sequence[str], default: str | None) -> str:
    if (node is None or node.value is None) and default is not None:
        return default
    assert node is not None   # with no default, the caller passes the required node
    if node.value not in allowed:
        _fail("schema.bad_choice", node, field=field, allowed=", ".join(allowed))
    return str(node.value)


def _name(node_key: str, mark: Mark, field: str) -> str:
    """The name ``node_key`` as formulas spell it (``mu`` is ``μ``, ``W₁`` is ``W1``)."""
    if not node_key.translate(SUBSCRIPT_DIGITS).isidentifier():
        raise InputError("schema.bad_name", mark, name=node_key, field=field)
    return canonical_name(node_key)


def _text_list(node: Node | None, field: str) -> tuple[tuple[str, Mark], ...]:
    """A list of strings (null or [] is empty), each with its mark."""
    if node is None or node.value is None:
        return ()
    if not node.is_seq:
        _fail("schema.expected_list", node, field=field)
    return tuple((_text(item, field).strip(), item.mark) for item in node.value)
