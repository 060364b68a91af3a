"""Named intermediates (formula/named.py, formula/definitions.py): a formula too large to print whole is
printed as ``g1 = …`` lines and the formula, and an answer written that way (in any order, plain,
unicode or LaTeX) is read as the formula it stands for; mistakes in it are invalid with a caret."""
from __future__ import annotations

import pytest
import yaml

import backprop_cli
from backprop_cli.formula import definitions
from backprop_cli.formula.ast import ADD, HADAMARD, Bin, Call, Name
from backprop_cli.formula.named import LINE_NODES, name_intermediates, named_lines, show, tree_size
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import latex, plain, unicode


def doubling(n: int):
    """x, then n times g = g + tanh(g) ⊙ g: a tree of 3^n parts from 4n distinct ones."""
    e = Name("x")
    for _ in range(n):
        e = Bin(ADD, e, Bin(HADAMARD, Call("tanh", (e,)), e))
    return e


def test_a_formula_that_fits_prints_as_before():
    """An ordinary reference is printed whole, exactly as the printers print it."""
    e = parse("dJ/dc @ W^T + 2 * a ⊙ σ'(z)")
    for printer in (plain, unicode, latex):
        assert show(printer, e) == printer(e)


def test_shared_formula_prints_in_linear_size():
    """A formula of 3^30 parts as a tree prints in a few lines per distinct part, each a valid formula."""
    e = doubling(30)
    assert tree_size(e)[0] > 10**14
    lines = show(plain, e).splitlines()
    assert len(lines) <= 31
    for line in lines[:-1]:
        name, body = line.split(" = ")
        assert name.startswith("g") and parse(body) is not None


def test_each_line_is_bounded_in_parts():
    """A long sum with nothing shared is cut into lines of at most LINE_NODES parts each."""
    e = Name("x0")
    for i in range(1, 300):
        e = Bin(ADD, e, Bin(HADAMARD, Name(f"x{i}"), Name(f"y{i}")))
    n = name_intermediates(e)
    assert len(n.definitions) > 5
    for _, f in n.definitions + (("", n.body),):
        assert tree_size(f)[0] <= LINE_NODES


def test_names_skip_every_spelling_of_taken_names():
    """g1 and g_2 are taken (g_2 reads as g2), so the intermediates start at g3."""
    n = name_intermediates(doubling(3), taken={"g1", "g_2"})
    assert [name for name, _ in n.definitions][:1] == ["g3"]


@pytest.mark.parametrize("text", [
    pytest.param("g1 = tanh(x) ⊙ x\ng2 = x + g1\ng2 + tanh(g2) ⊙ g2", id="definitions-first"),
    pytest.param("g2 + tanh(g2) ⊙ g2\nwhere g1 = tanh(x) ⊙ x\ng2 = x + g1", id="answer-first-where"),
    pytest.param("g2 = x + g1; g1 = tanh(x) ⊙ x; g2 + tanh(g2) ⊙ g2", id="semicolons-any-order"),
    pytest.param("g_1 = tanh(x) ⊙ x\ng₂ = x + g1\ndy/dx = g2 + tanh(g_2) ⊙ g2", id="spellings-and-symbol"),
    pytest.param(r"\begin{aligned} g_{1} &= \tanh\left(x\right) \odot x \\ g_{2} &= x + {} \\ &\quad g_{1} \\"
                 r" & g_{2} + \tanh\left(g_{2}\right) \odot g_{2} \end{aligned}", id="latex-aligned"),
])
def test_answers_with_names_read_as_the_formula(text):
    """Each way of writing the intermediates gives the same formula as writing it out."""
    e, _ = definitions.read(definitions.split(text), {}, {"x"})
    assert e == doubling(2)


def test_formula_without_definitions_is_not_split():
    """A formula over several lines with no NAME = line is one formula, read as before."""
    assert definitions.split("x\n- y") is None
    assert definitions.split("sum(X, axis=0)") is None
    assert definitions.split("(Y >= 0)") is None


def test_a_line_ending_with_an_operator_continues():
    """LaTeX line breaks of `solve` put the operator at the end of a line: the next line continues it."""
    lines = definitions.split("g1 = a + {} \\\\ &\\quad b \\\\ g1 - {} \\\\ c")
    assert lines == [("g1", "a + b"), (None, "g1 - c")]


def test_shared_names_are_one_formula_object():
    """A name used twice is substituted as one shared sub-formula (evaluated once), not copied."""
    e, _ = definitions.read(definitions.split("g1 = tanh(x)\ng1 ⊙ g1"), {}, {"x"})
    assert e.left is e.right


def _check(tmp_path, exercise, answer):
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"answers": {"dJ/da": answer}}, allow_unicode=True), encoding="utf-8")
    return {r.question: r for r in backprop_cli.check(exercise, str(path)).results}["dJ/da"]


def test_named_answer_grades_correct_and_wrong(tmp_path):
    """Through check: a right answer with a name is correct, a wrong one incorrect, read back on one line."""
    assert _check(tmp_path, "affine", "g1 = W^T\ndJ/dc @ g1").status == "correct"
    wrong = _check(tmp_path, "affine", "g1 = W\ndJ/dc @ g1^T ⊙ 2")
    assert wrong.status == "incorrect"


@pytest.mark.parametrize("answer, key, at", [
    pytest.param("g1 = g2 + 1\ng2 = g1 ⊙ 2\ndJ/dc @ g1", "named.cycle", "g1 = g2", id="cycle"),
    pytest.param("g1 = W^T\ng1 = W\ndJ/dc @ g1", "named.duplicate", "g1 = W;", id="duplicate"),
    pytest.param("W = W^T\ndJ/dc @ W", "named.clash", "W = W^T", id="clash"),
    pytest.param("g1 = W^T\ng2 = g1", "named.no_answer", "", id="no-answer"),
    pytest.param("g1 = W^T\ndJ/dc @ g1\n2 * dJ/dc", "named.two_answers", "2 * dJ/dc", id="two-answers"),
    pytest.param("g1 = W^T )\ndJ/dc @ g1", "syntax.expected", ")", id="syntax-in-a-line"),
])
def test_mistakes_in_names_are_invalid_with_a_caret(tmp_path, answer, key, at):
    """Each mistake is invalid with its own message, and the caret points into the line at fault."""
    r = _check(tmp_path, "affine", answer)
    assert (r.status, r.message) == ("invalid", key)
    text, pos = r.caret
    assert text[pos:].startswith(at) or (not at and pos >= len(text) - 12)


def test_shape_error_inside_a_definition_points_at_its_operator(tmp_path):
    """A product that cannot multiply inside g1's line is reported at that operator, in the text as read."""
    r = _check(tmp_path, "affine", "g1 = W @ W\ndJ/dc @ g1")
    assert (r.status, r.message) == ("incorrect", "shape.matmul")
    text, pos = r.caret
    assert text[pos] == "@" and pos < text.index(";")
