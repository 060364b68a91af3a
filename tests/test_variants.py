"""Numbers of one's own (SPEC 7.5): drawn values seeded by the student's name, used by check, init,
solve and grade, named in every report, and copied numbers caught."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import backprop_cli
from backprop_cli.errors import InputError
from backprop_cli.exercise.model import load_exercise
from backprop_cli.exercise.variants import for_student

from conftest import ROOT

DRAWN = """\
id: drawn
title: q = x + y, f = q z
inputs: {x: scalar, y: scalar, z: scalar, w: [1, 3]}
forward:
  - q = x + y
  - f = q * z + sum(w)
loss: f
values:
  x: {random: integer, range: [-5, 5], default: -2}
  y: {random: real, range: [-2, 2], digits: 1}
  z: -4
  w: {random: integer, range: [1, 3]}
questions:
  - {value: q}
  - df/dq
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def reference_values(exercise, student):
    """The reference number of every non-shape question for ``student``, through the API."""
    sol = backprop_cli.solve(exercise, student=student)
    return {q.question: float(np.asarray(q.value).reshape(-1)[0]) for q in sol.questions if q.value is not None}


def as_answers(values: dict, ex) -> str:
    kinds = {q.target: q.kind for q in ex.questions}
    lines = ["answers:"] + [f"  {k}: {v:g}" for k, v in values.items() if kinds[k] == "derivative"]
    lines += ["values:"] + [f"  {k}: {v:g}" for k, v in values.items() if kinds[k] == "value"]
    return "\n".join(lines) + "\n"


def test_draws_are_seeded_by_name_within_range(tmp_path):
    """The same name gives the same numbers, other names others; integers and rounded reals in range."""
    ex = load_exercise(write(tmp_path / "drawn.yaml", DRAWN))
    assert float(ex.values["x"][0]) == -2.0 and "x" in ex.draws           # default: the seed's number
    ana, ana2 = for_student(ex, "ana"), for_student(load_exercise(str(tmp_path / "drawn.yaml")), "ana")
    assert all(np.array_equal(ana.values[n][0], ana2.values[n][0]) for n in ("x", "y", "w"))
    draws = [for_student(ex, f"s{k}") for k in range(30)]
    xs = {float(v.values["x"][0]) for v in draws}
    assert len(xs) > 3 and all(-5 <= x <= 5 and x == int(x) for x in xs)
    ys = [float(v.values["y"][0]) for v in draws]
    assert all(-2 <= y <= 2 and round(y, 1) == y for y in ys)
    assert all(v.values["w"][0].shape == (1, 3) and float(v.values["z"][0]) == -4.0 for v in draws)
    assert ana.variant == "ana" and ex.variant is None


@pytest.mark.parametrize("spec, key", [
    pytest.param("{random: integer, range: [5, -5]}", "schema.draw_range", id="reversed-range"),
    pytest.param("{random: integer, range: [-5, 5], digits: 1}", "schema.draw_digits", id="digits-on-integer"),
    pytest.param("{random: normal, range: [-5, 5]}", "schema.bad_choice", id="unknown-kind"),
])
def test_bad_draws_are_schema_errors(tmp_path, spec, key):
    """A draw with a bad range, digits on integers or an unknown kind is an error at its place."""
    text = DRAWN.replace("{random: integer, range: [-5, 5], default: -2}", spec)
    with pytest.raises(InputError) as err:
        load_exercise(write(tmp_path / "drawn.yaml", text))
    assert err.value.key == key


def test_draw_of_named_size_needs_a_default(tmp_path):
    """An input with a dimension name has no size to draw without a default."""
    text = DRAWN.replace("w: [1, 3]}", "w: [1, n]}")
    with pytest.raises(InputError) as err:
        load_exercise(write(tmp_path / "drawn.yaml", text))
    assert err.value.key == "schema.draw_needs_shape"


def test_bank_keeps_the_seed_numbers_by_default():
    """Without a student the bank's value exercises use the seeds' numbers (f = (x + y)z = −12 at −2, 5, −4)."""
    values = reference_values("cs231n-simple", None)
    assert values["f"] == -12.0 and values["q"] == 3.0
    for ex_id in ("cs231n-simple", "staged-backprop", "logistic-neuron", "colah-graph", "sigmoid-derivative"):
        assert backprop_cli.load_exercise(ex_id).draws, ex_id


def test_check_student_grades_own_numbers_and_names_the_variant(tmp_path, run):
    """check --student grades against the student's numbers and every format names the variant."""
    ex = backprop_cli.load_exercise("cs231n-simple")
    own = reference_values("cs231n-simple", "ana")
    path = write(tmp_path / "ana.yaml", as_answers(own, ex))
    res = run("check", "cs231n-simple", "--answers", path, "--student", "ana")
    assert res.exit_code == 0, res.output
    assert "variant: ana" in res.output and "your numbers: x = " in res.output
    data = json.loads(run("check", "cs231n-simple", "--answers", path, "--student", "ana", "--format", "json").output)
    assert data["variant"] == "ana" and data["passed"]
    assert "variant: ana" in run("check", "cs231n-simple", "--answers", path, "--student", "ana",
                                 "--format", "github").output
    assert 'name="variant" value="ana"' in run("check", "cs231n-simple", "--answers", path, "--student", "ana",
                                               "--format", "junit").output


def test_seed_numbers_are_caught_in_a_variant(run, tmp_path):
    """A student who hands in the worked example's numbers is told they are not of their variant."""
    res = run("check", "cs231n-simple", "--answers", str(ROOT / "solutions" / "cs231n-simple.yaml"),
              "--student", "ana", "--format", "json")
    assert res.exit_code == 1
    flagged = [r for r in json.loads(res.output)["results"] if "worked example" in r["message"]]
    assert len(flagged) >= 2 and all(r["points"] == 0 for r in flagged)


def test_init_and_solve_use_the_students_numbers(run):
    """init --student writes the student's numbers into the template; solve --student computes with them."""
    ex = for_student(backprop_cli.load_exercise("cs231n-simple"), "ana")
    x, y, z = (float(ex.values[n][0]) for n in "xyz")
    template = run("init", "cs231n-simple", "--student", "ana", "-o", "-").output
    assert f"# Your numbers (variant ana): x = {x:g}, y = {y:g}, z = {z:g}" in template
    data = json.loads(run("solve", "cs231n-simple", "--student", "ana", "--format", "json").output)
    values = {q["question"]: q["value"] for q in data["questions"]}
    assert values["q"] == x + y and values["f"] == (x + y) * z


def test_class_with_variants_catches_copied_numbers(run, tmp_path):
    """In grade, two students who hand in a neighbour's numbers get them marked as another variant's."""
    ex = backprop_cli.load_exercise("cs231n-simple")
    names = ["ana", "bob", "cem", "dan"]
    own = {n: reference_values("cs231n-simple", n) for n in names}
    assert own["ana"] != own["bob"] and own["ana"] != own["cem"]
    subs = tmp_path / "subs"
    write(subs / "ana" / "cs231n-simple.yaml", as_answers(own["ana"], ex))
    write(subs / "dan" / "cs231n-simple.yaml", as_answers(own["dan"], ex))
    write(subs / "bob" / "cs231n-simple.yaml", as_answers(own["ana"], ex))      # copied from ana
    write(subs / "cem" / "cs231n-simple.yaml", as_answers(own["dan"], ex))      # copied from dan
    bank = tmp_path / "bank"
    bank.mkdir()
    shutil.copy(ROOT / "exercises" / "cs231n-simple.yaml", bank)
    res = run("grade", str(subs), "--exercises", str(bank), "--format", "json")
    rows = {s["student"]: s["exercises"][0] for s in json.loads(res.output)["students"]}

    def copied_from(row):
        return {r["message"].split("(")[1].split(")")[0] for r in row["results"] if "another variant" in r["message"]}

    assert rows["ana"]["score"] == rows["ana"]["max_score"] and not copied_from(rows["ana"])
    assert rows["dan"]["score"] == rows["dan"]["max_score"] and not copied_from(rows["dan"])
    assert copied_from(rows["bob"]) == {"ana"} and rows["bob"]["score"] < rows["bob"]["max_score"]
    assert copied_from(rows["cem"]) == {"dan"} and rows["cem"]["score"] < rows["cem"]["max_score"]
    assert {r["variant"] for r in rows.values()} == set(names)
    report = backprop_cli.check("cs231n-simple", str(subs / "bob" / "cs231n-simple.yaml"), student="bob",
                                classmates=names)
    copied = [r for r in report.results if r.message == "result.other_variant"]
    assert copied and all(r.status == "incorrect" and r.points == 0 and r.args["variant"] == "ana" for r in copied)


def test_validate_checks_a_sample_of_variants(tmp_path, run):
    """A drawn range where some variant divides by zero fails validate."""
    text = DRAWN.replace("f = q * z + sum(w)", "f = q * z + sum(w) + 1 / x").replace(
        "{random: integer, range: [-5, 5], default: -2}", "{random: integer, range: [0, 0], default: -2}").replace(
        "  - df/dq\n", "  - df/dq\n  - df/dx\n")
    res = run("validate", write(tmp_path / "drawn.yaml", text))
    assert res.exit_code == 1
    assert "not finite" in res.output + res.stderr
    assert run("validate", write(tmp_path / "ok" / "drawn.yaml", DRAWN)).exit_code == 0


def test_solve_names_the_variant(run):
    """solve --student names the variant in JSON and on the terminal."""
    data = json.loads(run("solve", "cs231n-simple", "--student", "ana", "--format", "json").output)
    assert data["variant"] == "ana"
    assert "Variant: ana" in run("solve", "cs231n-simple", "--student", "ana").output
    assert json.loads(run("solve", "cs231n-simple", "--format", "json").output)["variant"] is None
