"""Answers files (exercise/answers.py): reading them (SPEC section 4) and matching their keys to the
exercise's questions, with warnings as message keys."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.answers import Answers, load_answers, match_answers, parse_answers
from backprop_cli.exercise.yamlio import load_yaml_text
from backprop_cli.messages import message
from test_model import SPEC_EXERCISE, exercise_text, parse, write

SPEC_ANSWERS = """\
exercise: affine
answers:
  dJ/da: dJ/dc @ W^T
  dJ/dW: a^T @ dJ/dc
  dJ/db: dJ/dc
shapes:
  dJ/dW: n x m
  dc/da: m × n
values:
  # c: [[0.5, -1.0]]
"""


def answers(text: str) -> Answers:
    """The answers file ``text`` (as a.yaml), read but not matched."""
    return parse_answers(load_yaml_text(text, "a.yaml"), "a.yaml")


def test_spec_answers_load(tmp_path):
    """The answers example of SPEC section 4 loads; an empty section is empty."""
    ans = load_answers(write(tmp_path, SPEC_ANSWERS, "a.yaml"))
    assert ans.exercise == "affine"
    assert {k: e.text for k, e in ans.answers.items()} == {"dJ/da": "dJ/dc @ W^T", "dJ/dW": "a^T @ dJ/dc", "dJ/db": "dJ/dc"}
    assert {k: e.text for k, e in ans.shapes.items()} == {"dJ/dW": "n x m", "dc/da": "m × n"}
    assert ans.values == {} and ans.warnings == ()


def test_answer_entries_of_every_kind():
    """Numbers become their text, lists become arrays, and empty answers have neither."""
    ans = answers("answers:\n  a: 6\n  b: -4.0\n  c:\n  d: ''\n  e: '  dJ/dc'\nvalues:\n  v: [[0.5, -1.0]]\n")
    got = {k: (e.text, e.array) for k, e in ans.answers.items()}
    assert got == {"a": ("6", None), "b": ("-4.0", None), "c": (None, None), "d": (None, None), "e": ("dJ/dc", None)}
    assert ans.answers["e"].mark == Mark("a.yaml", 6, 9) and ans.answers["e"].exact
    np.testing.assert_array_equal(ans.values["v"].array, np.array([[0.5, -1.0]]))


@pytest.mark.parametrize(
    ("text", "key", "line", "col"),
    [
        pytest.param("answer:\n  dJ/da: x\n", "schema.unknown_key_suggest", 1, 1, id="unknown-section"),
        pytest.param("answers: [dJ/da]\n", "schema.expected_mapping", 1, 10, id="section-list"),
        pytest.param("- dJ/da\n", "schema.not_mapping", 1, 1, id="not-mapping"),
        pytest.param("answers:\n  dJ/da: x\n  dJ/da: y\n", "yaml.duplicate_key", 3, 3, id="duplicate"),
    ],
)
def test_answers_rejections(text, key, line, col):
    """A malformed answers file is an InputError at the offending node."""
    with pytest.raises(InputError) as info:
        answers(text)
    assert (info.value.key, info.value.mark) == (key, Mark("a.yaml", line, col))


@pytest.mark.parametrize(
    ("text", "problem", "entry_text"),
    [
        pytest.param("answers:\n  dJ/da: {x: 1}\n", '{"x": 1}', None, id="mapping-answer"),
        pytest.param("answers:\n  dJ/da: yes\n", "true", None, id="bool-answer"),
        pytest.param("values:\n  c: [[1], [1, 2]]\n", None, "[[1], [1, 2]]", id="ragged-value"),
        pytest.param("answers:\n  dJ/da: [dJ/dc W^T]\n", None, "dJ/dc W^T", id="one-item-list"),
        pytest.param("answers:\n  dJ/da: [0, -1/0.6]\n", None, "[0, -1/0.6]", id="list-with-fraction"),
    ],
)
def test_one_bad_entry_stays_one_entry(text, problem, entry_text):
    """An entry YAML did not read as an answer is kept as that one entry (graded invalid or read as meant),
    never an error for the whole file (SPEC 4)."""
    ans = answers(text)
    entry = next(iter((ans.answers or ans.values).values()))
    assert (entry.problem is not None and problem in entry.problem) if problem else entry.problem is None
    assert entry.text == entry_text


def test_empty_answers_file_has_no_answers():
    """An empty answers file is valid and answers nothing."""
    ans = answers("# nothing yet\n")
    assert (ans.exercise, ans.answers, ans.shapes, ans.values) == (None, {}, {}, {})


def test_match_answers_keys_by_question_target():
    """Matched answers are keyed by question targets, every question has an entry, and extras are warnings."""
    ex = parse(SPEC_EXERCISE)
    ans = match_answers(ex, answers(SPEC_ANSWERS.replace("dJ/da:", "∂J / ∂a:")))
    assert list(ans.answers) == ["dJ/da", "dJ/dW"]
    assert ans.answers["dJ/da"].text == "dJ/dc @ W^T"
    assert list(ans.shapes) == ["dJ/dW", "dc/da"]
    assert ans.warnings == (("answers.unknown_key", {"name": "dJ/db", "section": "answers", "closest": "dJ/da"},
                             Mark("a.yaml", 5, 10)),)


def test_unanswered_question_is_missing():
    """A question with no key in the answers file gets an empty entry."""
    ans = match_answers(parse(SPEC_EXERCISE), answers("answers:\n  dJ/da: x\n"))
    assert (ans.answers["dJ/dW"].text, ans.answers["dJ/dW"].array) == (None, None)


def test_match_answers_warns_about_wrong_section_and_duplicates_in_any_language():
    """A key under the wrong section and a second key for one question are warnings, as keys any language renders."""
    ex = parse(SPEC_EXERCISE)
    ans = match_answers(ex, answers("answers:\n  dJ/da: x\n  ∂J/∂a: y\n  dc/da: m x n\n"))
    assert ans.answers["dJ/da"].text == "x"
    assert [message(key, "de", **args) for key, args, _ in ans.warnings] == [
        "'∂J/∂a' beantwortet dieselbe Frage wie 'dJ/da' in Zeile 2; bewertet wird nur die erste Antwort",
        "'dc/da' steht unter 'answers', diese Frage gehört aber unter 'shapes'",
    ]


def test_partial_and_total_derivative_questions_stay_apart():
    """When both ∂c/∂a and dc/da are asked, each answer key matches its own question exactly."""
    ex = parse(exercise_text(questions="['∂c/∂a', dc/da]"))
    ans = match_answers(ex, answers("answers:\n  dc/da: total\n  ∂c/∂a: partial\n"))
    assert {k: e.text for k, e in ans.answers.items()} == {"∂c/∂a": "partial", "dc/da": "total"}
    assert ans.warnings == ()


def test_many_unknown_keys_are_summed_up():
    """Past the first 20 warnings, further unknown keys are counted in one last warning."""
    text = "answers:\n" + "".join(f"  k{i}: x\n" for i in range(25))
    ans = match_answers(parse(SPEC_EXERCISE), answers(text))
    assert len(ans.warnings) == 21
    assert ans.warnings[-1][:2] == ("answers.more_warnings", {"count": 5})


def test_answers_for_another_exercise_are_an_error():
    """An exercise: id that differs from the exercise is an InputError at that id."""
    with pytest.raises(InputError) as info:
        match_answers(parse(SPEC_EXERCISE), answers("exercise: dense\n"))
    assert (info.value.key, info.value.mark) == ("answers.exercise_mismatch", Mark("a.yaml", 1, 11))
