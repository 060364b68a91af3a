"""Students' other notations (SPEC 5.1): LaTeX, numpy/torch habits and written maths are read as what they
mean; every reference that `solve` prints is graded correct when pasted back; one bad answer never voids
the file (SPEC 4); shapes are read as written (SPEC 6)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import backprop_cli
from backprop_cli.errors import FormulaSyntaxError
from backprop_cli.formula.latex_reader import from_latex
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import latex, plain
from backprop_cli.derive.shapes import parse_shape

ROOT = Path(__file__).resolve().parents[1]
BANK = sorted(p.stem for p in (ROOT / "exercises").glob("*.yaml"))


@pytest.mark.parametrize("exercise", BANK)
@pytest.mark.parametrize("printer", [latex, plain], ids=["latex", "plain"])
def test_every_printed_reference_is_graded_correct_when_pasted_back(exercise, printer, tmp_path):
    """What `solve --format latex` and `--format plain` print for a derivative question, pasted into an
    answers file, is graded correct."""
    sol = backprop_cli.solve(exercise)
    answers = {q.question: printer(q.formula) for q in sol.questions if q.kind == "derivative" and q.formula is not None}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}, allow_unicode=True), encoding="utf-8")
    report = backprop_cli.check(exercise, str(path))
    wrong = [(r.question, r.answer, r.status, r.message) for r in report.results
             if r.kind == "derivative" and r.status != "correct"]
    assert not wrong


@pytest.mark.parametrize("text, plain_text", [
    pytest.param(r"\frac{\partial J}{\partial c} \cdot W^\top", "∂J/∂c * W^T", id="partial-fraction"),
    pytest.param(r"\frac{dJ}{dc}", "dJ/dc", id="d-fraction"),
    pytest.param(r"\frac{1}{2} x", "((1)/(2)) x", id="number-fraction"),
    pytest.param(r"{W_{1}}^{\top}", "(W_1)^T", id="group-transpose"),
    pytest.param(r"\sigma'\left(h_{1}\right)", "σ'(h_1)", id="sigma-prime"),
    pytest.param(r"\operatorname{diag}\left(b\right)", "diag(b)", id="operatorname"),
    pytest.param(r"\operatorname{leaky\_relu}(x)", "leaky_relu(x)", id="escaped-underscore"),
    pytest.param(r"\hat{y} - y", "yhat - y", id="hat"),
    pytest.param(r"\mathbb{I}_m", "I_m", id="blackboard-identity"),
    pytest.param(r"a \odot b \circ c \otimes d", "a ⊙ b ⊙ c ⊗ d", id="products"),
    pytest.param("a @ b", "a @ b", id="plain-unchanged"),
])
def test_latex_is_rewritten_into_the_formula_language(text, plain_text):
    """LaTeX input becomes plain formula text that says the same thing."""
    assert from_latex(text) == plain_text


@pytest.mark.parametrize("text", [r"\foo x", r"\frac{a}{b", "{a", "a}", "\\"])
def test_unreadable_latex_is_a_syntax_error(text):
    """An unknown command or an unbalanced brace is a syntax error with a position, never a crash."""
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text)
    assert info.value.key.startswith("syntax.")


NAMES = {"a", "b", "c", "W", "W2", "yhat", "X", "Y", "x", "J"}


@pytest.mark.parametrize("text, same_as", [
    pytest.param("np.dot(a, W)", "a @ W", id="np-dot"),
    pytest.param("a.dot(W)", "a @ W", id="dot-method"),
    pytest.param("torch.matmul(a, W)", "a @ W", id="torch-matmul"),
    pytest.param("np.multiply(a, b)", "a ⊙ b", id="np-multiply"),
    pytest.param("np.sum(X, axis=0)", "sum(X, 0)", id="np-sum-axis"),
    pytest.param("X.sum(0)", "sum(X, 0)", id="sum-method"),
    pytest.param("np.sum(X, axis=0, keepdims=True)", "sum(X, 0)", id="keepdims"),
    pytest.param("(Y > 0)", "step(Y)", id="indicator"),
    pytest.param("(0 < Y)", "step(Y)", id="indicator-reversed"),
    pytest.param("np.maximum(x, 0)", "max(x, 0)", id="np-maximum"),
    pytest.param("x.t()", "x^T", id="torch-t"),
    pytest.param("tanh²(x)", "tanh(x)^2", id="function-square"),
    pytest.param("tanh^2(x)", "tanh(x)^2", id="function-power"),
    pytest.param("e^(-x)", "exp(-x)", id="e-power"),
    pytest.param("e^x", "exp(x)", id="e-power-name"),
    pytest.param("√x", "sqrt(x)", id="root"),
    pytest.param("W_2", "W2", id="subscript"),
    pytest.param("ŷ", "yhat", id="hat"),
    pytest.param("y_hat", "yhat", id="underscore-hat"),
    pytest.param("I_m", "eye(m)", id="identity"),
    pytest.param("Id_m", "eye(m)", id="identity-id"),
    pytest.param("Tanh(x) + DIAG(x) + ReLU(x)", "tanh(x) + diag(x) + relu(x)", id="any-case"),
])
def test_habits_read_as_what_they_mean(text, same_as):
    """numpy/torch spellings and written maths parse to the same formula as the plain language."""
    assert parse(text, {}, NAMES) == parse(same_as, {}, NAMES)


def test_e_is_a_name_where_the_exercise_has_one():
    """Where the exercise has a node e, e^x is not exp(x) (its exponent must be a number)."""
    with pytest.raises(FormulaSyntaxError):
        parse("e^x", {}, {"e", "x"})


@pytest.mark.parametrize("text, shape", [
    pytest.param("m x 1 x 1", ("m", 1, 1), id="three-dims"),
    pytest.param("n x 1 x m", ("n", 1, "m"), id="middle-one"),
    pytest.param("m x m x n", ("m", "m", "n"), id="tensor"),
    pytest.param("1 x m", (1, "m"), id="row"),
])
def test_shapes_are_read_as_written(text, shape):
    """A shape answer keeps every dim it was written with; size-1 dims are never dropped."""
    assert parse_shape(text) == shape


ANSWERS = """\
answers:
  dJ/da: {dJ/dc}
  dJ/dW:
    - a^T @ dJ/dc
  dJ/db: [dJ/dc]
"""


def test_one_bad_answer_never_voids_the_file(run, tmp_path):
    """A mapping where a formula belongs is one invalid answer with a quoting hint; the others are graded."""
    path = tmp_path / "affine.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    result = run("check", "affine", "--answers", str(path), "--format", "json")
    data = json.loads(result.output)
    status = {r["question"]: (r["status"], r["message"]) for r in data["results"] if r["kind"] == "derivative"}
    assert status["dJ/da"][0] == "invalid" and "quotes" in status["dJ/da"][1]
    assert status["dJ/dW"][0] == "correct" and status["dJ/db"][0] == "correct"


def test_unquoted_formulas_are_quoted_with_a_warning(run, tmp_path):
    """A file YAML cannot read only because formulas are unquoted is read with them quoted, and says so."""
    path = tmp_path / "affine.yaml"
    path.write_text("answers:\n  dJ/da: - dJ/dc @ W^T\n  dJ/dW: a^T @ dJ/dc\n  dc/da: @W\n", encoding="utf-8")
    data = json.loads(run("check", "affine", "--answers", str(path), "--format", "json").output)
    status = {r["question"]: (r["status"], r["diagnosis"]) for r in data["results"] if r["kind"] == "derivative"}
    assert status["dJ/da"] == ("incorrect", "sign-error")
    assert status["dJ/dW"][0] == "correct" and status["dc/da"][0] == "invalid"


def test_json_is_printed_even_for_an_unreadable_file(run, tmp_path):
    """check --format json prints a JSON object with the error, and exits 2, when no answer can be read."""
    path = tmp_path / "affine.yaml"
    path.write_text("answers: [1, 2\n", encoding="utf-8")
    res = run("check", "affine", "--answers", str(path), "--format", "json")
    data = json.loads(res.output)
    assert res.exit_code == 2 and data["error"]["line"] >= 1 and data["results"] == []


@pytest.mark.parametrize("answers_text, question, kind", [
    pytest.param("answers:\n  dJ/dW: n x 1 x m\n", "dJ/dW", "derivative", id="derivative-whose-shape-is-asked"),
    pytest.param("answers:\n  dJ/dW: a\n", "dJ/dW", "derivative", id="wrong-shape-formula"),
])
def test_no_expected_shape_where_the_shape_is_a_question(run, tmp_path, answers_text, question, kind):
    """Where the shape of an answer is itself a question, its expected shape is printed nowhere."""
    path = tmp_path / "affine.yaml"
    path.write_text(answers_text, encoding="utf-8")
    data = json.loads(run("check", "affine", "--answers", str(path), "--format", "json").output)
    r = next(r for r in data["results"] if r["question"] == question and r["kind"] == kind)
    assert r["expected_shape"] is None and "n×m" not in r["message"]


def test_a_plain_number_gets_no_sign_diagnosis(run, tmp_path):
    """A plain number that is minus the reference is wrong, without a sign hint (SPEC 7.4)."""
    path = tmp_path / "cs.yaml"
    path.write_text("answers:\n  df/dx: 4\n", encoding="utf-8")
    data = json.loads(run("check", "cs231n-simple", "--answers", str(path), "--format", "json").output)
    r = next(r for r in data["results"] if r["question"] == "df/dx")
    assert r["status"] == "incorrect" and r["diagnosis"] is None


@pytest.mark.parametrize("text, same_as", [
    pytest.param(r"\cosh(x) + \sinh(x)", "cosh(x) + sinh(x)", id="latex-hyperbolic"),
    pytest.param(r"\operatorname{sech}(x)", "sech(x)", id="latex-sech"),
    pytest.param("np.cosh(x)", "cosh(x)", id="np-cosh"),
    pytest.param("Max(a, b)", "max(a, b)", id="max-any-case"),
    pytest.param("np.minimum(a, b)", "min(a, b)", id="np-minimum"),
])
def test_new_operations_in_students_spellings(text, same_as):
    """The engine's new functions are read in LaTeX, numpy and any-case spellings too."""
    assert parse(text, {}, NAMES) == parse(same_as, {}, NAMES)


@pytest.mark.parametrize("name, known", [
    pytest.param("dxpy", ["xpy", "x", "y"], id="derivative-without-numerator"),
    pytest.param("dc", ["c", "a"], id="short-derivative"),
    pytest.param("cosh", ["z_cos", "x"], id="function-name"),
])
def test_suggestions_never_change_the_meaning(name, known):
    """No suggestion turns a derivative or a function into a node name."""
    from backprop_cli.derive.infer import suggest

    assert suggest(name, known) == ""


def test_init_prints_no_hints(run, tmp_path):
    """The answers template carries no hint (a hint is for a wrong answer; SPEC 7.4)."""
    out = tmp_path / "t.yaml"
    assert run("init", "two-layer-sigmoid-l2", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "dh1/dx:" in text and "hint" not in text and "Jacobian of xW" not in text


def test_star_that_should_be_elementwise_names_the_operator(run, tmp_path):
    """A * that fails as a matrix product but is right elementwise says * is the matrix product and names ⊙."""
    path = tmp_path / "h.yaml"
    path.write_text("answers:\n  dJ/da: dJ/dc * b\n", encoding="utf-8")
    data = json.loads(run("check", "hadamard", "--answers", str(path), "--format", "json").output)
    r = next(r for r in data["results"] if r["question"] == "dJ/da")
    assert r["diagnosis"] == "elementwise-vs-matrix-product" and "⊙" in r["message"] and "*" in r["message"]
