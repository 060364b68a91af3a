"""Tests for backprop_cli.exercise.schema: the JSON Schemas of the exercise and answers files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from backprop_cli.errors import InputError, UsageError
from backprop_cli.exercise.answers import ANSWERS_KEYS, load_answers, parse_answers
from backprop_cli.exercise.model import EXERCISE_KEYS, load_exercise, parse_exercise
from backprop_cli.exercise.schema import ANSWERS_SCHEMA, EXERCISE_SCHEMA, schema_json
from backprop_cli.exercise.yamlio import load_yaml, load_yaml_text, plain

ROOT = Path(__file__).resolve().parents[1]

SPEC_EXERCISE = """\
id: affine
title: Affine transformation
source: GINN SS24, Übung zur Backpropagation
tags: [layers, matrix]
difficulty: 2
description: |
  Forward: c = aW + b. Give the gradients of J and their shapes.
inputs:
  a: [1, n]
  W: [n, m]
  b: {shape: [1, m]}
functions:
  f: elementwise
  F: opaque
forward:
  - c = a @ W + b
loss: J
layout: gradient
values:
  # a: [[1, 2, 3]]
questions:
  - dJ/da
  - {derivative: dJ/dW, points: 2, hint: "Which shape must dJ/dW have?"}
  - {shape: dJ/dW}
  - {shape: dc/da}
answers_may_use: downstream
tolerance: {rtol: 0.02, atol: 0.005}
"""

FULL_EXERCISE = """\
id: full-example
title: Everything at once
inputs:
  x: {shape: [n, 1], domain: positive, role: input}
  W: {shape: [m, n], role: parameter}
  y: {shape: [m, 1], domain: onehot, role: target}
  s: scalar
forward: z = W @ x
loss: L
layout: numerator
values: {x: [[1], [2]], W: [[1, 2], [3, 4]], y: [[0], [1]], s: 2.5}
questions:
  - ∂L/∂x
  - {value: z, points: 0.5}
answers_may_use: given
tolerance: {atol: 0}
"""

SPEC_ANSWERS = """\
exercise: affine
answers:
  dJ/da: dJ/dc @ W^T
  dJ/dW: a^T @ dJ/dc
  dJ/db: 6
shapes:
  dJ/dW: n x m
  dc/da: m × n
values:
  c: [[0.5, -1.0]]
  d:
"""


@pytest.mark.parametrize(
    ("which", "schema", "keys"),
    [
        pytest.param("exercise", EXERCISE_SCHEMA, EXERCISE_KEYS, id="exercise"),
        pytest.param("answers", ANSWERS_SCHEMA, ANSWERS_KEYS, id="answers"),
    ],
)
def test_schema_json_is_json_with_the_loaders_keys(which, schema, keys):
    """schema_json prints valid JSON whose top-level properties are exactly the keys the loader accepts."""
    document = json.loads(schema_json(which))
    assert document == schema
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(document["properties"]) == set(keys)
    assert document["additionalProperties"] is False


def test_required_exercise_fields():
    """The exercise schema requires the same fields as the loader."""
    assert set(EXERCISE_SCHEMA["required"]) == {"id", "title", "inputs", "forward", "loss", "questions"}


def _properties(node, path="$"):
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}[{i}]")


@pytest.mark.parametrize("schema", [pytest.param(EXERCISE_SCHEMA, id="exercise"), pytest.param(ANSWERS_SCHEMA, id="answers")])
def test_every_property_has_title_and_description(schema):
    """Every property in the schemas has a title and a description, for editor tooltips."""
    missing = [path for path, sub in _properties(schema) if not (sub.get("title") and sub.get("description"))]
    assert missing == []


def test_unknown_schema_is_a_usage_error():
    """Asking for a schema that does not exist is a usage error."""
    with pytest.raises(UsageError) as info:
        schema_json("solution")
    assert info.value.key == "schema.unknown_document"


@pytest.fixture(scope="module")
def jsonschema():
    return pytest.importorskip("jsonschema")


@pytest.mark.parametrize("schema", [pytest.param(EXERCISE_SCHEMA, id="exercise"), pytest.param(ANSWERS_SCHEMA, id="answers")])
def test_schemas_are_valid_draft_2020_12(jsonschema, schema):
    """Both documents are valid JSON Schemas of draft 2020-12."""
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("text", "schema", "parse"),
    [
        pytest.param(SPEC_EXERCISE, EXERCISE_SCHEMA, parse_exercise, id="spec-exercise"),
        pytest.param(FULL_EXERCISE, EXERCISE_SCHEMA, parse_exercise, id="full-exercise"),
        pytest.param(SPEC_ANSWERS, ANSWERS_SCHEMA, parse_answers, id="spec-answers"),
        pytest.param("", ANSWERS_SCHEMA, parse_answers, id="empty-answers"),
    ],
)
def test_schema_and_loader_accept_the_examples(jsonschema, text, schema, parse):
    """The SPEC examples and a file using every option pass both the JSON Schema and the loader."""
    node = load_yaml_text(text, "x.yaml")
    jsonschema.Draft202012Validator(schema).validate(plain(node))
    parse(node, "x.yaml")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("id: affine", "id: Affine", id="bad-id"),
        pytest.param("layout: gradient", "layout: gradients", id="bad-layout"),
        pytest.param("loss: J", "los: J", id="unknown-key"),
        pytest.param("  a: [1, n]", "  a: [1, n, 2]", id="three-dims"),
        pytest.param("  - {shape: dJ/dW}", "  - {shape: dJ/dW, value: c}", id="two-kinds"),
        pytest.param("difficulty: 2", "difficulty: 6", id="difficulty"),
        pytest.param("  f: elementwise", "  f: smooth", id="function-kind"),
        pytest.param("{rtol: 0.02, atol: 0.005}", "{rtol: -1}", id="negative-tolerance"),
    ],
)
def test_schema_and_loader_reject_the_same_mistakes(jsonschema, old, new):
    """A mistake in the SPEC example is rejected by the JSON Schema and by the loader alike."""
    assert old in SPEC_EXERCISE
    node = load_yaml_text(SPEC_EXERCISE.replace(old, new), "x.yaml")
    assert not jsonschema.Draft202012Validator(EXERCISE_SCHEMA).is_valid(plain(node))
    with pytest.raises(InputError):
        parse_exercise(node, "x.yaml")


def _bank_files(folder: str) -> list:
    return [pytest.param(p, id=p.name) for p in sorted((ROOT / folder).glob("*.yaml"))]


@pytest.mark.parametrize("path", _bank_files("exercises"))
def test_bank_exercises_match_the_schema(jsonschema, path):
    """Every exercise of the bank passes the published schema and the loader."""
    jsonschema.Draft202012Validator(EXERCISE_SCHEMA).validate(plain(load_yaml(str(path))))
    load_exercise(str(path))


@pytest.mark.parametrize("path", _bank_files("solutions"))
def test_bank_solutions_match_the_schema(jsonschema, path):
    """Every solution file of the bank passes the published answers schema and the loader."""
    jsonschema.Draft202012Validator(ANSWERS_SCHEMA).validate(plain(load_yaml(str(path))))
    load_answers(str(path))
