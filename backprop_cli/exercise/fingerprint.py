"""Lets you tell an exercise file by its content: the fingerprint a class pins (``--fingerprint``), and whether
a file shadows a built-in exercise of the same id with different content. Loaded by every ``check``, so it
keeps to what that needs (no hashlib's OpenSSL: CPython's own sha256).
"""
from __future__ import annotations

import importlib
import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop_cli.exercise.yamlio import Node

ANSWER_EXTS = (".yaml", ".yml")     # the extensions of exercise and answers files


def fingerprint(path: str) -> str:
    """The sha256 of an exercise file's canonical content (its YAML data as sorted, compact JSON), so
    reformatting or reordering keys keeps the fingerprint and any change of meaning changes it."""
    from backprop_cli.exercise.yamlio import load_yaml

    return digest(load_yaml(path))


def digest(node: Node) -> str:
    from backprop_cli.exercise.yamlio import plain

    text = json.dumps(plain(node), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return _sha256_hex(text.encode("utf-8"))


def _sha256_hex(data: bytes) -> str:
    """The sha256 of ``data`` in hex, from CPython's own module where there is one (loaded in about 0.1 ms;
    hashlib loads OpenSSL, about 2 ms of every check's start-up)."""
    for name in ("_sha2", "_sha256"):        # Python 3.12 and later; 3.11
        try:
            return str(importlib.import_module(name).sha256(data).hexdigest())
        except ImportError:
            continue
    import hashlib

    return hashlib.sha256(data).hexdigest()


def shadowed_builtin(path: str, ex_id: str, fp: str) -> str | None:
    """The built-in exercise file that ``path`` shadows with different content, if any."""
    from backprop_cli.exercise.bank import BUILTIN

    for ext in ANSWER_EXTS:
        builtin = BUILTIN / f"{ex_id}{ext}"
        if builtin.is_file():
            if os.path.realpath(builtin) == os.path.realpath(path):
                return None
            return None if fingerprint(str(builtin)) == fp else str(builtin)
    return None
