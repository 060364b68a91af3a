"""Tests for backprop_cli.formula.parser: every syntax row of SPEC section 5, precedence, error positions
and the limits of section 10."""
from __future__ import annotations

import pytest

from backprop_cli.errors import BackpropError, FormulaSyntaxError, LimitError, UnknownNameError
from backprop_cli.formula.ast import (ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Deriv, Equation, Name, Neg, Num,
                                      Pow, T)
from backprop_cli.formula.parser import parse, parse_equation
from backprop_cli.derive.infer import Scope, infer
from conftest import traced

a, b, c, g, u, v, x, y, z, W, X = (Name(n) for n in ("a", "b", "c", "g", "u", "v", "x", "y", "z", "W", "X"))
DECLARED = {"f": "elementwise", "F": "opaque"}


def mul(p, q):
    return Bin(MUL, p, q)


def call(fn, *args, prime=False):
    return Call(fn, tuple(args), prime)


def d(num, den, partial=False):
    return Deriv(num, den, partial)


def syntax(text, functions=None):
    """The error that parsing ``text`` raises."""
    with pytest.raises(BackpropError) as info:
        parse(text, functions)
    return info.value


# -- every syntax row of SPEC section 5 ---------------------------------------------------------------
READS = [
    # numbers
    pytest.param("3", Num(3.0), id="integer"),
    pytest.param("0.5", Num(0.5), id="decimal"),
    pytest.param(".5", Num(0.5), id="leading-point"),
    pytest.param("1e-3", Num(0.001), id="exponent-notation"),
    pytest.param("2.5E2", Num(250.0), id="exponent-capital"),
    pytest.param("2/3", Bin(DIV, Num(2.0), Num(3.0)), id="fraction"),
    # names
    pytest.param("W1", Name("W1"), id="name-digit"),
    pytest.param("b_2", Name("b_2"), id="name-underscore"),
    pytest.param("z1", Name("z1"), id="name-z1"),
    pytest.param("α", Name("α"), id="greek-alpha"),
    pytest.param("θ", Name("θ"), id="greek-theta"),
    pytest.param("σ", Name("σ"), id="greek-sigma-as-name"),
    pytest.param("alpha", Name("α"), id="spelled-alpha"),
    pytest.param("theta", Name("θ"), id="spelled-theta"),
    pytest.param("theta_1", Name("θ_1"), id="spelled-theta_1"),
    pytest.param("theta1", Name("θ1"), id="spelled-theta1"),
    pytest.param("Theta", Name("Θ"), id="spelled-capital"),
    pytest.param("sigma", Name("σ"), id="spelled-sigma-as-name"),
    pytest.param("epsilon", Name("ε"), id="spelled-epsilon-not-eta"),
    pytest.param("W₁", Name("W1"), id="subscript-digit"),
    pytest.param("W₁₂", Name("W12"), id="subscript-digits"),
    pytest.param("alphabet", Name("alphabet"), id="greek-prefix-is-not-greek"),
    pytest.param("ab", Name("ab"), id="two-letters-one-name"),
    # derivative symbols
    pytest.param("dJ/dc", d("J", "c"), id="deriv-d"),
    pytest.param("∂L/∂z1", d("L", "z1", True), id="deriv-partial"),
    pytest.param("dc/da", d("c", "a"), id="deriv-jacobian"),
    pytest.param("dJ/dtheta_1", d("J", "θ_1"), id="deriv-spelled-greek"),
    pytest.param("dJ/dW₁", d("J", "W1"), id="deriv-subscript"),
    pytest.param("dJ/dh^T", T(d("J", "h")), id="deriv-is-one-atom"),
    pytest.param("dJ/dc @ W", mul(d("J", "c"), W), id="deriv-in-product"),
    pytest.param("d x/d y", mul(Bin(DIV, mul(Name("d"), x), Name("d")), y), id="deriv-needs-no-spaces"),
    # sum, difference, negation
    pytest.param("a + b", Bin(ADD, a, b), id="plus"),
    pytest.param("a - b", Bin(SUB, a, b), id="minus"),
    pytest.param("a − b", Bin(SUB, a, b), id="unicode-minus"),
    pytest.param("-a", Neg(a), id="negation"),
    pytest.param("+a", a, id="unary-plus"),
    pytest.param("a - -b", Bin(SUB, a, Neg(b)), id="minus-negation"),
    pytest.param("--a", Neg(Neg(a)), id="double-negation"),
    pytest.param("a - b + c", Bin(ADD, Bin(SUB, a, b), c), id="sums-left-assoc"),
    # matrix product: one operator, many spellings
    pytest.param("a @ b", mul(a, b), id="matmul-at"),
    pytest.param("a * b", mul(a, b), id="matmul-star"),
    pytest.param("a · b", mul(a, b), id="matmul-middle-dot"),
    pytest.param("a ⋅ b", mul(a, b), id="matmul-dot-operator"),
    pytest.param("a × b", mul(a, b), id="matmul-times"),
    # elementwise product and division
    pytest.param("a ⊙ b", Bin(HADAMARD, a, b), id="hadamard-odot"),
    pytest.param("a ∘ b", Bin(HADAMARD, a, b), id="hadamard-circ"),
    pytest.param("a .* b", Bin(HADAMARD, a, b), id="hadamard-dot-star"),
    pytest.param("a / b", Bin(DIV, a, b), id="div-slash"),
    pytest.param("a ./ b", Bin(DIV, a, b), id="div-dot-slash"),
    pytest.param("a ⊘ b", Bin(DIV, a, b), id="div-oslash"),
    # outer product
    pytest.param("u ⊗ v", Bin(OUTER, u, v), id="outer-otimes"),
    pytest.param("outer(u, v)", Bin(OUTER, u, v), id="outer-call"),
    pytest.param("I(m) ⊗ x", Bin(OUTER, call("eye", Name("m")), x), id="outer-eye"),
    # power
    pytest.param("x^2", Pow(x, 2.0), id="pow-caret"),
    pytest.param("x**2", Pow(x, 2.0), id="pow-star-star"),
    pytest.param("(z - y)^2", Pow(Bin(SUB, z, y), 2.0), id="pow-of-group"),
    pytest.param("x^-1", Pow(x, -1.0), id="pow-negative"),
    pytest.param("x^(-1)", Pow(x, -1.0), id="pow-negative-parens"),
    pytest.param("x^(1/2)", Pow(x, 0.5), id="pow-folded-fraction"),
    pytest.param("x^(2*3)", Pow(x, 6.0), id="pow-folded-product"),
    pytest.param("x^2^3", Pow(x, 8.0), id="pow-right-assoc-folded"),
    pytest.param("2^3^2", Pow(Num(2.0), 9.0), id="pow-right-assoc-numbers"),
    pytest.param("-x^2", Neg(Pow(x, 2.0)), id="minus-binds-looser-than-pow"),
    pytest.param("(-x)^2", Pow(Neg(x), 2.0), id="pow-of-negation"),
    pytest.param("x²", Pow(x, 2.0), id="superscript"),
    pytest.param("x⁻¹", Pow(x, -1.0), id="superscript-negative"),
    pytest.param("x¹⁰", Pow(x, 10.0), id="superscript-two-digits"),
    # transpose
    pytest.param("X^T", T(X), id="transpose-caret"),
    pytest.param("X.T", T(X), id="transpose-dot"),
    pytest.param("Xᵀ", T(X), id="transpose-superscript"),
    pytest.param("X'", T(X), id="transpose-prime"),
    pytest.param("X′", T(X), id="transpose-unicode-prime"),
    pytest.param("transpose(X)", T(X), id="transpose-call"),
    pytest.param("X^{T}", T(X), id="transpose-latex"),
    pytest.param("X^⊤", T(X), id="transpose-top"),
    pytest.param("X⊤", T(X), id="transpose-top-postfix"),
    pytest.param("X''", T(T(X)), id="transpose-twice"),
    pytest.param("X^T^2", Pow(T(X), 2.0), id="transpose-binds-tighter-than-pow"),
    pytest.param("(a + b)^T", T(Bin(ADD, a, b)), id="transpose-group"),
    # implicit products
    pytest.param("3b", mul(Num(3.0), b), id="implicit-number-name"),
    pytest.param("2(x+y)", mul(Num(2.0), Bin(ADD, x, y)), id="implicit-number-paren"),
    pytest.param("(a)(b)", mul(a, b), id="implicit-paren-paren"),
    pytest.param("a b", mul(a, b), id="implicit-space"),
    pytest.param("W^T dJ/da", mul(T(W), d("J", "a")), id="implicit-transpose-deriv"),
    pytest.param("2 x", mul(Num(2.0), x), id="implicit-number-space-name"),
    pytest.param("a b c", mul(mul(a, b), c), id="implicit-left-assoc"),
    pytest.param("3dJ/dc", mul(Num(3.0), d("J", "c")), id="implicit-number-deriv"),
    # the coefficient rule: a number directly before an operand is one term
    pytest.param("2u^2", mul(Num(2.0), Pow(u, 2.0)), id="coefficient-power"),
    pytest.param("g ⊙ 2u", Bin(HADAMARD, g, mul(Num(2.0), u)), id="coefficient-after-hadamard"),
    pytest.param("a / 2b", Bin(DIV, a, mul(Num(2.0), b)), id="coefficient-after-division"),
    pytest.param("a / 2 b", mul(Bin(DIV, a, Num(2.0)), b), id="spaced-number-is-no-coefficient"),
    pytest.param("-2u", Neg(mul(Num(2.0), u)), id="coefficient-under-minus"),
    pytest.param("2x'", mul(Num(2.0), T(x)), id="coefficient-transpose"),
    # precedence of products and sums
    pytest.param("a + b * c", Bin(ADD, a, mul(b, c)), id="product-before-sum"),
    pytest.param("a * b ⊙ c", Bin(HADAMARD, mul(a, b), c), id="products-one-level-1"),
    pytest.param("a ⊙ b @ c", mul(Bin(HADAMARD, a, b), c), id="products-one-level-2"),
    pytest.param("a / b / c", Bin(DIV, Bin(DIV, a, b), c), id="division-left-assoc"),
    pytest.param("a / b * c", mul(Bin(DIV, a, b), c), id="division-then-product"),
    pytest.param("-a @ b", mul(Neg(a), b), id="minus-binds-tighter-than-product"),
    pytest.param("a @ -b", mul(a, Neg(b)), id="minus-after-operator"),
    pytest.param("exp(x)^2", Pow(call("exp", x), 2.0), id="call-before-power"),
    pytest.param("exp(x)^T", T(call("exp", x)), id="call-then-transpose"),
]


@pytest.mark.parametrize("text, expected", READS)
def test_reads(text, expected):
    """Each spelling of SPEC section 5 reads as the expected tree."""
    assert parse(text, DECLARED) == expected


# -- functions -----------------------------------------------------------------------------------------
ELEMENTWISE_SPELLINGS = [
    ("exp", "exp"), ("log", "log"), ("ln", "log"), ("sqrt", "sqrt"), ("abs", "abs"), ("sign", "sign"),
    ("sin", "sin"), ("cos", "cos"), ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("sigma", "sigmoid"),
    ("σ", "sigmoid"), ("relu", "relu"), ("softplus", "softplus"), ("gelu", "gelu"),
    ("hardtanh", "hardtanh"), ("step", "step"), ("heaviside", "step"), ("leaky_relu", "leaky_relu"),
    ("elu", "elu"),
]


@pytest.mark.parametrize("spelling, fn", ELEMENTWISE_SPELLINGS, ids=[s for s, _ in ELEMENTWISE_SPELLINGS])
def test_elementwise_function(spelling, fn):
    """Every elementwise function and its alias reads as a call of the canonical function."""
    assert parse(f"{spelling}(a)") == call(fn, a)


@pytest.mark.parametrize("spelling, fn", ELEMENTWISE_SPELLINGS + [("prelu", "prelu")],
                         ids=[s for s, _ in ELEMENTWISE_SPELLINGS] + ["prelu"])
def test_elementwise_derivative(spelling, fn):
    """f'(x) is the derivative call for every elementwise function."""
    args = "a, 0.2" if fn == "prelu" else "a"
    expected = call(fn, a, Num(0.2), prime=True) if fn == "prelu" else call(fn, a, prime=True)
    assert parse(f"{spelling}'({args})") == expected
    assert parse(f"{spelling}′({args})") == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("leaky_relu(x, α)", call("leaky_relu", x, Name("α")), id="leaky_relu-alpha"),
    pytest.param("leaky_relu(x, 0.01)", call("leaky_relu", x, Num(0.01)), id="leaky_relu-number"),
    pytest.param("prelu(x, alpha)", call("prelu", x, Name("α")), id="prelu"),
    pytest.param("elu(x, 1)", call("elu", x, Num(1.0)), id="elu"),
    pytest.param("σ'(a)", call("sigmoid", a, prime=True), id="sigma-prime"),
    pytest.param("tanh'(a)", call("tanh", a, prime=True), id="tanh-prime"),
    pytest.param("relu'(a)", call("relu", a, prime=True), id="relu-prime"),
    pytest.param("f(a)", call("f", a), id="declared-elementwise"),
    pytest.param("f'(a)", call("f", a, prime=True), id="declared-elementwise-prime"),
    pytest.param("F(a)", call("F", a), id="opaque-one-argument"),
    pytest.param("F(a, b)", call("F", a, b), id="opaque-two-arguments"),
    pytest.param("sum(X)", call("sum", X), id="sum"),
    pytest.param("sum(X, 0)", call("sum", X, Num(0.0)), id="sum-axis-0"),
    pytest.param("sum(X, 1)", call("sum", X, Num(1.0)), id="sum-axis-1"),
    pytest.param("mean(X)", call("mean", X), id="mean"),
    pytest.param("mean(X, 0)", call("mean", X, Num(0.0)), id="mean-axis-0"),
    pytest.param("diag(v)", call("diag", v), id="diag"),
    pytest.param("softmax(x)", call("softmax", x), id="softmax"),
    pytest.param("ones(r, c)", call("ones", Name("r"), c), id="ones"),
    pytest.param("zeros(r, c)", call("zeros", Name("r"), c), id="zeros"),
    pytest.param("eye(n)", call("eye", Name("n")), id="eye"),
    pytest.param("I(n)", call("eye", Name("n")), id="I"),
    pytest.param("I", Name("I"), id="I-without-call-is-a-name"),
    pytest.param("exp", Name("exp"), id="function-name-without-call-is-a-name"),
    pytest.param("exp (x)", call("exp", x), id="space-before-parenthesis"),
])
def test_calls(text, expected):
    """Built-in, declared elementwise and declared opaque functions read as calls."""
    assert parse(text, DECLARED) == expected


def test_undeclared_function_is_a_product():
    """Without a declaration, F(a) is the implicit product F·a, and infer then calls F unknown."""
    e = parse("F(a)")
    assert e == mul(Name("F"), a)
    with pytest.raises(UnknownNameError):
        infer(e, Scope(shapes={"a": (1, "n")}, dims=frozenset({"n"})))


@pytest.mark.parametrize("text, key", [
    pytest.param("exp(x, y)", "syntax.arity", id="exp-two-args"),
    pytest.param("prelu(x)", "syntax.arity", id="prelu-needs-alpha"),
    pytest.param("outer(u)", "syntax.arity", id="outer-one-arg"),
    pytest.param("sum(X, 0, 1)", "syntax.arity", id="sum-three-args"),
    pytest.param("eye(2, 3)", "syntax.arity", id="eye-two-args"),
    pytest.param("sum'(x)", "syntax.no_derivative", id="sum-has-no-derivative"),
    pytest.param("F'(a)", "syntax.no_derivative", id="opaque-has-no-derivative"),
    pytest.param("exp()", "syntax.expected", id="empty-call"),
])
def test_call_errors(text, key):
    """A wrong number of arguments or a derivative of a non-elementwise function is a syntax error."""
    err = syntax(text, DECLARED)
    assert isinstance(err, FormulaSyntaxError)
    assert err.key == key


# -- the names hint: dx/dy as a quotient ----------------------------------------------------------------
def test_deriv_is_a_quotient_when_only_the_quotient_names_exist():
    """With known names dx and dy (and no x, y), dx/dy is their quotient."""
    assert parse("dx/dy", names={"dx", "dy"}) == Bin(DIV, Name("dx"), Name("dy"))


def test_deriv_stays_a_derivative_when_its_names_exist():
    """With x and y known, dx/dy is the derivative symbol."""
    assert parse("dx/dy", names={"x", "y", "dx", "dy"}) == d("x", "y")
    assert parse("dJ/dc", names={"a", "c"}) == d("J", "c")


def test_mixed_derivative_spelling():
    """∂ on the numerator decides the partial flag; dJ/∂c is a total derivative."""
    assert parse("∂J/∂c").partial and not parse("dJ/∂c").partial


# -- equations ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, targets, expr", [
    pytest.param("c = a @ W + b", ("c",), Bin(ADD, mul(a, W), b), id="one-target"),
    pytest.param("d = 3(ab + c)", ("d",), mul(Num(3.0), Bin(ADD, Name("ab"), c)), id="function1"),
    pytest.param("b, c = F(a)", ("b", "c"), call("F", a), id="two-targets"),
    pytest.param("(b, c) = F(a)", ("b", "c"), call("F", a), id="two-targets-parens"),
    pytest.param("c, d = F(a, b)", ("c", "d"), call("F", a, b), id="two-in-two-out"),
    pytest.param("theta_1 = σ(a)", ("θ_1",), call("sigmoid", a), id="spelled-target"),
    pytest.param("z = f'(a)", ("z",), call("f", a, prime=True), id="declared-prime"),
])
def test_equation(text, targets, expr):
    """Forward equations have one target, or several for an opaque function."""
    eq = parse_equation(text, DECLARED)
    assert eq == Equation(targets, expr)


def test_equation_target_positions():
    """Each target remembers where it was written."""
    assert parse_equation("(b, c) = F(a)", DECLARED).target_pos == (1, 4)


@pytest.mark.parametrize("text, pos", [
    pytest.param("c = ", 4, id="no-expression"),
    pytest.param("= a", 0, id="no-target"),
    pytest.param("b c = a", 2, id="targets-without-comma"),
    pytest.param("(b, c = F(a)", 6, id="unclosed-targets"),
    pytest.param("1 = a", 0, id="number-target"),
    pytest.param("a = b = c", 6, id="two-equals"),
])
def test_equation_errors(text, pos):
    """A malformed equation is a syntax error at the fault."""
    with pytest.raises(FormulaSyntaxError) as info:
        parse_equation(text, DECLARED)
    assert info.value.pos == pos


# -- syntax errors: position and caret ------------------------------------------------------------------
@pytest.mark.parametrize("text, key, pos", [
    pytest.param("a + * b", "syntax.expected", 4, id="operator-without-operand"),
    pytest.param("a + ", "syntax.unexpected_end", 4, id="ends-after-operator"),
    pytest.param("(a + b", "syntax.unexpected_end", 6, id="unclosed-parenthesis"),
    pytest.param("a + b)", "syntax.expected", 5, id="extra-parenthesis"),
    pytest.param("a $ b", "syntax.unexpected_char", 2, id="unknown-character"),
    pytest.param("a ; b", "syntax.unexpected_char", 2, id="semicolon"),
    pytest.param("a.b", "syntax.unexpected_char", 1, id="lonely-dot"),
    pytest.param("x^y", "syntax.exponent", 2, id="exponent-not-a-number"),
    pytest.param("x^(y+1)", "syntax.exponent", 3, id="exponent-not-constant"),
    pytest.param("a = b", "syntax.expected", 2, id="equals-in-answer"),
    pytest.param("f(a,)", "syntax.expected", 4, id="trailing-comma"),
    pytest.param("()", "syntax.expected", 1, id="empty-parentheses"),
    pytest.param("a\x00b", "syntax.unexpected_char", 1, id="nul-byte"),
    pytest.param("a\u202eb", "syntax.unexpected_char", 1, id="bidi-override-U+202E"),
    pytest.param("a \u2066b", "syntax.unexpected_char", 2, id="bidi-isolate-U+2066"),
    pytest.param("a\u200fb", "syntax.unexpected_char", 1, id="right-to-left-mark"),
    pytest.param("a\u200bb", "syntax.unexpected_char", 1, id="zero-width-space"),
    pytest.param("", "syntax.empty", 0, id="empty"),
    pytest.param("   ", "syntax.empty", 0, id="blank"),
])
def test_syntax_error_position(text, key, pos):
    """Every syntax error carries its message key and the 0-based offset of the fault."""
    err = syntax(text, DECLARED)
    assert isinstance(err, FormulaSyntaxError)
    assert (err.key, err.pos) == (key, pos)


def test_caret_under_the_fault():
    """The rendered message shows the formula with a caret under the offending token."""
    lines = str(syntax("a + * b")).splitlines()
    assert "'*'" in lines[0]
    assert lines[1:] == ["    a + * b", "        ^"]


def test_control_characters_are_named_by_code_point():
    """A NUL byte or a bidi override is named U+XXXX, never printed raw."""
    nul, bidi = str(syntax("a\x00b")), str(syntax("a\u202eb"))
    assert "U+0000" in nul.splitlines()[0] and "\x00" not in nul.splitlines()[0]
    assert "U+202E" in bidi.splitlines()[0] and "\u202e" not in bidi.splitlines()[0]


def test_unknown_character_is_quoted():
    """A printable unknown character is shown in quotes."""
    assert str(syntax("a $ b")).splitlines()[0].startswith("unexpected character '$'")


def test_unknown_joined_name_suggests_product():
    """3(ab+c) parses with the name ab, and infer then suggests a*b."""
    e = parse("3(ab+c)")
    assert e == mul(Num(3.0), Bin(ADD, Name("ab"), c))
    scope = Scope(shapes={"a": (), "b": (), "c": ()})
    with pytest.raises(UnknownNameError) as info:
        infer(e, scope, "3(ab+c)")
    err = info.value
    assert (err.args_["name"], err.args_["suggestion"], err.pos) == ("ab", "a*b", 2)
    lines = str(err).splitlines()
    assert lines[0].startswith("unknown name 'ab' (did you mean a*b?)")
    assert lines[1:] == ["    3(ab+c)", "      ^"]


def test_unknown_name_three_parts():
    """A name glued from three known names suggests their product."""
    scope = Scope(shapes={"a": (), "b": (), "c": ()})
    with pytest.raises(UnknownNameError) as info:
        infer(parse("abc"), scope)
    assert info.value.args_["suggestion"] == "a*b*c"


def test_positions_are_kept_but_not_compared():
    """Nodes remember their offset; equality ignores it."""
    e = parse("a  +  b")
    assert e.pos == 3 and e.left.pos == 0 and e.right.pos == 6
    assert e == Bin(ADD, a, b)


# -- limits (SPEC section 10) ----------------------------------------------------------------------------
def _terms(k: int) -> str:
    return " + ".join(["x"] * k)


LIMITS = [
    pytest.param("x" * 2001, "limit.length", id="2001-characters"),
    pytest.param(_terms(667) + " + xx", "limit.length", id="2001-characters-formula"),
    pytest.param("(" * 101 + "x" + ")" * 101, "limit.depth", id="depth-101-parentheses"),
    pytest.param("(" * 5000 + "x" + ")" * 5000, "limit.length", id="5000-nested-parentheses"),
    pytest.param("-" * 101 + "x", "limit.depth", id="depth-101-negations"),
    pytest.param("exp(" * 101 + "x" + ")" * 101, "limit.depth", id="depth-101-calls"),
    pytest.param("x^(" * 101 + "1" + ")" * 101, "limit.depth", id="depth-101-exponents"),
    pytest.param("-" + "+".join(["x"] * 251), "limit.nodes", id="501-nodes"),
    pytest.param("x" + "'" * 500, "limit.nodes", id="501-nodes-transposes"),
    pytest.param("1" * 31, "limit.digits", id="31-digits"),
    pytest.param("0." + "0" * 29 + "1", "limit.digits", id="31-digits-decimal"),
    pytest.param("x^65", "limit.exponent", id="exponent-65"),
    pytest.param("x^-65", "limit.exponent", id="exponent-minus-65"),
    pytest.param("x**65", "limit.exponent", id="exponent-65-star-star"),
    pytest.param("x^(64+1)", "limit.exponent", id="exponent-folded-65"),
    pytest.param("x^64.5", "limit.exponent", id="exponent-64.5"),
    pytest.param("x⁶⁵", "limit.exponent", id="exponent-superscript-65"),
    pytest.param("2^2^2^2^2", "limit.exponent", id="tower-2^2^2^2^2"),
    pytest.param("x^2^2^2^2^2", "limit.exponent", id="tower-on-name"),
    pytest.param("x^(9^9^9)", "limit.exponent", id="tower-in-parentheses"),
    pytest.param("x^(1/0)", "limit.exponent", id="exponent-infinite"),
    pytest.param("x^(1/0 - 1/0)", "limit.exponent", id="exponent-nan"),
    pytest.param("x^(10^400)", "limit.exponent", id="exponent-overflow"),
]


@pytest.mark.parametrize("text, key", LIMITS)
def test_limit_is_a_clear_error_quickly(text, key):
    """Every limit of SPEC section 10 raises LimitError with its key before the work it guards: no huge
    number (a tower's value) or deep structure is built first (measured in memory, never in time)."""
    with traced() as memory, pytest.raises(LimitError) as info:
        parse(text)
    assert info.value.key == key
    assert memory.peak < 1_000_000


@pytest.mark.parametrize("text", [
    pytest.param("x" * 2000, id="2000-characters"),
    pytest.param("(" * 100 + "x" + ")" * 100, id="depth-100"),
    pytest.param("+".join("(" + "+".join(["x"] * 25) + ")" for _ in range(10)), id="499-nodes"),
    pytest.param("1" * 30, id="30-digits"),
    pytest.param("x^64", id="exponent-64"),
    pytest.param("x^-64", id="exponent-minus-64"),
    pytest.param("2^2^2^2", id="tower-of-16"),
    pytest.param("x^(1/64)", id="small-exponent"),
])
def test_at_the_limit_is_fine(text):
    """A formula exactly at a limit parses."""
    parse(text)


def test_limit_error_message():
    """The exponent limit names the limit and points at the power."""
    with pytest.raises(LimitError) as info:
        parse("x^65")
    lines = str(info.value).splitlines()
    assert "64" in lines[0]
    assert lines[1:] == ["    x^65", "     ^"]


def test_two_glued_numbers_are_an_error():
    """A number directly followed by another number (a typo like 1.5.3) is a syntax error."""
    with pytest.raises(FormulaSyntaxError):
        parse("1.5.3")
