"""Lets you decide what an answer may use (SPEC section 7.2), so that ``correct`` needs the knowledge.

For every derivative question, :func:`policies` says which derivative symbols its answer may use: the
given ones, the symbol of any *other* question (the seeds' chain-rule form, ``dJ/dd · dd/da``), and by
``answers_may_use`` the loss gradients downstream of the asked node (``downstream``, the default), also
the local derivative of every edge (``local``), or nothing more (``given``); a question's ``may_use``
replaces all of this. ``forbid`` names functions an answer may not call (``softplus'`` where the question
*is* that derivative). Three checks keep finite differences out: :func:`check_constants` refuses folded
constants far from 1 in size (a difference step), :func:`circular` finds answers that only lean on each
other, and :func:`exact` demands float64 agreement that a difference quotient does not reach.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np

from backprop_cli.derive.autodiff import Reverse
from backprop_cli.derive.graph import Graph, Node
from backprop_cli.errors import FormulaError, InputError, Mark, NotAllowedError
from backprop_cli.exercise.model import Exercise, Question
from backprop_cli.formula import build as B
from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, SUB, Bin, Call, Deriv, Expr, Neg, Num, Pow, T, replace, walk
from backprop_cli.formula.vocabulary import function_name
from backprop_cli.formula.parser import parse

SMALL, LARGE = 1e-3, 1e3          # a folded constant outside this range looks like a difference step
EXACT_RTOL = 1e-9                 # float64 rounding of an exact formula stays far below this
_SIZE_ARGS = {"ones": (0, 1), "zeros": (0, 1), "eye": (0,), "sum": (1,), "mean": (1,)}


@dataclass(frozen=True)
class Policy:
    """What the answer to one derivative question may use."""

    key: str
    allowed: frozenset[str]  # derivative symbol keys
    others: frozenset[str]   # the allowed symbols that are other questions (answers may lean on each other)
    forbid: tuple[tuple[str, bool, str], ...]   # ((function, prime, spelling), ...)
    mode: str                # downstream | local | given | question (its own may_use)


class Asked(Protocol):
    """What a policy reads of a resolved question (a :class:`reference.QRef`)."""

    @property
    def question(self) -> Question: ...
    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def num(self) -> str | None: ...
    @property
    def den(self) -> str: ...


class Prepared(Protocol):
    """What a policy reads of a prepared exercise (a :class:`reference.Reference`, which imports this module)."""

    @property
    def exercise(self) -> Exercise: ...
    @property
    def graph(self) -> Graph: ...
    @property
    def rev(self) -> Reverse: ...
    @property
    def questions(self) -> Sequence[Asked]: ...
    def given_keys(self) -> set[str]: ...
    def symbol_key(self, d: Deriv) -> str: ...


def policies(ref: Prepared) -> dict[str, Policy]:
    """The :class:`Policy` of every derivative question of the prepared reference ``ref``, by key."""
    g, ex = ref.graph, ref.exercise
    given = ref.given_keys()
    asked = {q.key for q in ref.questions if q.kind == "derivative"}
    reach = Reach(g)
    local = local_keys(g, reach) if ex.answers_may_use == "local" else set()
    common = _forbidden(ex.forbid, g)
    out: dict[str, Policy] = {}
    for q in ref.questions:
        if q.kind != "derivative":
            continue
        forbid = common + tuple(f for f in _forbidden(q.question.forbid, g) if f not in common)
        if q.question.may_use is not None:
            allowed = {_symbol(ref, text, mark, q.key) for text, mark in q.question.may_use}
            mode = "question"
        else:
            allowed = given | asked | local | (downstream_keys(ref, q, reach) if ex.answers_may_use != "given" else set())
            mode = ex.answers_may_use
        allowed.discard(q.key)
        out[q.key] = Policy(q.key, frozenset(allowed), frozenset(allowed & asked), forbid, mode)
    return out


class Reach:
    """Which node depends on which, computed once (bit sets of ancestors), so policies of exercises with
    hundreds of equations and questions cost no more than their graph."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.anc: list[int] = []
        for node in g.nodes:      # topological order: arguments come first
            bits = 0
            for a in node.args:
                bits |= self.anc[a] | (1 << a)
            self.anc.append(bits)

    def depends(self, x: str, y: str) -> bool:
        i, j = self.g.ids[x], self.g.ids[y]
        return i == j or bool((self.anc[i] >> j) & 1)

    def between(self, y: str, x: str) -> list[str]:
        """Named nodes strictly between y and x (on some path from y to x)."""
        g, j, bits = self.g, self.g.ids[y], self.anc[self.g.ids[x]]
        return [n for n in g.named if n not in (x, y) and (bits >> g.ids[n]) & 1 and (self.anc[g.ids[n]] >> j) & 1]


def downstream_keys(ref: Prepared, q: Asked, reach: Reach) -> set[str]:
    """The loss gradients (or Jacobians) of the nodes strictly between the asked node and the loss."""
    g = ref.graph
    if q.num == g.loss:
        return {f"d{g.loss}/d{n}" for n in ref.rev.grads if n != q.den and reach.depends(n, q.den)}
    assert q.num is not None, "a derivative question has a numerator"
    between = reach.between(q.den, q.num)
    return {f"d{n}/d{q.den}" for n in between} | {f"d{q.num}/d{n}" for n in between}


def local_keys(g: Graph, reach: Reach) -> set[str]:
    """dX/dY for every edge of the graph between named nodes whose local derivative is the total one
    (Y reaches X by no other path)."""
    keys: set[str] = set()
    for node in g.nodes:
        if node.name is None or node.kind in ("input", "const"):
            continue
        for arg in _named_args(g, node):
            if not reach.between(arg, node.name):
                keys.add(f"d{node.name}/d{arg}" if (node.name, arg) not in g.partial_pairs else f"∂{node.name}/∂{arg}")
    return keys


def _named_args(g: Graph, node: Node) -> set[str]:
    """The named nodes the equation of ``node`` reads, through its unnamed operations."""
    found: set[str] = set()
    stack, seen = list(node.args), set()
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        sub = g.nodes[i]
        if sub.name is not None:
            found.add(sub.name)
        else:
            stack.extend(sub.args)
    return found


def _symbol(ref: Prepared, text: str, mark: Mark, question: str) -> str:
    """The key of the derivative symbol ``text`` of a ``may_use`` list, checked against the graph."""
    g = ref.graph
    e: Expr | None
    try:
        e = parse(text, g.functions, None)
    except FormulaError:
        e = None
    known = set(g.shapes) | {g.loss}
    if not isinstance(e, Deriv) or e.num not in known or e.den not in known:
        raise InputError("policy.bad_symbol", mark, symbol=text, question=question)
    key = ref.symbol_key(e)
    if key == question:
        raise InputError("policy.own_symbol", mark, symbol=text, question=question)
    return key


def _forbidden(entries: Iterable[tuple[str, Mark]], g: Graph) -> tuple[tuple[str, bool, str], ...]:
    """``(function, prime, spelling)`` for each entry of a ``forbid`` list (``softplus'``, ``σ``, ``f'``)."""
    out = []
    for text, mark in entries:
        raw = text.strip()
        prime = raw.endswith("'") or raw.endswith("′")
        name = raw.rstrip("'′").strip()
        fn = name if name in g.functions else function_name(name) or function_name(name.lower())
        if fn is None:
            raise InputError("policy.bad_forbid", mark, name=text)
        out.append((fn, prime, raw))
    return tuple(out)


def allowed_text(policy: Policy) -> str:
    """The symbols an answer may use, for a refusal message (a few, then an ellipsis)."""
    keys = sorted(policy.allowed)
    return ", ".join(keys[:12]) + (", …" if len(keys) > 12 else "")


def check_forbidden(e: Expr, policy: Policy, text: str) -> None:
    """Refuse a call of a forbidden function in the answer ``e``."""
    for node in walk(e):
        if isinstance(node, Call):
            for fn, prime, spelling in policy.forbid:
                if node.fn == fn and node.prime == prime:
                    raise NotAllowedError("allowed.forbidden", text, max(node.pos, 0), fn=spelling,
                                          question=policy.key)


def exercise_constants(graph: Graph) -> list[float]:
    """The numbers the exercise itself writes in its forward equations (an answer may repeat them)."""
    found = []
    for node in graph.nodes:
        if node.kind == "const" and isinstance(node.expr, Num):
            found.append(node.expr.value)
    return found


def check_constants(e: Expr, text: str, known: Iterable[float]) -> None:
    """Refuse a folded constant below 1e-3 or above 1e3 in size, unless the exercise uses a constant of that
    scale (within a factor 100, or its reciprocal): such a number is a difference step (``/ 2e-5``)."""
    for value, pos in _folded(e):
        size = abs(value)
        if size == 0 or SMALL <= size <= LARGE or not math.isfinite(size):
            continue
        if any(k and (abs(math.log10(size / abs(k))) <= 2 or abs(math.log10(size * abs(k))) <= 2) for k in known):
            continue       # the exercise works at this scale itself (a multiple of its constant or reciprocal)
        raise NotAllowedError("allowed.step_constant", text, max(pos, 0), value=f"{value:.3g}")


def _folded(e: Expr) -> list[tuple[float, int]]:
    """(value, position) of every maximal sub-formula of ``e`` made of numbers only (not sizes or axes)."""
    found: list[tuple[float, int]] = []

    def visit(node: Expr) -> float | None:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, (Neg, T)):
            v = visit(node.x)
            return None if v is None else (-v if isinstance(node, Neg) else v)
        if isinstance(node, Pow):
            base, exp = visit(node.base), node.exp
            return None if base is None else _apply(lambda: base ** exp)
        if isinstance(node, Bin):
            left, right = visit(node.left), visit(node.right)
            if left is not None and right is not None and node.op in _FOLD:
                return _apply(lambda: _FOLD[node.op](left, right))
            for v, side in ((left, node.left), (right, node.right)):
                if v is not None:
                    found.append((v, _pos(side)))
            return None
        if isinstance(node, Call):
            skip = _SIZE_ARGS.get(node.fn, ())
            for k, arg in enumerate(node.args):
                v = visit(arg)
                if v is not None and k not in skip:
                    found.append((v, _pos(arg)))
            return None
        return None

    top = visit(e)
    if top is not None:
        return []      # an answer of numbers only is compared at the exercise's values instead
    return found


_FOLD: dict[str, Callable[[float, float], float]] = {ADD: lambda a, b: a + b, SUB: lambda a, b: a - b, MUL: lambda a, b: a * b,
         HADAMARD: lambda a, b: a * b, DIV: lambda a, b: a / b}


def _apply(fn: Callable[[], Any]) -> float:
    try:
        value = fn()
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.inf
    return value if isinstance(value, float) and not isinstance(value, complex) else (
        float(value) if isinstance(value, (int, float)) else math.inf)


def _pos(node: Expr) -> int:
    return max(node.pos, 0)


def symbols_used(e: Expr, ref: Prepared) -> set[str]:
    """The keys of the derivative symbols in the answer ``e``."""
    return {ref.symbol_key(n) for n in walk(e) if isinstance(n, Deriv)}


def circular(uses: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """For each question whose answer, through the answers to other questions, leans on itself: the
    cycle, as a tuple of question keys. ``uses`` maps a question to the other questions its answer uses."""
    out: dict[str, tuple[str, ...]] = {}
    for start in uses:
        path = _cycle(start, uses)
        if path:
            out[start] = path
    return out


def _cycle(start: str, uses: Mapping[str, Iterable[str]]) -> tuple[str, ...] | None:
    stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(uses.get(node, ())):
            if nxt == start:
                return path + (start,)
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + (nxt,)))
    return None


def exact(value: Any, reference: Any) -> bool:
    """Whether an accepted answer agrees with the reference to float64 rounding, relative to its size: a
    difference quotient agrees only to its truncation error, however small the step."""
    v, r = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    scale = float(np.max(np.abs(r))) if r.size else 0.0
    return bool(np.max(np.abs(v - r), initial=0.0) <= EXACT_RTOL * scale + 1e-12)



def _slope(x: Expr, a: Expr) -> Expr:
    """step(x) + a·step(-x): the derivative of a leaky or parametric ReLU with slope ``a``."""
    return B.add(B.call("step", x), B.mul(a, B.call("step", B.neg(x))))


_SPELLED_OUT: dict[str, Callable[[Expr, Any], Expr]] = {
    "sigmoid": lambda x, a: B.had(B.call("sigmoid", x), B.sub(B.ONE, B.call("sigmoid", x))),
    "tanh": lambda x, a: B.sub(B.ONE, B.power(B.call("tanh", x), 2)),
    "hardtanh": lambda x, a: B.call("step", B.sub(B.ONE, B.call("abs", x))),
    "relu": lambda x, a: B.call("step", x),
    "leaky_relu": lambda x, a: _slope(x, a if a is not None else Num(0.01)),
    "prelu": lambda x, a: _slope(x, a),
    "softplus": lambda x, a: B.call("sigmoid", x),
    "elu": lambda x, a: B.add(B.call("step", x), B.had(B.mul(a if a is not None else B.ONE, B.call("exp", x)),
                                                         B.call("step", B.neg(x)))),
    "gelu": lambda x, a: B.add(B.div(B.call("gelu", x), x),
                               B.mul(Num(1 / math.sqrt(2 * math.pi)),
                                     B.had(x, B.call("exp", B.mul(Num(-0.5), B.power(x, 2)))))),
    "sin": lambda x, a: B.call("cos", x),
    "cos": lambda x, a: B.neg(B.call("sin", x)),
}


def spell_out(formula: Expr | None, policy: Policy) -> Expr | None:
    """``formula`` with every call of a forbidden built-in derivative written out in elementary functions,
    so the reference that ``solve`` prints is itself an allowed answer."""
    banned = {fn for fn, prime, _ in policy.forbid if prime and fn in _SPELLED_OUT}
    if formula is None or not banned:
        return formula

    def sub(node: Expr) -> Expr:
        if isinstance(node, Call) and node.prime and node.fn in banned:
            return _SPELLED_OUT[node.fn](node.args[0], node.args[1] if len(node.args) > 1 else None)
        return node
    return replace(formula, sub)
