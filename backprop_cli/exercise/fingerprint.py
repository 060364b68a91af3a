"""Lets you tell an exercise file by its content: the fingerprint a class pins (``--fingerprint``), by which a
file that shadows a built-in exercise is told (bank.shadowed_builtin). Loaded by every ``check``, so it
keeps to what that needs (no hashlib's OpenSSL: CPython's own sha256, which variants also draw with).
"""
from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop_cli.exercise.yamlio import Node


def fingerprint(path: str) -> str:
    """The sha256 of an exercise file's canonical content (its YAML data as sorted, compact JSON), so
    reformatting or reordering keys keeps the fingerprint and any change of meaning changes it."""
    from backprop_cli.exercise.yamlio import load_yaml

    return digest(load_yaml(path))


def digest(node: Node) -> str:
    from backprop_cli.exercise.yamlio import plain

    text = json.dumps(plain(node), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return sha256(text.encode("utf-8")).hex()


def sha256(data: bytes) -> bytes:
    """The sha256 digest of ``data``, from CPython's own module where there is one (loaded in about 0.1 ms;
    hashlib loads OpenSSL, about 2 ms of every check's start-up)."""
    for name in ("_sha2", "_sha256"):        # Python 3.12 and later; 3.11
        try:
            return bytes(importlib.import_module(name).sha256(data).digest())
        except ImportError:
            continue
    import hashlib

    return hashlib.sha256(data).digest()

