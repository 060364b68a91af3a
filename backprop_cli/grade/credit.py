"""Lets an incorrect answer earn what an exam grader would give it (SPEC 7.3): the points of an
anticipated mistake, a share of the points for its diagnosis (``partial``), or the points of an answer
that is right given the student's own earlier answers (``carry_forward``, error carried forward).

Which questions an answer depends on comes from the graph: the reference of dJ/dX is written with the
gradients of the nodes downstream of X, and those of the asked questions are replaced by the
student's own answers.
"""
from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np

from backprop_cli.derive.autodiff import tidy_scope
from backprop_cli.derive.infer import infer
from backprop_cli.derive.numeric import agree, evaluate
from backprop_cli.errors import BackpropError
from backprop_cli.exercise.answers import AnswerEntry, Answers
from backprop_cli.exercise.keys import normalize_key
from backprop_cli.exercise.model import Exercise
from backprop_cli.exercise.teaching import Mistake
from backprop_cli.formula.ast import Bin, Call, Deriv, Expr, Name, Neg, Num, Pow, T, walk
from backprop_cli.formula.parser import parse
from backprop_cli.grade import aliases
from backprop_cli.grade.reference import QRef, Reference, expand
from backprop_cli.grade.verdict import Result

Evaluated = tuple[Mistake, "list[np.ndarray] | None", "np.ndarray | None"]   # (mistake, trial values, value at values)
Read = tuple[str, Any]          # ("number", array) or ("formula", AST)

_mistakes: "weakref.WeakKeyDictionary[Reference, dict[int, list[Evaluated | None]]]" = weakref.WeakKeyDictionary()


# -- anticipated mistakes -----------------------------------------------------------------------------
def mistake_texts(ex: Exercise, question: str, mistake: Mistake) -> dict[str, str]:
    """The message of ``mistake`` by language: the file's own (English) and its ``translations``."""
    texts = {"en": mistake.message}
    for lang, entry in ex.translations.items():
        table = entry.get("mistakes", {})
        by_answer: dict[str, str] = next((v for k, v in table.items() if normalize_key(k) == normalize_key(question)), {})
        if mistake.answer in by_answer:
            texts[lang] = by_answer[mistake.answer]
    return texts


def mistake_values(ref: Reference, q: QRef) -> list[Evaluated]:
    """``(mistake, trial values or None, value at the exercise's values or None)`` for each anticipated
    mistake of ``q`` that can be read; computed once per reference."""
    table = _mistakes.setdefault(ref, {})
    key = id(q)
    if key not in table:
        table[key] = [_evaluate_mistake(ref, m) for m in q.question.mistakes]
    return [row for row in table[key] if row is not None]


def _evaluate_mistake(ref: Reference, mistake: Mistake) -> Evaluated | None:
    try:
        e = parse(mistake.answer, ref.graph.functions, set(ref.graph.shapes) | {ref.graph.loss})
        infer(e, tidy_scope(ref.graph), mistake.answer)
        constant = not any(isinstance(n, (Name, Deriv)) for n in walk(e))
        trials = None if constant else [np.asarray(evaluate(e, ref.env(t))) for t in ref.trials]
        at_values = None if ref.value_trial is None else np.asarray(evaluate(e, ref.env(ref.value_trial)))
    except BackpropError:
        return None        # validate reports an unreadable mistake; a student is never charged for it
    return mistake, trials, at_values


def match_mistake(ref: Reference, q: QRef, values: Sequence[np.ndarray] | None = None,
                  number: np.ndarray | None = None) -> tuple[Mistake, dict[str, str]] | None:
    """``(mistake, texts)`` when the answer (its ``values`` in the trials, or a ``number`` at the
    exercise's values) is one of ``q``'s anticipated mistakes, else None."""
    if not q.question.mistakes:
        return None
    ex = ref.exercise
    for mistake, trials, at_values in mistake_values(ref, q):
        if values is not None and trials is not None and all(agree(v, m) for v, m in zip(values, trials)):
            return mistake, mistake_texts(ex, q.question.target, mistake)
        if number is not None and at_values is not None and _close(number, at_values, ex):
            return mistake, mistake_texts(ex, q.question.target, mistake)
    return None


def _close(value: Any, want: Any, ex: Exercise) -> bool:
    value, want = np.asarray(value, dtype=float), np.asarray(want, dtype=float)
    if value.size == want.size and value.shape != want.shape and (value.ndim < 2 or value.size == 1):
        value = value.reshape(want.shape)
    return (value.shape == want.shape and bool(np.all(np.isfinite(value)))
            and np.allclose(value, want, rtol=ex.rtol, atol=ex.atol))


# -- partial credit and error carried forward ---------------------------------------------------------
def settle(ref: Reference, answers: Answers, results: Sequence[Result]) -> list[Result]:
    """``results`` with the points of ``partial`` shares and of answers carried forward."""
    ex = ref.exercise
    sections = {"derivative": answers.answers, "shape": answers.shapes, "value": answers.values}
    out = list(results)
    for i, (q, r) in enumerate(zip(ref.questions, results)):
        if r.status != "incorrect" or r.credit == "mistake":
            continue
        qq = q.question
        shares = qq.partial if qq.partial is not None else ex.partial
        if r.diagnosis in shares and shares[r.diagnosis] > 0:
            out[i] = replace(r, points=shares[r.diagnosis] * r.max_points, credit="partial")
        carry = qq.carry_forward if qq.carry_forward is not None else ex.carry_forward
        if carry:
            share = qq.carry_forward_points if qq.carry_forward_points is not None else ex.carry_forward_points
            names = carried_forward(ref, sections, results, i)
            if names and share * r.max_points >= out[i].points:
                out[i] = replace(r, points=share * r.max_points, credit="carried-forward",
                                 message="result.carried_forward", args={"names": ", ".join(names)})
    return out


def carried_forward(ref: Reference, sections: Mapping[str, Mapping[str, AnswerEntry]], results: Sequence[Result],
                    index: int) -> list[str] | None:
    """The questions whose (wrong) answers, used in place of their references, make answer ``index``
    right; None when there are none or the answer is wrong even so."""
    g = ref.graph
    q = ref.questions[index]
    if q.kind != "derivative" or q.num != g.loss:
        return None
    wrong = [(j, p) for j, p in enumerate(ref.questions)
             if j != index and p.kind == "derivative" and p.num == g.loss and results[j].status == "incorrect"
             and results[j].answer_shape == results[j].expected_shape]
    if not wrong:
        return None
    marks = {p.den: Name(f"§{j}") for j, p in wrong}
    assert q.formula is not None, q.key     # a loss gradient always has its formula
    formula = expand(q.formula, ref.rev, g, choice=dict(marks))
    leaves: dict[Expr, Expr] = {p.expanded: Name(f"§{j}") for j, p in wrong
              if p.den in g.inputs and p.expanded is not None and not isinstance(p.expanded, (Name, Num))}
    formula = _substitute(formula, leaves)
    used = [(j, p) for j, p in wrong if any(isinstance(n, Name) and n.name == f"§{j}" for n in walk(formula))]
    if not used:
        return None
    read = {j: _answer(ref, sections[p.kind].get(p.question.target)) for j, p in used}
    mine = _answer(ref, sections[q.kind].get(q.question.target))
    own = {j: v for j, v in read.items() if v is not None}
    if mine is None or len(own) < len(read):
        return None
    numbers = mine[0] == "number" or any(kind == "number" for kind, _ in own.values())
    value_trial = ref.value_trial
    if numbers and value_trial is None:
        return None
    trials = [value_trial] if numbers and value_trial is not None else ref.trials
    for trial in trials:
        env = ref.env(trial)
        env.values = dict(trial.values)
        for j, (kind, what) in own.items():
            env.values[f"§{j}"] = what if kind == "number" else evaluate(what, ref.env(trial))
        want = evaluate(formula, env)
        got = mine[1] if mine[0] == "number" else evaluate(mine[1], ref.env(trial))
        if not (_close(got, want, ref.exercise) if numbers else agree(got, want)):
            return None
    return [ref.questions[j].question.target for j, _ in used]


def _answer(ref: Reference, entry: AnswerEntry | None) -> Read | None:
    """``("number", array)`` or ``("formula", AST)`` of an answer entry, or None if it cannot be read."""
    if entry is None:
        return None
    if entry.array is not None:
        return "number", np.asarray(entry.array, dtype=float)
    if not entry.text:
        return None
    try:
        e = parse(entry.text, aliases.parse_functions(ref.graph, ref.aliases), set(ref.graph.shapes) | {ref.graph.loss})
        e = aliases.apply(e, ref.aliases)
        if not any(isinstance(n, (Name, Deriv)) for n in walk(e)):
            return "number", np.asarray(evaluate(e, ref.env(ref.value_trial or ref.trials[0])))
    except BackpropError:
        return None
    return "formula", e


def _substitute(e: Expr, table: Mapping[Expr, Expr]) -> Expr:
    """``e`` with every subtree found in ``table`` replaced, outermost first."""
    if not table:
        return e
    if e in table:
        return table[e]
    if isinstance(e, Bin):
        return Bin(e.op, _substitute(e.left, table), _substitute(e.right, table), e.pos)
    if isinstance(e, Neg):
        return Neg(_substitute(e.x, table), e.pos)
    if isinstance(e, T):
        return T(_substitute(e.x, table), e.pos)
    if isinstance(e, Pow):
        return Pow(_substitute(e.base, table), e.exp, e.pos)
    if isinstance(e, Call):
        return Call(e.fn, tuple(_substitute(a, table) for a in e.args), e.prime, e.pos)
    return e
