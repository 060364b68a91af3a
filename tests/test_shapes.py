"""Tests for backprop_cli.derive.shapes and backprop_cli.derive.infer: every shape rule of SPEC sections 5 and 6, Jacobian
shapes, shape answers, and the element-count limit."""
from __future__ import annotations

import pytest

from backprop_cli.errors import BackpropError, FormulaError, LimitError, ShapeError, UnknownNameError
from backprop_cli.formula.parser import parse
from backprop_cli.derive.infer import MAX_ELEMENTS, Scope, infer
from backprop_cli.derive.shapes import SCALAR, dims, fmt, jacobian_shape, norm, parse_shape
from conftest import traced

SHAPES = {
    "a": (1, "n"),     # row
    "b": (1, "m"),     # row
    "r": (1, "m"),     # bias row
    "x": ("n", 1),     # column
    "u": ("m", 1),     # column
    "col": ("B", 1),   # column over the batch
    "W": ("n", "m"),
    "V": ("m", "n"),
    "X": ("B", "m"),
    "s": SCALAR,
    "t": SCALAR,
}
DIMS = frozenset({"n", "m", "B"})
BOUNDS = {"n": 7, "m": 7, "B": 7}


def derivs(e):
    """The given symbols of a made-up exercise: dJ/dc is a 1×m row."""
    if e.key == "dJ/dc":
        return (1, "m")
    raise UnknownNameError("name.unknown", "", e.pos, name=e.key, suggestion="", known="")


SCOPE = Scope(shapes=SHAPES, dims=DIMS, functions={"f": "elementwise", "F": "opaque"}, derivs=derivs, bounds=BOUNDS)


def shape_of(text: str):
    return infer(parse(text, SCOPE.functions), SCOPE, text)


def error_of(text: str) -> BackpropError:
    with pytest.raises(BackpropError) as info:
        shape_of(text)
    return info.value


def no_recursion_error(fn, *args):
    """``fn(*args)``, with a RecursionError turned into a short assertion (its traceback is huge)."""
    try:
        return fn(*args)
    except RecursionError:
        pass
    raise AssertionError(f"{fn.__name__} raised RecursionError")


RULES = [
    # broadcasting of a row over a batch, a column over columns, a scalar over anything
    pytest.param("X + r", ("B", "m"), id="row-over-batch"),
    pytest.param("r + X", ("B", "m"), id="row-over-batch-left"),
    pytest.param("X - r", ("B", "m"), id="row-over-batch-minus"),
    pytest.param("X ⊙ r", ("B", "m"), id="row-over-batch-hadamard"),
    pytest.param("X / r", ("B", "m"), id="row-over-batch-division"),
    pytest.param("X + col", ("B", "m"), id="column-over-columns"),
    pytest.param("X + s", ("B", "m"), id="scalar-over-matrix"),
    pytest.param("s + X", ("B", "m"), id="scalar-over-matrix-left"),
    pytest.param("X / s", ("B", "m"), id="scalar-denominator"),
    pytest.param("s / X", ("B", "m"), id="scalar-numerator"),
    pytest.param("X + 1", ("B", "m"), id="number-over-matrix"),
    pytest.param("a + a", (1, "n"), id="equal-shapes"),
    # products: scalar scaling and matrix products
    pytest.param("a @ W", (1, "m"), id="row-times-matrix"),
    pytest.param("W @ u", ("n", 1), id="matrix-times-column"),
    pytest.param("W @ V", ("n", "n"), id="matrix-times-matrix"),
    pytest.param("a W", (1, "m"), id="implicit-product"),
    pytest.param("a · W", (1, "m"), id="middle-dot"),
    pytest.param("a * W", (1, "m"), id="star-is-matmul"),
    pytest.param("x @ a", ("n", "n"), id="column-times-row"),
    pytest.param("s * W", ("n", "m"), id="scalar-times-matrix"),
    pytest.param("W * s", ("n", "m"), id="matrix-times-scalar"),
    pytest.param("s @ W", ("n", "m"), id="scalar-at-matrix"),
    pytest.param("2W", ("n", "m"), id="number-times-matrix"),
    pytest.param("n * W", ("n", "m"), id="dimension-name-is-scalar"),
    pytest.param("s t", SCALAR, id="scalar-times-scalar"),
    # 1×1 is a scalar
    pytest.param("a @ a^T", SCALAR, id="row-times-column-is-scalar"),
    pytest.param("a @ x", SCALAR, id="row-at-column-is-scalar"),
    pytest.param("(a @ a^T) * W", ("n", "m"), id="one-by-one-scales"),
    pytest.param("ones(1, 1)", SCALAR, id="ones-1x1-is-scalar"),
    # outer products
    pytest.param("a ⊗ u", ("n", "m"), id="row-outer-column"),
    pytest.param("outer(a, u)", ("n", "m"), id="outer-call"),
    pytest.param("dJ/dc ⊗ x", ("m", "n"), id="row-g-outer-column-z"),
    pytest.param("a ⊗ b", ("n", "m"), id="row-outer-row"),
    pytest.param("s ⊗ W", ("n", "m"), id="scalar-outer-matrix"),
    pytest.param("W ⊗ a", ("n", "m", "n"), id="matrix-outer-row"),
    pytest.param("I(m) ⊗ x", ("m", "m", "n"), id="eye-outer-vector-seed-001"),
    pytest.param("eye(m) ⊗ a", ("m", "m", "n"), id="eye-outer-row"),
    # transposes
    pytest.param("a^T", ("n", 1), id="transpose-row"),
    pytest.param("x'", (1, "n"), id="transpose-column"),
    pytest.param("W^T", ("m", "n"), id="transpose-matrix"),
    pytest.param("s^T", SCALAR, id="transpose-scalar"),
    pytest.param("(a @ W)ᵀ", ("m", 1), id="transpose-product"),
    pytest.param("dJ/dc^T", ("m", 1), id="transpose-derivative"),
    pytest.param("dJ/dc @ W^T", (1, "n"), id="affine-gradient"),
    pytest.param("a^T @ dJ/dc", ("n", "m"), id="affine-weight-gradient"),
    # power and elementwise functions keep the shape
    pytest.param("(X - X)^2", ("B", "m"), id="power"),
    pytest.param("σ(X)", ("B", "m"), id="sigmoid"),
    pytest.param("relu'(a)", (1, "n"), id="derivative-call"),
    pytest.param("f(W)", ("n", "m"), id="declared-elementwise"),
    pytest.param("f'(W)", ("n", "m"), id="declared-elementwise-prime"),
    pytest.param("leaky_relu(X, 0.1)", ("B", "m"), id="leaky-relu-number"),
    pytest.param("prelu(X, r)", ("B", "m"), id="prelu-row-alpha"),
    pytest.param("elu(X, s)", ("B", "m"), id="elu-scalar-alpha"),
    # reductions
    pytest.param("sum(X)", SCALAR, id="sum"),
    pytest.param("sum(X, 0)", (1, "m"), id="sum-over-rows"),
    pytest.param("sum(X, 1)", ("B", 1), id="sum-over-columns"),
    pytest.param("sum(a, 0)", (1, "n"), id="sum-row-over-rows"),
    pytest.param("sum(a, 1)", SCALAR, id="sum-row-over-columns"),
    pytest.param("sum(s)", SCALAR, id="sum-scalar"),
    pytest.param("mean(X)", SCALAR, id="mean"),
    pytest.param("mean(X, 0)", (1, "m"), id="mean-over-rows"),
    pytest.param("mean(X, 1)", ("B", 1), id="mean-over-columns"),
    # matrices
    pytest.param("diag(a)", ("n", "n"), id="diag-row"),
    pytest.param("diag(x)", ("n", "n"), id="diag-column"),
    pytest.param("diag(s)", SCALAR, id="diag-scalar"),
    pytest.param("softmax(a)", (1, "n"), id="softmax-row"),
    pytest.param("softmax(x)", ("n", 1), id="softmax-column"),
    pytest.param("softmax(X)", ("B", "m"), id="softmax-rows-of-matrix"),
    pytest.param("ones(3, 4)", (3, 4), id="ones-numbers"),
    pytest.param("ones(n, m)", ("n", "m"), id="ones-names"),
    pytest.param("zeros(1, n)", (1, "n"), id="zeros-row"),
    pytest.param("eye(n)", ("n", "n"), id="eye"),
    pytest.param("I(3)", (3, 3), id="I-number"),
    pytest.param("ones(B, 1) @ r", ("B", "m"), id="ones-spreads-row"),
]


@pytest.mark.parametrize("text, shape", RULES)
def test_shape_rule(text, shape):
    """Each operation has the shape of SPEC sections 5 and 6."""
    assert shape_of(text) == shape


@pytest.mark.parametrize("text, key, pos", [
    pytest.param("r + col", "shape.broadcast", 2, id="row-plus-column"),
    pytest.param("a + W", "shape.broadcast", 2, id="row-plus-matrix"),
    pytest.param("X ⊙ a", "shape.broadcast", 2, id="hadamard-mismatch"),
    pytest.param("X / x", "shape.broadcast", 2, id="division-mismatch"),
    pytest.param("W @ a", "shape.matmul", 2, id="matmul-inner"),
    pytest.param("a @ W @ W", "shape.matmul", 6, id="matmul-second-operator"),
    pytest.param("a a", "shape.matmul", 2, id="implicit-product-at-second-operand"),
    pytest.param("dJ/dc @ W", "shape.matmul", 6, id="missing-transpose"),
    pytest.param("prelu(a, W)", "shape.elementwise", 0, id="alpha-does-not-fit"),
    pytest.param("sum(X, 2)", "shape.axis", 0, id="axis-2"),
    pytest.param("mean(X, -1)", "shape.axis", 0, id="axis-negative"),
    pytest.param("diag(W)", "shape.diag", 0, id="diag-of-matrix"),
    pytest.param("ones(0, 2)", "shape.dim_arg", 5, id="ones-zero"),
    pytest.param("ones(2.5, 2)", "shape.dim_arg", 5, id="ones-fraction"),
    pytest.param("ones(a, 2)", "shape.const_arg", 5, id="ones-array-size"),
    pytest.param("sum(X, s)", "shape.const_arg", 7, id="axis-not-a-number"),
    pytest.param("F(a)", "name.opaque_call", 0, id="opaque-call-in-answer"),
    pytest.param("q + a", "name.unknown", 0, id="unknown-name"),
    pytest.param("dJ/dq", "name.unknown", 0, id="unknown-derivative"),
])
def test_shape_errors(text, key, pos):
    """A shape that does not fit is an error at the operator (or call), with its message key."""
    err = error_of(text)
    assert isinstance(err, FormulaError)
    assert (err.key, err.pos) == (key, pos)


def test_broadcast_error_names_both_shapes():
    """Adding a row to a column is rejected, and the message names both shapes and the operator."""
    err = error_of("r + col")
    assert isinstance(err, ShapeError)
    assert (err.args_["left"], err.args_["right"], err.args_["op"]) == ("1×m", "B×1", "+")
    assert "1×m" in str(err) and "B×1" in str(err)


def test_matmul_error_names_both_shapes_and_position():
    """An inner-dimension mismatch names both shapes, both inner dims, and points at the operator."""
    err = error_of("W @ a")
    assert isinstance(err, ShapeError)
    assert (err.args_["left"], err.args_["right"]) == ("n×m", "1×n")
    assert (err.args_["inner_left"], err.args_["inner_right"]) == ("m", "1")
    lines = str(err).splitlines()
    assert "n×m" in lines[0] and "1×n" in lines[0]
    assert lines[1:] == ["    W @ a", "      ^"]


def test_derivative_symbols_need_a_scope_that_knows_them():
    """Without given symbols a derivative symbol is an error, not a crash."""
    with pytest.raises(FormulaError) as info:
        infer(parse("dJ/dc"), Scope(shapes={}))
    assert info.value.key == "name.no_derivatives"


# -- norm, fmt, dims -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, normal", [
    pytest.param((1, 1), SCALAR, id="1x1"),
    pytest.param((1,), SCALAR, id="1"),
    pytest.param((), SCALAR, id="scalar"),
    pytest.param(("n",), (1, "n"), id="rank-1-is-row"),
    pytest.param((1, "n"), (1, "n"), id="row"),
    pytest.param(("n", 1), ("n", 1), id="column"),
    pytest.param(("m", 1, "n"), ("m", "n"), id="tensor-loses-size-1-axes"),
    pytest.param((1, "n", 1), (1, "n"), id="tensor-to-row"),
    pytest.param(("m", "m", "n"), ("m", "m", "n"), id="third-order"),
])
def test_norm(shape, normal):
    """Every shape has one spelling: 1×1 is a scalar, tensors drop size-1 axes."""
    assert norm(shape) == normal


@pytest.mark.parametrize("shape, text", [((), "scalar"), ((1, "n"), "1×n"), (("m", "m", "n"), "m×m×n"),
                                         ((3, 4), "3×4")])
def test_fmt(shape, text):
    """Shapes print as 1×n, m×m×n or scalar."""
    assert fmt(shape) == text


@pytest.mark.parametrize("shape, d", [((), ()), ((1, "n"), ("n",)), (("n", 1), ("n",)), (("n", "m"), ("n", "m"))])
def test_dims(shape, d):
    """A scalar has no Jacobian dims, a vector its length, a matrix both dims."""
    assert dims(shape) == d


# -- Jacobian shapes (SPEC section 6) -----------------------------------------------------------------
@pytest.mark.parametrize("of, wrt, shape", [
    pytest.param((1, "m"), (1, "n"), ("m", "n"), id="dc/da-rows"),
    pytest.param(("m", 1), ("n", 1), ("m", "n"), id="columns"),
    pytest.param((1, "m"), ("m", "n"), ("m", "m", "n"), id="da/dW-seed-001"),
    pytest.param(("m", 1), ("m", "n"), ("m", "m", "n"), id="da/dW-column"),
    pytest.param((), (1, "n"), (1, "n"), id="scalar-by-vector-is-row"),
    pytest.param((), ("n", 1), (1, "n"), id="scalar-by-column-is-row"),
    pytest.param((1, "n"), (), ("n", 1), id="vector-by-scalar-is-column"),
    pytest.param((), ("n", "m"), ("n", "m"), id="scalar-by-matrix"),
    pytest.param((), (), SCALAR, id="scalar-by-scalar"),
    pytest.param((1, "n"), (1, "n"), ("n", "n"), id="vector-by-itself"),
    pytest.param(("B", "m"), ("n", "m"), ("B", "m", "n", "m"), id="matrix-by-matrix"),
])
def test_jacobian_shape(of, wrt, shape):
    """dX/dY has dims(X) ++ dims(Y)."""
    assert jacobian_shape(of, wrt) == shape


# -- shape answers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, shape", [
    pytest.param("1 x n", (1, "n"), id="x"),
    pytest.param("1×n", (1, "n"), id="times"),
    pytest.param("1 × n", (1, "n"), id="times-spaced"),
    pytest.param("1X n", (1, "n"), id="capital-x"),
    pytest.param("(1, n)", (1, "n"), id="tuple"),
    pytest.param("[1, n]", (1, "n"), id="list"),
    pytest.param("R^{1×n}", (1, "n"), id="R-braces"),
    pytest.param("ℝ^(1×n)", (1, "n"), id="blackboard-R-parens"),
    pytest.param(r"\mathbb{R}^{1 \times n}", (1, "n"), id="latex"),
    pytest.param("scalar", SCALAR, id="scalar"),
    pytest.param("Scalar", SCALAR, id="scalar-capital"),
    pytest.param("1", SCALAR, id="one"),
    pytest.param("1x1", SCALAR, id="1x1"),
    pytest.param("(1, 1)", SCALAR, id="tuple-1-1"),
    pytest.param("ℝ", SCALAR, id="R"),
    pytest.param("n x 1", ("n", 1), id="column"),
    pytest.param("m x n", ("m", "n"), id="matrix"),
    pytest.param("3 x 4", (3, 4), id="concrete"),
    pytest.param("m x m x n", ("m", "m", "n"), id="tensor"),
    pytest.param("m×m×n", ("m", "m", "n"), id="tensor-times"),
    pytest.param("R^{m×m×n}", ("m", "m", "n"), id="tensor-R"),
    pytest.param("theta x n", ("θ", "n"), id="spelled-greek-dim"),
    pytest.param("  n x m  ", ("n", "m"), id="padded"),
    pytest.param("n", ("n",), id="single-dim-kept-as-rank-1"),
])
def test_parse_shape(text, shape):
    """Every notation of SPEC section 6 reads as the normalised shape."""
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("x", id="lonely-x"),
    pytest.param("n + m", id="sum"),
    pytest.param("n; m", id="semicolon"),
    pytest.param("1e3 x n", id="float-dim"),
    pytest.param("2.5 x n", id="fraction-dim"),
    pytest.param("-1 x n", id="negative-dim"),
    pytest.param("a b", id="two-words"),
    pytest.param("n by m", id="by"),
    pytest.param("1 x n banana", id="trailing-word"),
    pytest.param("((1, n))", id="double-parens"),
    pytest.param("R^{1×n}}", id="extra-brace"),
    pytest.param(",", id="comma"),
    pytest.param("1 x 1 x", id="trailing-x-after-scalar"),
    pytest.param("1 x", id="incomplete-1-x"),
    pytest.param("x n", id="leading-x"),
    pytest.param("1 x n x", id="trailing-x"),
    pytest.param("n ×× m", id="double-separator"),
    pytest.param("[1, n", id="unbalanced-bracket"),
    pytest.param("(n, m]", id="mismatched-brackets"),
    pytest.param("n x 0", id="zero-dim"),
    pytest.param("0", id="zero"),
])
def test_parse_shape_rejects_garbage(text):
    """Text that is no shape gives None."""
    assert parse_shape(text) is None


# -- the element-count limit ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    pytest.param("ones(10^7, 10^7)", id="ones-10^7"),
    pytest.param("zeros(1e6, 1e6)", id="zeros-1e6"),
    pytest.param("eye(10^7)", id="eye-10^7"),
    pytest.param("ones(10^7, 1)", id="ones-column-10^7"),
    pytest.param(" ⊗ ".join(["W"] * 4), id="outer-chain-matrices"),
    pytest.param(" ⊗ ".join(["a"] * 8), id="outer-chain-rows"),
    pytest.param("outer(outer(W, W), outer(W, W))", id="outer-calls"),
    pytest.param("ones(1000, 1001)", id="just-over"),
])
def test_element_limit_before_allocation(text):
    """A formula whose arrays would exceed the element limit is refused by infer, without
    allocating them."""
    with traced() as memory, pytest.raises(LimitError) as info:
        shape_of(text)
    assert info.value.key == "limit.elements"
    assert memory.peak < 1_000_000


def test_element_limit_allows_the_limit_itself():
    """An array of exactly the limit is allowed."""
    assert shape_of("ones(1000, 1000)") == (1000, 1000)
    assert MAX_ELEMENTS == 1_000_000


def test_element_limit_uses_the_dimension_bounds():
    """Named dims are bounded by the scope's largest sizes, so n⊗n⊗n⊗n⊗n⊗n⊗n⊗n is too large at n ≤ 7."""
    with pytest.raises(LimitError):
        shape_of(" ⊗ ".join(["a"] * 8))
    assert shape_of(" ⊗ ".join(["a"] * 7)) == ("n",) * 7


@pytest.mark.parametrize("text", [
    pytest.param("ones(1/0)", id="infinite-size"),
    pytest.param("eye(0^-1)", id="infinite-size-from-power"),
    pytest.param("zeros(1/0 - 1/0, 2)", id="nan-size"),
])
def test_non_finite_size_is_an_error(text):
    """A size that folds to infinity or NaN is a clear formula error."""
    try:
        shape_of(text)
    except BackpropError:
        return
    except Exception as err:  # noqa: BLE001 - the bug under test
        raise AssertionError(f"{type(err).__name__}: {err}") from None
    raise AssertionError("no error")


def test_long_transpose_chain_infers():
    """A chain of transposes within the nesting limit has a shape; a longer one is refused, not a RecursionError."""
    assert no_recursion_error(shape_of, "x" + "'" * 98) == ("n", 1)
    with pytest.raises(LimitError):
        shape_of("x" + "'" * 450)


def test_ones_and_zeros_need_rows_and_columns():
    """ones(n) is refused: SPEC section 5 defines ones(r, c), and a numpy user would expect a vector."""
    with pytest.raises(BackpropError):
        shape_of("ones(n)")
