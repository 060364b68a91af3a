"""Hostile work, end to end through the command line (SPEC section 10): exercises of any length and
answers that ask for too much work end with a verdict, never a RecursionError, a hang or a traceback."""
from __future__ import annotations

import json

import pytest
import yaml


def chain(n: int, residual: bool = False) -> dict:
    """An exercise of ``n`` chained layers (with a skip connection per layer when ``residual``)."""
    forward, prev = [], "x"
    for i in range(n):
        layer = f"σ(w * {prev})"
        forward.append(f"h{i} = {prev} + {layer}" if residual else f"h{i} = {layer}")
        prev = f"h{i}"
    forward.append(f"L = sum({prev} ⊙ {prev})")
    return {"id": f"chain{n}", "title": "A long chain", "inputs": {"x": [3, 1], "w": [3, 3]},
            "forward": forward, "loss": "L", "questions": ["dL/dx", "dL/dw"]}


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def test_chain_of_250_equations_is_solved_validated_and_checked(run, tmp_path):
    """A chain of 250 equations is derived, printed, validated and graded without a recursion limit."""
    ex = write(tmp_path, "chain250.yaml", chain(250))
    solved = run("solve", ex, "--format", "json")
    assert solved.exit_code == 0, solved.output + solved.stderr
    formula = {q["question"]: q["formula"] for q in json.loads(solved.output)["questions"]}["dL/dx"]
    assert "dL/dh0" in formula
    assert run("solve", ex, "--steps").exit_code == 0
    validated = run("validate", ex)
    assert validated.exit_code == 0, validated.output + validated.stderr
    answers = write(tmp_path, "a.yaml", {"exercise": "chain250", "answers": {"dL/dx": formula, "dL/dw": "x * x^T"}})
    checked = run("check", ex, "--answers", answers, "--format", "json")
    statuses = [r["status"] for r in json.loads(checked.output)["results"]]
    assert statuses == ["correct", "incorrect"], checked.output + checked.stderr


@pytest.mark.parametrize("n", [pytest.param(20, id="20-blocks"), pytest.param(300, id="300-blocks")])
def test_wrong_answer_on_a_residual_chain_is_graded(run, tmp_path, n):
    """Shared sub-terms of residual blocks are evaluated once each: a wrong answer gets its verdict
    (it took 72 s at 20 blocks when formulas were evaluated as trees)."""
    data = chain(n, residual=True) | {"answers_may_use": "given"}
    ex = write(tmp_path, "res.yaml", data)
    answers = write(tmp_path, "a.yaml", {"exercise": data["id"], "answers": {"dL/dx": "w * x", "dL/dw": "x * x^T"}})
    res = run("check", ex, "--answers", answers, "--format", "json")
    assert res.exit_code == 1, res.output + res.stderr
    assert [r["status"] for r in json.loads(res.output)["results"]] == ["incorrect", "incorrect"]


def test_answer_with_too_much_work_is_refused_before_evaluation(run, tmp_path):
    """An answer within the text limits whose evaluation would take too many element operations is a
    clear invalid, counted from its shapes."""
    heavy = "sum(" + " ⊙ ".join(["ones(1000, 1000)"] * 30) + ") * dJ/dc"
    answers = write(tmp_path, "a.yaml", {"exercise": "affine", "answers": {"dJ/db": heavy}})
    res = run("check", "affine", "--answers", answers, "--format", "json")
    result = {r["question"]: r for r in json.loads(res.output)["results"]}["dJ/db"]
    assert result["status"] == "invalid"
    assert "operations" in result["message"]


def test_check_has_a_hard_deadline_that_no_handler_catches(run, monkeypatch, tmp_path):
    """Past its CPU deadline, check stops with a clear error (exit 2), not an 'invalid' question."""
    from backprop_cli.grade import checking, grading

    def stuck(ref, answers):
        while True:              # a question that never ends, under a handler that catches everything
            try:
                sum(range(10_000))
            except Exception:    # noqa: BLE001
                pass

    monkeypatch.setattr(checking, "CHECK_DEADLINE", 0.05)
    monkeypatch.setattr(grading, "grade", stuck)
    answers = write(tmp_path, "a.yaml", {"exercise": "affine", "answers": {"dJ/dW": "a^T @ dJ/dc"}})
    res = run("check", "affine", "--answers", answers)
    assert res.exit_code == 2, res.output + res.stderr
    assert "stopped after" in res.stderr and "Traceback" not in res.output + res.stderr


def test_deadline_is_lifted_after_check(monkeypatch):
    """The deadline's timer and handler are gone once grading ends, so later work is not interrupted."""
    import signal

    from backprop_cli.grade import checking

    before = signal.getsignal(signal.SIGPROF)
    with checking.hard_deadline(5.0, "x.yaml"):
        pass
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGPROF) == before


def test_five_thousand_consumers_of_one_input(run, tmp_path):
    """An input used by 5,000 equations (its gradient a sum of 5,000 paths) is derived and graded."""
    forward = ["s0 = x"] + [f"s{i} = s{i - 1} + x" for i in range(1, 5000)] + ["L = s4999"]
    ex = write(tmp_path, "fan.yaml", {"id": "fan", "title": "Fan-out", "inputs": {"x": "scalar"},
                                      "forward": forward, "loss": "L", "questions": ["dL/dx"]})
    answers = write(tmp_path, "a.yaml", {"exercise": "fan", "answers": {"dL/dx": "5000"}})
    res = run("check", ex, "--answers", answers, "--format", "json")
    assert res.exit_code == 0, res.output + res.stderr


def test_concrete_sizes_too_large_for_a_jacobian_are_an_exercise_error(run, tmp_path):
    """A Jacobian question on inputs of concrete size 300 is refused up front with the question named,
    instead of every check taking many seconds and gigabytes; gradients at that size are fine."""
    data = {"id": "big", "title": "Big", "inputs": {"x": [300, 1], "W": [300, 300]},
            "forward": ["h = W * x", "L = sum(σ(h))"], "loss": "L", "questions": ["dL/dW", "dh/dx", "dh/dW"]}
    answers = write(tmp_path, "a.yaml", {"exercise": "big", "answers": {"dL/dW": "x * x^T"}})
    res = run("check", write(tmp_path, "big.yaml", data), "--answers", answers)
    assert res.exit_code == 2 and "dh/dW" in res.stderr and "Traceback" not in res.stderr
    data["questions"] = ["dL/dW", "dh/dx"]
    res = run("check", write(tmp_path, "big.yaml", data), "--answers", answers, "--format", "json")
    assert [r["status"] for r in json.loads(res.output)["results"]] == ["incorrect", "missing"], res.stderr
