"""Lets you hand an editor the JSON Schema of an exercise file or an answers file (``backprop schema``).

The schemas describe what :mod:`backprop_cli.exercise.model` accepts (SPEC sections 3 and 4), so an editor
with a YAML language server can complete keys and flag mistakes while an instructor or a student
types. The loader stays the authority: it also checks what JSON Schema cannot say well, such as
duplicate keys and rectangular value lists. Nothing here is used at run time to validate.
"""
from __future__ import annotations

from typing import Any

import json

from backprop_cli.errors import UsageError

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_NAME = "^[A-Za-z_\\u00C0-\\uFFFF][A-Za-z0-9_\\u00C0-\\uFFFF]*$"
_FLOAT_TEXT = "^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$"


def _number(description: str) -> dict[str, Any]:
    return {
        "title": "Number",
        "description": description + " YAML 1.1 reads 1e-3 as text; such text is accepted as a number.",
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": _FLOAT_TEXT}],
    }


def _numbers(title: str, description: str) -> dict[str, Any]:
    return {"title": title, "description": description, "$ref": "#/$defs/numbers"}


_NUMBERS_DEFS = {
    "number": _number("A finite number."),
    "numbers": {
        "title": "Number or nested list of numbers",
        "description": "A number, a list of numbers, or a list of equally long lists of numbers (at most 3 levels, 10000 numbers).",
        "anyOf": [
            {"$ref": "#/$defs/number"},
            {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}},
            {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}}},
            {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1,
                                                       "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}}}},
        ],
    },
}

_DIM = {
    "title": "Dimension",
    "description": "A positive whole number (3) or a dimension name (n, m, B).",
    "anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": _NAME}],
}
_SHAPE = {
    "title": "Shape",
    "description": "'scalar', or [rows, cols] with numbers or dimension names: [1, n] is a row, [n, 1] a column, [n, m] a matrix.",
    "anyOf": [
        {"const": "scalar"},
        {"type": "array", "minItems": 2, "maxItems": 2, "items": _DIM},
    ],
}
_TARGET = "^\\s*([d∂]\\s*[^\\s/]+\\s*/\\s*[d∂]\\s*[^\\s/]+|[^\\s/]+)\\s*$"


_CODES = ["transposed", "dimension-error", "shape-mismatch", "missing-upstream", "sign-error", "constant-factor",
          "missing-path", "elementwise-vs-matrix-product", "operand-order", "missing-activation-derivative",
          "wrong-activation-derivative"]
_SHARE = {"title": "Share", "description": "A share of the question's points, from 0 to 1.", "type": "number",
          "minimum": 0, "maximum": 1}
_PARTIAL = {
    "title": "Partial credit",
    "description": "Diagnosis code -> share of the points an incorrect answer with that diagnosis earns, e.g. {transposed: 0.5}.",
    "type": ["object", "null"], "additionalProperties": False,
    "properties": {code: {**_SHARE, "title": code} for code in _CODES},
}
_CARRY_FORWARD = {"title": "Carry forward",
                  "description": "Credit an answer that is right given the student's own answers to the questions it depends on.",
                  "type": ["boolean", "null"]}
_CARRY_FORWARD_POINTS = {**_SHARE, "title": "Carry-forward share",
                         "description": "The share of the points a carried-forward answer earns (default 1).",
                         "type": ["number", "null"]}
_MISTAKES = {
    "title": "Anticipated mistakes",
    "description": "Wrong answers to expect, matched numerically like a reference; each earns its points and shows its message.",
    "type": ["array", "null"],
    "items": {
        "title": "Mistake", "description": "answer, points and message.", "type": "object",
        "required": ["answer", "points", "message"], "additionalProperties": False,
        "properties": {
            "answer": {"title": "Answer", "description": "The wrong answer, a formula or numbers.",
                       "anyOf": [{"type": ["string", "number"]}, {"$ref": "#/$defs/numbers"}]},
            "points": {"title": "Points", "description": "Points it earns, from 0 to the question's points.",
                       "type": "number", "minimum": 0},
            "message": {"title": "Message", "description": "What the student is told.", "type": "string"},
        },
    },
}
_DRAW = {
    "title": "Drawn value",
    "description": "Numbers drawn per student, seeded by the student's name: {random: integer, range: [-5, 5]} or {random: real, range: [-2, 2], digits: 1}.",
    "type": "object", "required": ["random", "range"], "additionalProperties": False,
    "properties": {
        "random": {"title": "Kind", "description": "integer or real.", "enum": ["integer", "real"]},
        "range": {"title": "Range", "description": "[low, high], both included.", "type": "array", "minItems": 2,
                  "maxItems": 2, "items": {"type": "number"}},
        "digits": {"title": "Digits", "description": "Decimals of a real (default 2).", "type": "integer",
                   "minimum": 0, "maximum": 6},
        "default": _numbers("Default", "The numbers used when no student is named (the seed's numbers)."),
    },
}
_TEXTS = {"title": "Texts by key", "description": "Key -> text.", "type": ["object", "null"],
          "additionalProperties": {"type": "string"}}
_TRANSLATION = {
    "title": "Translation", "description": "The exercise's own texts in one language.",
    "type": ["object", "null"], "additionalProperties": False,
    "properties": {
        "title": {"title": "Title", "description": "The title.", "type": ["string", "null"]},
        "description": {"title": "Description", "description": "The description.", "type": ["string", "null"]},
        "hints": {**_TEXTS, "title": "Hints", "description": "Question -> hint."},
        "mistakes": {"title": "Mistake messages", "description": "Question -> {answer of the mistake -> message}.",
                     "type": ["object", "null"], "additionalProperties": _TEXTS},
    },
}


_FORBID = {
    "title": "Forbidden functions",
    "description": "Functions an answer may not call: softplus' (the built-in derivative), σ (the function itself). On the exercise it applies to every question.",
    "type": ["array", "null"], "items": {"type": "string", "minLength": 1},
}


def _question_kind(kind: str, description: str) -> dict[str, Any]:
    return {"title": kind.capitalize() + " question", "description": description, "type": "string", "pattern": _TARGET}


EXERCISE_SCHEMA: dict[str, Any] = {
    "$schema": _DRAFT,
    "title": "backprop exercise",
    "description": "An exercise for the backprop checker: inputs, forward equations, a loss and questions (SPEC section 3).",
    "type": "object",
    "required": ["id", "title", "inputs", "forward", "loss", "questions"],
    "additionalProperties": False,
    "properties": {
        "id": {"title": "Id", "description": "Unique id: lowercase letters, digits and hyphens, e.g. affine or mlp3-l2.",
               "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "title": {"title": "Title", "description": "A short human-readable title.", "type": "string", "minLength": 1},
        "source": {"title": "Source", "description": "Where the exercise comes from (free text).", "type": ["string", "null"]},
        "tags": {"title": "Tags", "description": "Keywords for `backprop list --tag`.", "type": ["array", "null"],
                 "items": {"title": "Tag", "description": "One keyword.", "type": "string"}},
        "difficulty": {"title": "Difficulty", "description": "From 1 (easy) to 5 (hard).", "type": ["integer", "null"],
                       "minimum": 1, "maximum": 5},
        "description": {"title": "Description", "description": "Markdown shown by check, solve and init.",
                        "type": ["string", "null"]},
        "inputs": {
            "title": "Inputs",
            "description": "The leaves of the graph, in order: name -> shape, or name -> {shape, domain, role}.",
            "type": "object", "minProperties": 1, "propertyNames": {"pattern": _NAME},
            "additionalProperties": {
                "title": "Input",
                "description": "A shape (short form) or a mapping with shape, domain and role (long form).",
                "anyOf": [_SHAPE, {
                    "type": "object", "required": ["shape"], "additionalProperties": False,
                    "properties": {
                        "shape": _SHAPE,
                        "domain": {"title": "Domain", "description": "Where random values are drawn: real (default), positive, nonzero, unit (0..1), onehot, probability or binary (0 or 1, as a dropout mask).",
                                   "enum": ["real", "positive", "nonzero", "unit", "onehot", "probability", "binary", None]},
                        "role": {"title": "Role", "description": "input (default), parameter or target; for display only.",
                                 "enum": ["input", "parameter", "target", None]},
                    },
                }],
            },
        },
        "functions": {
            "title": "Functions",
            "description": "Declared abstract functions: elementwise (answers may use f'(a)) or opaque (local partials are given symbols).",
            "type": ["object", "null"], "propertyNames": {"pattern": _NAME},
            "additionalProperties": {"title": "Function kind", "description": "elementwise or opaque.",
                                     "enum": ["elementwise", "opaque"]},
        },
        "forward": {
            "title": "Forward equations",
            "description": "Ordered equations in the formula language, e.g. 'c = a @ W + b'. One string or a list.",
            "anyOf": [{"type": "string", "minLength": 1},
                      {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}],
        },
        "loss": {"title": "Loss", "description": "The name of the scalar objective. If no equation defines it, its upstream gradients are given.",
                 "type": "string", "pattern": _NAME},
        "layout": {"title": "Layout", "description": "gradient (default): dJ/dX has the shape of X. numerator: Jacobian layout, dJ/dx of a column x is a row.",
                   "enum": ["gradient", "numerator", None]},
        "values": {
            "title": "Values",
            "description": "Optional concrete values of inputs: input name -> number or nested list.",
            "type": ["object", "null"], "propertyNames": {"pattern": _NAME},
            "additionalProperties": {"title": "Value", "description": "Fixed numbers, or numbers drawn per student.",
                                     "anyOf": [_numbers("Value", "The value of one input, as a number or nested list."),
                                               _DRAW]},
        },
        "questions": {
            "title": "Questions",
            "description": "What students answer. A string such as dJ/da asks for a derivative.",
            "type": "array", "minItems": 1,
            "items": {
                "title": "Question",
                "description": "dJ/da, or a mapping with exactly one of derivative, shape, value, and optional points and hint.",
                "anyOf": [
                    _question_kind("derivative", "A derivative question, such as dJ/da or ∂J/∂W."),
                    {
                        "type": "object", "additionalProperties": False,
                        "oneOf": [{"required": ["derivative"]}, {"required": ["shape"]}, {"required": ["value"]}],
                        "properties": {
                            "derivative": _question_kind("derivative", "Asks for a formula (or a number when values are given): dJ/dW, dc/da."),
                            "shape": _question_kind("shape", "Asks for the shape of a gradient, a Jacobian or a node: dJ/dW, dc/da, c."),
                            "value": _question_kind("value", "Asks for a forward value (needs values): c."),
                            "points": {"title": "Points", "description": "Points for this question (default 1), greater than 0.",
                                       "type": "number", "exclusiveMinimum": 0},
                            "hint": {"title": "Hint", "description": "Shown with a wrong answer.", "type": ["string", "null"]},
                            "may_use": {"title": "May use",
                                        "description": "The derivative symbols an answer to this question may use, replacing answers_may_use for it: [dJ/dc]. [] allows inputs, nodes and numbers only, so the expanded form is demanded.",
                                        "type": ["array", "null"], "items": {"type": "string", "pattern": _TARGET}},
                            "forbid": _FORBID,
                            "mistakes": _MISTAKES,
                            "partial": _PARTIAL,
                            "carry_forward": _CARRY_FORWARD,
                            "carry_forward_points": _CARRY_FORWARD_POINTS,
                        },
                    },
                ],
            },
        },
        "answers_may_use": {"title": "Answers may use",
                            "description": "Besides inputs, nodes, numbers, given symbols and the symbols of the other questions: downstream (default) also the loss gradients of nodes between the asked node and the loss; local also the local derivative dX/dY of every edge; given nothing more.",
                            "enum": ["downstream", "local", "given", None]},
        "forbid": _FORBID,
        "tolerance": {
            "title": "Tolerance",
            "description": "For answers that are plain numbers (default rtol 0.02, atol 0.005).",
            "type": ["object", "null"], "additionalProperties": False,
            "properties": {
                "rtol": {"title": "rtol", "description": "Relative tolerance, at least 0.", "type": "number", "minimum": 0},
                "atol": {"title": "atol", "description": "Absolute tolerance, at least 0.", "type": "number", "minimum": 0},
            },
        },
        "shapes": {
            "title": "Declared shapes",
            "description": "Shapes of nodes, chiefly the outputs of opaque functions (b: [1, m]); by default an opaque output has the shape of the function's first argument. For any other node the declared shape must match the inferred one.",
            "type": ["object", "null"],
            "additionalProperties": _SHAPE,
        },
        "partial": {**_PARTIAL, "title": "Default partial credit",
                    "description": "Diagnosis code -> share, for every question without its own partial."},
        "carry_forward": _CARRY_FORWARD,
        "carry_forward_points": _CARRY_FORWARD_POINTS,
        "aliases": {"title": "Aliases",
                    "description": "The source's own notation: symbol -> what it stands for, a name, the loss, a declared function or a derivative symbol (δ: dJ/dc, dxpy: df/dxpy, ŷ: yhat). An alias may not be a name of the exercise.",
                    "type": ["object", "null"], "additionalProperties": {"type": "string"}},
        "translations": {"title": "Translations", "description": "Language (de, ru, en) -> the exercise's texts.",
                         "type": ["object", "null"], "additionalProperties": False,
                         "properties": {lang: {**_TRANSLATION, "title": lang} for lang in ("en", "de", "ru")}},
    },
    "$defs": _NUMBERS_DEFS,
}

_ANSWER = {
    "title": "Answer",
    "description": "A formula such as 'dJ/dc @ W^T', a number, a nested list of numbers, or empty (missing).",
    "anyOf": [{"type": ["string", "number", "null"]}, {"$ref": "#/$defs/numbers"}],
}

ANSWERS_SCHEMA: dict[str, Any] = {
    "$schema": _DRAFT,
    "title": "backprop answers",
    "description": "A student's answers to one exercise (SPEC section 4). Keys are the exercise's question keys.",
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {
        "exercise": {"title": "Exercise", "description": "The id of the exercise; if present it must match.",
                     "type": ["string", "null"]},
        "answers": {"title": "Answers", "description": "Formulas or numbers for derivative questions: dJ/da: dJ/dc @ W^T.",
                    "type": ["object", "null"], "additionalProperties": _ANSWER},
        "shapes": {"title": "Shapes", "description": "Answers to shape questions: dJ/dW: n x m.",
                   "type": ["object", "null"], "additionalProperties": _ANSWER},
        "values": {"title": "Values", "description": "Answers to value questions: c: [[0.5, -1.0]].",
                   "type": ["object", "null"], "additionalProperties": _ANSWER},
    },
    "$defs": _NUMBERS_DEFS,
}

SCHEMAS = {"exercise": EXERCISE_SCHEMA, "answers": ANSWERS_SCHEMA}


def schema_json(which: str = "exercise") -> str:
    """The JSON Schema of the ``exercise`` or ``answers`` file, as indented JSON text."""
    if which not in SCHEMAS:
        raise UsageError("schema.unknown_document", which=which)
    return json.dumps(SCHEMAS[which], indent=2, ensure_ascii=False) + "\n"
