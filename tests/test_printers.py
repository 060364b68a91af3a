"""Tests for backprop_cli.formula.printers: golden plain, unicode and LaTeX output for typical references,
and the round trip parse(plain(x)) == x for random trees."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.errors import LimitError
from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Deriv, Name, Neg, Num, Pow, T
from backprop_cli.formula.vocabulary import elementwise_names
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import latex, plain, unicode

DECLARED = {"f": "elementwise"}


def no_recursion_error(fn, *args):
    """``fn(*args)``, with a RecursionError turned into a short assertion (its traceback is huge)."""
    try:
        return fn(*args)
    except RecursionError:
        pass
    raise AssertionError(f"{getattr(fn, '__name__', type(fn).__name__)} raised RecursionError")

# (input, plain, unicode, LaTeX)
GOLDEN = [
    ("dJ/dc @ W^T", "dJ/dc @ W^T", "∂J/∂c · Wᵀ", r"\frac{dJ}{dc} \cdot {W}^{\top}"),
    ("a^T @ dJ/dc", "a^T @ dJ/dc", "aᵀ · ∂J/∂c", r"{a}^{\top} \cdot \frac{dJ}{dc}"),
    ("dJ/dc ⊙ σ'(a @ W + b)", "dJ/dc .* sigmoid'(a @ W + b)", "∂J/∂c ⊙ σ'(a · W + b)",
     r"\frac{dJ}{dc} \odot \sigma'\left(a \cdot W + b\right)"),
    ("(dJ/dz ⊙ relu'(z)) @ W2^T", "dJ/dz .* relu'(z) @ W2^T", "∂J/∂z ⊙ relu'(z) · W2ᵀ",
     r"\frac{dJ}{dz} \odot \operatorname{relu}'\left(z\right) \cdot {W_{2}}^{\top}"),
    ("diag(σ'(a)) @ W", "diag(sigmoid'(a)) @ W", "diag(σ'(a)) · W",
     r"\operatorname{diag}\left(\sigma'\left(a\right)\right) \cdot W"),
    ("2 * (z - y)", "2 * (z - y)", "2 · (z - y)", r"2 \left(z - y\right)"),
    ("(z - y)^2", "(z - y)^2", "(z - y)²", r"\left(z - y\right)^{2}"),
    ("-x^2", "-x^2", "-x²", r"-x^{2}"),
    ("(-x)^2", "(-x)^2", "(-x)²", r"\left(-x\right)^{2}"),
    ("x^(-1)", "x^(-1)", "x⁻¹", r"x^{-1}"),
    ("x^0.5", "x^0.5", "x^(0.5)", r"x^{0.5}"),
    ("3b", "3 * b", "3b", r"3 b"),
    ("x ⊙ x + 3x", "x .* x + 3 * x", "x ⊙ x + 3x", r"x \odot x + 3 x"),
    ("1e-3 x", "0.001 * x", "0.001x", r"0.001 x"),
    ("2/3", "2 / 3", "2 / 3", r"\frac{2}{3}"),
    ("a / b", "a / b", "a / b", r"\frac{a}{b}"),
    ("sqrt(x)", "sqrt(x)", "sqrt(x)", r"\sqrt{x}"),
    ("sum(X, 0)", "sum(X, 0)", "sum(X, 0)", r"\sum\left(X, 0\right)"),
    ("mean(X, 1)", "mean(X, 1)", "mean(X, 1)", r"\operatorname{mean}\left(X, 1\right)"),
    ("softmax(z)", "softmax(z)", "softmax(z)", r"\operatorname{softmax}\left(z\right)"),
    ("ones(n, 1) @ dJ/dc", "ones(n, 1) @ dJ/dc", "ones(n, 1) · ∂J/∂c",
     r"\operatorname{ones}\left(n, 1\right) \cdot \frac{dJ}{dc}"),
    ("I(m) ⊗ x", "outer(eye(m), x)", "I(m) ⊗ x", r"I\left(m\right) \otimes x"),
    ("leaky_relu(a, 0.1)", "leaky_relu(a, 0.1)", "leaky_relu(a, 0.1)",
     r"\operatorname{leaky\_relu}\left(a, 0.1\right)"),
    ("σ(z) ⊙ (1 - σ(z))", "sigmoid(z) .* (1 - sigmoid(z))", "σ(z) ⊙ (1 - σ(z))",
     r"\sigma\left(z\right) \odot \left(1 - \sigma\left(z\right)\right)"),
    ("tanh'(a)", "tanh'(a)", "tanh'(a)", r"\tanh'\left(a\right)"),
    ("f'(a) ⊙ g", "f'(a) .* g", "f'(a) ⊙ g", r"\operatorname{f}'\left(a\right) \odot g"),
    ("heaviside(x)", "step(x)", "step(x)", r"\operatorname{step}\left(x\right)"),
    ("ln(x)", "log(x)", "log(x)", r"\log\left(x\right)"),
    ("exp(x)/sum(exp(x))", "exp(x) / sum(exp(x))", "exp(x) / sum(exp(x))",
     r"\frac{\exp\left(x\right)}{\sum\left(\exp\left(x\right)\right)}"),
    ("theta_1 - alpha * dJ/dtheta_1", "theta_1 - alpha @ dJ/dtheta_1", "θ_1 - α · ∂J/∂θ_1",
     r"\theta_{1} - \alpha \cdot \frac{dJ}{d\theta_{1}}"),
    ("1/(2m) * (X Θ - y)^T (X Θ - y)", "1 / (2 * m) @ (X @ Theta - y)^T @ (X @ Theta - y)",
     "1 / (2m) · (X · Θ - y)ᵀ · (X · Θ - y)",
     r"\frac{1}{2 m} \cdot {\left(X \cdot \Theta - y\right)}^{\top} \cdot \left(X \cdot \Theta - y\right)"),
    ("W_1 + z12 + b_out", "W_1 + z12 + b_out", "W_1 + z12 + b_out", r"W_{1} + z_{12} + b_{out}"),
    ("dJ/dW1", "dJ/dW1", "∂J/∂W1", r"\frac{dJ}{dW_{1}}"),
    ("∂L/∂z1", "∂L/∂z1", "∂L/∂z1", r"\frac{\partial L}{\partial z_{1}}"),
    ("(a + b)ᵀ", "(a + b)^T", "(a + b)ᵀ", r"{\left(a + b\right)}^{\top}"),
    ("-(a - b)", "-(a - b)", "-(a - b)", r"-\left(a - b\right)"),
    ("a - (b - c)", "a - (b - c)", "a - (b - c)", r"a - \left(b - c\right)"),
    ("(a @ b) @ c", "a @ b @ c", "a · b · c", r"a \cdot b \cdot c"),
    ("a @ (b @ c)", "a @ (b @ c)", "a · (b · c)", r"a \cdot \left(b \cdot c\right)"),
    ("λ x", "lambda @ x", "λ · x", r"\lambda \cdot x"),
]


@pytest.mark.parametrize("text, want_plain, want_unicode, want_latex", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(text, want_plain, want_unicode, want_latex):
    """Typical references print as expected in all three formats."""
    e = parse(text, DECLARED)
    assert [plain(e), unicode(e), latex(e)] == [want_plain, want_unicode, want_latex]


@pytest.mark.parametrize("text", [g[0] for g in GOLDEN])
def test_golden_plain_reparses(text):
    """The plain output of every golden formula reads back as the same formula."""
    e = parse(text, DECLARED)
    assert parse(plain(e), DECLARED) == e


@pytest.mark.parametrize("text", [g[0] for g in GOLDEN if "∂" not in g[0]])
def test_golden_unicode_reparses(text):
    """The unicode output is also valid input (∂ and d are the same symbol outside opaque functions)."""
    e = parse(text, DECLARED)
    back = parse(unicode(e), DECLARED)
    assert plain(back).replace("∂", "d") == plain(e)


@pytest.mark.parametrize("e, want", [
    pytest.param(Pow(T(Name("x")), 2.0), r"{{x}^{\top}}^{2}", id="power-of-transpose"),
    pytest.param(Bin(MUL, Num(2.0), Num(3.0)), r"2 \cdot 3", id="number-times-number"),
    pytest.param(Bin(MUL, Num(2.0), Neg(Name("x"))), r"2 \cdot \left(-x\right)", id="number-times-negation"),
])
def test_latex_is_unambiguous(e, want):
    """LaTeX output compiles and keeps its meaning (no double superscripts, no glued numbers or signs)."""
    assert latex(e) == want


def test_greek_name_with_letter_suffix_round_trips():
    """A name like Δx, which the parser accepts, reads back from its plain output."""
    e = parse("Δx")
    assert parse(plain(e)) == e


def test_long_sum_is_refused_at_the_depth_limit():
    """A 250-term sum is a tree 250 deep: refused by the nesting limit, so no printer can overflow the stack."""
    with pytest.raises(LimitError):
        parse(" + ".join(["x"] * 250))
    e = parse(" + ".join(["x"] * 100))
    assert parse(no_recursion_error(plain, e)) == e


def test_long_transpose_chain_is_refused_and_shorter_prints():
    """400 transposes exceed the nesting limit; 99 print in every format."""
    with pytest.raises(LimitError):
        parse("x" + "'" * 400)
    e = parse("x" + "'" * 99)
    for printer in (plain, unicode, latex):
        no_recursion_error(printer, e)


# -- round trip: parse(plain(x)) == x ----------------------------------------------------------------------
NAMES = ["a", "b", "x", "W", "W1", "b_2", "z1", "dx", "e", "I", "d", "E", "ab", "exp", "sum",
         "α", "β", "θ", "θ_1", "σ", "λ", "Σ", "ω_2", "π2"]
DERIV_NAMES = ["J", "L", "c", "z1", "α", "θ_1", "W2", "h", "d", "e"]
FN1 = sorted(elementwise_names() - {"leaky_relu", "prelu", "elu"})
FN2 = ["leaky_relu", "prelu", "elu"]
BINOPS = [ADD, SUB, MUL, HADAMARD, DIV, OUTER]

numbers = st.one_of(
    st.integers(0, 10**6).map(float),
    st.floats(0, 1e300, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e-3, 2.5e-7, 1e20, 0.1, 5e-324, 1e15, 123456789.125]),
)
exponents = st.one_of(st.integers(-64, 64).map(float), st.floats(-64, 64, allow_nan=False))
leaves = st.one_of(
    numbers.map(Num),
    st.sampled_from(NAMES).map(Name),
    st.builds(Deriv, st.sampled_from(DERIV_NAMES), st.sampled_from(DERIV_NAMES), st.booleans()),
)


def _extend(child):
    return st.one_of(
        child.map(Neg),
        st.builds(Bin, st.sampled_from(BINOPS), child, child),
        st.builds(Pow, child, exponents),
        child.map(T),
        st.builds(lambda fn, e, prime: Call(fn, (e,), prime), st.sampled_from(FN1), child, st.booleans()),
        st.builds(lambda fn, e, alpha, prime: Call(fn, (e, alpha), prime), st.sampled_from(FN2), child, child,
                  st.booleans()),
        st.builds(lambda fn, e: Call(fn, (e,)), st.sampled_from(["sum", "mean", "softmax", "diag"]), child),
        st.builds(lambda fn, e, axis: Call(fn, (e, Num(axis))), st.sampled_from(["sum", "mean"]), child,
                  st.sampled_from([0.0, 1.0])),
        st.builds(lambda e: Call("f", (e,), True), child),
    )


trees = st.recursive(leaves, _extend, max_leaves=30)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_plain_round_trip(e):
    """Any tree the parser can produce reads back from its plain output unchanged."""
    text = plain(e)
    assert parse(text, DECLARED) == e, text


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_unicode_and_latex_never_fail(e):
    """The unicode and LaTeX printers print every tree."""
    assert unicode(e) and latex(e)


def test_latex_names_beyond_ascii_round_trip():
    """Names with letters beyond ASCII and Greek (é, хх) print inside \\text{…}, so pdflatex can set them,
    and read back as the same names."""
    e = parse("é ⊙ хх + θ_1")
    assert r"\text{é}" in latex(e) and parse(latex(e)) == e


@pytest.mark.parametrize("e", [
    Neg(Neg(Bin("/", Name("dx"), Name("dx")))),
    Bin("/", Bin("*", Name("a"), Name("dx")), Pow(Name("dy"), 2.0)),
    Bin("/", Name("dx"), Call("diag", (Name("s"),), False)),
])
def test_a_quotient_of_d_names_is_not_printed_as_a_derivative_symbol(e):
    """Nodes named dx and dy divided print with the denominator bracketed, since `dx / dy` reads as dx/dy."""
    assert parse(plain(e), DECLARED) == e
    assert parse(unicode(e), DECLARED) == e
