"""Lets you get the reference answer of every question, as a formula and as numbers.

:func:`prepare` builds the graph, derives the references and draws K seeded trials (distinct sizes per
dimension name, inputs within their domains, given symbols as random arrays, declared elementwise
functions as random smooth functions). A trial whose references are not finite is redrawn. The result
is cached per exercise and seed, so a whole class is graded against one preparation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from backprop_cli.cache import BoundedCache
from backprop_cli.derive import numeric
from backprop_cli.derive.autodiff import Reverse, forward, reverse
from backprop_cli.derive.chain import jacobian_formula
from backprop_cli.derive.draws import Draws, Rng
from backprop_cli.errors import FormulaError, InputError, NotAllowedError, UnknownNameError
from backprop_cli.exercise.model import Exercise, Question
from backprop_cli.formula.ast import Deriv, Expr, Name, rewrite, walk
from backprop_cli.formula.parser import parse
from backprop_cli.derive.graph import Graph, build_graph
from backprop_cli.derive.infer import Scope, suggest
from backprop_cli.derive.numeric import NumEnv, evaluate
from backprop_cli.derive.shapes import Shape, jacobian_shape, norm, substitute
from backprop_cli.grade.aliases import NONE, Aliases, resolve as resolve_aliases
from backprop_cli.grade.bounds import check_jacobian_size
from backprop_cli.grade.compare import Expected
from backprop_cli.grade.policy import Policy, allowed_text, exercise_constants, policies, spell_out

TRIALS = 5


@dataclass(frozen=True)
class QRef:
    """One question, resolved: what it asks, its expected shape and its reference formula."""

    question: Question
    kind: str            # derivative | shape | value
    key: str             # "dJ/da", "dc/da" or "c"
    num: str | None      # X of dX/dY (None for a node)
    den: str             # Y of dX/dY, or the node
    shape: Shape
    formula: Expr | None   # reference formula (layout; downstream symbols if allowed) or None
    expanded: Expr | None  # the same with every derived symbol substituted, or None
    rule: Expr | None = None  # the formula with built-in derivatives (f'(x)) where the shown one spells them out
    taken: frozenset[str] = frozenset()   # the exercise's names, which no printed intermediate may take
    shape_asked: bool = False  # the shape of ``key`` is itself a question (then no other answer may show it)


@dataclass(eq=False)
class Trial:
    """One trial: the sizes of the dimensions and the values of the inputs, given symbols and nodes."""

    sizes: dict[str, int]
    values: dict[str, np.ndarray]
    given: dict[str, np.ndarray]     # symbol key -> array (upstream gradients of an external loss, local partials)
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    smooth: dict[str, Any] = field(default_factory=dict)
    jacobians: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


@dataclass(eq=False)
class Reference:
    """An exercise prepared for grading: its graph, reference formulas, policies and trials."""

    exercise: Exercise
    graph: Graph
    rev: Reverse
    questions: list[QRef]
    trials: list[Trial]
    value_trial: Trial | None
    _tangents: dict[str, dict[str, Expr]] = field(default_factory=dict)
    policy: dict[str, Policy] = field(default_factory=dict)   # question key -> policy.Policy
    constants: list[float] = field(default_factory=list)      # the numbers of the forward equations
    aliases: Aliases = NONE                                   # the source's own symbols
    expected: dict[tuple[str, str], Expected] = field(default_factory=dict)   # (kind, key), made when first asked
    _envs: list[NumEnv] = field(default_factory=list)         # the trials' environments, made when first asked

    # -- symbols ------------------------------------------------------------------------------
    def given_keys(self) -> set[str]:
        g = self.graph
        keys = {f"d{o}/d{a}" if (o, a) not in g.partial_pairs else f"∂{o}/∂{a}"
                for o, (_, args) in g.opaque.items() for a in args}
        if g.external:
            keys |= {f"d{g.loss}/d{o}" for o in g.outputs}
        return keys

    def symbol_key(self, d: Deriv) -> str:
        if d.partial and (d.num, d.den) in self.graph.partial_pairs:
            return f"∂{d.num}/∂{d.den}"
        return d.key

    def scope_for(self, q: QRef | None) -> Scope:
        """The scope of an answer to ``q``: which names and derivative symbols it may use (SPEC 7.2, the
        rules live in :mod:`policy`)."""
        g = self.graph
        policy = self.policy.get(q.key) if q is not None and q.kind == "derivative" else None
        allowed = policy.allowed if policy is not None else self.given_keys()

        def derivs(d: Deriv) -> Shape:
            key = self.symbol_key(d)
            known = set(g.shapes) | {g.loss}
            for part in (d.num, d.den):
                if part not in known:
                    raise UnknownNameError("name.unknown_in_symbol", "", max(d.pos, 0), symbol=d.key, name=part,
                                           suggestion=suggest(part, sorted(known)), known=", ".join(sorted(known)))
            if q is not None and key == q.key:
                raise NotAllowedError("allowed.itself", "", max(d.pos, 0), symbol=d.key)
            if key in allowed:
                return g.deriv_shape(d.num, d.den)
            raise NotAllowedError("allowed.not_allowed" if allowed else "allowed.nothing", "", max(d.pos, 0),
                                  symbol=d.key, question=q.key if q else "",
                                  allowed=allowed_text(policy) if policy is not None else ", ".join(sorted(allowed)))

        return g.scope(derivs)

    # -- numbers -------------------------------------------------------------------------------
    def env(self, trial: Trial) -> NumEnv:
        def derivs(d: Deriv) -> np.ndarray:
            key = self.symbol_key(d)
            if key in trial.given:
                return trial.given[key]
            if d.num == self.graph.loss:
                return trial.grads[d.den]
            return self.jacobian_value(trial, d.num, d.den)
        return NumEnv(trial.values, trial.sizes, self.graph.functions, trial.smooth, derivs)

    def trial_envs(self) -> list[NumEnv]:
        """The environments of the random trials, made once (read only: copy one to change its values)."""
        if len(self._envs) != len(self.trials):
            self._envs[:] = [self.env(t) for t in self.trials]
        return self._envs

    def value(self, trial: Trial, q: QRef) -> np.ndarray:
        if q.kind == "value" and q.num is None:
            return trial.values[q.den]
        if q.num == self.graph.loss:
            return trial.grads[q.den]
        assert q.num is not None, "a question about a node asks its value"
        return self.jacobian_value(trial, q.num, q.den)

    def tangents(self, wrt: str) -> dict[str, Expr]:
        if wrt not in self._tangents:
            self._tangents[wrt] = forward(self.graph, wrt)
        return self._tangents[wrt]

    def jacobian_value(self, trial: Trial, x: str, y: str) -> np.ndarray:
        """dX/dY in this trial, by forward accumulation over the unit directions of Y."""
        key = (x, y)
        if key not in trial.jacobians:
            g = self.graph
            shape = substitute(jacobian_shape(g.shapes[x], g.shapes[y]), trial.sizes)
            tans = self.tangents(y)
            base = trial.values[y]
            columns = []
            for k in range(max(base.size, 1)):
                seed = np.zeros(base.size)
                seed[k] = 1.0
                env = self.env(trial)
                env.values = dict(trial.values)
                env.values["δ:" + y] = seed.reshape(base.shape)
                for name, t in tans.items():
                    env.values["δ:" + name] = np.broadcast_to(evaluate(t, env), trial.values[name].shape)
                columns.append(np.asarray(env.values.get("δ:" + x, np.zeros(trial.values[x].shape))).reshape(-1))
            trial.jacobians[key] = np.stack(columns, axis=-1).reshape(shape) if shape else np.asarray(columns[0][0])
        return trial.jacobians[key]


def resolve_question(graph: Graph, q: Question) -> tuple[str, str | None, str, str]:
    """(kind, num, den, key) of a question, or an InputError at its mark."""
    try:
        e = parse(q.target, graph.functions, set(graph.shapes) | {graph.loss})
    except FormulaError as err:
        raise InputError("question.unreadable", q.mark, target=q.target, reason=err.render()) from None
    known = set(graph.shapes)
    if isinstance(e, Deriv):
        for part, ok in ((e.num, e.num in known or e.num == graph.loss), (e.den, e.den in known)):
            if not ok:
                raise InputError("question.unknown", q.mark, target=q.target, name=part,
                                 suggestion=suggest(part, sorted(known)))
        reaches = [e.num] if e.num in known else list(graph.outputs)
        if e.num == e.den or not any(graph.depends(x, e.den) for x in reaches):
            raise InputError("question.independent", q.mark, target=q.target, num=e.num, den=e.den)
        if graph.node(e.den).kind == "const":
            raise InputError("question.constant", q.mark, target=q.target, name=e.den)
        if q.kind == "derivative" and graph.external and e.num == graph.loss and e.den in graph.outputs:
            raise InputError("question.given", q.mark, target=q.target)
        if q.kind == "value" and not graph.exercise.values:
            raise InputError("question.value_needs_values", q.mark, target=q.target)
        partial = e.partial and (e.num, e.den) in graph.partial_pairs
        return q.kind, e.num, e.den, f"∂{e.num}/∂{e.den}" if partial else f"d{e.num}/d{e.den}"
    if isinstance(e, Name) and q.kind in ("shape", "value"):
        if e.name not in known:
            raise InputError("question.unknown", q.mark, target=q.target, name=e.name,
                             suggestion=suggest(e.name, sorted(known)))
        if q.kind == "value" and not graph.exercise.values:
            raise InputError("question.value_needs_values", q.mark, target=q.target)
        return q.kind, None, e.name, e.name
    raise InputError("question.bad_target", q.mark, target=q.target, kind=q.kind)


def expand(e: Expr, rev: Reverse, graph: Graph, choice: Mapping[str, Expr] | None = None,
           memo: dict[str, Expr] | None = None) -> Expr:
    """``e`` with every derived loss-gradient symbol replaced by its formula, recursively; ``choice`` may
    give other formulas for some nodes (the diagnosis drops paths that way). Gradients are expanded from
    the loss back, each once, so the result shares sub-formulas (a DAG) and no walk is recursive."""
    choice = choice or {}
    memo = {} if memo is None else memo

    def sub(node: Expr) -> Expr | None:
        if isinstance(node, Deriv) and node.num == graph.loss and node.den in rev.grads:
            return memo.get(node.den, node)   # not yet expanded: a gradient given as its own symbol
        return None

    for name in rev.order:
        if name in rev.grads and name not in memo:
            memo[name] = rewrite(choice.get(name, rev.grads[name]), pre=sub)
    return rewrite(e, pre=sub)


def prepare(ex: Exercise, seed: int = 0, trials: int = TRIALS) -> Reference:
    graph = build_graph(ex)
    rev = reverse(graph)
    ref = Reference(ex, graph, rev, [], [], None, aliases=resolve_aliases(ex, graph))
    memo: dict[str, Expr] = {}
    for q in ex.questions:
        kind, num, den, key = resolve_question(graph, q)
        check_jacobian_size(graph, q, kind, num, den, key)
        ref.questions.append(QRef(q, kind, key, num, den, (), None, None))
    ref.policy = policies(ref)
    ref.constants = exercise_constants(graph)
    resolved, ref.questions = ref.questions, []
    shapes_asked = {r.key for r in resolved if r.kind == "shape"}
    for r in resolved:
        q, kind, num, den, key = r.question, r.kind, r.num, r.den, r.key
        formula = expanded = None
        if kind == "shape":
            shape = graph.shapes[den] if num is None else graph.deriv_shape(num, den)
        elif kind == "value":
            shape = graph.shapes[den] if num is None else graph.deriv_shape(num, den)
        elif num == graph.loss:
            shape = graph.gradient_shape(den)
            formula = rev.grads[den]
            expanded = expand(formula, rev, graph, memo=memo)
            if not _uses_only(ref, formula, ref.policy[key]) or ex.answers_may_use == "given":
                formula = expanded
        else:
            assert num is not None, "a derivative question has a numerator"
            shape = jacobian_shape(graph.shapes[num], graph.shapes[den])
            given = ref.given_keys()
            formula = expanded = Deriv(num, den, key.startswith("∂")) if key in given else jacobian_formula(
                graph, ref.tangents(den), num, den)
        rule = formula
        if kind == "derivative":
            formula, expanded = spell_out(formula, ref.policy[key]), spell_out(expanded, ref.policy[key])
        if formula is not None and kind == "derivative" and key not in ref.given_keys() and not _uses_only(ref, formula, ref.policy[key]):
            raise InputError("policy.unanswerable", q.mark, question=key,
                             symbols=", ".join(sorted(_symbols(ref, formula) - ref.policy[key].allowed)))
        ref.questions.append(QRef(q, kind, key, num, den, shape, formula, expanded, rule if rule != formula else None,
                                  graph.reserved, key in shapes_asked))
    rng = Draws(seed)
    for _ in range(trials):
        ref.trials.append(_draw_finite(ref, rng))
    if ex.values:
        ref.value_trial = _value_trial(ref, rng)
    return ref


def _symbols(ref: Reference, formula: Expr) -> set[str]:
    return {ref.symbol_key(n) for n in walk(formula) if isinstance(n, Deriv)}


def _uses_only(ref: Reference, formula: Expr, policy: Policy) -> bool:
    return _symbols(ref, formula) <= policy.allowed


def _draw_finite(ref: Reference, rng: Rng, attempts: int = 20) -> Trial:
    for _ in range(attempts):
        trial = draw_trial(ref, rng)
        if all(np.all(np.isfinite(ref.value(trial, q))) for q in ref.questions if q.kind != "shape"):
            return trial
    raise InputError("reference.not_finite", ref.exercise.loss_mark)


def draw_trial(ref: Reference, rng: Rng, sizes: dict[str, int] | None = None,
               inputs: dict[str, np.ndarray] | None = None) -> Trial:
    g, ex = ref.graph, ref.exercise
    if sizes is None or set(sizes) != set(g.dims):   # the value trial fixes only the dims its inputs show
        sizes = {**numeric.draw_sizes(g.dims - set(sizes or {}), rng), **(sizes or {})}
    domains = {i.name: i.domain for i in ex.inputs}
    values = dict(inputs) if inputs else {n: numeric.draw_value(substitute(g.shapes[n], sizes), domains[n], rng)
                                          for n in g.inputs}
    smooth = {f: numeric.smooth_function(rng) for f, kind in g.functions.items() if kind == "elementwise"}
    trial = Trial(sizes, values, {}, smooth=smooth)
    for key in sorted(ref.given_keys()):
        d = parse(key, g.functions, None)
        assert isinstance(d, Deriv), key
        shape = substitute(g.deriv_shape(d.num, d.den), sizes)
        trial.given[key] = np.ones(shape) if inputs and d.num == g.loss else numeric.draw_value(shape, "real", rng)
    env = ref.env(trial)
    for node in g.nodes:
        if node.name is None or node.kind == "input":
            continue
        if node.kind == "opaque":
            values[node.name] = numeric.draw_value(substitute(node.shape, sizes), "real", rng)
        else:
            values[node.name] = evaluate(node.expr, env)
    for name in ref.rev.order:
        if name in ref.rev.grads:
            trial.grads[name] = evaluate(ref.rev.grads[name], env)
    return trial


def _value_trial(ref: Reference, rng: Rng) -> Trial:
    g, ex = ref.graph, ref.exercise
    sizes: dict[str, int] = {}
    inputs: dict[str, np.ndarray] = {}
    for spec in ex.inputs:
        if spec.name not in ex.values:
            raise InputError("values.missing", ex.loss_mark, name=spec.name)
        arr, mark = ex.values[spec.name]
        want = g.shapes[spec.name]
        arr = np.asarray(arr, dtype=float)
        raw = arr.shape
        if arr.ndim == 1 and len(want) == 2:      # a flat list: a column only where the input is one
            raw = (arr.size, 1) if want[1] == 1 and want[0] != 1 else (1, arr.size)
        elif arr.ndim == 0 and len(want) == 2:
            raw = (1, 1)                    # one number for a 1×1 (or 1×k with k = 1) input
        elif arr.ndim < 2 and arr.size == 1 and not want:
            raw = ()
        if len(raw) != len(want):
            raise InputError("values.shape", mark, name=spec.name, got="×".join(map(str, arr.shape)) or "scalar",
                             want="×".join(map(str, want)) or "scalar")
        for d, n in zip(want, raw):
            if (isinstance(d, int) and d != n) or (isinstance(d, str) and sizes.setdefault(d, n) != n):
                raise InputError("values.shape", mark, name=spec.name, got="×".join(map(str, arr.shape)),
                                 want="×".join(map(str, want)))
        arr = arr.reshape(norm(raw))
        inputs[spec.name] = arr
    return draw_trial(ref, rng, sizes, inputs)


def not_finite(ref: Reference, trial: Trial | None = None) -> tuple[str, dict[str, str]] | None:
    """The first reference number that is not finite at ``trial`` (default: the exercise's values), as a
    message key with its arguments (which node, and whether its value, its gradient or a question's
    reference); or None if all are finite."""
    trial = trial if trial is not None else ref.value_trial
    if trial is None:
        return None
    g = ref.graph
    for name in g.named:
        if name in trial.values and not np.all(np.isfinite(trial.values[name])):
            return "reference.not_finite_value", {"node": name}
    for name in reversed(ref.rev.order):
        if name in trial.grads and not np.all(np.isfinite(trial.grads[name])):
            return "reference.not_finite_gradient", {"node": name}
    for q in ref.questions:
        if q.kind != "shape" and not np.all(np.isfinite(ref.value(trial, q))):
            return "reference.not_finite_question", {"node": q.den, "question": q.key}
    return None


MAX_PREPARED = 128
_cache = BoundedCache(MAX_PREPARED)


def prepared(ex: Exercise, seed: int = 0) -> Reference:
    """:func:`prepare`, cached per exercise object and seed (so ``grade`` prepares each exercise once);
    the cache keeps the last :data:`MAX_PREPARED`, and the exercise with its entry (an id is reused
    once its object is gone)."""
    ref: Reference = _cache.get((id(ex), seed), lambda: prepare(ex, seed), owner=ex)
    return ref
