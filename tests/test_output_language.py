"""Outputs besides the sheets say their own words in the chosen language too (SPEC 7.4): the graph
drawings of ``show-graph``, the titles of ``check --format github`` and ``solve -o FILE``."""
from __future__ import annotations

import re

import pytest

from backprop_cli.messages import catalogue

#: The English words the drawings of a graph put around names, signs and shapes.
GRAPH_WORDS = re.compile(r"\b(input|const|value|see above|loss|given|scalar)\b")


@pytest.mark.parametrize("lang", ["de", "ru"])
@pytest.mark.parametrize("fmt", ["tree", "dot", "mermaid"])
@pytest.mark.parametrize("exercise", ["jacobian-softmax", "affine", "layer-norm", "staged-backprop", "mlp-pytorch"])
def test_graph_drawings_have_no_english_word(run, exercise, fmt, lang):
    """Tree, DOT and Mermaid drawings in de or ru (with values) have no English word of their own: inputs,
    constants, the loss, "given", "scalar", "value" and "see above" are translated."""
    res = run("show-graph", exercise, "--format", fmt, "--values", "--lang", lang)
    assert res.exit_code == 0, res.output + res.stderr
    text = res.output.replace(f'digraph "{exercise}"', "")
    text = re.sub(r"\b(Loss|loss(?=\s*\[|\{\{| ->|$))", " ", text, flags=re.M)   # node ids and the name Loss
    assert not GRAPH_WORDS.findall(text), GRAPH_WORDS.findall(text)
    words = catalogue(lang)
    assert words["solve.scalar"] in res.output and (fmt != "tree" or words["graph.word.input"] in res.output)


def test_the_tree_marks_a_node_seen_before_in_the_language(run):
    """A node reached a second time is marked "(see above)" in the chosen language."""
    en = run("show-graph", "layer-norm").output
    de = run("show-graph", "layer-norm", "--lang", "de").output
    assert en.count("(see above)") == de.count(f"({catalogue('de')['graph.word.see_above']})") > 0


@pytest.mark.parametrize("lang", ["de", "ru"])
def test_github_titles_say_the_status_in_the_language(run, tmp_path, lang):
    """The title of a GitHub annotation names the status in the chosen language, as the rich report does."""
    answers = tmp_path / "a.yaml"
    answers.write_text("exercise: affine\nanswers:\n  dJ/da: dJ/dc @ W\n  dJ/db: x\n", encoding="utf-8")
    res = run("check", "affine", "--answers", str(answers), "--format", "github", "--lang", lang)
    titles = re.findall(r"title=affine [^:]*%3A (.*?) \d+/\d+", res.output)
    words = catalogue(lang)
    assert titles and set(titles) <= {words[f"report.status.{s}"] for s in ("incorrect", "invalid", "missing")}
    assert {words["report.status.incorrect"], words["report.status.invalid"]} <= set(titles)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_solve_to_a_file_writes_the_solution(run, tmp_path, lang):
    """``solve -o FILE`` (the console format) writes the solution, in the chosen language (it wrote an
    empty file before)."""
    out = tmp_path / "s.txt"
    res = run("solve", "colah-graph", "--steps", "--lang", lang, "-o", str(out))
    assert res.exit_code == 0, res.output + res.stderr
    text = out.read_text(encoding="utf-8")
    assert catalogue(lang)["solve.forward_pass"] in text and "de/da" in text
