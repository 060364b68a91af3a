"""Diagnoses and suggestions where students meet them: `backprop check`, each case named by the mathematics
of the mistake (SPEC 7.3, 7.4; issue 9, item 9 and the suggestion rule)."""
from __future__ import annotations

import json

import pytest
import yaml

from backprop_cli.messages import LANGUAGES, message
from conftest import ROOT

DATA = ROOT / "tests" / "data"


def graded(run, tmp_path, exercise: str, question: str, answer: str, lang: str = "en") -> dict:
    """The JSON result of ``answer`` to the derivative ``question`` through `backprop --lang LANG check`."""
    path = DATA / f"{exercise}.yaml"
    target = str(path) if path.exists() else exercise
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"exercise": exercise, "answers": {question: answer}}, allow_unicode=True),
                       encoding="utf-8")
    res = run("--lang", lang, "check", target, "--answers", str(answers), "--format", "json")
    assert res.exit_code in (0, 1), res.output
    doc = json.loads(res.output)
    return next(r for r in doc["results"] if r["question"] == question and r["kind"] == "derivative")


def solution(run, tmp_path, exercise: str, question: str, answer: str) -> str:
    """The reference of ``question`` as --show-solution prints it (to check that no message contains it)."""
    answers = tmp_path / "s.yaml"
    answers.write_text(yaml.safe_dump({"exercise": exercise, "answers": {question: answer}}, allow_unicode=True),
                       encoding="utf-8")
    path = DATA / f"{exercise}.yaml"
    res = run("check", str(path) if path.exists() else exercise, "--answers", str(answers), "--format", "json",
              "--show-solution")
    doc = json.loads(res.output)
    return next(r for r in doc["results"] if r["question"] == question and r["kind"] == "derivative")["solution"]


# -- 1. a path is missing only where a node fans out; elsewhere a term is missing -------------------------

@pytest.mark.parametrize("exercise, question, answer", [
    pytest.param("jacobian-softmax", "ds/dx", "diag(s)", id="softmax-jacobian-without-outer-product"),
    pytest.param("jacobian-softmax", "ds/dx", "-s s^T", id="softmax-jacobian-without-diagonal"),
    pytest.param("jacobian-softmax", "dL/dx", "dL/ds diag(s)", id="softmax-gradient-without-normaliser-term"),
    pytest.param("softmax-cross-entropy", "dL/dz", "-y", id="cross-entropy-gradient-without-p"),
    pytest.param("softmax-cross-entropy", "dp/dz", "diag(p)", id="row-softmax-jacobian-without-outer-product"),
])
def test_a_term_left_out_where_nothing_fans_out_is_no_missing_path(run, tmp_path, exercise, question, answer):
    """A sum with one term left out, where no node is used twice on the way, is told "a term is missing",
    without the missing-path code and without the reference in the message."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert (r["status"], r["diagnosis"]) == ("incorrect", None)
    assert message("diag.note.missing-term") in r["message"]
    assert solution(run, tmp_path, exercise, question, answer) not in r["message"]


@pytest.mark.parametrize("exercise, question, answer", [
    pytest.param("reused-node", "dJ/dx", "3 dJ/dy", id="x-used-three-times-only-linear-use"),
    pytest.param("reused-node", "dy/dx", "3 eye(n)", id="jacobian-of-reused-node-only-linear-use"),
    pytest.param("two-in-two-out", "dJ/da", "dJ/dc dc/da", id="a-feeds-c-and-d-only-through-c"),
])
def test_a_path_left_out_where_a_node_fans_out_is_missing_path(run, tmp_path, exercise, question, answer):
    """Leaving out the contribution of one consumer of a node used more than once is missing-path."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert (r["status"], r["diagnosis"]) == ("incorrect", "missing-path")


# -- 2. one input or node in place of another of the same shape -----------------------------------------

@pytest.mark.parametrize("exercise, question, answer, used", [
    pytest.param("hadamard", "dJ/da", "dJ/dc ⊙ a", "a", id="hadamard-own-factor-instead-of-the-other"),
    pytest.param("hadamard", "dJ/db", "dJ/dc ⊙ b", "b", id="hadamard-b-own-factor"),
    pytest.param("hadamard", "dJ/da", "dJ/dc ⊙ c", "c", id="hadamard-output-instead-of-factor"),
    pytest.param("hadamard", "dc/da", "diag(a)", "a", id="hadamard-jacobian-wrong-diagonal"),
])
def test_one_variable_swapped_for_another_of_the_same_shape(run, tmp_path, exercise, question, answer, used):
    """The reference with one input or node replaced by another of its shape names the one written, never
    the right one, and carries no code (SPEC 7.3 has none)."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert (r["status"], r["diagnosis"]) == ("incorrect", None)
    assert message("diag.note.wrong-variable", name=used) in r["message"]
    right = solution(run, tmp_path, exercise, question, answer)
    assert right not in r["message"]


# -- 3. a forgotten non-integer factor -----------------------------------------------------------------

@pytest.mark.parametrize("question, answer", [
    pytest.param("dJ/dQ", "2/B S K", id="forgotten-one-over-sqrt-d"),
    pytest.param("dJ/dQ", "2 S K / sqrt(d)", id="forgotten-one-over-batch-size"),
    pytest.param("dJ/dQ", "S K / (B sqrt(d))", id="forgotten-2-of-the-square"),
    pytest.param("dJ/dQ", "2 S K", id="forgotten-both-scalings"),
    pytest.param("dJ/dK", "dJ/dS^T Q", id="gradient-of-keys-without-sqrt-d"),
    pytest.param("dJ/dS", "2 S", id="mean-over-batch-without-1-over-B"),
])
def test_a_forgotten_scaling_is_a_constant_factor(run, tmp_path, question, answer):
    """An answer off by 1/√d, 1/B or 2 (factors that depend on a dimension, or are not integers) is
    constant-factor."""
    r = graded(run, tmp_path, "scaled-attention", question, answer)
    assert (r["status"], r["diagnosis"]) == ("incorrect", "constant-factor")


# -- 4. a broadcast bias whose gradient was not summed -----------------------------------------------

@pytest.mark.parametrize("exercise, answer, fix", [
    pytest.param("batch-affine", "dJ/dY", "sum(…, 0)", id="rows-bias-gradient-not-summed"),
    pytest.param("batch-affine", "dJ/dZ ⊙ relu'(Y)", "sum(…, 0)", id="rows-bias-through-relu-not-summed"),
    pytest.param("batch-affine", "dJ/dZ ⊙ (Y > 0)", "sum(…, 0)", id="rows-bias-indicator-not-summed"),
    pytest.param("column-batch-tanh", "dJ/dY", "sum(…, 1)", id="columns-bias-gradient-not-summed"),
    pytest.param("column-batch-tanh", "dJ/dZ ⊙ (1 - Z^2)", "sum(…, 1)", id="columns-bias-through-tanh-not-summed"),
])
def test_an_unsummed_bias_gradient_names_the_sum(run, tmp_path, exercise, answer, fix):
    """dJ/db given with the batch axis still in it is a shape-mismatch whose message names the sum over
    that axis, and not the answer."""
    r = graded(run, tmp_path, exercise, "dJ/db", answer)
    assert (r["status"], r["diagnosis"]) == ("incorrect", "shape-mismatch")
    assert message("diag.note.sum-over-broadcast", fix=fix) in r["message"]
    assert solution(run, tmp_path, exercise, "dJ/db", answer) not in r["message"]


def test_a_diag_used_with_the_elementwise_product_is_still_that_swap(run, tmp_path):
    """dJ/dc ⊙ diag(b) also sums to the answer over its rows, but the mistake is ⊙ for a matrix product."""
    r = graded(run, tmp_path, "hadamard", "dJ/da", "dJ/dc ⊙ diag(b)")
    assert r["diagnosis"] == "elementwise-vs-matrix-product"


# -- 5. the activation message names the function in the graph --------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("exercise, question, answer, code, fn", [
    pytest.param("batch-affine", "dJ/dY", "dJ/dZ", "missing-activation-derivative", "relu'(·)", id="relu-missing"),
    pytest.param("batch-affine", "dJ/dY", "dJ/dZ ⊙ relu(Y)", "wrong-activation-derivative", "relu'(·)",
                 id="relu-itself"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1", "missing-activation-derivative", "σ'(·)",
                 id="sigmoid-missing"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 ⊙ σ(h1)", "wrong-activation-derivative", "σ'(·)",
                 id="sigmoid-itself"),
    pytest.param("column-batch-tanh", "dJ/dY", "dJ/dZ", "missing-activation-derivative", "tanh'(·)",
                 id="tanh-missing"),
    pytest.param("column-batch-tanh", "dJ/dY", "dJ/dZ ⊙ tanh(Y)", "wrong-activation-derivative", "tanh'(·)",
                 id="tanh-itself"),
    pytest.param("dense", "dJ/db", "dJ/dc", "missing-activation-derivative", "f'(·)", id="declared-f-missing"),
])
def test_the_activation_message_names_the_real_function(run, tmp_path, lang, exercise, question, answer, code, fn):
    """A missing or wrong activation derivative is told with the derivative of the function in the graph."""
    r = graded(run, tmp_path, exercise, question, answer, lang)
    assert r["diagnosis"] == code
    assert message("diag.note." + code, lang, fn=fn) in r["message"]


@pytest.mark.parametrize("exercise, question, answer", [
    pytest.param("two-layer-sigmoid-l2", "dz1/dh1", "eye(k)", id="asked-jacobian-is-the-derivative-itself"),
    pytest.param("activation-derivatives", "dz_tanh/dx", "eye(n)", id="derivative-forbidden-by-the-exercise"),
])
def test_the_activation_is_not_named_where_that_gives_the_answer(run, tmp_path, exercise, question, answer):
    """Where the question asks for the activation's derivative itself, the message stays with f'(·)."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert r["diagnosis"] == "missing-activation-derivative"
    assert message("diag.missing-activation-derivative") in r["message"]


# -- 6. suggestions never lead to a wrong answer ---------------------------------------------------

@pytest.mark.parametrize("exercise, question, answer, name, suggested", [
    pytest.param("suggestion-names", "df/dx", "dxpy", "dxpy", "df/dxpy", id="d-before-a-node-is-its-gradient"),
    pytest.param("suggestion-names", "df/dx", "dz_cos * x", "dz_cos", "df/dz_cos", id="d-before-a-function-like-node"),
    pytest.param("affine", "dJ/da", "dc @ W^T", "dc", "dJ/dc", id="dc-is-the-upstream-not-c"),
    pytest.param("affine", "dJ/da", "dJdc @ W^T", "dJdc", "dJ/dc", id="symbol-without-its-slash"),
    pytest.param("affine", "dJ/da", "sigmod(a)", "sigmod", "sigmoid", id="misspelt-function-call-is-a-function"),
    pytest.param("function1", "dd/da", "3/bc", "bc", "(b*c)", id="product-kept-together-under-division"),
    pytest.param("affine", "dJ/da", "dJ/dc @ WW^T", "WW", "(W*W)", id="product-kept-together-under-transpose"),
    pytest.param("affine", "dJ/da", "dJ/dc @ Wt", "Wt", "W^T", id="transpose-written-as-a-letter"),
    pytest.param("suggestion-names", "df/dx", "z_co * x", "z_co", "z_cos", id="typo-of-a-node"),
])
def test_a_suggestion_is_of_the_same_kind_and_readable(run, tmp_path, exercise, question, answer, name, suggested):
    """The suggestion is a name of the kind written (gradient, function, node), and the answer with it in
    place is graded, not refused."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert r["status"] == "invalid"
    assert message("name.unknown", name=name, suggestion=suggested, known="").split(";")[0] in r["message"]
    fixed = graded(run, tmp_path, exercise, question, answer.replace(name, suggested, 1))
    assert fixed["status"] in ("correct", "incorrect"), fixed


@pytest.mark.parametrize("exercise, question, answer, meaning_changed", [
    pytest.param("suggestion-names", "df/dy", "cosh", "z_cos", id="function-name-never-a-node"),
    pytest.param("suggestion-names", "df/dx", "cosh * x", "z_cos", id="function-name-in-a-product"),
    pytest.param("suggestion-names", "df/dx", "dxpy", "xpy", id="d-never-dropped"),
    pytest.param("affine", "dJ/da", "dc @ W^T", "c", id="dc-never-c"),
])
def test_a_suggestion_never_changes_the_meaning(run, tmp_path, exercise, question, answer, meaning_changed):
    """No suggestion turns a function into a node or drops the d of a derivative."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert r["status"] == "invalid"
    assert message("name.did_you_mean", suggestion=meaning_changed) not in r["message"]


def test_no_suggestion_when_no_name_of_that_kind_makes_the_answer_readable(run, tmp_path):
    """Where the question may use no derivative symbol, `dxpy` suggests neither df/dxpy nor xpy."""
    r = graded(run, tmp_path, "suggestion-names", "df/dy", "dxpy")
    assert r["status"] == "invalid"
    assert "did you mean" not in r["message"] and message("name.did_you_mean", suggestion="df/dxpy") not in r["message"]
