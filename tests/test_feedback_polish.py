"""Feedback students meet, polished: plausible "did you mean" suggestions, the ⊙ hint for a juxtaposed
elementwise product, the note that ``^(-1)`` is elementwise, and Greek names with accents on LaTeX sheets.
Each case is named by what the student meant and whether it is right (SPEC 5, 7.4)."""
from __future__ import annotations

import pytest

from backprop_cli.formula.names import close_spellings
from backprop_cli.messages import LANGUAGES, catalogue, message
from test_diagnosis_cli import graded, solution
from test_latex_sheets import HAVE_PDFLATEX, _compile

SUGGESTION_NODES = ["x", "y", "xpy", "z_cos", "f"]


# -- 1. a suggestion must be plausible ----------------------------------------------------------------

@pytest.mark.parametrize("exercise, question, answer, name", [
    pytest.param("suggestion-names", "df/dx", "foo", "foo", id="three-letter-word-is-not-the-loss-f"),
    pytest.param("suggestion-names", "df/dx", "foo * x", "foo", id="three-letter-word-in-a-product-is-not-f"),
    pytest.param("affine", "dJ/da", "dJ/dc @ foo", "foo", id="unknown-word-is-no-one-letter-input"),
    pytest.param("affine", "dJ/da", "dJ/dc @ Wxyz", "Wxyz", id="long-word-is-not-W"),
    pytest.param("suggestion-names", "df/dx", "cost * x", "cost", id="word-is-not-z_cos-nor-cos"),
])
def test_no_implausible_suggestion(run, tmp_path, exercise, question, answer, name):
    """A word of three letters or more that is no misspelling of any name gets no "did you mean"."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert r["status"] == "invalid"
    assert message("name.unknown", name=name, suggestion="", known="").split(";")[0] + ";" in r["message"]


@pytest.mark.parametrize("exercise, question, answer, name, suggested", [
    pytest.param("affine", "dJ/da", "dJdc @ W^T", "dJdc", "dJ/dc", id="symbol-without-its-slash"),
    pytest.param("affine", "dJ/da", "dJ/dc @ Wt", "Wt", "W^T", id="Wt-is-W-transposed"),
    pytest.param("affine", "dJ/da", "dJ/dc @ W_T", "W_T", "W^T", id="W_T-is-W-transposed"),
    pytest.param("affine", "dJ/dW", "at @ dJ/dc", "at", "a^T", id="at-is-a-transposed"),
    pytest.param("affine", "dJ/da", "dJ/dc @ sigmod(W)^T", "sigmod", "sigmoid", id="sigmod-is-sigmoid"),
    pytest.param("suggestion-names", "df/dx", "z_co * x", "z_co", "z_cos", id="letter-dropped-from-a-node"),
    pytest.param("suggestion-names", "df/dx", "rleu(xpy) * x", "rleu", "relu", id="relu-letters-swapped"),
    pytest.param("suggestion-names", "df/dx", "tahn(xpy) * x", "tahn", "tanh", id="tanh-letters-swapped-not-tan"),
    pytest.param("suggestion-names", "df/dx", "coss(xpy) * x", "coss", "cos", id="cos-letter-doubled-not-cosh"),
    pytest.param("suggestion-names", "df/dx", "xyp", "xyp", "xpy", id="node-letters-swapped"),
])
def test_plausible_suggestions_are_still_made(run, tmp_path, exercise, question, answer, name, suggested):
    """A misspelling of one edit per three letters, a swap, or a transpose written as letters is suggested,
    and the answer with the suggestion in place is graded, not refused."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert r["status"] == "invalid"
    assert message("name.unknown", name=name, suggestion=suggested, known="").split(";")[0] in r["message"]
    fixed = graded(run, tmp_path, exercise, question, answer.replace(name, suggested, 1))
    assert fixed["status"] in ("correct", "incorrect"), fixed


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_implausible_suggestion_in_any_language(run, tmp_path, lang):
    """`foo` suggests no `f` in en, de or ru."""
    r = graded(run, tmp_path, "suggestion-names", "df/dx", "foo", lang)
    assert message("name.did_you_mean", lang, suggestion="f") not in r["message"]


@pytest.mark.parametrize("name, known, expected", [
    pytest.param("foo", SUGGESTION_NODES, [], id="foo-is-no-spelling-of-f"),
    pytest.param("fo", SUGGESTION_NODES, ["f"], id="fo-is-one-letter-from-f"),
    pytest.param("sigmd", ["sigmoid", "sin"], ["sigmoid"], id="two-letters-dropped-from-seven"),
    pytest.param("sig", ["sigmoid", "sinh"], ["sigmoid"], id="start-of-a-name"),
    pytest.param("hidden_lyr", ["hidden_layer", "h"], ["hidden_layer"], id="long-name-two-letters-dropped"),
    pytest.param("dense", ["d", "dens"], ["dens"], id="one-letter-dropped-not-the-first-letter"),
])
def test_close_spellings(name, known, expected):
    """Close spellings are those at most one edit per three letters away, or the start of a name."""
    assert close_spellings(name, known) == expected


# -- 2. factors written side by side that fail as a matrix product get the ⊙ hint -------------------------

@pytest.mark.parametrize("exercise, question, answer, shape", [
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 ⊙ σ(h1)(1 - σ(h1))", "1×k",
                 id="sigmoid-derivative-as-two-vectors-side-by-side"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 σ(h1)(1 - σ(h1))", "1×k",
                 id="whole-chain-side-by-side"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 ⊙ z1 (1 - z1)", "1×k",
                 id="node-and-bracket-with-a-space"),
    pytest.param("hadamard", "dJ/da", "dJ/dc b", "1×n", id="upstream-and-vector-with-a-space"),
])
def test_side_by_side_vectors_get_the_elementwise_hint(run, tmp_path, exercise, question, answer, shape):
    """Two same-shaped vectors written side by side (meaning their elementwise product) fail as a matrix
    product and are told to write ⊙, in every language, without the reference in the message."""
    reference = solution(run, tmp_path, exercise, question, answer)
    for lang in LANGUAGES:
        r = graded(run, tmp_path, exercise, question, answer, lang)
        assert r["status"] == "incorrect"
        assert message("result.juxtaposed_is_matmul", lang, left=shape) in r["message"]
        assert reference not in r["message"]


@pytest.mark.parametrize("exercise, question, answer, key", [
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 ⊙ z1 @ (1 - z1)", "shape.matmul",
                 id="explicit-at-is-meant-as-a-matrix-product"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 ⊙ matmul(z1, 1 - z1)", "shape.matmul",
                 id="matmul-call-is-meant-as-a-matrix-product"),
    pytest.param("two-layer-sigmoid-l2", "dLoss/dh1", "dLoss/dz1 ⊙ z1 * (1 - z1)", "result.star_is_matmul",
                 id="star-keeps-its-own-message"),
    pytest.param("affine", "dJ/da", "dJ/dc W", "shape.matmul", id="side-by-side-of-different-shapes-is-a-plain-mismatch"),
])
def test_elementwise_hint_only_for_side_by_side_same_shapes(run, tmp_path, exercise, question, answer, key):
    """A product written with @ or matmul, a product of different shapes, and a * keep their own messages."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert r["status"] == "incorrect"
    assert catalogue("en")["result.juxtaposed_is_matmul"].split("{")[0] not in r["message"]
    assert r["message"].startswith(catalogue("en")[key].split("{")[0])


# -- 3. ^(-1) of a matrix is elementwise: a wrong answer using it is told so ------------------------------

@pytest.mark.parametrize("exercise, question, answer", [
    pytest.param("affine", "dJ/da", "dJ/dc @ W^(-1)", id="inverse-of-W-meant-dimension-error"),
    pytest.param("affine", "dJ/da", "dJ/dc @ W^{-1}", id="latex-braces-inverse-of-W"),
    pytest.param("affine", "dJ/da", "dJ/dc @ (W^T)^(-1)", id="inverse-of-W-transposed-meant-wrong-values"),
    pytest.param("affine", "dJ/dW", "W⁻¹", id="superscript-inverse-wrong-values"),
])
def test_matrix_to_the_minus_one_is_said_to_be_elementwise(run, tmp_path, exercise, question, answer):
    """A wrong answer raising a matrix to -1 (a matrix inverse meant) is told that ^(-1) is elementwise and
    that there is no matrix inverse, in every language, without the reference in the message."""
    reference = solution(run, tmp_path, exercise, question, answer)
    for lang in LANGUAGES:
        r = graded(run, tmp_path, exercise, question, answer, lang)
        assert r["status"] == "incorrect"
        assert message("remark.power_minus_one_elementwise", lang) in r["message"]
        assert reference not in r["message"]


@pytest.mark.parametrize("exercise, question, answer", [
    pytest.param("affine", "dJ/da", "a^(-1)", id="vector-to-the-minus-one-is-no-inverse-question"),
    pytest.param("function1", "dd/da", "b^(-1)", id="scalar-to-the-minus-one-is-its-reciprocal"),
    pytest.param("affine", "dJ/da", "dJ/dc @ W^T", id="right-answer-gets-no-remark"),
    pytest.param("affine", "dJ/da", "dJ/dc @ W^(-2)", id="other-powers-get-no-remark"),
])
def test_no_elementwise_remark_without_a_matrix_to_the_minus_one(run, tmp_path, exercise, question, answer):
    """A scalar or a vector to the power -1, another power, or a right answer gets no remark."""
    r = graded(run, tmp_path, exercise, question, answer)
    assert message("remark.power_minus_one_elementwise") not in r["message"]


# -- 4. Greek names with accents on the LaTeX sheet --------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    pytest.param("ά", r"\acute{\alpha}", id="alpha-with-tonos-as-acute"),
    pytest.param("Ά", r"\text{\textit{(greek capital letter alpha with tonos)}}", id="capital-alpha-with-tonos-named"),
    pytest.param("ΐ", r"\acute{\ddot{\iota}}", id="iota-with-dialytika-and-tonos"),
    pytest.param("ῶ", r"\tilde{\omega}", id="omega-with-perispomeni-as-tilde"),
    pytest.param("ὠ", r"\text{\textit{(greek small letter omega with psili)}}", id="breathing-has-no-accent-named"),
    pytest.param("ᾳ", r"\text{\textit{(greek small letter alpha with ypogegrammeni)}}", id="iota-subscript-named"),
    pytest.param("ό_1", r"\text{\textit{(greek small letter omicron with tonos)}}_{1}", id="omicron-with-tonos-named"),
    pytest.param("Α", r"\text{\textit{(greek capital letter alpha)}}", id="capital-alpha-named-not-latin-A"),
    pytest.param("ο", "o", id="plain-omicron-has-no-command"),
    pytest.param("α", r"\alpha", id="plain-alpha-unchanged"),
    pytest.param("é", r"\text{é}", id="latin-accent-unchanged"),
])
def test_greek_names_with_accents_in_latex(name, expected):
    """A Greek name with diacritics prints as a math accent over the letter's command, or by its Unicode name
    when no math accent draws the mark; never as a raw character pdflatex cannot set."""
    from backprop_cli.formula.printers import latex_name

    assert latex_name(name) == expected


ACCENTED = ["ά", "ὠ", "Ά", "ΐ", "ᾳ", "ῶ", "ό_1", "ϑ", "ἄ", "ᾆ", "ϝ"]


@pytest.mark.parametrize("name", ACCENTED)
def test_accented_greek_names_read_back_from_latex(name):
    """What the sheet prints for an accented Greek name reads back as that name (SPEC 5: parse(print(x)) is x)."""
    from backprop_cli.formula.ast import Name
    from backprop_cli.formula.latex_reader import from_latex
    from backprop_cli.formula.parser import parse
    from backprop_cli.formula.printers import latex

    assert parse(from_latex(latex(Name(name)), ACCENTED), {}, set(ACCENTED)) == Name(name)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="needs pdflatex (required in CI)")
@pytest.mark.parametrize("questions_only", [False, True], ids=["answers-with-steps", "questions-only"])
def test_sheet_with_accented_greek_names_compiles(run, tmp_path, questions_only):
    """A sheet whose inputs, nodes and questions are Greek letters with accents and breathings compiles."""
    import yaml

    data = {"id": "greek-accents", "title": "Ἀκρίβεια: ά, ὠ", "description": "Κόμβοι `ά` και `ὠ`.",
            "inputs": {"x": [1, "n"], "ά": ["n", "m"]},
            "forward": ["ὠ = x @ ά", "Ά = ὠ ⊙ ὠ", "ΐ = tanh(Ά)", "ῶ = sum(ΐ)"],
            "loss": "ῶ", "questions": ["dῶ/dx", "dῶ/dά", "dῶ/dὠ", "dΐ/dΆ"]}
    path = tmp_path / "greek.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = run("solve", str(path), "--format", "latex", *(["--questions-only"] if questions_only else ["--steps"]))
    assert res.exit_code == 0, res.output + res.stderr
    assert r"\acute{\alpha}" in res.output and "omega with psili" in res.output
    done = _compile(res.output, tmp_path)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]
