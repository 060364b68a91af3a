"""Tests for backprop_cli.report.solution: the worked solution as JSON, Markdown, LaTeX and rich output."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from backprop_cli.formula.parser import parse
from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare
from backprop_cli.report.solution import (
    json_value,
    print_solution_rich,
    solution_json,
    solution_latex,
    solution_markdown,
    tex_text,
)
from backprop_cli.grade.solve import solve

ROOT = Path(__file__).resolve().parents[1]


def solved(name: str, steps: bool = True, mode: str = "reverse"):
    ref = prepare(load_exercise(str(ROOT / "exercises" / f"{name}.yaml")))
    return ref, solve(ref, steps=steps, mode=mode)


@pytest.fixture(scope="module")
def affine():
    return solved("affine")[1]


@pytest.fixture(scope="module")
def simple():
    return solved("cs231n-simple")[1]


def rich_lines(sol) -> list:
    console = Console(width=100, color_system=None, force_terminal=False, record=True, file=io.StringIO())
    print_solution_rich(sol, console)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_json_questions_affine(affine):
    """Derivative questions give a plain formula; shape questions give no formula and the asked shape."""
    data = solution_json(affine)
    assert data["exercise"] == "affine"
    assert data["questions"][0] == {"question": "dJ/da", "kind": "derivative", "formula": "dJ/dc @ W^T",
                                    "shape": "1×n", "value": None}
    assert data["questions"][4]["formula"] == "eye(m)"
    assert data["questions"][6] == {"question": "dJ/dW", "kind": "shape", "formula": None, "shape": "n×m",
                                    "value": None}


def test_json_steps_affine(affine):
    """Each reverse step has its symbol, formula, expansion, shape and the path it came along."""
    steps = solution_json(affine)["steps"]
    assert [s["symbol"] for s in steps] == ["dJ/dc", "dJ/db", "dJ/dW", "dJ/da"]
    assert steps[2] == {"symbol": "dJ/dW", "formula": "a^T @ dJ/dc", "expanded": "a^T @ dJ/dc", "shape": "n×m",
                        "value": None, "paths": [{"via": "c", "formula": "a^T @ dJ/dc"}]}


def test_json_values(simple):
    """With values, every question but a shape question has a number; value questions have no formula."""
    data = solution_json(simple)
    assert [(q["question"], q["kind"], q["formula"], q["value"]) for q in data["questions"]] == [
        ("q", "value", None, 3.0), ("f", "value", None, -12.0), ("df/dq", "derivative", "z", -4.0),
        ("df/dz", "derivative", "q", 3.0), ("df/dx", "derivative", "df/dq", -4.0),
        ("df/dy", "derivative", "df/dq", -4.0)]
    assert data["steps"][3] == {"symbol": "df/dx", "formula": "df/dq", "expanded": "z", "shape": "scalar",
                                "value": -4.0, "paths": [{"via": "q", "formula": "df/dq"}]}
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("name", [pytest.param("affine", id="affine"), pytest.param("staged-backprop", id="staged"),
                                  pytest.param("linear-regression", id="linreg")])
def test_json_formulas_reparse(name):
    """Every formula in the JSON reads back with the formula parser."""
    ref, sol = solved(name)
    g = ref.graph
    data = solution_json(sol)
    texts = [q["formula"] for q in data["questions"]] + [s[k] for s in data["steps"] for k in ("formula", "expanded")]
    texts += [p["formula"] for s in data["steps"] for p in s["paths"]]
    for text in filter(None, texts):
        parse(text, g.functions, set(g.shapes) | {g.loss})


def test_json_value_nested_and_not_finite():
    """Arrays become nested lists; NaN and infinities become null."""
    import numpy as np

    assert json_value(np.array([[1.0, 2.5]])) == [[1.0, 2.5]]
    assert json_value(np.array([[np.nan, np.inf]])) == [[None, None]]
    assert json_value(np.array(3.0)) == 3.0
    assert json_value(None) is None


def test_markdown_affine(affine):
    """The sheet has the title, the source, the forward pass, the answers table and the steps."""
    lines = solution_markdown(affine).splitlines()
    assert lines[0] == "# Affine transformation c = aW + b"
    assert lines[2].startswith("*Source:* GINN SS24")
    start = lines.index("## Forward pass")
    assert lines[start:start + 9] == [
        "## Forward pass", "", "Inputs: `a` (1×n), `W` (n×m), `b` (1×m).", "", "```", "c = a · W + b", "```", "",
        "Loss: `J` (not computed here: its upstream gradients are given).",
    ]
    start = lines.index("## Answers")
    assert lines[start + 2:start + 5] == [
        "| # | Question | Answer | Shape |", "|---|---|---|---|", "| 1 | `dJ/da` | `∂J/∂c · Wᵀ` | 1×n |"]
    assert "| 7 | shape of `dJ/dW` |  | n×m |" in lines
    assert lines[-6:] == [
        "## Steps: reverse mode, from J back to the inputs", "",
        "1. `∂J/∂c` is given (1×m)", "2. `∂J/∂b = ∂J/∂c` (1×m)", "3. `∂J/∂W = aᵀ · ∂J/∂c` (n×m)",
        "4. `∂J/∂a = ∂J/∂c · Wᵀ` (1×n)"]


def test_markdown_values(simple):
    """With values the table gets a Value column and each step its number and full form."""
    lines = solution_markdown(simple).splitlines()
    assert "Values: `x = -2`, `y = 5`, `z = -4`." in lines
    assert "| # | Question | Answer | Shape | Value |" in lines
    assert "| 1 | value of `q` |  | scalar | 3 |" in lines
    assert "| 5 | `df/dx` | `∂f/∂q` | scalar | -4 |" in lines
    assert lines[-2:] == ["4. `∂f/∂x = ∂f/∂q` (scalar) = -4", "   - in full: `z`"]


def test_markdown_paths():
    """A node used twice shows the contribution of each path."""
    _, sol = solved("staged-backprop")
    lines = solution_markdown(sol).splitlines()
    assert lines[-4:] == ["   - in full: `-(num / den²) · (2xpy) + -(num / den²) · σ'(x) + invden`",
                          "   - via `xpy`: `∂f/∂xpy`", "   - via `sigx`: `∂f/∂sigx · σ'(x)`", "   - via `num`: `∂f/∂num`"]


def test_latex_document(simple):
    """The LaTeX is a whole document with amsmath and amssymb, and the steps in align*."""
    text = solution_latex(simple)
    lines = text.splitlines()
    assert lines[0] == r"\documentclass{article}"
    assert r"\usepackage{amsmath}" in lines and r"\usepackage{amssymb}" in lines
    assert lines[-1] == r"\end{document}"
    assert r"\item \texttt{df/dx}: $\displaystyle \frac{df}{dq}$, shape $\text{scalar}$, value $-4$" in lines
    start = lines.index(r"\subsection*{Steps: reverse mode, from f back to the inputs}")
    assert lines[start + 1:start + 9] == [
        r"\begin{align*}", r"\frac{df}{dq} &= z = -4 \qquad (\text{scalar}) \\",
        r"\frac{df}{dz} &= q = 3 \qquad (\text{scalar}) \\", r"\frac{df}{dy} &= \frac{df}{dq} \qquad (\text{scalar}) \\",
        r"&= z = -4 \\", r"\frac{df}{dx} &= \frac{df}{dq} \qquad (\text{scalar}) \\", r"&= z = -4", r"\end{align*}"]


def test_latex_affine_given_and_shapes(affine):
    """The given upstream gradient is marked as given, inputs show their spaces."""
    lines = solution_latex(affine).splitlines()
    assert r"\frac{dJ}{dc} &\quad\text{given} \qquad (1 \times m) \\" in lines
    assert (r"Inputs: $a \in \mathbb{R}^{1 \times n}$, $W \in \mathbb{R}^{n \times m}$, "
            r"$b \in \mathbb{R}^{1 \times m}$.") in lines


@pytest.mark.parametrize("text, expected", [
    pytest.param("50% & $x_1$", r"50\% \& \$x\_1\$", id="specials"),
    pytest.param("a×b − c²", r"a\ensuremath{\times}b \ensuremath{-} c\ensuremath{^{2}}", id="math"),
    pytest.param("σ(x)", r"\ensuremath{\sigma}(x)", id="greek"),
    pytest.param("Градиент сигмоиды", r"\cyr{Градиент сигмоиды}", id="cyrillic"),
])
def test_tex_text(text, expected):
    """Text is escaped for LaTeX and mathematical characters become math."""
    assert tex_text(text) == expected


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
@pytest.mark.parametrize("name", ["staged-backprop", "logistic-neuron", "colah-graph"])
def test_latex_compiles(name, tmp_path):
    """The document compiles with pdflatex."""
    _, sol = solved(name)
    (tmp_path / "s.tex").write_text(solution_latex(sol), encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "s.tex"], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]


def test_rich_affine(affine):
    """The rich output reads on a plain console: a table of answers and a tree of steps."""
    lines = rich_lines(affine)
    assert lines[0] == "Affine transformation c = aW + b"
    assert lines[lines.index("Forward pass") + 1:lines.index("Forward pass") + 3] == [
        "  c = a · W + b", "  loss: J (not computed here: its upstream gradients are given)"]
    start = next(i for i, line in enumerate(lines) if "Question" in line)
    assert lines[start:start + 3] == [
        "┃ # ┃ Question       ┃ Answer     ┃ Shape ┃",
        "┡━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩",
        "│ 1 │ dJ/da          │ ∂J/∂c · Wᵀ │ 1×n   │"]
    assert lines[-5:] == [
        "Steps: reverse mode, from J back to the inputs",
        "├── ∂J/∂c is given   1×m",
        "├── ∂J/∂b = ∂J/∂c   1×m",
        "├── ∂J/∂W = aᵀ · ∂J/∂c   n×m",
        "└── ∂J/∂a = ∂J/∂c · Wᵀ   1×n"]


def test_rich_values(simple):
    """With values the table has a Value column and steps show numbers and their full form."""
    lines = rich_lines(simple)
    assert "│ 5 │ df/dx      │ ∂f/∂q  │ scalar │ -4    │" in lines
    assert lines[-2:] == ["└── ∂f/∂x = ∂f/∂q   scalar   = -4", "    └── in full: z"]


def test_forward_mode_steps():
    """Forward mode shows tangents with respect to one input, in every format."""
    _, sol = solved("colah-graph", mode="forward")
    assert [s["symbol"] for s in solution_json(sol)["steps"]] == ["dc/da", "de/da"]
    assert "## Steps: forward mode, tangents with respect to a" in solution_markdown(sol).splitlines()
    assert "Steps: forward mode, tangents with respect to a" in rich_lines(sol)


def test_without_steps():
    """Without --steps the steps list is empty and no steps section is written."""
    _, sol = solved("affine", steps=False)
    assert solution_json(sol)["steps"] == []
    assert "Steps" not in solution_markdown(sol)
    assert "Steps" not in solution_latex(sol)
    assert "Steps" not in "\n".join(rich_lines(sol))
