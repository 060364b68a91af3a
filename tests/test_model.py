"""Tests for backprop_cli.exercise.model: the exercise file as typed data and its schema errors (answers files: test_answers.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.answers import match_answers, parse_answers
from backprop_cli.exercise.model import EXERCISE_KEYS, Exercise, load_exercise, normalize_key, parse_exercise
from backprop_cli.exercise.yamlio import load_yaml_text

SPEC_EXERCISE = """\
id: affine                    # unique; lowercase letters, digits, hyphens
title: Affine transformation
source: GINN SS24, Übung zur Backpropagation     # optional, free text
tags: [layers, matrix]        # optional
difficulty: 2                 # optional, 1..5
description: |                # optional, Markdown; shown by check/solve/init
  Forward: c = aW + b. Give the gradients of J and their shapes.
inputs:                       # leaves of the graph, in order
  a: [1, n]                   # shape: scalar | [rows, cols] with ints or dimension names
  W: [n, m]
  b: {shape: [1, m]}          # long form; also: domain, role
functions:                    # optional: declared abstract functions
  f: elementwise
  F: opaque
forward:                      # ordered equations in the formula language (section 5)
  - c = a @ W + b
loss: J
layout: gradient
values:                       # optional concrete inputs: numbers or nested lists
  # a: [[1, 2, 3]]
questions:
  - dJ/da
  - {derivative: dJ/dW, points: 2, hint: "Which shape must dJ/dW have?"}
  - {shape: dJ/dW}
  - {shape: dc/da}
answers_may_use: downstream
tolerance: {rtol: 0.02, atol: 0.005}
"""

def write(tmp_path: Path, text: str, name: str = "ex.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def parse(text: str) -> Exercise:
    return parse_exercise(load_yaml_text(text, "e.yaml"), "e.yaml")


def test_spec_example_loads(tmp_path):
    """The example of SPEC section 3 loads with every field typed."""
    ex = load_exercise(write(tmp_path, SPEC_EXERCISE))
    assert (ex.id, ex.title, ex.difficulty, ex.tags) == ("affine", "Affine transformation", 2, ("layers", "matrix"))
    assert ex.source == "GINN SS24, Übung zur Backpropagation"
    assert ex.description.startswith("Forward: c = aW + b.")
    assert [(i.name, i.shape, i.domain, i.role) for i in ex.inputs] == [
        ("a", (1, "n"), "real", "input"), ("W", ("n", "m"), "real", "input"), ("b", (1, "m"), "real", "input")]
    assert [(f.name, f.kind) for f in ex.functions] == [("f", "elementwise"), ("F", "opaque")]
    assert [e.text for e in ex.forward] == ["c = a @ W + b"]
    assert (ex.loss, ex.layout, ex.answers_may_use, ex.values) == ("J", "gradient", "downstream", {})
    assert [(q.kind, q.target, q.points, q.hint) for q in ex.questions] == [
        ("derivative", "dJ/da", 1.0, None), ("derivative", "dJ/dW", 2.0, "Which shape must dJ/dW have?"),
        ("shape", "dJ/dW", 1.0, None), ("shape", "dc/da", 1.0, None)]
    assert (ex.rtol, ex.atol, ex.path) == (0.02, 0.005, ex.path)


def test_marks_point_into_the_file(tmp_path):
    """Inputs, equations, the loss and questions keep the marks of where they were written."""
    path = write(tmp_path, SPEC_EXERCISE)
    ex = load_exercise(path)
    assert ex.inputs[1].mark == Mark(path, 10, 3)
    assert (ex.forward[0].mark, ex.forward[0].exact) == (Mark(path, 16, 5), True)
    assert ex.loss_mark == Mark(path, 17, 7)
    assert ex.questions[1].mark == Mark(path, 23, 18)


BASE = {"id": "affine", "title": "Affine", "inputs": "{a: [1, n], W: [n, m]}", "forward": "c = a @ W",
        "loss": "J", "questions": "[dJ/da]"}


def exercise_text(extra: str = "", **changes) -> str:
    """The minimal exercise, one field per line, with fields changed (None removes one) and lines appended."""
    fields = {**BASE, **changes}
    return "".join(f"{k}: {v}\n" for k, v in fields.items() if v is not None) + extra


def test_defaults():
    """Optional fields get their documented defaults."""
    ex = parse(exercise_text())
    assert (ex.source, ex.tags, ex.difficulty, ex.description, ex.functions) == (None, (), None, "", ())
    assert (ex.layout, ex.answers_may_use, ex.rtol, ex.atol, ex.values) == ("gradient", "downstream", 0.02, 0.005, {})
    assert ex.forward[0].mark == Mark("e.yaml", 4, 10)


def test_long_form_input_and_shapes():
    """The long form sets domain and role; shapes keep ints and names as written."""
    ex = parse(exercise_text(inputs="{x: {shape: [3, 1], domain: positive, role: parameter}, s: scalar, y: ['2', k]}"))
    assert [(i.name, i.shape, i.domain, i.role) for i in ex.inputs] == [
        ("x", (3, 1), "positive", "parameter"), ("s", (), "real", "input"), ("y", (2, "k"), "real", "input")]


def test_values_become_float_arrays_as_written():
    """Values are float64 arrays with the nesting written: a number is 0-d, a list 1-d, a list of lists 2-d."""
    ex = parse(exercise_text("values: {a: [[1, 2]], W: [1, 2.5], s: 3}\n", inputs="{a: [1, n], W: [n, m], s: scalar}"))
    assert {k: (v.shape, v.dtype) for k, (v, _) in ex.values.items()} == {
        "a": ((1, 2), np.float64), "W": ((2,), np.float64), "s": ((), np.float64)}
    assert ex.values["s"][0] == 3.0
    assert ex.values["a"][1] == Mark("e.yaml", 7, 13)


def test_numbers_written_as_yaml11_text_are_accepted():
    """1e-3, which YAML 1.1 reads as text, is a number in tolerance and values."""
    ex = parse(exercise_text("values: {a: [[1e-3, 2]]}\ntolerance: {atol: 1e-3}\n"))
    assert (ex.atol, ex.values["a"][0][0, 0]) == (0.001, 0.001)


def test_single_equation_and_partial_question_targets():
    """forward may be one string, and questions may use ∂ and shape or value of a node."""
    ex = parse(exercise_text(forward="'c = a @ W'", questions="['∂J/∂a', {shape: c}, {value: c}, {shape: dc/da}]"))
    assert len(ex.forward) == 1 and ex.forward[0].exact
    assert [(q.kind, q.target) for q in ex.questions] == [
        ("derivative", "∂J/∂a"), ("shape", "c"), ("value", "c"), ("shape", "dc/da")]


REJECTIONS = [
    # (extra lines, field changes, message key, text the mark points at; None means 1:1)
    pytest.param("questoins: [x]\n", {}, "schema.unknown_key_suggest", "questoins", id="unknown-top-key"),
    pytest.param("zzz: 1\n", {}, "schema.unknown_key", "zzz", id="unknown-top-key-no-suggestion"),
    pytest.param("", {"id": None}, "schema.missing_field", None, id="missing-id"),
    pytest.param("", {"questions": None}, "schema.missing_field", None, id="missing-questions"),
    pytest.param("", {"id": "Affine_1"}, "schema.bad_id", "Affine_1", id="bad-id"),
    pytest.param("", {"id": "[a]"}, "schema.expected_string", "[a]", id="id-not-string"),
    pytest.param("", {"title": "''"}, "schema.empty", "'\n", id="empty-title"),
    pytest.param("", {"inputs": "{}"}, "schema.empty", "{}", id="no-inputs"),
    pytest.param("", {"inputs": "[a, W]"}, "schema.expected_mapping", "[a, W]", id="inputs-list"),
    pytest.param("", {"inputs": "{a: [1, n, 2]}"}, "schema.bad_shape", "[1, n, 2]", id="three-dims"),
    pytest.param("", {"inputs": "{a: vector}"}, "schema.bad_shape", "vector", id="shape-word"),
    pytest.param("", {"inputs": "{a: [0, n]}"}, "schema.bad_dim", "0, n", id="zero-dim"),
    pytest.param("", {"inputs": "{a: [1, 2n]}"}, "schema.bad_dim", "2n", id="bad-dim-name"),
    pytest.param("", {"inputs": "{a: [1, true]}"}, "schema.bad_dim", "true", id="bool-dim"),
    pytest.param("", {"inputs": "{a: {shape: [1, n], domain: complex}}"}, "schema.bad_choice", "complex", id="domain"),
    pytest.param("", {"inputs": "{a: {shape: scalar, role: weight}}"}, "schema.bad_choice", "weight", id="role"),
    pytest.param("", {"inputs": "{a: {domain: positive}}"}, "schema.missing_field", "{domain", id="long-form-no-shape"),
    pytest.param("", {"inputs": "{a: {shape: scalar, rol: target}}"}, "schema.unknown_key_suggest", "rol", id="input-key"),
    pytest.param("", {"inputs": "{1a: [1, n]}"}, "schema.bad_name", "1a", id="input-name"),
    pytest.param("functions: {f: smooth}\n", {}, "schema.bad_choice", "smooth", id="function-kind"),
    pytest.param("functions: {f: }\n", {}, "schema.bad_choice", "}", id="function-kind-missing"),
    pytest.param("functions: {a: opaque}\n", {}, "schema.name_clash", "a: opaque", id="function-is-input"),
    pytest.param("functions: [f]\n", {}, "schema.expected_mapping", "[f]", id="functions-list"),
    pytest.param("", {"forward": "[c = a @ W, 3]"}, "schema.expected_string", "3]", id="equation-number"),
    pytest.param("", {"forward": "{c: a}"}, "schema.expected_string_list", "{c: a}", id="forward-mapping"),
    pytest.param("", {"forward": "[]"}, "schema.empty", "[]", id="forward-empty"),
    pytest.param("", {"forward": "['  ']"}, "schema.empty", "  ']", id="equation-blank"),
    pytest.param("", {"loss": "[J]"}, "schema.expected_string", "[J]", id="loss-list"),
    pytest.param("", {"loss": "J K"}, "schema.bad_name", "J K", id="loss-name"),
    pytest.param("layout: numerators\n", {}, "schema.bad_choice", "numerators", id="layout"),
    pytest.param("answers_may_use: all\n", {}, "schema.bad_choice", "all", id="answers-may-use"),
    pytest.param("difficulty: 6\n", {}, "schema.difficulty", "6", id="difficulty-high"),
    pytest.param("difficulty: true\n", {}, "schema.difficulty", "true", id="difficulty-bool"),
    pytest.param("difficulty: easy\n", {}, "schema.difficulty", "easy", id="difficulty-word"),
    pytest.param("tags: layers\n", {}, "schema.expected_list", "layers", id="tags-string"),
    pytest.param("tags: [[a]]\n", {}, "schema.expected_string", "[a]]", id="tag-list"),
    pytest.param("", {"questions": "[]"}, "schema.empty", "[]", id="no-questions"),
    pytest.param("", {"questions": "dJ/da"}, "schema.expected_list", "dJ/da", id="questions-string"),
    pytest.param("", {"questions": "[{shape: dJ/dW, value: c}]"}, "schema.question_kind", "{shape", id="two-kinds"),
    pytest.param("", {"questions": "[{points: 2}]"}, "schema.question_kind", "{points", id="no-kind"),
    pytest.param("", {"questions": "[{derivative: dJ/da, points: 0}]"}, "schema.points", "0}", id="zero-points"),
    pytest.param("", {"questions": "[{derivative: dJ/da, points: x}]"}, "schema.expected_number", "x}", id="points-word"),
    pytest.param("", {"questions": "[{derivative: dJ/da, hints: x}]"}, "schema.unknown_key_suggest", "hints", id="hints"),
    pytest.param("", {"questions": "[[dJ/da]]"}, "schema.question_form", "[dJ/da]]", id="question-list"),
    pytest.param("", {"questions": "[J/a]"}, "schema.bad_target", "J/a", id="target-no-d"),
    pytest.param("", {"questions": "[{derivative: c}]"}, "schema.bad_target", "c}", id="derivative-of-name"),
    pytest.param("", {"questions": "[dJ/da, d J/d a]"}, "schema.duplicate_question", "d J", id="duplicate-question"),
    pytest.param("values: {x: 1}\n", {}, "schema.value_unknown", "x: 1", id="value-not-input"),
    pytest.param("values: {a: [[1, 2], [3]]}\n", {}, "schema.value_ragged", "[3]", id="ragged"),
    pytest.param("values: {a: [[1, 2], 3]}\n", {}, "schema.value_ragged", "3]", id="ragged-mixed"),
    pytest.param("values: {a: [[1, true]]}\n", {}, "schema.value_not_number", "true", id="value-bool"),
    pytest.param("values: {a: [[1, x]]}\n", {}, "schema.value_not_number", "x]", id="value-word"),
    pytest.param("values: {a: [[1, .nan]]}\n", {}, "schema.value_not_finite", ".nan", id="value-nan"),
    pytest.param("values: {a: [[[[1]]]]}\n", {}, "schema.value_too_deep", "[1]", id="value-deep"),
    pytest.param("values: {a: []}\n", {}, "schema.value_empty", "[]", id="value-empty"),
    pytest.param("values: {a: [" + "0, " * 10_000 + "7, 0]}\n", {}, "schema.value_too_many", "7,", id="too-many"),
    pytest.param("tolerance: {rtol: -1}\n", {}, "schema.negative", "-1", id="negative-rtol"),
    pytest.param("tolerance: {rtol: 0.1, btol: 1}\n", {}, "schema.unknown_key_suggest", "btol", id="tolerance-key"),
    pytest.param("tolerance: 0.1\n", {}, "schema.expected_mapping", "0.1", id="tolerance-number"),
]


@pytest.mark.parametrize(("extra", "changes", "key", "needle"), REJECTIONS)
def test_schema_rejections(extra, changes, key, needle):
    """Each schema violation is an InputError with its message key, at the offending node."""
    text = exercise_text(extra, **changes)
    with pytest.raises(InputError) as info:
        parse(text)
    pos = text.rindex(needle) if needle else 0
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    assert (info.value.key, info.value.mark) == (key, Mark("e.yaml", line, col))


def test_unknown_key_suggests_the_closest_key():
    """An unknown top-level key names the closest known key and lists the allowed ones."""
    with pytest.raises(InputError) as info:
        parse(exercise_text("questoins: [x]\n"))
    assert info.value.args_["closest"] == "questions"
    assert "(did you mean 'questions'?)" in str(info.value)
    assert all(k in info.value.args_["allowed"] for k in EXERCISE_KEYS)


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="empty"), pytest.param("- a\n- b\n", id="list"), pytest.param("just text", id="scalar")],
)
def test_exercise_must_be_a_mapping(text):
    """A document that is not a mapping is rejected at 1:1."""
    with pytest.raises(InputError) as info:
        parse(text)
    assert (info.value.key, info.value.mark) == ("schema.not_mapping", Mark("e.yaml", 1, 1))


def test_yaml_errors_surface_through_load_exercise(tmp_path):
    """load_exercise passes on YAML problems such as a duplicate key, with the file's path."""
    path = write(tmp_path, exercise_text("loss: L\n"))
    with pytest.raises(InputError) as info:
        load_exercise(path)
    assert (info.value.key, info.value.mark) == ("yaml.duplicate_key", Mark(path, 7, 1))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("dJ/da", "dJ/da", id="plain"),
        pytest.param("∂J/∂a", "dJ/da", id="partial"),
        pytest.param(" d J / d a ", "dJ/da", id="spaces"),
        pytest.param("∂L/∂z1", "dL/dz1", id="digits"),
        pytest.param("dJ/d\u0061\u0301", "dJ/d\u00e1", id="nfc"),
        pytest.param("c", "c", id="node"),
    ],
)
def test_normalize_key(text, key):
    """Keys compare without whitespace, in NFC, with ∂ read as d."""
    assert normalize_key(text) == key


hypothesis = pytest.importorskip("hypothesis")
import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=8),
                    st.sampled_from(["scalar", "dJ/da", "n", "real", "opaque", "c = a @ W", "J", "a", "²"]))
KEYS = st.one_of(st.sampled_from([*EXERCISE_KEYS, "a", "W", "shape", "domain", "derivative", "points", "rtol"]),
                 st.text(max_size=5))
DATA = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(KEYS, c, max_size=5), max_leaves=20)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.dictionaries(st.sampled_from(EXERCISE_KEYS), DATA, max_size=5), submitted=DATA)
def test_any_document_loads_or_raises_input_error(changes, submitted):
    """No exercise or answers document, however wrong, escapes as anything but an InputError."""
    doc = {"id": "x", "title": "t", "inputs": {"a": [1, "n"]}, "forward": "c = a", "loss": "J",
           "questions": ["dJ/da"], **changes}
    try:
        ex = parse_exercise(load_yaml_text(yaml.safe_dump(doc, allow_unicode=True), "e.yaml"), "e.yaml")
        match_answers(ex, parse_answers(load_yaml_text(yaml.safe_dump(submitted, allow_unicode=True), "a.yaml"), "a.yaml"))
    except InputError as err:
        assert str(err)
