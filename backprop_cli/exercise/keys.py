"""Lets you compare question keys however they are written: ``∂J / ∂θ``, ``dJ/dtheta`` and ``dJ/dθ`` are one key."""
from __future__ import annotations

import re
import unicodedata

from backprop_cli.formula.names import canonical_name

SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_KEY_CHARS = str.maketrans({"∂": "d", "𝜕": "d", "𝛛": "d", "𝝏": "d", "𝞉": "d", "𝟃": "d", "∕": "/", "⁄": "/"})
_KEY_PARTS = re.compile(r"d([^/]+)/d([^/]+)\Z")


def compact(text: str) -> str:
    """``text`` in NFC without any whitespace."""
    return "".join(unicodedata.normalize("NFC", text).split())


def normalize_key(text: str) -> str:
    """The canonical form of a question key: no whitespace, NFC, ``∂`` read as ``d``, and its names
    spelled as formulas spell them (``dJ/dtheta`` and ``dL/dW₁`` are ``dJ/dθ`` and ``dL/dW1``)."""
    key = compact(text).translate(_KEY_CHARS)
    parts = _KEY_PARTS.match(key)
    if parts:
        return f"d{canonical_name(parts.group(1))}/d{canonical_name(parts.group(2))}"
    return canonical_name(key)
