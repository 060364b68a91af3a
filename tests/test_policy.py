"""What an answer may use (SPEC 7.2) and the anti-cheating rules, through the real command line."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import ROOT

import backprop_cli
from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare


def check(run, tmp_path, exercise, answers, shapes=None, *extra):
    """Grade ``answers`` for ``exercise`` (an id or a path) and return {question: result record}."""
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers, "shapes": shapes or {}}, allow_unicode=True), encoding="utf-8")
    res = run("check", str(exercise), "--answers", str(path), "--format", "json", *extra)
    assert res.exit_code in (0, 1), res.output + res.stderr
    return {r["question"]: r for r in json.loads(res.output)["results"] if r["kind"] == "derivative"}


def exercise_file(tmp_path, text: str):
    path = tmp_path / "exercise.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("exercise", "question", "answer"), [
    pytest.param("function1", "dJ/da", "dJ/dd · dd/da", id="function1"),
    pytest.param("function1-graph", "dJ/da", "dJ/dd dd/dv dv/du du/da", id="function1-graph-hint"),
    pytest.param("colah-graph", "de/db", "de/dc dc/db + de/dd dd/db", id="colah-graph"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 · dz1/dh1", id="dLoss/dz1-dz1/dh1"),
    pytest.param("dense", "dJ/da", "dJ/db W^T", id="dense"),
    pytest.param("jacobian-l2", "dL/dy", "-dL/dyhat", id="jacobian-l2"),
])
def test_the_seeds_chain_rule_form_is_correct(run, tmp_path, exercise, question, answer):
    """An answer may use the symbol of any other question of the exercise, as the seeds write the chain rule."""
    assert check(run, tmp_path, exercise, {question: answer})[question]["status"] == "correct"


def test_an_answer_never_uses_its_own_symbol(run, tmp_path):
    """The asked symbol itself is refused."""
    r = check(run, tmp_path, "function1", {"dJ/da": "dJ/da"})["dJ/da"]
    assert r["status"] == "invalid" and "which is what is asked" in r["message"]


def test_answers_that_lean_on_each_other_are_refused(run, tmp_path):
    """dL/dy = -dL/dyhat and dL/dyhat = -dL/dy show no rule at all: both are invalid."""
    results = check(run, tmp_path, "jacobian-l2", {"dL/dy": "-dL/dyhat", "dL/dyhat": "-dL/dy"})
    for key in ("dL/dy", "dL/dyhat"):
        assert results[key]["status"] == "invalid"
        assert "dL/dy → dL/dyhat" in results[key]["message"] or "dL/dyhat → dL/dy" in results[key]["message"]


def test_leaning_on_an_answer_written_out_is_fine(run, tmp_path):
    """Once one of them is written out, the other may use its symbol."""
    results = check(run, tmp_path, "jacobian-l2", {"dL/dy": "-dL/dyhat", "dL/dyhat": "2 (yhat - y)^T"})
    assert results["dL/dyhat"]["status"] in ("correct", "incorrect")
    assert results["dL/dy"]["status"] == "correct"


def test_refusal_lists_what_the_answer_may_use(run, tmp_path):
    """A refused symbol's message says which symbols the answer may use instead."""
    r = check(run, tmp_path, "forward-accumulation-path", {"dL/ds": "dL/df df/ds"})["dL/ds"]
    assert r["status"] == "invalid"
    assert "dL/df" in r["message"] and "df/ds" in r["message"] and "dg/ds" in r["message"]


def test_forward_accumulation_refuses_reverse_mode(run, tmp_path):
    """forward-accumulation-path forbids gradients of L of other nodes, but takes the forward tangents."""
    results = check(run, tmp_path, "forward-accumulation-path",
                    {"dL/ds": "dL/df df/ds", "dg/ds": "dg/df df/ds"})
    assert results["dL/ds"]["status"] == "invalid"
    assert results["dg/ds"]["status"] == "correct"
    forward = check(run, tmp_path, "forward-accumulation-path", {"dL/ds": "dL/dg dg/ds + dL/dh dh/ds"})
    assert forward["dL/ds"]["status"] == "correct"


LAYER_NORM = """\
id: centre
title: Centring, layer-norm style
inputs:
  X: [1, n]
  g: [1, n]
forward:
  - C = X - mean(X, 1)
  - Y = C ⊙ g
loss: J
questions:
  - dJ/dC
  - {derivative: dJ/dX, may_use: [dJ/dY]}
"""


def test_may_use_demands_the_expanded_form(run, tmp_path):
    """A question's may_use overrides the exercise: dJ/dX may not lean on dJ/dC, and its solution is expanded."""
    path = exercise_file(tmp_path, LAYER_NORM)
    leaning = check(run, tmp_path, path, {"dJ/dX": "dJ/dC - mean(dJ/dC, 1)"})["dJ/dX"]
    assert leaning["status"] == "invalid" and "dJ/dY" in leaning["message"]
    expanded = check(run, tmp_path, path, {"dJ/dX": "dJ/dY ⊙ g - mean(dJ/dY ⊙ g, 1)", "dJ/dC": "dJ/dY ⊙ g"})
    assert expanded["dJ/dX"]["status"] == "correct" and expanded["dJ/dC"]["status"] == "correct"
    res = run("solve", str(path), "--format", "json")
    formula = next(q["formula"] for q in json.loads(res.output)["questions"] if q["question"] == "dJ/dX")
    assert "dJ/dC" not in formula


def test_may_use_empty_means_inputs_and_nodes_only(run, tmp_path):
    """may_use: [] refuses every derivative symbol, even a given one."""
    text = LAYER_NORM.replace("may_use: [dJ/dY]", "may_use: []")
    res = run("validate", str(exercise_file(tmp_path, text)))
    assert res.exit_code in (1, 2) and "dJ/dY" in res.output + res.stderr


@pytest.mark.parametrize(("bad", "words"), [
    pytest.param("may_use: [dJ/dQ]", "not a derivative symbol", id="unknown-symbol"),
    pytest.param("may_use: [dJ/dX]", "the question itself", id="own-symbol"),
    pytest.param("may_use: [dJ/dY], forbid: [nosuch']", "not a function", id="bad-forbid"),
])
def test_bad_policy_lists_are_input_errors(run, tmp_path, bad, words):
    """A may_use or forbid list that names nothing of the exercise is an error at its place."""
    path = exercise_file(tmp_path, LAYER_NORM.replace("may_use: [dJ/dY]", bad))
    res = run("solve", str(path))
    assert res.exit_code == 2 and words in res.output + res.stderr


def test_local_allows_every_edge(run, tmp_path):
    """answers_may_use: local lets an answer use the local derivative of an edge, but not a long-range one."""
    text = """\
id: chain
title: Chain
inputs:
  x: scalar
forward:
  - u = sin(x)
  - v = exp(u)
  - L = v ^ 2
loss: L
answers_may_use: local
questions:
  - dL/dx
  - dL/du
"""
    path = exercise_file(tmp_path, text)
    results = check(run, tmp_path, path, {"dL/dx": "dL/dv dv/du du/dx", "dL/du": "dL/dv dv/du"})
    assert results["dL/dx"]["status"] == "correct" and results["dL/du"]["status"] == "correct"
    far = check(run, tmp_path, path, {"dL/du": "dL/dx / du/dx", "dL/dx": "dL/dv dv/dx"})
    assert far["dL/dx"]["status"] == "invalid" and "dv/dx" in far["dL/dx"]["message"]


@pytest.mark.parametrize(("exercise", "question", "answer"), [
    pytest.param("activation-derivatives", "dz_softplus/dx", "diag(softplus'(x))", id="softplus'"),
    pytest.param("activation-derivatives", "dz_gelu/dx", "diag(gelu'(x))", id="gelu'"),
    pytest.param("activation-derivatives", "dz_sigmoid/dx", "diag(sigma'(x))", id="sigma'-spelled"),
    pytest.param("sigmoid-derivative", "ds/dx", "σ'(x)", id="sigmoid-derivative"),
    pytest.param("logistic-neuron", "df/ds", "sigmoid'(s)", id="logistic-neuron"),
])
def test_the_asked_derivative_is_not_a_builtin(run, tmp_path, exercise, question, answer):
    """Where the question is that derivative, its built-in notation is forbidden and the message says so."""
    r = check(run, tmp_path, exercise, {question: answer})[question]
    assert (r["status"], r["message"].count("may not be used")) == ("invalid", 1)


def test_gelu_written_out_is_correct(run, tmp_path):
    """Without gelu', the derivative written with gelu(x)/x and the normal density is correct."""
    answer = "diag(gelu(x) / x + x ⊙ exp(-x^2 / 2) / sqrt(2 * 3.141592653589793))"
    assert check(run, tmp_path, "activation-derivatives", {"dz_gelu/dx": answer})["dz_gelu/dx"]["status"] == "correct"


def _difference(h: str, inv: str) -> str:
    forward = "sum((σ((x {s} {h} I(n)) W1 + b1) W2 + b2 - y)^2, 1)"
    return f"(({forward.format(s='+', h=h)} - {forward.format(s='-', h=h)}) / {inv})^T"


def _fourth_order(h: str) -> str:
    forward = "sum((σ((x {s} {h} I(n)) W1 + b1) W2 + b2 - y)^2, 1)"
    f = lambda s, k: forward.format(s=s, h=k * float(h))  # noqa: E731
    return f"((-{f('+', 2)} + 8 {f('+', 1)} - 8 {f('-', 1)} + {f('-', 2)}) / {12 * float(h)})^T"


@pytest.mark.parametrize(("answer", "status", "message"), [
    pytest.param(_difference("1e-5", "2e-5"), "invalid", "allowed.step_constant", id="step-1e-5"),
    pytest.param(_difference("0.001", "0.002"), "incorrect", None, id="step-1e-3"),
    pytest.param(_fourth_order("0.01"), "incorrect", "result.not_exact", id="4th-order-1e-2"),
])
def test_finite_differences_are_not_correct(run, tmp_path, answer, status, message):
    """The issue's difference quotient for dLoss/dx is refused (tiny step) or graded inexact, never correct."""
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": {"dLoss/dx": answer}}, allow_unicode=True), encoding="utf-8")
    report = backprop_cli.check(str(ROOT / "exercises" / "two-layer-sigmoid-l2.yaml"), str(path))
    r = next(r for r in report.results if r.question == "dLoss/dx")
    assert r.status == status, (r.message, r.args)
    if message:
        assert r.message == message


def test_constants_of_the_exercise_are_allowed(run, tmp_path):
    """A small constant that the exercise itself uses (leaky ReLU's 0.01 slope... or 1e-4) is no step."""
    text = """\
id: tiny
title: Tiny
inputs:
  x: [1, n]
forward:
  - z = 0.0001 * x ⊙ x
loss: J
questions:
  - dJ/dx
"""
    path = exercise_file(tmp_path, text)
    r = check(run, tmp_path, path, {"dJ/dx": "0.0002 dJ/dz ⊙ x"})["dJ/dx"]
    assert r["status"] == "correct"
    tiny = check(run, tmp_path, path, {"dJ/dx": "0.0000002 dJ/dz ⊙ x"})["dJ/dx"]
    assert tiny["message"].startswith("the constant 2e-07")


GREEK_INPUTS = """\
id: greek
title: Greek inputs
inputs:
  x: [1, n]
  mu: [1, n]
  eta: scalar
  beta: scalar
  tau: scalar
  pi: scalar
  nu: scalar
forward:
  - z = eta * (x - mu) + beta + tau * pi * nu
loss: J
questions:
  - dJ/dmu
  - dJ/deta
  - dJ/dτ
"""


def test_spelled_greek_input_names_are_usable(run, tmp_path):
    """Inputs named mu, eta, beta, tau, pi, nu work in equations, questions and answers, in either spelling."""
    path = exercise_file(tmp_path, GREEK_INPUTS)
    results = check(run, tmp_path, path, {"dJ/dμ": "-eta dJ/dz", "dJ/deta": "sum(dJ/dz ⊙ (x - μ))",
                                          "dJ/dtau": "sum(dJ/dz) π ν"})
    assert {k: r["status"] for k, r in results.items()} == {"dJ/dmu": "correct", "dJ/deta": "correct",
                                                            "dJ/dτ": "correct"}


@pytest.mark.parametrize(("exercise", "key", "question", "answer"), [
    pytest.param("linear-regression", "dJ/dtheta", "dJ/dθ", None, id="dJ/dtheta"),
    pytest.param("linear-regression", "∂J/∂θ", "dJ/dθ", None, id="∂J/∂θ"),
    pytest.param("mlp3-l2", "dL/dW₁", "dL/dW1", None, id="dL/dW₁"),
])
def test_answer_keys_in_documented_spellings(run, tmp_path, exercise, key, question, answer):
    """A key spelled like a formula name (dJ/dtheta, dL/dW₁, ∂J/∂θ) answers its question, without a warning."""
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": {key: "0"}}, allow_unicode=True), encoding="utf-8")
    report = backprop_cli.check(str(ROOT / "exercises" / f"{exercise}.yaml"), str(path))
    r = next(r for r in report.results if r.question == question)
    assert r.status != "missing" and not report.warnings


def test_unknown_key_suggests_the_right_question(tmp_path):
    """A near-miss key's warning names the question it most likely meant."""
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": {"dJ/dthetta": "0"}}, allow_unicode=True), encoding="utf-8")
    report = backprop_cli.check(str(ROOT / "exercises" / "linear-regression.yaml"), str(path))
    assert [args.get("closest") for _, args, _ in report.warnings] == ["dJ/dθ"]


_SYMBOL = re.compile(r"[d∂](\w+)/[d∂](\w+)")


def _bank():
    return [pytest.param(p, id=p.stem) for p in sorted((ROOT / "exercises").glob("*.yaml"))]


@pytest.mark.parametrize("path", _bank())
def test_bank_hints_show_only_allowed_forms(path):
    """Every derivative symbol in a bank hint, and on the right of a chain rule in a description (in every
    language), is one the question's answer may use (SPEC 7.2)."""
    ex = load_exercise(str(path))
    ref = prepare(ex)
    nodes = set(ref.graph.shapes) | {ref.graph.loss}

    def symbols(text):
        return {f"d{a}/d{b}" for a, b in _SYMBOL.findall(text) if a in nodes and b in nodes}

    texts = [({q.question.target: q.question.hint for q in ref.questions}, ex.description)]
    texts += [((t or {}).get("hints") or {}, (t or {}).get("description") or "") for t in ex.translations.values()]
    problems = []
    for q in ref.questions:
        if q.kind != "derivative":
            continue
        policy = ref.policy[q.key]
        for hints, description in texts:
            hint = hints.get(q.question.target) or ""
            rhs = hint.split("=", 1)[1] if "=" in hint else hint
            for sym in symbols(rhs) - policy.allowed - {q.key}:
                problems.append(f"hint of {q.key} shows {sym}")
            for lhs, right in re.findall(r"`([^`=]+)=([^`]+)`", description):
                if symbols(lhs) == {q.key}:
                    problems += [f"description shows {q.key} = …{s}…" for s in symbols(right) - policy.allowed]
    assert not problems, problems


@pytest.mark.parametrize("path", _bank())
def test_reach_agrees_with_the_graph(path):
    """The policy's precomputed reachability gives the graph's own depends and between for every pair."""
    from backprop_cli.grade.policy import Reach

    g = prepare(load_exercise(str(path))).graph
    reach = Reach(g)
    for x in g.named:
        for y in g.named:
            assert reach.depends(x, y) == g.depends(x, y), (x, y)
            assert reach.between(y, x) == g.between(y, x), (x, y)


def test_an_exercise_may_forbid_its_forward_functions(run, tmp_path):
    """forbid: [σ] refuses recomputing σ anywhere (as a difference quotient must), while the node z stays usable."""
    text = """\
id: fwd
title: Forward functions forbidden
inputs:
  x: [1, n]
forward:
  - z = σ(x)
loss: J
forbid: [sigma]
questions:
  - dJ/dx
"""
    path = exercise_file(tmp_path, text)
    assert check(run, tmp_path, path, {"dJ/dx": "dJ/dz ⊙ z ⊙ (1 - z)"})["dJ/dx"]["status"] == "correct"
    refused = check(run, tmp_path, path, {"dJ/dx": "dJ/dz ⊙ σ(x) ⊙ (1 - σ(x))"})["dJ/dx"]
    assert refused["status"] == "invalid" and "sigma may not be used" in refused["message"]
