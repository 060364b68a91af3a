"""Lets you read an answer written through named intermediates, as ``solve`` prints a formula too large to
print whole (:mod:`named`): lines ``g1 = …`` that each define a name, and one line that is the answer, in
any order. A definition may use the names defined on other lines, never itself (directly or not).

The text is split into lines at newlines, ``;`` and LaTeX's ``\\\\``; alignment marks ``&`` and
``\\begin{aligned}`` … ``\\end{aligned}`` go. A line continues the one before when that one ends with an
operator or an open parenthesis, or when it starts with an operator other than a minus. Each line is a
formula within the usual limits (SPEC 10), and the names are substituted as shared sub-formulas, so the
answer is evaluated once per distinct part, however often a name is used. An answer with no line of the
form ``NAME = …`` is one formula, read exactly as before.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Collection

from backprop_cli.errors import FormulaError, FormulaSyntaxError, LimitError
from backprop_cli.formula.ast import Expr, Name, rewrite, walk
from backprop_cli.formula.habits import resolve
from backprop_cli.formula.latex_reader import from_latex
from backprop_cli.formula.vocabulary import function_name
from backprop_cli.formula.names import canonical_name
from backprop_cli.formula.parser import parse

#: At most this many named intermediates in one answer, and this many characters in all.
MAX_DEFINITIONS, MAX_TOTAL_LENGTH = 1000, 200_000

_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{(?:aligned|split|gathered|align\*?|gather\*?|multline\*?|array)\}"
                          r"(?:\[[tcb]\]|\{[lcr|]*\})?")
_BREAK = re.compile(r"\n|(?<!\\);|\\\\(?![A-Za-z])")
#: The word before the first named intermediate on a sheet, in each language of the sheets (the message
#: ``sheet.where`` of en, de and ru: a test keeps them the same).
WHERE = ("where", "wobei", "где")
_DEFINITION = re.compile(r"(?:(?:where|wobei|где)\s+)?(?P<name>[^\W\d]\w*)\s*=(?![=<>])(?P<body>.*)", re.S)
_ANSWER = re.compile(r"[d∂][^\W\d]\w*/[d∂][^\W\d]\w*\s*=(?![=<>])(?P<body>.*)", re.S)
_OPERATOR_END = re.compile(r"(?:[-+−*@·⋅×⊙∘/⊘⊗(,]|\.\*|\./|\\(?:cdot|times|odot|circ|otimes|oslash|div|left\s*\())\s*$")
_OPERATOR_START = re.compile(r"\s*(?:[+*@·⋅×⊙∘/⊘⊗)]|\.\*|\./|\\(?:cdot|times|odot|circ|otimes|oslash|div|right)(?![A-Za-z]))")


def _clean(line: str) -> str:
    """A line without alignment marks, empty groups and spacing that only LaTeX layout needs."""
    line = line.replace("&", " ").replace("{}", " ")
    return re.sub(r"\\(?:quad|qquad)(?![A-Za-z])", " ", line).strip()


def _open(text: str) -> bool:
    """Whether ``text`` leaves a parenthesis, bracket or brace open."""
    return sum(text.count(c) for c in "([{") > sum(text.count(c) for c in ")]}")


def split(text: str, names: Collection[str] | None = None) -> list[tuple[str | None, str]] | None:
    """The lines of ``text`` (LaTeX read as plain) as (name, formula) for a definition and (None, formula)
    for the answer, which may be written ``dX/dY = formula``; a line ``where`` is dropped. None when no
    line defines a name (the answer is one formula). ``names``: the exercise's, for reading LaTeX."""
    if "=" not in text or len(text) > MAX_TOTAL_LENGTH:
        return None
    lines: list[str] = []
    for raw in _BREAK.split(_ENVIRONMENT.sub("\n", text)):
        line = _clean(raw)
        if not line:
            continue
        if lines and (_OPERATOR_END.search(lines[-1]) or _open(lines[-1]) or _OPERATOR_START.match(line)):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    out: list[tuple[str | None, str]] = []
    for line in lines:
        line = from_latex(unicodedata.normalize("NFC", line), names).strip()
        if line.lower() in (*WHERE, "with", ""):
            continue
        m = _DEFINITION.fullmatch(line)
        if m and not function_name(m.group("name")):
            out.append((canonical_name(m.group("name")), m.group("body").strip()))
            continue
        m = _ANSWER.fullmatch(line)
        out.append((None, m.group("body").strip() if m else line))
    return out if any(name is not None for name, _ in out) else None


def read(pieces: list[tuple[str | None, str]], functions: dict[str, str], names: Collection[str],
         reserved: Collection[str] = ()) -> tuple[Expr, str]:
    """(formula, text as read) of an answer with named intermediates, from its lines (:func:`split`);
    ``names`` are the exercise's names, ``reserved`` others no intermediate may take (dimension names).
    The text as read puts the lines on one, separated by ``;``, and every position (for a caret) is in it."""
    defined: dict[str, int] = {}
    joined, offsets = "", []
    for name, body in pieces:
        joined += "; " if joined else ""
        head = f"{name} = " if name is not None else ""
        offsets.append((len(joined), len(joined) + len(head)))
        joined += head + body
    if sum(1 for name, _ in pieces if name is not None) > MAX_DEFINITIONS:
        raise LimitError("named.too_many", joined[:60], 0, limit=MAX_DEFINITIONS)
    known = set(names)
    for k, (name, _) in enumerate(pieces):
        if name is None:
            continue
        if name in known or resolve(name, known) in known or name in functions or name in reserved:
            raise FormulaSyntaxError("named.clash", joined, offsets[k][0], name=name)
        if name in defined:
            raise FormulaSyntaxError("named.duplicate", joined, offsets[k][0], name=name)
        defined[name] = k
    answers = [k for k, (name, _) in enumerate(pieces) if name is None]
    if not answers:
        raise FormulaSyntaxError("named.no_answer", joined, len(joined))
    if len(answers) > 1:
        raise FormulaSyntaxError("named.two_answers", joined, offsets[answers[1]][0])
    scope = known | set(defined)
    parsed: list[Expr] = []
    for (name, body), (_, start) in zip(pieces, offsets):
        try:
            parsed.append(_shifted(parse(body, functions, scope), start))
        except FormulaError as err:
            if err.text and err.text != body:
                raise
            raise err._copy(text=joined, pos=(err.pos or 0) + start) from None
    return _substitute(pieces, parsed, defined, joined, offsets), joined


def _shifted(e: Expr, offset: int) -> Expr:
    """``e`` with every position moved by ``offset`` (its line's place in the text as read)."""
    def move(node: Expr) -> Expr:
        return dataclasses.replace(node, pos=node.pos + offset) if node.pos >= 0 else node
    return rewrite(e, post=move)


def _substitute(pieces: list[tuple[str | None, str]], parsed: list[Expr], defined: dict[str, int], joined: str,
                offsets: list[tuple[int, int]]) -> Expr:
    """The answer with every defined name replaced by its formula (shared, not copied); a definition that
    leads back to itself is refused."""
    uses = {k: [n.name for n in walk(parsed[k]) if isinstance(n, Name) and n.name in defined] for k in defined.values()}
    done: dict[str, Expr] = {}
    for start in defined:
        stack, on_path = [start], {start}
        while stack:
            name = stack[-1]
            if name in done:
                stack.pop()
                on_path.discard(name)
                continue
            todo = [u for u in uses[defined[name]] if u not in done]
            for u in todo:
                if u in on_path:
                    cycle = stack[stack.index(u):] + [u]
                    raise FormulaSyntaxError("named.cycle", joined, offsets[defined[u]][0], name=u,
                                             cycle=" → ".join(cycle))
            if todo:
                stack.append(todo[0])
                on_path.add(todo[0])
                continue
            done[name] = _replace_names(parsed[defined[name]], done)
            stack.pop()
            on_path.discard(name)
    answer = next(k for k, (name, _) in enumerate(pieces) if name is None)
    return _replace_names(parsed[answer], done)


def _replace_names(e: Expr, done: dict[str, Expr]) -> Expr:
    return rewrite(e, pre=lambda n: done.get(n.name) if isinstance(n, Name) else None)
