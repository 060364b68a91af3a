"""Written maths and numpy/torch calls students bring (formula/written.py, formula/habits.py; SPEC 5.1):
each is read as what it means, and what cannot be read safely is refused with the way to write it."""
from __future__ import annotations

import pytest

from backprop_cli.errors import FormulaSyntaxError, LimitError
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import plain

NAMES = {"x", "y", "W", "g", "u", "w", "a", "c", "J", "L", "m", "n", "X", "θ"}
E_NODE = NAMES | {"e"}


@pytest.mark.parametrize("text, meant", [
    pytest.param("‖x - y‖^2", "norm(x - y)^2", id="norm-bars"),
    pytest.param(r"\|x - y\|^2", "norm(x - y)^2", id="latex-norm"),
    pytest.param(r"\|x\|_2^2", "norm(x)^2", id="latex-norm-2"),
    pytest.param(r"\lVert x \rVert^2", "norm(x)^2", id="lVert"),
    pytest.param(r"\left\| x \right\|^{2}", "norm(x)^2", id="left-norm"),
    pytest.param("||x||^2", "norm(x)^2", id="double-bars"),
    pytest.param("‖W‖_F", "norm(W)", id="frobenius"),
    pytest.param("‖x‖_1", "sum(abs(x))", id="l1-norm"),
    pytest.param("|x - y|", "abs(x - y)", id="abs-bars"),
    pytest.param(r"\left| x \right|", "abs(x)", id="left-abs"),
    pytest.param("2 |x| |y|", "2 * abs(x) @ abs(y)", id="two-abs"),
    pytest.param("Σ_i w_i x_i", "sum(w .* x)", id="index-sum"),
    pytest.param(r"\sum_{i=1}^{n} (x_i - y_i)^2", "sum((x - y)^2)", id="latex-index-sum"),
    pytest.param(r"\sum_i x_i + 1", "sum(x) + 1", id="index-sum-is-one-term"),
    pytest.param("∑_i 2 x_i", "sum(2 * x)", id="n-ary-sum"),
    pytest.param(r"\sum_i \frac{\partial J}{\partial c}_i x_i", "sum(∂J/∂c .* x)", id="index-sum-derivative-entry"),
    pytest.param(r"\sum\left(X, 0\right)", "sum(X, 0)", id="sum-function-stays"),
    pytest.param("sigmoid_prime(x)", "sigmoid'(x)", id="sigmoid-prime"),
    pytest.param("sigmoid_derivative(x)", "sigmoid'(x)", id="sigmoid-derivative"),
    pytest.param("relu_prime(x)", "relu'(x)", id="relu-prime"),
    pytest.param("dtanh(x)", "tanh'(x)", id="dtanh"),
    pytest.param(r"\sin x", "sin(x)", id="sin-without-parentheses"),
    pytest.param(r"\log x^2", "log(x^2)", id="log-of-power"),
    pytest.param(r"X\theta", "X @ theta", id="latex-greek-after-letter"),
    pytest.param(r"\frac{d\theta}{dx}", "dtheta/dx", id="differential-greek"),
    pytest.param(r"x \geq 0", "step(x)", id="latex-geq"),
    pytest.param("e^2", "e^2", id="node-e-power"),
    pytest.param(r"\mathbf{s}\mathbf{s}^\top", "s @ s^T", id="two-bold-names"),
    pytest.param(r"g \odot \mathbb{1}_{x > 0}", "g .* step(x)", id="blackboard-indicator"),
    pytest.param(r"g \odot \mathbb{1}[x \geq 0]", "g .* step(x)", id="bracket-indicator"),
    pytest.param(r"g \odot 1_{x > 0}", "g .* step(x)", id="one-indicator"),
    pytest.param(r"W^\mathsf{T}", "W^T", id="sans-serif-transpose"),
    pytest.param(r"\frac{d\sigma(x)}{dx}", "sigmoid'(x)", id="derivative-of-a-function"),
    pytest.param(r"\sigma^{\prime}(x)", "sigmoid'(x)", id="latex-prime-superscript"),
    pytest.param("W^t x", "W^T @ x", id="plain-lowercase-transpose"),
    pytest.param(r"2(\widehat{y} - y)", "2 * (yhat - y)", id="widehat"),
])
def test_written_maths_is_read_as_meant(text, meant):
    """Bars, index sums, named derivatives and LaTeX spacing mean what a student writing them means."""
    assert plain(parse(text, names=E_NODE if "e" in text else NAMES)) == meant


@pytest.mark.parametrize("text, meant", [
    pytest.param("np.ones((1, m))", "ones(1, m)", id="ones-tuple"),
    pytest.param("np.zeros((n, 1), dtype=float)", "zeros(n, 1)", id="zeros-tuple-dtype"),
    pytest.param("x.clamp(min=0)", "relu(x)", id="clamp-method"),
    pytest.param("torch.clamp(x, min=0)", "relu(x)", id="torch-clamp"),
    pytest.param("torch.clamp(x, 0)", "relu(x)", id="clamp-positional"),
    pytest.param("np.clip(x, 0, None)", "relu(x)", id="clip-none"),
    pytest.param("np.clip(x, a_min=0, a_max=None)", "relu(x)", id="clip-keywords"),
    pytest.param("x.clamp(max=0)", "-relu(-x)", id="clamp-max"),
    pytest.param("x.clamp(min=1)", "relu(x - 1) + 1", id="clamp-shifted"),
    pytest.param("x.clamp(min=-1, max=1)", "clip(x, -1, 1)", id="clamp-both"),
    pytest.param("np.where(x > 0, 1, 0)", "step(x)", id="where-indicator"),
    pytest.param("np.where(x > 0, g, 0)", "step(x) .* g", id="where-gate"),
    pytest.param("np.where(x > 0, x, 0.01 * x)", "step(x) .* x + step(-x) .* (0.01 * x)", id="where-both"),
    pytest.param("torch.mul(g, x)", "g .* x", id="torch-mul"),
    pytest.param("np.add(x, y)", "x + y", id="np-add"),
    pytest.param("np.subtract(x, y)", "x - y", id="np-subtract"),
    pytest.param("np.square(x)", "x^2", id="np-square"),
    pytest.param("np.power(x, 3)", "x^3", id="np-power"),
    pytest.param("x.pow(2)", "x^2", id="pow-method"),
    pytest.param("x.relu()", "relu(x)", id="relu-method"),
    pytest.param("x.sigmoid()", "sigmoid(x)", id="sigmoid-method"),
    pytest.param("g ⊙ np.greater(x, 0)", "g .* step(x)", id="np-greater"),
    pytest.param("np.less_equal(x, y)", "step(y - x)", id="np-less-equal"),
    pytest.param("g ⊙ x.gt(0)", "g .* step(x)", id="gt-method"),
    pytest.param("np.diag(x.flatten())", "diag(x)", id="flatten"),
    pytest.param("g ⊙ np.heaviside(x, 0)", "g .* step(x)", id="np-heaviside-two-arguments"),
    pytest.param("torch.outer(g.squeeze(), x.squeeze())", "outer(g, x)", id="squeeze"),
    pytest.param("g.clone().detach()", "g", id="clone-detach"),
    pytest.param("dJ / dc @ W.T", "dJ/dc @ W^T", id="spaced-derivative"),
    pytest.param("∂J / ∂c", "∂J/∂c", id="spaced-partial"),
    pytest.param(r"\partial J / \partial c", "∂J/∂c", id="latex-inline-partial"),
])
def test_numpy_and_torch_calls_are_read_as_meant(text, meant):
    """numpy's shape tuples, clamp/clip, where, and the elementwise functions and methods of torch."""
    assert plain(parse(text, names=NAMES)) == meant


@pytest.mark.parametrize("text, key, args", [
    pytest.param("W[0]", "syntax.indexing", {"name": "W"}, id="indexing"),
    pytest.param("dJ/dc[0, :]", "syntax.indexing", {"name": "dJ/dc"}, id="indexing-derivative"),
    pytest.param(r"\nabla_c J W^\top", "syntax.nabla", {"deriv": "dJ/dc"}, id="latex-nabla"),
    pytest.param("∇_W L", "syntax.nabla", {"deriv": "dL/dW"}, id="nabla"),
    pytest.param("e^u", "syntax.e_node", {"arg": "u"}, id="e-node"),
    pytest.param("e^(-x)", "syntax.e_node", {"arg": "-x"}, id="e-node-negative"),
    pytest.param(r"e^{-x}", "syntax.e_node", {"arg": "-x"}, id="e-node-latex"),
    pytest.param("tanh^{-1}(x)", "syntax.inverse_function", {"fn": "tanh"}, id="inverse-tanh"),
    pytest.param("tanh⁻¹(x)", "syntax.inverse_function", {"fn": "tanh"}, id="inverse-superscript"),
    pytest.param("σ^-1(x)", "syntax.inverse_function", {"fn": "σ"}, id="inverse-sigma"),
    pytest.param("Σ_i x", "syntax.index_sum", {}, id="sum-without-index"),
    pytest.param("Σ_i Σ_j x_i", "syntax.index_sum", {}, id="double-sum"),
    pytest.param(r"\sum_j w_{ij} x_j", "syntax.index_sum", {}, id="two-indices"),
    pytest.param("np.where(x, 1, 0)", "syntax.where", {}, id="where-without-comparison"),
    pytest.param("x.clamp()", "syntax.clamp", {}, id="clamp-without-bound"),
    pytest.param("np.ones_like(x) * g", "syntax.like", {"base": "ones"}, id="ones-like"),
    pytest.param(r"\mathbf{1}^\top X", "syntax.ones_vector", {"command": r"\mathbf{1}"}, id="bold-ones"),
])
def test_what_cannot_be_read_safely_is_refused_with_the_way_to_write_it(text, key, args):
    """Indexing, ∇, e^u where e is a node, f^{-1}, bad index sums: a syntax error whose message names the fix."""
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text, names=E_NODE)
    assert info.value.key == key
    assert {k: info.value.args_.get(k) for k in args} == args


def test_tanh_to_the_minus_one_is_never_one_over_tanh():
    """tanh(x)^(-1), written with the parentheses first, is the reciprocal; tanh^{-1}(x) is refused."""
    assert plain(parse("tanh(x)^(-1)")) == "tanh(x)^(-1)"
    with pytest.raises(FormulaSyntaxError):
        parse("tanh^(-1)(x)")


def test_a_function_before_a_number_is_not_applied_to_the_number():
    """\\sin 2x would be sin(2)·x if read term by term; it is refused (an unknown name sin), never misread."""
    import backprop_cli

    r = backprop_cli.grade_answer("activation-derivatives", "dz_sin/dx", r"\operatorname{diag}(\cos 2x)")
    assert r.status == "invalid" and r.args.get("name") == "cos"


def test_latex_t_is_a_power_where_t_is_a_node():
    """x^{t} is a transpose, but e^{t} where t is a node of the exercise is a power (so here refused: e is a node)."""
    assert plain(parse(r"x^{t}", names=NAMES)) == "x^T"
    with pytest.raises(FormulaSyntaxError) as info:
        parse(r"e^{t}", names=E_NODE | {"t"})
    assert info.value.key == "syntax.e_node"


def test_numpy_powers_keep_the_exponent_limit():
    """np.power and .pow obey the exponent limit of SPEC section 10 like ^ does."""
    for text in ("np.power(x, 1000)", "x.pow(99)"):
        with pytest.raises(LimitError):
            parse(text)
