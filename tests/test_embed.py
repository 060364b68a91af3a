"""The embedding API (grade/embed.py): one answer at a time, and exercises cached by file version."""
from __future__ import annotations

import os

import pytest

import backprop_cli
from backprop_cli.errors import UsageError
from backprop_cli.grade import embed, reference

from conftest import ROOT


def test_grade_answer_grades_one_formula():
    """A right formula is correct; a wrong one is incorrect with its diagnosis."""
    assert backprop_cli.grade_answer("affine", "dJ/dW", "a^T @ dJ/dc").status == "correct"
    wrong = backprop_cli.grade_answer("affine", "dJ/dW", "dJ/dc^T @ a")
    assert (wrong.status, wrong.diagnosis) == ("incorrect", "transposed")


def test_grade_answer_matches_question_spellings_and_numbers():
    """The question key is matched like an answers-file key, and a shape question takes a shape."""
    assert backprop_cli.grade_answer("affine", "∂J/∂W", "a^T @ dJ/dc").status == "correct"
    assert backprop_cli.grade_answer("affine", "c", "1 x m").status == "correct"


def test_grade_answer_to_an_unknown_question_is_a_usage_error():
    """Asking for a question the exercise does not have names its questions."""
    with pytest.raises(UsageError) as err:
        backprop_cli.grade_answer("affine", "dJ/dz", "a")
    assert "dJ/dW" in err.value.render()


def test_exercise_is_loaded_once_per_file_version(tmp_path):
    """The same unchanged file gives the same exercise object (so its reference is reused); an edit
    (a new modification time) loads it again."""
    path = tmp_path / "affine.yaml"
    text = (ROOT / "exercises" / "affine.yaml").read_text()
    path.write_text(text)
    first = backprop_cli.load_exercise(str(path))
    assert backprop_cli.load_exercise(str(path)) is first
    path.write_text(text.replace("Affine transformation", "Affine map"))
    os.utime(path, ns=(1, 1))
    second = backprop_cli.load_exercise(str(path))
    assert second is not first and "Affine map" in second.title


def test_caches_stay_bounded(tmp_path):
    """Loading many exercise files keeps at most the caches' sizes of exercises and prepared references."""
    text = (ROOT / "exercises" / "affine.yaml").read_text()
    for i in range(embed.MAX_EXERCISES + 5):
        path = tmp_path / f"affine{i}.yaml"
        path.write_text(text)
        backprop_cli.check(str(path), str(ROOT / "solutions" / "affine.yaml"))
    assert len(embed._exercises) <= embed.MAX_EXERCISES
    assert len(reference._cache) <= reference.MAX_PREPARED
