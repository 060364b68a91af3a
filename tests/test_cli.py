"""The command line, through the real entry point: exit codes, formats, and no tracebacks."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from backprop_cli.messages import message
from conftest import ROOT


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


WRONG = """\
exercise: affine
answers:
  dJ/da: dJ/dc @ W^T
  dJ/dW: dJ/dc^T a
  dJ/db: ab
  dc/da:
shapes:
  dJ/dW: n x m
"""


def test_check_sample_solution_passes(run):
    """Checking the bank's sample solution exits 0 and shows the score."""
    res = run("check", "affine")
    assert res.exit_code == 0, res.output
    assert "10 of 10 points" in res.output
    assert "∂J/∂c · Wᵀ" in res.output


def test_check_wrong_answers_exit_1_with_diagnosis(run, tmp_path):
    """A wrong answer exits 1 and the report names the mistake, the place and the fix."""
    res = run("check", "affine", "--answers", write(tmp_path, "a.yaml", WRONG))
    assert res.exit_code == 1, res.output
    assert "incorrect (transposed)" in res.output
    assert "a.yaml:4:10" in res.output
    assert "did you mean a*b?" in res.output
    assert "missing" in res.output


def test_check_json_matches_spec(run, tmp_path):
    """--format json has the fields of SPEC section 9."""
    res = run("check", "affine", "--answers", write(tmp_path, "a.yaml", WRONG), "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.output)
    assert set(doc) >= {"exercise", "score", "max_score", "passed", "results"}
    assert doc["exercise"] == "affine" and doc["passed"] is False
    by_q = {(r["question"], r["kind"]): r for r in doc["results"]}
    r = by_q[("dJ/dW", "derivative")]
    assert (r["status"], r["diagnosis"], r["answer_shape"], r["expected_shape"]) == ("incorrect", "transposed", "m×n", None)   # dJ/dW's shape is a question of its own
    assert by_q[("dJ/db", "derivative")]["status"] == "invalid"
    assert by_q[("dc/da", "derivative")]["status"] == "missing"
    assert by_q[("dJ/da", "derivative")]["points"] == 1.0
    assert set(r) >= {"question", "kind", "status", "points", "max_points", "answer", "answer_shape",
                      "expected_shape", "diagnosis", "message"}


def test_check_junit_has_a_failure_per_wrong_answer(run, tmp_path):
    """--format junit: one testcase per question, failures and errors for wrong ones."""
    res = run("check", "affine", "--answers", write(tmp_path, "a.yaml", WRONG), "--format", "junit")
    root = ET.fromstring(res.output)
    suite = root.find("testsuite")
    assert suite.get("name") == "affine"
    cases = suite.findall("testcase")
    assert len(cases) == 9
    assert int(suite.get("failures")) >= 2 and int(suite.get("errors")) == 1


def test_check_github_annotations_point_at_answer_lines(run, tmp_path):
    """--format github prints ::error lines at the answer's file and line."""
    path = write(tmp_path, "a.yaml", WRONG)
    res = run("check", "affine", "--answers", path, "--format", "github")
    errors = [line for line in res.output.splitlines() if line.startswith("::error")]
    assert any("line=4," in e and "transpose" in e for e in errors), errors
    assert any("line=5," in e for e in errors)


@pytest.mark.parametrize("lang, word", [("de", "Punkten"), ("ru", "баллы"), ("en", "points")])
def test_check_speaks_three_languages(run, lang, word):
    """--lang switches the feedback language."""
    res = run("check", "affine", "--lang", lang)
    assert word in res.output, res.output


def test_show_solution_reveals_reference(run, tmp_path):
    """--show-solution reveals the reference for wrong answers only."""
    res = run("check", "affine", "--answers", write(tmp_path, "a.yaml", WRONG), "--show-solution")
    assert "aᵀ · ∂J/∂c" in res.output


def test_unknown_exercise_is_usage_error(run):
    """An unknown exercise exits 2 with a message, no traceback."""
    res = run("check", "no-such-exercise")
    assert res.exit_code == 2
    assert "Traceback" not in res.output + res.stderr
    assert "unknown exercise" in res.stderr


def test_bad_yaml_is_exit_2_with_position(run, tmp_path):
    """An unusable answers file exits 2 and names file:line:column."""
    res = run("check", "affine", "--answers", write(tmp_path, "a.yaml", "answers: [1, 2\n"))
    assert res.exit_code == 2
    assert "a.yaml:" in res.stderr and "Traceback" not in res.stderr


def test_init_writes_template_that_check_reads(run, tmp_path):
    """init writes a template with every question; checking it reports everything missing."""
    out = tmp_path / "t.yaml"
    res = run("init", "affine", "-o", str(out))
    assert res.exit_code == 0
    text = out.read_text()
    assert "dJ/dW:" in text and "shapes:" in text and "# Affine" in text
    res = run("check", "affine", "--answers", str(out), "--format", "json")
    assert {r["status"] for r in json.loads(res.output)["results"]} == {"missing"}


def test_init_refuses_to_overwrite(run, tmp_path):
    """init does not overwrite an existing file without --force."""
    out = write(tmp_path, "t.yaml", "keep")
    assert run("init", "affine", "-o", out).exit_code == 2
    assert open(out).read() == "keep"


def test_list_shows_the_bank(run):
    """list shows every exercise, as a table and as JSON, and filters by tag."""
    res = run("list", "--format", "json")
    ids = {e["id"] for e in json.loads(res.output)}
    assert {"affine", "chain-rule", "colah-graph", "staged-backprop", "reused-node"} <= ids
    assert len(ids) >= 32
    tagged = json.loads(run("list", "--tag", "opaque", "--format", "json").output)
    assert tagged and all("opaque" in e["tags"] for e in tagged)
    assert "affine" in run("list").output


def test_list_from_any_directory_uses_builtin_bank(run, tmp_path):
    """Outside the repository, list and solve use the bank inside the package."""
    res = run("list", "--format", "json", cwd=tmp_path)
    assert len(json.loads(res.output)) >= 32
    assert run("solve", "affine", "--format", "json", cwd=tmp_path).exit_code == 0


def test_schema_prints_json_schema(run):
    """schema prints a JSON Schema for both file kinds."""
    for which in ("exercise", "answers"):
        doc = json.loads(run("schema", which).output)
        assert doc["$schema"].startswith("https://json-schema.org/")


def test_validate_bank_passes(run):
    """validate passes on the whole bank (references against finite differences, solutions)."""
    res = run("validate", "exercises/")
    assert res.exit_code == 0, res.output + res.stderr


def test_validate_reports_broken_exercise(run, tmp_path):
    """validate exits 1 and names the file and line of a broken equation."""
    path = write(tmp_path, "bad.yaml", "id: bad\ntitle: t\ninputs:\n  a: [1, n]\n  W: [n, m]\n"
                 "forward:\n  - c = a @ V\nloss: J\nquestions:\n  - dJ/da\n")
    res = run("validate", path)
    assert res.exit_code == 1
    assert "bad.yaml:7:13: forward equation 'c = a @ V': unknown name 'V'" in res.stderr
    assert "the known names are a, W" in res.stderr


def test_validate_names_a_duplicate_id(run, tmp_path):
    """Two exercise files with one id: validate exits 1 and says which file has the id already."""
    text = (ROOT / "exercises" / "affine.yaml").read_text(encoding="utf-8")
    first, second = write(tmp_path, "a.yaml", text), write(tmp_path, "b.yaml", text)
    res = run("validate", str(tmp_path))
    assert res.exit_code == 1
    assert f"the id 'affine' is already used by {first}" in res.stderr and second in res.stderr


def test_solve_json_has_values_with_values(run):
    """solve --format json follows SPEC section 9 and gives values when the exercise has them."""
    doc = json.loads(run("solve", "cs231n-simple", "--format", "json").output)
    assert doc["exercise"] == "cs231n-simple"
    values = {q["question"]: q["value"] for q in doc["questions"] if q["kind"] == "derivative"}
    assert values["df/dx"] == pytest.approx(-4.0) and values["df/dz"] == pytest.approx(3.0)


def test_solve_steps_in_both_modes(run):
    """solve --steps shows reverse and forward accumulation."""
    rev = json.loads(run("solve", "colah-graph", "--steps", "--format", "json").output)
    assert any(s["symbol"] == "de/dc" for s in rev["steps"])
    fwd = json.loads(run("solve", "colah-graph", "--steps", "--mode", "forward", "--wrt", "b", "--format", "json").output)
    assert [s["symbol"] for s in fwd["steps"]] == ["dc/db", "dd/db", "de/db"]
    assert fwd["steps"][-1]["value"] == pytest.approx(5.0)


def test_show_graph_formats(run):
    """show-graph draws tree, dot and mermaid."""
    assert "a" in run("show-graph", "affine").output
    assert run("show-graph", "affine", "--format", "dot").output.lstrip().startswith("digraph")
    assert "flowchart" in run("show-graph", "affine", "--format", "mermaid").output


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_show_graph_renders_real_svg(run, tmp_path):
    """With Graphviz, show-graph writes a real SVG file."""
    out = tmp_path / "g.svg"
    assert run("show-graph", "affine", "--format", "svg", "-o", str(out)).exit_code == 0
    assert "<svg" in out.read_text()


def test_show_graph_without_dot_says_so(run, monkeypatch, tmp_path):
    """Without Graphviz, svg output exits 2 with a plain message and writes no file."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "g.svg"
    res = run("show-graph", "affine", "--format", "svg", "-o", str(out))
    assert res.exit_code == 2 and "Graphviz" in res.stderr
    assert not out.exists()


def test_python_module_entry_point():
    """python -m backprop_cli works."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "backprop_cli", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "check" in out.stdout


@pytest.mark.parametrize("args", [
    pytest.param(("check", "affine", "--seed", "-5"), id="negative-seed"),
    pytest.param(("check",), id="missing-argument"),
    pytest.param(("schema", "foo"), id="bad-choice"),
    pytest.param(("init", "affine", "-o", "/nonexistent-dir/x.yaml"), id="unwritable"),
    pytest.param(("check", "affine", "--answers", "/tmp"), id="answers-is-a-folder"),
])
def test_usage_errors_exit_2_without_traceback(run, args):
    """Bad options and unusable paths are usage errors: exit 2 and a message."""
    res = run(*args)
    assert res.exit_code == 2, res.output + res.stderr
    assert "Traceback" not in res.output + res.stderr and "internal error" not in res.stderr


def test_show_solution_in_json(run, tmp_path):
    """--show-solution adds the reference to wrong answers in JSON too, and only then."""
    path = write(tmp_path, "a.yaml", WRONG)
    plain = json.loads(run("check", "affine", "--answers", path, "--format", "json").output)
    shown = json.loads(run("check", "affine", "--answers", path, "--format", "json", "--show-solution").output)
    assert all("solution" not in r for r in plain["results"])
    by_q = {(r["question"], r["kind"]): r for r in shown["results"]}
    assert by_q[("dJ/dW", "derivative")]["solution"] == "aᵀ · ∂J/∂c"
    assert "solution" not in by_q[("dJ/da", "derivative")]


@pytest.fixture
def no_locale(monkeypatch):
    """No locale variable set, so each test sets the one it means."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize("env, args, word", [
    pytest.param({"LANG": "de_DE.UTF-8"}, (), "unbekannte", id="LANG"),
    pytest.param({"LANG": "de_DE.UTF-8", "LC_ALL": "ru_RU.UTF-8"}, (), "неизвестное", id="LC_ALL-wins"),
    pytest.param({"LANG": "fr_FR.UTF-8"}, (), "unknown exercise", id="other-locale-is-english"),
    pytest.param({"LANG": "de_DE.UTF-8"}, ("--lang", "en"), "unknown exercise", id="option-beats-LANG"),
    pytest.param({}, ("--lang", "ru"), "неизвестное", id="option-after-the-command"),
])
def test_language_from_locale_or_option(run, no_locale, env, args, word):
    """Messages follow --lang (before or after the command), else LC_ALL, LC_MESSAGES or LANG, else English."""
    for var, value in env.items():
        no_locale.setenv(var, value)
    res = run("check", "no-such-exercise", *args)
    assert res.exit_code == 2
    assert word in res.stderr.lower()


def test_command_lang_overrides_group_lang(run):
    """backprop --lang de check … --lang ru speaks Russian: the command's option is the nearer one."""
    res = run("--lang", "de", "check", "no-such-exercise", "--lang", "ru")
    assert res.exit_code == 2 and "неизвестное" in res.stderr.lower()


def test_unknown_language_option_is_a_usage_error(run):
    """--lang fr is refused by click with exit 2 (only a locale variable falls back to English)."""
    res = run("--lang", "fr", "list")
    assert res.exit_code == 2 and "fr" in res.stderr


def test_a_bug_is_an_internal_error_in_the_users_language(run, monkeypatch):
    """An unexpected exception inside a command exits 2 with the internal-error message, no traceback."""
    import backprop_cli.report.template as template

    def broken(ex, lang="en"):
        raise RuntimeError("boom")

    monkeypatch.setattr(template, "answers_template", broken)
    res = run("init", "affine", "-o", "-", "--lang", "de")
    assert res.exit_code == 2
    assert "RuntimeError: boom" in res.stderr and "Traceback" not in res.stderr + res.output
    assert message("cli.bug", "de", error="RuntimeError: boom") in res.stderr


def test_ctrl_c_exits_130(run, monkeypatch):
    """Ctrl-C inside a command exits 130 without a traceback."""
    import backprop_cli.report.template as template

    def interrupted(ex, lang="en"):
        raise KeyboardInterrupt

    monkeypatch.setattr(template, "answers_template", interrupted)
    res = run("init", "affine", "-o", "-")
    assert res.exit_code == 130 and "Traceback" not in res.stderr
