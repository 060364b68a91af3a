"""Lets you load an exercise file (SPEC section 3) and an answers file (section 4) into typed, immutable data.

Every value keeps the :class:`Mark` of the place it was written, and every schema violation is an
:class:`InputError` at the offending node that says what is wrong and what is allowed. Formulas are
kept as text here; parsing them, and checking the graph, is the job of the formula and graph modules.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, cast

import numpy

from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.fields import (_choice, _fail, _fields, _got, _name, _number, _opt, _required,  # noqa: F401
                                          _text, _text_list, _unknown_key)
from backprop_cli.exercise import teaching
from backprop_cli.exercise.yamlio import Node, load_yaml
from backprop_cli.exercise.keys import compact as _compact, normalize_key  # noqa: F401
from backprop_cli.formula.names import canonical_name

Dim = int | str

DOMAINS = ("real", "positive", "nonzero", "unit", "onehot", "probability", "binary")
ROLES = ("input", "parameter", "target")
FUNCTION_KINDS = ("elementwise", "opaque")
LAYOUTS = ("gradient", "numerator")
ANSWERS_MAY_USE = ("downstream", "local", "given")
QUESTION_KINDS = ("derivative", "shape", "value")
EXERCISE_KEYS = ("id", "title", "source", "tags", "difficulty", "description", "inputs", "functions",
                 "forward", "loss", "layout", "values", "questions", "answers_may_use", "tolerance", "shapes",
                 "partial", "carry_forward", "carry_forward_points", "translations", "forbid", "aliases")
QUESTION_KEYS = ("points", "hint", "mistakes", "partial", "carry_forward", "carry_forward_points", "may_use", "forbid")
MAX_VALUES = 10_000
MAX_VALUE_RANK = 3

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_NAME = r"[^\W\d]\w*"
_DERIVATIVE = re.compile(rf"d{_NAME}/d{_NAME}\Z")
_NAME_ONLY = re.compile(rf"{_NAME}\Z")


@dataclass(frozen=True)
class InputSpec:
    """An input of the exercise: its name, shape and the domain its trial values are drawn from."""

    name: str
    shape: tuple[Dim, ...]
    domain: str
    role: str
    mark: Mark


@dataclass(frozen=True)
class FunctionSpec:
    """A function the exercise declares (elementwise or opaque)."""

    name: str
    kind: str
    mark: Mark


@dataclass(frozen=True)
class Equation:
    """One forward equation as written, with where it was written."""

    text: str
    mark: Mark
    exact: bool


@dataclass(frozen=True)
class Question:
    """One question: a derivative, a shape or a value, with its points."""

    kind: str
    target: str
    points: float
    hint: str | None
    mark: Mark
    mistakes: tuple[Any, ...] = ()           # teaching.Mistake, matched before the diagnosis catalogue
    partial: dict[str, float] | None = None  # diagnosis code -> share; None: the exercise's default
    carry_forward: bool | None = None        # None: the exercise's setting
    carry_forward_points: float | None = None
    may_use: tuple[tuple[str, Mark], ...] | None = None   # ((symbol text, mark), ...): overrides answers_may_use (SPEC 7.2)
    forbid: tuple[tuple[str, Mark], ...] = ()   # ((function text, mark), ...): functions the answer may not call


@dataclass(frozen=True, eq=False)
class Exercise:
    """An exercise as read from its YAML file."""

    id: str
    title: str
    source: str | None
    tags: tuple[str, ...]
    difficulty: int | None
    description: str
    inputs: tuple[InputSpec, ...]
    functions: tuple[FunctionSpec, ...]
    forward: tuple[Equation, ...]
    loss: str
    loss_mark: Mark
    layout: str
    values: dict[str, tuple[numpy.ndarray, Mark]]
    questions: tuple[Question, ...]
    answers_may_use: str
    rtol: float
    atol: float
    path: str
    shapes: dict[str, tuple[Dim, ...]] = field(default_factory=dict)   # declared node shapes (the outputs of opaque functions)
    partial: dict[str, float] = field(default_factory=dict)            # default diagnosis code -> share for every question
    carry_forward: bool = False
    carry_forward_points: float = 1.0
    draws: dict[str, Any] = field(default_factory=dict)                # input -> teaching.Draw (numbers drawn per student)
    translations: dict[str, Any] = field(default_factory=dict)        # language -> texts (teaching.parse_translations)
    variant: str | None = None                          # the student whose drawn numbers ``values`` holds
    forbid: tuple[tuple[str, Mark], ...] = ()           # ((function text, mark), ...) for every question
    aliases: tuple[Any, ...] = ()                       # teaching.Alias: the source's own symbols (SPEC 3)


def _array(node: Node, name: str) -> numpy.ndarray:
    """A float64 array of the number or rectangular nested list at ``node``."""
    flat: list[float] = []
    shape = _walk(node, name, flat, 0)
    return numpy.array(flat, dtype=numpy.float64).reshape(shape)


def _walk(node: Node, name: str, flat: list[float], depth: int) -> tuple[int, ...]:
    if not node.is_seq:
        number = _number(node, name, "schema.value_not_number")
        if not math.isfinite(number):
            _fail("schema.value_not_finite", node, name=name)
        flat.append(number)
        if len(flat) > MAX_VALUES:
            raise InputError("schema.value_too_many", node.mark, name=name, limit=MAX_VALUES)
        return ()
    if depth >= MAX_VALUE_RANK:
        raise InputError("schema.value_too_deep", node.mark, name=name, limit=MAX_VALUE_RANK)
    if not node.value:
        raise InputError("schema.value_empty", node.mark, name=name)
    shapes = [_walk(item, name, flat, depth + 1) for item in node.value]
    for item, shape in zip(node.value, shapes):
        if shape != shapes[0]:
            fmt: Callable[[tuple[int, ...]], str] = lambda s: "×".join(map(str, s)) or "scalar"  # noqa: E731
            raise InputError("schema.value_ragged", item.mark, name=name, expected=fmt(shapes[0]), got=fmt(shape))
    return (len(shapes),) + shapes[0]


def _dim(node: Node, name: str) -> Dim:
    value = node.value
    if isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isidentifier():
        return canonical_name(value)
    _fail("schema.bad_dim", node, name=name)


def _input(name: str, node: Node, mark: Mark) -> InputSpec:
    shape_node, domain, role = node, "real", "input"
    if node.is_map:
        fields = _fields(node, f"inputs.{name}", ("shape", "domain", "role"))
        shape_node = _required(fields, node, "shape")
        domain = _choice(fields.get("domain"), "domain", DOMAINS, "real")
        role = _choice(fields.get("role"), "role", ROLES, "input")
    return InputSpec(name, _shape(shape_node, name), domain, role, mark)


def _shape(node: Node, name: str) -> tuple[Dim, ...]:
    """``scalar`` or ``[rows, cols]`` with positive ints or dimension names."""
    if node.value == "scalar":
        return ()
    if node.is_seq and len(node.value) == 2:
        return tuple(_dim(d, name) for d in node.value)
    _fail("schema.bad_shape", node, name=name)


def _declared_shapes(node: Node | None) -> dict[str, tuple[Dim, ...]]:
    if node is None:
        return {}
    return {_name(key, node.key_mark(key), "shapes"): _shape(value, key)
            for key, value in _fields(node, "shapes").items()}


def _question(node: Node) -> Question:
    points, hint, fields = 1.0, None, {}
    if isinstance(node.value, str):
        kind, target_node = "derivative", node
    elif node.is_map:
        fields = _fields(node, "questions", QUESTION_KINDS + QUESTION_KEYS)
        kinds = [k for k in QUESTION_KINDS if k in fields]
        if len(kinds) != 1:
            raise InputError("schema.question_kind", node.mark, found=", ".join(kinds) or "-")
        kind, target_node = kinds[0], fields[kinds[0]]
        if "points" in fields:
            points = _number(fields["points"], "points")
            if not (0 < points < math.inf):
                _fail("schema.points", fields["points"])
        if _opt(fields, "hint"):
            hint = _text(fields["hint"], "hint")
    else:
        _fail("schema.question_form", node)
    target = _text(target_node, kind).strip()
    key = normalize_key(target)
    if not (_DERIVATIVE.match(key) or (kind != "derivative" and _NAME_ONLY.match(key))):
        _fail("schema.bad_target", target_node, kind=kind)
    return Question(kind, target, points, hint, target_node.mark,
                    teaching.parse_mistakes(_opt(fields, "mistakes"), points),
                    teaching.parse_partial(fields["partial"]) if _opt(fields, "partial") else None,
                    teaching.parse_flag(_opt(fields, "carry_forward"), "carry_forward"),
                    teaching.parse_share(_opt(fields, "carry_forward_points"), "carry_forward_points", None),
                    _text_list(fields["may_use"], "may_use") if "may_use" in fields else None,
                    _text_list(_opt(fields, "forbid"), "forbid"))


def load_exercise(path: str) -> Exercise:
    """Read, check and return the exercise file at ``path``."""
    return parse_exercise(load_yaml(path), path)


def parse_exercise(node: Node, path: str) -> Exercise:
    """The :class:`Exercise` described by the YAML tree ``node`` read from ``path``."""
    if not node.is_map:
        _fail("schema.not_mapping", node)
    top = _fields(node, "", EXERCISE_KEYS)
    ex_id = _text(_required(top, node, "id"), "id")
    if not _ID.match(ex_id):
        _fail("schema.bad_id", top["id"])
    title = _text(_required(top, node, "title"), "title").strip()
    if not title:
        raise InputError("schema.empty", top["title"].mark, field="title")
    difficulty = _opt(top, "difficulty")
    if difficulty and (type(difficulty.value) is not int or not 1 <= difficulty.value <= 5):
        _fail("schema.difficulty", difficulty)
    tags = _opt(top, "tags")
    if tags and not tags.is_seq:
        _fail("schema.expected_list", tags, field="tags")
    inputs = _inputs(_required(top, node, "inputs"))
    loss = _required(top, node, "loss")
    values, draws = _values(_opt(top, "values"), inputs)
    tolerance = _tolerance(_opt(top, "tolerance"))
    return Exercise(
        id=ex_id,
        title=title,
        source=_text(top["source"], "source") if _opt(top, "source") else None,
        tags=tuple(_text(t, "tags") for t in tags.value) if tags else (),
        difficulty=difficulty.value if difficulty else None,
        description=_text(top["description"], "description") if _opt(top, "description") else "",
        inputs=inputs,
        functions=_functions(_opt(top, "functions"), inputs),
        forward=_forward(_required(top, node, "forward")),
        loss=_name(_text(loss, "loss").strip(), loss.mark, "loss"),
        loss_mark=loss.mark,
        layout=_choice(top.get("layout"), "layout", LAYOUTS, "gradient"),
        values=values,
        questions=_questions(_required(top, node, "questions")),
        answers_may_use=_choice(top.get("answers_may_use"), "answers_may_use", ANSWERS_MAY_USE, "downstream"),
        rtol=tolerance["rtol"],
        atol=tolerance["atol"],
        path=path,
        shapes=_declared_shapes(_opt(top, "shapes")),
        partial=teaching.parse_partial(_opt(top, "partial")),
        carry_forward=bool(teaching.parse_flag(_opt(top, "carry_forward"), "carry_forward")),
        carry_forward_points=cast(float, teaching.parse_share(_opt(top, "carry_forward_points"), "carry_forward_points", 1.0)),
        draws=draws,
        translations=teaching.parse_translations(_opt(top, "translations")),
        forbid=_text_list(_opt(top, "forbid"), "forbid"),
        aliases=teaching.parse_aliases(_opt(top, "aliases")),
    )


def _inputs(node: Node) -> tuple[InputSpec, ...]:
    fields = _fields(node, "inputs")
    if not fields:
        raise InputError("schema.empty", node.mark, field="inputs")
    return tuple(_input(_name(k, node.key_mark(k), "inputs"), v, node.key_mark(k)) for k, v in fields.items())


def _functions(node: Node | None, inputs: tuple[InputSpec, ...]) -> tuple[FunctionSpec, ...]:
    out = []
    for name, kind in (_fields(node, "functions") if node else {}).items():
        assert node is not None
        mark = node.key_mark(name)
        _name(name, mark, "functions")
        if any(spec.name == name for spec in inputs):
            raise InputError("schema.name_clash", mark, name=name)
        out.append(FunctionSpec(name, _choice(kind, f"functions.{name}", FUNCTION_KINDS, None), mark))
    return tuple(out)


def _forward(node: Node) -> tuple[Equation, ...]:
    items = [node] if isinstance(node.value, str) else node.value
    if not isinstance(items, list):
        _fail("schema.expected_string_list", node, field="forward")
    if not items:
        raise InputError("schema.empty", node.mark, field="forward")
    for item in items:
        if not isinstance(item.value, str):
            _fail("schema.expected_string", item, field="forward")
        if not item.value.strip():
            raise InputError("schema.empty", item.mark, field="forward")
    return tuple(Equation(item.value, item.mark, item.is_single_line) for item in items)


def _values(node: Node | None, inputs: tuple[InputSpec, ...]) -> tuple[dict[str, tuple[numpy.ndarray, Mark]], dict[str, Any]]:
    """The fixed values by input, and how the drawn ones are drawn (their ``default`` is a fixed value)."""
    shapes = {spec.name: spec.shape for spec in inputs}
    values: dict[str, tuple[numpy.ndarray, Mark]] = {}
    draws: dict[str, Any] = {}
    for key, value in (_fields(node, "values") if node else {}).items():
        assert node is not None
        name = canonical_name(key)
        if name not in shapes:
            raise InputError("schema.value_unknown", node.key_mark(key), name=key, inputs=", ".join(shapes))
        if teaching.is_draw(value):
            draws[name] = teaching.parse_draw(value, name, shapes[name], _array)
        else:
            values[name] = (_array(value, name), value.mark)
    if draws:
        from backprop_cli.exercise.variants import default_values

        values = {**default_values(draws), **values}
    return values, draws


def _questions(node: Node) -> tuple[Question, ...]:
    if not node.is_seq:
        _fail("schema.expected_list", node, field="questions")
    if not node.value:
        raise InputError("schema.empty", node.mark, field="questions")
    questions: list[Question] = []
    seen: dict[tuple[str, str], Mark] = {}
    for item in node.value:
        q = _question(item)
        first = seen.setdefault((q.kind, _compact(q.target)), q.mark)
        if first is not q.mark:
            raise InputError("schema.duplicate_question", q.mark, target=q.target, line=first.line)
        questions.append(q)
    return tuple(questions)


def _tolerance(node: Node | None) -> dict[str, float]:
    tolerance = {"rtol": 0.02, "atol": 0.005}
    for key, value in (_fields(node, "tolerance", ("rtol", "atol")) if node else {}).items():
        tolerance[key] = _number(value, key)
        if not 0 <= tolerance[key] < math.inf:
            _fail("schema.negative", value, field=key)
    return tolerance
