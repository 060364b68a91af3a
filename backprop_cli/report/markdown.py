"""Lets you show an exercise's Markdown text (its description) in a terminal, and wrap long lines.

A small reader of the Markdown the bank uses: paragraphs (reflowed to the width), `**bold**`, `*italic*`,
`` `code` ``, headings, bullet and numbered lists, fenced code blocks and pipe tables. It is not rich's
Markdown on purpose: importing that (markdown-it, pygments) would cost ``check`` about a third of its
start-up budget (SPEC section 11). The text is an exercise author's and is shown as text: it is never
markup, and control characters (terminal escapes) are dropped.
"""
from __future__ import annotations

import re
import textwrap
import unicodedata
from typing import Callable

_INLINE = re.compile(r"(\*\*|__)(?P<bold>.+?)\1|`(?P<code>[^`]+)`|(?<![\w*])\*(?P<em>[^*\s][^*]*?)\*(?![\w*])")
_BULLET = re.compile(r"(\s*)([-*+]|\d+[.)])\s+(.*)")
_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def clean(text: str) -> str:
    """``text`` without control characters other than newline and tab (no terminal escapes get through)."""
    return "".join(c for c in text if c in "\n\t" or not unicodedata.category(c).startswith("C"))


def wrap(text: str, width: int | None, indent: str = "", follow: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` columns (None: as it is), the first indented by ``indent``,
    the others by ``follow`` (default: the same). Words longer than a line are kept whole."""
    follow = indent if follow is None else follow
    if width is None:
        return [indent + line if i == 0 else follow + line for i, line in enumerate(text.split("\n"))]
    out: list[str] = []
    for i, line in enumerate(text.split("\n")):
        out += textwrap.wrap(line, max(width, 20), initial_indent=indent if i == 0 and not out else follow,
                             subsequent_indent=follow, break_long_words=False, break_on_hyphens=False) or [follow]
    return out


def render(markdown: str, width: int | None = 80) -> list[str]:
    """The lines of ``markdown`` as plain text for a terminal, at most ``width`` columns where words allow."""
    lines = clean(markdown).expandtabs(4).strip("\n").split("\n")
    out: list[str] = []
    para: list[str] = []

    def inline(text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            return next(g for g in m.group("bold", "code", "em") if g is not None)
        return _INLINE.sub(sub, text)

    def flush() -> None:
        if para:
            out.extend(wrap(inline(" ".join(para)), width))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append("  " + lines[i])
                i += 1
        elif not stripped:
            flush()
            if out and out[-1] != "":
                out.append("")
        elif stripped.startswith("#"):
            flush()
            out.append(inline(stripped.lstrip("#").strip()).upper() if stripped.startswith("# ") else
                       inline(stripped.lstrip("#").strip()))
        elif stripped.startswith("|") and i + 1 < len(lines) and _RULE.match(lines[i + 1].strip()):
            flush()
            rows = [stripped]
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i].strip())
                i += 1
            out += _table(rows, inline)
            continue
        elif (m := _BULLET.match(line)) is not None:
            flush()
            depth, mark, text = len(m.group(1)) // 2, m.group(2), m.group(3)
            mark = "•" if mark in "-*+" else mark
            lead = "  " * depth + mark + " "
            item = [text]
            while i + 1 < len(lines) and lines[i + 1].strip() and not _BULLET.match(lines[i + 1]) \
                    and lines[i + 1].startswith(" "):
                i += 1
                item.append(lines[i].strip())
            out += wrap(inline(" ".join(item)), width, lead, " " * len(lead))
        else:
            para.append(stripped)
        i += 1
    flush()
    while out and out[-1] == "":
        out.pop()
    return out


def _table(rows: list[str], inline: Callable[[str], str]) -> list[str]:
    cells = [[inline(c.strip()) for c in row.strip("|").split("|")] for row in rows]
    n = max(len(r) for r in cells)
    cells = [r + [""] * (n - len(r)) for r in cells]
    widths = [max(len(r[k]) for r in cells) for k in range(n)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return [lines[0], "  " + "  ".join("─" * w for w in widths)] + lines[1:]
