"""Hostile input end to end, through the command line, as a stranger would try it (SPEC section 10).

Every input must end with exit code 1 or 2, a clear message, no traceback, no partial output file, and
within the work bounds that keep ``check`` under its 2 s (counted, never timed).
"""
from __future__ import annotations

import json

import pytest
import yaml

from backprop_cli.derive.program import metered
from backprop_cli.exercise.yamlio import MAX_EVENTS
from backprop_cli.grade.grading import WORK_PER_ANSWER
from conftest import ROOT

HOSTILE_FORMULAS = [
    pytest.param('__import__("os").system("touch /tmp/pwned")', id="import"),
    pytest.param("a.__class__.__mro__", id="dunder"),
    pytest.param('eval("1+1")', id="eval"),
    pytest.param("exec('x')", id="exec"),
    pytest.param("lambda x: x", id="lambda"),
    pytest.param("2^2^2^2^2", id="power-tower"),
    pytest.param("a^64^64", id="power-64-64"),
    pytest.param("9" * 40, id="huge-literal"),
    pytest.param("1e999", id="infinite-literal"),
    pytest.param("(" * 5000 + "a" + ")" * 5000, id="nesting-5000"),
    pytest.param("(" * 150 + "a" + ")" * 150, id="nesting-150"),
    pytest.param("a+" * 50000 + "a", id="100KB"),
    pytest.param("-" * 1500 + "a", id="unary-chain"),
    pytest.param("a\x00b", id="NUL"),
    pytest.param("a\u202eb", id="bidi"),
    pytest.param("ones(10^7, 10^7)", id="ones-10^7"),
    pytest.param(" ⊗ ".join(["a"] * 30), id="outer-chain"),
    pytest.param("ones(1000, 1000) @ ones(1000, 1000)", id="big-matmul"),
    pytest.param("exp(exp(exp(a))) * 1e308", id="overflow"),
    pytest.param("log(-1 - a ⊙ a)", id="nan"),
    pytest.param("sum(a, 7)", id="bad-axis"),
    pytest.param("eye(0)", id="eye-0"),
    pytest.param("dJ/dJ", id="loss-symbol"),
    pytest.param("dJ/da", id="itself"),
    pytest.param("()", id="empty-parens"),
    pytest.param("a +", id="dangling"),
    pytest.param("@@@", id="operators"),
]


def answers_file(tmp_path, formula):
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": {"dJ/da": formula}}, allow_unicode=True), encoding="utf-8")
    return str(path)


def assert_clean(res, codes=(1, 2)):
    text = res.output + res.stderr
    assert res.exit_code in codes, text
    assert "Traceback" not in text and "internal error" not in text, text


@pytest.mark.parametrize("formula", HOSTILE_FORMULAS)
def test_hostile_formula_is_a_verdict_not_a_crash(run, tmp_path, formula):
    """A hostile answer is graded invalid or incorrect, with a message, within the work of one answer."""
    with metered() as work:
        res = run("check", "affine", "--answers", answers_file(tmp_path, formula), "--format", "json")
    assert_clean(res, (1,))
    result = next(r for r in json.loads(res.output)["results"] if r["question"] == "dJ/da")
    assert result["status"] in ("invalid", "incorrect") and result["message"]
    assert work.units <= WORK_PER_ANSWER


def test_no_code_runs(run, tmp_path):
    """Text that would run code in eval does not."""
    marker = tmp_path / "pwned"
    run("check", "affine", "--answers", answers_file(tmp_path, f'__import__("os").system("touch {marker}")'))
    assert not marker.exists()


BASE = """\
id: bad
title: Bad
inputs:
  a: [1, n]
  W: [n, m]
forward:
  - c = a @ W
loss: J
questions:
  - dJ/da
"""

HOSTILE_EXERCISES = [
    pytest.param("a: &x [1, 2]\nb: *x\n" + BASE, "anchors", id="alias"),
    pytest.param("lol: &a [x, x]\nlol2: &b [*a, *a]\nlol3: [*b, *b]\n" + BASE, "anchors", id="alias-bomb"),
    pytest.param(BASE + "extra: !!python/object/apply:os.system ['touch /tmp/pwned']\n", "tag", id="python-tag"),
    pytest.param(BASE.replace("title: Bad\n", "title: Bad\ntitle: Again\n"), "duplicate key", id="duplicate-key"),
    pytest.param(BASE.replace("  - c = a @ W\n", "  - c = d\n  - d = c\n"), "unknown name 'd'", id="cycle"),
    pytest.param(BASE.replace("  - c = a @ W\n", "  - c = a @ W\n  - c = a @ W\n"), "defined twice", id="redefinition"),
    pytest.param(BASE.replace("c = a @ W", "c = W @ a"), "inner dimensions", id="shape-clash"),
    pytest.param(BASE.replace("c = a @ W", "c = g(a @ W)"), "unknown name", id="unknown-function"),
    pytest.param(BASE + "values:\n  a: [[1, 2, 3]]\n  W: [[1, 2], [3, 4]]\n", "declared as", id="wrong-values-shape"),
    pytest.param(BASE.replace("forward:", "forward: 5\nx:"), "", id="wrong-types"),
    pytest.param("- just\n- a list\n", "mapping", id="not-a-mapping"),
    pytest.param(BASE.replace("[1, n]", "[1, n, p, q]"), "shape", id="rank-4"),
    pytest.param(BASE.replace("loss: J", "loss: c"), "scalar", id="loss-not-scalar"),
]


@pytest.mark.parametrize("text, words", HOSTILE_EXERCISES)
def test_hostile_exercise_file_is_rejected_cleanly(run, tmp_path, text, words):
    """A broken or hostile exercise file exits 2 (validate: 1) with file:line:col, never a traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    res = run("solve", str(path), "--format", "json", "-o", str(tmp_path / "out.json"))
    assert_clean(res, (2,))
    assert "bad.yaml:" in res.stderr and words in res.stderr, res.stderr
    assert not (tmp_path / "out.json").exists()
    assert_clean(run("validate", str(path)), (1,))


def test_binary_and_huge_files(run, tmp_path):
    """Binary content and files over 1 MiB are refused, as exercise and as answers."""
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x7fELF\x00\x01\x02" * 100)
    huge = tmp_path / "huge.yaml"
    huge.write_text("answers:\n" + "".join(f"  k{i}: x\n" for i in range(200_000)))
    for path in (binary, huge):
        res = run("check", str(path))
        assert_clean(res, (2,))
        res = run("check", "affine", "--answers", str(path))
        assert_clean(res, (2,))
        assert str(path.name) in res.stderr


MALFORMED_ANSWERS = [
    pytest.param("- a\n- b\n", id="list"),
    pytest.param("answers: 5\n", id="answers-not-mapping"),
    pytest.param("answers:\n  dJ/da: {x: 1}\n", id="mapping-answer"),
    pytest.param("answers:\n  dJ/da: [1, [2]]\n", id="ragged-list"),
    pytest.param("exercise: other\nanswers: {}\n", id="wrong-exercise"),
    pytest.param("answers:\n  dJ/da: x\n  dJ/da: y\n", id="duplicate"),
    pytest.param("answers:\n\tdJ/da: x\n", id="tab"),
    pytest.param("answers:\n  dJ/da: '" + "(" * 200 + "'\n", id="unbalanced"),
    pytest.param("answers:\n  " + "[" * 500 + "\n", id="deep-yaml"),
    pytest.param("", id="empty-file"),
]


@pytest.mark.parametrize("text", MALFORMED_ANSWERS)
def test_malformed_answers_file(run, tmp_path, text):
    """A malformed answers file ends in exit 1 or 2 with a message, never a traceback."""
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    res = run("check", "affine", "--answers", str(path))
    assert_clean(res)
    assert (res.output + res.stderr).strip()


def test_unknown_key_is_a_warning_with_the_closest_key(run, tmp_path):
    """A key that is no question is a warning naming the closest question key, not an error."""
    path = tmp_path / "answers.yaml"
    path.write_text((ROOT / "solutions" / "affine.yaml").read_text() + "  dJ/dw: a^T @ dJ/dc\n", encoding="utf-8")
    res = run("check", "affine", "--answers", str(path))
    assert "dJ/dW" in res.output and "warning" in res.output.lower()


def test_a_file_just_under_1_mib_of_tiny_values_is_refused_fast(run, tmp_path):
    """265,000 YAML values in under 1 MiB are refused at the node limit: reading stops after MAX_EVENTS
    events, long before the end of the file."""
    path = tmp_path / "many.yaml"
    lines = 52_000
    path.write_text("answers:\n" + "".join(f"  k{i}: [1, 2, 3]\n" for i in range(lines)))
    assert path.stat().st_size < 1024 * 1024
    res = run("check", "affine", "--answers", str(path), "--format", "json")
    assert_clean(res, (2,))
    error = json.loads(res.output)["error"]
    assert error["code"] == "yaml.too_many_nodes" and "no exercise or answers file needs that many" in error["message"]
    assert error["line"] <= MAX_EVENTS // 6 + 2 < lines      # six events per line: stopped at the limit
