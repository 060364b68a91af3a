"""Lets you grade an answers file against an exercise: shape first, then numbers (SPEC section 7).

Formulas are compared with the reference numerically in K seeded trials; answers made of numbers only
are compared at the exercise's ``values`` with its tolerance. Each question gets a status, points and,
when wrong, a diagnosis. The result is data (message keys and arguments); renderers turn it into text.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

from backprop_cli.errors import BackpropError, FormulaError, FormulaSyntaxError, LimitError, ShapeError
from backprop_cli.exercise.answers import AnswerEntry, Answers
from backprop_cli.formula.ast import MUL, Bin, Deriv, Expr, Name, Pow, walk
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import unicode
from backprop_cli.derive.infer import MAX_WORK, Scope, infer
from backprop_cli.derive.numeric import evaluate, evaluate_trials
from backprop_cli.derive.program import BudgetExceeded, budget
from backprop_cli.derive.shapes import fmt, parse_shape
from backprop_cli.grade import compare, policy, precision
from backprop_cli.grade.credit import match_mistake, settle
from backprop_cli.grade.reading import Parsed, answer_scope, is_empty, read_answer, shaped, vector_jacobian
from backprop_cli.grade.reference import TRIALS, QRef, Reference
from backprop_cli.grade.verdict import DIMENSION_ERRORS, Report, Result

if TYPE_CHECKING:
    from backprop_cli.grade.diagnosis import Finding

R = TypeVar("R")
EXPLICIT_PRODUCTS = frozenset("*@·⋅×\\")   # a product joined by an operator (LaTeX's \cdot, \times start with \)


#: Work units (elements computed, plus a fixed cost per numpy step) the diagnosis of one answer may use;
#: an answer's own evaluation is bounded beforehand by :data:`infer.MAX_WORK`, from its shapes.
DIAGNOSIS_BUDGET = 30_000_000
#: The most work units grading one answer may do: an evaluation per trial and at the values, each within
#: infer.MAX_WORK, and one diagnosis within its budget (tests/test_hostile.py and the fuzzer hold it to that).
WORK_PER_ANSWER = (TRIALS + 1) * MAX_WORK + DIAGNOSIS_BUDGET


def grade(ref: Reference, answers: Answers) -> Report:
    """The report for ``answers`` (a :class:`model.Answers` matched to the exercise) against ``ref``."""
    sections = {"derivative": answers.answers, "shape": answers.shapes, "value": answers.values}
    parsed = {q.key: read_answer(ref, sections["derivative"].get(q.question.target))
              for q in ref.questions if q.kind == "derivative"}
    cycles = policy.circular({key: policy.symbols_used(p[0], ref) & ref.policy[key].others
                              for key, p in parsed.items() if p is not None and not isinstance(p[0], BackpropError)})
    results = []
    for q in ref.questions:
        entry = sections[q.kind].get(q.question.target)
        try:
            if q.kind == "derivative" and q.key in cycles:
                leaning = parsed[q.key]
                assert leaning is not None, q.key     # only read formulas lean on others
                results.append(_circular(ref, q, entry, leaning, cycles[q.key]))
                continue
            results.append(_grade_one(ref, q, entry, parsed.get(q.key) if q.kind == "derivative" else None))
        except BackpropError as err:   # a designed error we did not expect here still becomes a verdict
            results.append(_result(q, entry, "invalid", message=err.key, args=err.args_))
    results = settle(ref, answers, results)
    return Report(ref.exercise.id, ref.exercise.title, tuple(results), answers.warnings, answers.path,
                  variant=ref.exercise.variant)


def _circular(ref: Reference, q: QRef, entry: AnswerEntry | None, parsed: Parsed, cycle: tuple[str, ...]) -> Result:
    """An answer that leans on other answers which lean on it again: none of them shows a rule."""
    e, text = parsed
    assert not isinstance(e, FormulaError), q.key   # only read formulas lean on others
    used = next(d for d in walk(e) if isinstance(d, Deriv) and ref.symbol_key(d) == cycle[1])
    return _result(q, entry, "invalid", read_formula=e, message="allowed.circular",
                   args={"question": q.key, "symbol": cycle[1], "cycle": " → ".join(cycle)},
                   caret=(text, max(used.pos, 0)))


def grade_one(ref: Reference, q: QRef, entry: AnswerEntry | None) -> Result:
    """The result of one answers-file entry (None: missing) to the resolved question ``q``."""
    try:
        return _grade_one(ref, q, entry)
    except BackpropError as err:   # a designed error we did not expect here still becomes a verdict
        return _result(q, entry, "invalid", message=err.key, args=err.args_)


def _is_number(read: str) -> bool:
    """Whether a read-back is a plain number (``-4,0``, ``1e-3``), not a formula of names such as ``e``."""
    return re.fullmatch(r"[-+−]?(?=[^\d]*\d)[\d.,eE+−-]+", read.replace(" ", "")) is not None


def _result(q: QRef, entry: AnswerEntry | None, status: str, **kw: Any) -> Result:
    """The verdict on ``q``. Every verdict is made here, so here the answer stays hidden (SPEC 7.4): no
    expected shape where that shape is itself a question, and no transposed or sign diagnosis of a shape
    or of a plain number (it would tell the shape, or the number itself)."""
    qq = q.question
    formula = q.formula if q.kind == "derivative" else None
    expected = fmt(q.shape)
    kw.setdefault("solution_text", expected if q.kind == "shape" else None)
    hide_shape = q.kind == "shape" or q.shape_asked
    if hide_shape and q.kind != "shape" and kw.get("message") == "result.wrong_shape":
        kw.update(message="result.wrong_shape_asked", args={"got": kw.get("args", {}).get("got")})
    read = kw.get("read_formula")
    if kw.get("diagnosis") in ("transposed", "sign-error") and (
            q.kind == "shape" or read is None or _is_number(unicode(read))):
        kw.update(diagnosis="shape-mismatch" if q.kind == "shape" else None, note=None, note_args={})
    return Result(qq.target, q.kind, status, qq.points if status == "correct" else 0.0, qq.points,
                  answer=None if entry is None else (entry.text if entry.array is None else str(entry.array.tolist())),
                  expected_shape=None if hide_shape else expected, hint=qq.hint,
                  mark=entry.mark if entry is not None else qq.mark,
                  reference=formula, taken=q.taken, **kw)


def _grade_one(ref: Reference, q: QRef, entry: AnswerEntry | None, parsed: Parsed | None = None) -> Result:
    result = _grade_entry(ref, q, entry, parsed)
    if result.status == "incorrect" and result.read_formula is not None and result.credit is None and _matrix_power_minus_one(
            result.read_formula, answer_scope(ref, q)):
        return replace(result, remark="remark.power_minus_one_elementwise")
    return result


def _matrix_power_minus_one(e: Expr, scope: Scope) -> bool:
    """Whether ``e`` raises a matrix (not a scalar, not a vector) to the power -1: ``W^(-1)``, which the
    formula language reads elementwise (SPEC 5), not as the matrix inverse a student may have meant."""
    for node in walk(e):
        if isinstance(node, Pow) and node.exp == -1:
            try:
                shape = infer(node.base, scope)
            except FormulaError:
                continue
            if len(shape) == 2 and 1 not in shape:
                return True
    return False


def _grade_entry(ref: Reference, q: QRef, entry: AnswerEntry | None, parsed: Parsed | None = None) -> Result:
    if entry is not None and entry.problem is not None:
        return _result(q, entry, "invalid", message="result.quote_it", args={"got": entry.problem})
    if entry is None or is_empty(entry):
        return _result(q, entry, "missing", message="result.missing")
    if q.kind == "shape":
        return _grade_shape(q, entry, ref.graph.dims, vector_jacobian(ref, q))
    if entry.array is not None:
        return _grade_numbers(ref, q, entry, np.asarray(entry.array, dtype=float), None)
    text = entry.text
    assert text is not None      # an entry that is not empty and no array is text
    if text.startswith("[") and text.endswith("]"):
        return _grade_list(ref, q, entry)
    read_back = parsed or read_answer(ref, entry)
    assert read_back is not None   # a formula, which read_answer reads
    e, text = read_back
    if isinstance(e, FormulaError):
        return _result(q, entry, "invalid", message=e.key, args=e.args_, caret=(text, e.pos))
    read = e
    constant = not any(isinstance(n, (Name, Deriv)) for n in walk(e))
    if q.kind == "value" and not constant:
        return _result(q, entry, "invalid", read_formula=read, message="result.value_needs_number")
    if q.kind == "derivative":
        try:
            policy.check_forbidden(e, ref.policy[q.key], text)
            if not constant:
                policy.check_constants(e, text, ref.constants)
        except FormulaError as err:
            return _result(q, entry, "invalid", read_formula=read, message=err.key, args=err.args_, caret=(text, err.pos))
    try:
        shape, e, wanted = shaped(ref, q, e, text)
    except ShapeError as err:
        if err.key not in DIMENSION_ERRORS:
            return _result(q, entry, "invalid", read_formula=read, message=err.key, args=err.args_, caret=(text, err.pos))
        from backprop_cli.grade.diagnosis import student_fix

        code: str | None = _within_budget(student_fix, ref, q, e) or "dimension-error"
        key = err.key
        if code == "elementwise-vs-matrix-product" and key == "shape.matmul" and err.pos is not None and text[err.pos:err.pos + 1] == "*":
            key = "result.star_is_matmul"      # numpy's habit: * meant elementwise, but here it is the matrix product
        elif key == "shape.matmul" and _juxtaposed(e, answer_scope(ref, q), text, err):
            key = "result.juxtaposed_is_matmul"    # σ(h)(1 - σ(h)): side by side meant elementwise
        return _result(q, entry, "incorrect", read_formula=read, diagnosis=code, message=key, args=err.args_,
                       caret=(text, err.pos))
    except FormulaError as err:
        args = err.args_
        if err.key in ("name.unknown", "name.unknown_in_symbol") and q.kind == "derivative":
            from backprop_cli.grade.suggestion import suggestion

            args = {**args, "suggestion": suggestion(ref, q, text, err)}
        return _result(q, entry, "invalid", read_formula=read, message=err.key, args=args, caret=(text, err.pos))
    if constant and ref.value_trial is not None:
        return _grade_numbers(ref, q, entry, evaluate(e, ref.env(ref.value_trial)), read)
    shape, e = wanted
    if shape != q.shape:
        values = evaluate_trials(e, ref.trial_envs())
        found = _diagnosed(_within_budget(_find, ref, q, values, shape, e), "shape-mismatch")
        return _anticipated(ref, q, _result(q, entry, "incorrect", read_formula=read, answer_shape=fmt(shape), **found,
                                            message="result.wrong_shape", args={"got": fmt(shape), "want": fmt(q.shape)}),
                            values=values)
    values = evaluate_trials(e, ref.trial_envs())
    same = compare.verdict(values, compare.expected(ref, q))
    if same == compare.INEXACT or (same == compare.EXACT and not precision.stable(ref, q, e, values)):
        return _result(q, entry, "incorrect", read_formula=read, answer_shape=fmt(shape), message="result.not_exact")
    if same == compare.EXACT:
        return _result(q, entry, "correct", read_formula=read, answer_shape=fmt(shape), message="result.correct")
    if same == compare.NOT_FINITE:
        return _result(q, entry, "incorrect", read_formula=read, answer_shape=fmt(shape), message="result.not_finite")
    found = _diagnosed(_within_budget(_find, ref, q, values, shape, e))
    return _anticipated(ref, q, _result(q, entry, "incorrect", read_formula=read, answer_shape=fmt(shape), **found,
                                        message="result.wrong_value"), values=values)


def _juxtaposed(e: Expr, scope: Scope, text: str, err: ShapeError) -> bool:
    """Whether the matrix product that failed with ``err`` is two factors of the same shape written side by
    side (``σ(h)(1 - σ(h))``, ``z (1 - z)``), not joined by an operator or a call such as ``matmul(a, b)``."""
    pos = err.pos
    if pos is None or err.args_.get("left") != err.args_.get("right") or text[pos:pos + 1] in EXPLICIT_PRODUCTS:
        return False
    for node in walk(e):
        if isinstance(node, Bin) and node.op == MUL and node.pos == pos and 0 <= node.left.pos < pos:
            try:
                if infer(node.left, scope) == infer(node.right, scope):
                    return True
            except FormulaError:
                pass
    return False


def _find(*args: Any) -> Finding | None:
    """diagnosis.find, imported only when an answer is wrong (a correct one never needs it)."""
    from backprop_cli.grade.diagnosis import find

    return find(*args)


def _diagnosed(found: Finding | None, default: str | None = None) -> dict[str, Any]:
    """The diagnosis fields of a Result from a diagnosis.Finding (or None: ``default``, no note)."""
    if found is None:
        return {"diagnosis": default}
    return {"diagnosis": found.code or default, "note": found.note, "note_args": dict(found.args)}


def _grade_shape(q: QRef, entry: AnswerEntry, dims: frozenset[str], either_way: bool) -> Result:
    text = entry.text if entry.array is None else str(entry.array.tolist())
    shape = parse_shape(text, dims)
    if shape is None:
        return _result(q, entry, "invalid", message="result.unreadable_shape", args={"text": text})
    unknown = [d for d in shape if isinstance(d, str) and d not in dims]
    if unknown:
        return _result(q, entry, "invalid", message="result.unknown_dim",
                       args={"name": unknown[0], "dims": ", ".join(sorted(dims)) or "—"})
    if len(shape) == 1:
        return _result(q, entry, "incorrect", answer_shape=str(shape[0]), message="result.shape_rank1")
    if shape == q.shape or (either_way and tuple(reversed(shape)) == q.shape):
        return _result(q, entry, "correct", answer_shape=fmt(shape), message="result.correct")
    return _result(q, entry, "incorrect", answer_shape=fmt(shape), diagnosis="shape-mismatch", message="result.not_the_shape",
                   args={"got": fmt(shape), "question": q.question.target})


def _grade_numbers(ref: Reference, q: QRef, entry: AnswerEntry, value: Any, read: Expr | None) -> Result:
    """An answer of numbers only, compared at the exercise's values with its tolerance."""
    trial = ref.value_trial
    if trial is None:
        return _result(q, entry, "invalid", read_formula=read, message="result.numbers_need_values")
    want = np.asarray(ref.value(trial, q))
    value = np.asarray(value, dtype=float)
    if value.size == want.size and (value.ndim < 2 or value.size == 1):   # a flat list or one number: read it in the asked shape
        value = value.reshape(want.shape)
    shape_text = fmt(value.shape)
    ex = ref.exercise
    if value.shape == want.shape and np.all(np.isfinite(value)) and np.allclose(value, want, rtol=ex.rtol, atol=ex.atol):
        return _result(q, entry, "correct", read_formula=read, answer_shape=shape_text, message="result.correct")
    if value.shape != want.shape:
        close = value.shape == want.T.shape and np.allclose(value, want.T, rtol=ex.rtol, atol=ex.atol)
        return _anticipated(ref, q, _result(q, entry, "incorrect", read_formula=read, answer_shape=shape_text,
                                            diagnosis="transposed" if close else "shape-mismatch",
                                            message="result.wrong_shape", args={"got": shape_text, "want": fmt(want.shape)}),
                            number=value)
    code = "sign-error" if np.allclose(value, -want, rtol=ex.rtol, atol=ex.atol) and np.any(want) else None
    return _anticipated(ref, q, _result(q, entry, "incorrect", read_formula=read, answer_shape=shape_text, diagnosis=code,
                                        message="result.wrong_number", solution_text=_round(want)), number=value)


def _within_budget(search: Callable[..., R | None], *args: Any) -> R | None:
    """``search(*args)`` within :data:`DIAGNOSIS_BUDGET`: None (no code) when the budget runs out."""
    try:
        with budget(DIAGNOSIS_BUDGET):
            return search(*args)
    except BudgetExceeded:
        return None


def _anticipated(ref: Reference, q: QRef, result: Result, values: list[np.ndarray] | None = None,
                 number: np.ndarray | None = None) -> Result:
    """``result`` with the points and message of an anticipated mistake when the answer is one; the
    instructor's message replaces the catalogue's, and the diagnosis code is kept as data."""
    hit = match_mistake(ref, q, values=values, number=number)
    if hit is None:
        return result
    mistake, texts = hit
    return replace(result, points=mistake.points, credit="mistake", message="result.mistake", args={"texts": texts})


def _grade_list(ref: Reference, q: QRef, entry: AnswerEntry) -> Result:
    """``[0, 0, -1/0.6, 0]``: a (nested) list whose items are numbers or constant formulas."""
    text = entry.text
    assert text is not None      # a list is text
    try:
        value = _constant_list(text)
    except (FormulaSyntaxError, LimitError) as err:
        return _result(q, entry, "invalid", message=err.key, args=err.args_, caret=(err.text or text, err.pos))
    if value is None:
        return _result(q, entry, "invalid", message="result.unreadable_list")
    return _grade_numbers(ref, q, entry, value, None)


def _constant_list(text: str) -> np.ndarray | None:
    """The array of a list like ``[[1, -1/2], [0, 2]]`` (None when ragged, empty or deeper than 2)."""
    from backprop_cli.formula.constants import fold

    rows = re.findall(r"\[([^\[\]]*)\]", text[1:-1]) if text[1:].lstrip().startswith("[") else [text[1:-1]]
    if not rows or len(rows) > 1000:
        return None
    table = [[fold(parse(item.strip()), item, "result.list_not_numbers") for item in row.split(",")] for row in rows]
    if len({len(r) for r in table}) != 1 or not table[0]:
        return None
    return np.array(table if len(table) > 1 or text[1:].lstrip().startswith("[") else table[0], dtype=float)


def _round(x: Any) -> str:
    return np.array2string(np.asarray(x), precision=3, suppress_small=True) if np.ndim(x) else f"{float(x):.4g}"
