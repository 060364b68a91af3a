"""Engine bugs found in review (issue 11), one regression test each: value questions on derivatives,
size-1 values, the binary domain, unknown functions, and non-finite references named by solve/validate."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.errors import FormulaSyntaxError
from backprop_cli.formula.parser import parse
from backprop_cli.exercise.model import load_exercise
from backprop_cli.derive.numeric import draw_value
from backprop_cli.grade.reference import prepare

HEAD = "id: x\ntitle: t\n"


def _write(tmp_path, body, name="x.yaml"):
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return str(path)


def test_value_question_on_a_derivative(run, tmp_path):
    """{value: dc/da}, which docs/authoring.md documents, is accepted and graded by its number."""
    ex = _write(tmp_path, "inputs:\n  a: [1, n]\nforward:\n  - c = 3 a\n  - J = sum(c)\nloss: J\n"
                          "values:\n  a: [[1, 2]]\nquestions:\n  - {value: dc/da}\n")
    right = tmp_path / "right.yaml"
    right.write_text("values:\n  dc/da: [[3, 0], [0, 3]]\n", encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("values:\n  dc/da: [[3, 0], [0, 2]]\n", encoding="utf-8")
    assert run("check", ex, "--answers", str(right)).exit_code == 0
    assert run("check", ex, "--answers", str(wrong)).exit_code == 1


@pytest.mark.parametrize("value, shape", [
    pytest.param("[[2]]", "[1, k]", id="row-of-one"),
    pytest.param("[[2]]", "[k, 1]", id="column-of-one"),
    pytest.param("2", "[1, k]", id="number-for-row-of-one"),
    pytest.param("[[2]]", "[1, 1]", id="one-by-one"),
    pytest.param("[2]", "[1, k]", id="flat-list-of-one"),
])
def test_values_of_size_one(tmp_path, value, shape):
    """Values may give a 1×k row (or k×1 column) with k = 1, and a 1×1 input."""
    path = _write(tmp_path, f"inputs:\n  a: {shape}\nforward:\n  - J = sum(a ⊙ a)\nloss: J\n"
                            f"values:\n  a: {value}\nquestions:\n  - dJ/da\n")
    ref = prepare(load_exercise(path))
    q = ref.questions[0]
    assert float(ref.value(ref.value_trial, q)) == pytest.approx(4.0)


def test_binary_domain_draws_zeros_and_ones():
    """domain: binary (a dropout mask) draws only 0 and 1, and both occur."""
    x = draw_value((20, 20), "binary", np.random.default_rng(0))
    assert set(np.unique(x)) == {0.0, 1.0}


def test_binary_domain_in_an_exercise(run, tmp_path):
    """An exercise with a binary mask validates."""
    path = _write(tmp_path, "inputs:\n  x: [1, n]\n  m: {shape: [1, n], domain: binary}\nforward:\n"
                            "  - h = x ⊙ m\n  - J = sum(h ⊙ h)\nloss: J\nquestions:\n  - dJ/dx\n")
    res = run("validate", path)
    assert res.exit_code == 0, res.output + res.stderr


@pytest.mark.parametrize("text", ["foo(a, 2)", "g(x, (y, z))", "F(a, b) + 1"])
def test_unknown_function_is_named(text):
    """An unknown name called with arguments is an unknown function, not a parser error about commas."""
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text)
    assert info.value.key == "syntax.unknown_function"
    assert info.value.args_["fn"] == text.split("(")[0]


def test_name_before_parenthesis_is_still_a_product():
    """W(x + b) with one argument stays the product W * (x + b)."""
    assert parse("W(x + b)") == parse("W * (x + b)")


NOT_FINITE = ("inputs:\n  x: [1, n]\nforward:\n  - c = exp(x)\n  - J = sum(c ⊙ c)\nloss: J\n"
              "values:\n  x: [[800, 1]]\nquestions:\n  - dJ/dx\n")


@pytest.mark.parametrize("command", ["solve", "validate"])
def test_non_finite_reference_names_the_node(run, tmp_path, command):
    """A reference that overflows at the exercise's values makes solve and validate name the node, exit 1."""
    res = run(command, _write(tmp_path, NOT_FINITE))
    assert res.exit_code == 1, res.output + res.stderr
    assert "'c'" in res.stderr and "not finite" in res.stderr


@pytest.mark.parametrize("text, want", [
    pytest.param("max(a, b)", "max(a, b)", id="elementwise-max"),
    pytest.param("np.max(X, axis=1)", "amax(X, 1)", id="numpy-row-max"),
    pytest.param("torch.min(X, dim=0)", "amin(X, 0)", id="torch-column-min"),
    pytest.param("max(x, 0)", "relu(x)", id="max-with-zero-is-relu"),
    pytest.param("tr(X)", "trace(X)", id="tr"),
])
def test_max_min_spellings(text, want):
    """Two operands compare entries; an axis keyword makes max/min a reduction over that axis."""
    assert parse(text) == parse(want)


def test_forward_steps_show_every_tangent(run):
    """solve --mode forward --steps prints a matrix tangent as δX = … instead of '?'."""
    res = run("solve", "batch-affine", "--steps", "--mode", "forward", "--wrt", "W")
    assert res.exit_code == 0, res.output + res.stderr
    steps = res.output.split("Steps")[1]
    assert "?" not in steps and "δY = X · δW" in steps


def test_wrt_needs_forward_mode(run):
    """--wrt without --mode forward is a usage error."""
    res = run("solve", "dense", "--wrt", "W")
    assert res.exit_code == 2 and "--mode forward" in res.stderr


def test_validate_samples_finite_differences_of_a_large_input(tmp_path, monkeypatch):
    """validate differentiates a 1×100000 input by a bounded sample of its entries, not all of them."""
    from backprop_cli.grade import validate

    path = _write(tmp_path, "inputs:\n  x: [1, 100000]\n  w: [1, 100000]\nforward:\n  - J = sum(tanh(x ⊙ w))\n"
                            "loss: J\nquestions:\n  - dJ/dx\n")
    calls = []
    real = validate._recompute
    monkeypatch.setattr(validate, "_recompute", lambda *a: calls.append(1) or real(*a))
    ref = prepare(load_exercise(path))
    assert validate.check_references(ref) == []
    assert len(calls) <= 2 * validate.MAX_FD_ENTRIES * (len(ref.trials) + 2)


def test_validate_draws_trials_with_a_dimension_of_one():
    """validate also checks trials where one dimension is 1 (a batch of one)."""
    from backprop_cli.grade.validate import _size_one_trials
    from conftest import ROOT

    ref = prepare(load_exercise(str(ROOT / "exercises" / "batch-affine.yaml")))
    sizes = [t.sizes for t in _size_one_trials(ref)]
    assert sizes and all(1 in s.values() for s in sizes)
    assert {d for s in sizes for d, n in s.items() if n == 1} == set(ref.graph.dims)


@pytest.mark.parametrize("exercise, question, formula", [
    pytest.param("linear-regression", "dJ/dr", "r / m", id="collected-factors"),       # was 1/(2m) · ones(m, 1) ⊙ (2r)
    pytest.param("sigmoid-derivative", "ds/dp", "-1 / p^2", id="negative-fraction"),   # was -(1 / p^2)
    pytest.param("softmax-cross-entropy", "dL/dp", "-(y / p)", id="division"),        # was -(y .* (1 / p))
])
def test_references_an_instructor_would_print(run, exercise, question, formula):
    """References collect scalar factors and write divisions as divisions, and still grade correct."""
    from backprop_cli.formula.printers import plain
    from conftest import ROOT

    ref = prepare(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")))
    q = next(q for q in ref.questions if q.key == question and q.kind == "derivative")
    assert plain(q.formula) == formula


def test_sqrt_derivative_is_written_out(tmp_path):
    """sqrt'(v + ε) is printed as 1 / (2 sqrt(v + ε))."""
    from backprop_cli.formula.printers import unicode

    path = _write(tmp_path, "inputs:\n  v: {shape: scalar, domain: positive}\nforward:\n  - J = sqrt(v + 0.5)\n"
                            "loss: J\nquestions:\n  - dJ/dv\n")
    ref = prepare(load_exercise(path))
    assert unicode(ref.questions[0].formula) == "1 / (2 sqrt(v + 0.5))"


def test_a_sum_of_a_name_with_itself_prints_as_twice_it(tmp_path):
    """The gradient of sum(a ⊙ a) is printed 2a (as an instructor writes it), not a + a."""
    path = _write(tmp_path, "inputs:\n  a: [1, k]\nforward:\n  - J = sum(a ⊙ a)\nloss: J\nquestions:\n  - dJ/da\n")
    assert prepare(load_exercise(path)).questions[0].formula == parse("2 * a")
