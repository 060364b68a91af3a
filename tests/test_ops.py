"""Tests for backprop_cli.derive.ops: every elementwise function against an independent reference, and every VJP
and JVP rule of the operation table against central finite differences (autograd's check_vjp)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, OUTER, SUB, Bin, Call, Name, Neg, Num, Pow, T, children
from backprop_cli.formula.parser import parse
from backprop_cli.derive.infer import Scope, infer
from backprop_cli.derive.numeric import NumEnv, central_difference, draw_value, evaluate, smooth_function
from backprop_cli.derive.ops import ALPHA_DEFAULT, FUNCTIONS, OPS, TWO_ARGS, op_key

RTOL, ATOL = 1e-5, 1e-6
EPS = 1e-6
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- independent references for every elementwise function ------------------------------------------------
def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _phi(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


#: name: f(x, α) in plain math, for one float
REFERENCE = {
    "exp": lambda x, a: math.exp(x),
    "log": lambda x, a: math.log(x),
    "sqrt": lambda x, a: math.sqrt(x),
    "abs": lambda x, a: abs(x),
    "sign": lambda x, a: math.copysign(1.0, x),
    "sin": lambda x, a: math.sin(x),
    "cos": lambda x, a: math.cos(x),
    "tanh": lambda x, a: math.tanh(x),
    "sigmoid": lambda x, a: _sigmoid(x),
    "relu": lambda x, a: max(x, 0.0),
    "leaky_relu": lambda x, a: x if x > 0 else a * x,
    "prelu": lambda x, a: x if x > 0 else a * x,
    "elu": lambda x, a: x if x > 0 else a * (math.exp(x) - 1.0),
    "softplus": lambda x, a: math.log1p(math.exp(x)),
    "gelu": lambda x, a: x * _phi(x),
    "hardtanh": lambda x, a: min(1.0, max(-1.0, x)),
    "step": lambda x, a: 1.0 if x > 0 else 0.0,
    "cosh": lambda x, a: math.cosh(x),
    "sinh": lambda x, a: math.sinh(x),
    "sech": lambda x, a: 1.0 / math.cosh(x),
}
POSITIVE_ONLY = {"log", "sqrt"}
#: points away from the kinks: |x| > 0.1, and away from ±1 for hardtanh
POINTS = [-2.3, -1.4, -0.6, -0.25, 0.3, 0.7, 1.6, 2.9]
ALPHA = 0.2


def points_for(fn):
    return [p for p in POINTS if p > 0] if fn in POSITIVE_ONLY else POINTS


def call_node(fn, prime=False, alpha=True):
    args = (Name("x"), Num(ALPHA)) if fn in TWO_ARGS and alpha else (Name("x"),)
    return Call(fn, args, prime)


def evaluate_at(node, x):
    env = NumEnv(values={"x": np.asarray(x, dtype=float)}, sizes={})
    return evaluate(node, env)


def test_reference_covers_every_function():
    """The reference table names exactly the functions of the operation table."""
    assert set(REFERENCE) == set(FUNCTIONS)


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_function_value(fn):
    """f(x) matches an independent math reference at a row of points."""
    xs = np.array([points_for(fn)])
    got = evaluate_at(call_node(fn), xs)
    want = np.array([[REFERENCE[fn](x, ALPHA) for x in xs[0]]])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fn", sorted(TWO_ARGS))
def test_function_default_alpha(fn):
    """leaky_relu(x) and elu(x) use their default α; prelu needs one."""
    if fn not in ALPHA_DEFAULT:
        assert fn == "prelu"
        return
    xs = np.array([POINTS])
    got = evaluate_at(call_node(fn, alpha=False), xs)
    want = np.array([[REFERENCE[fn](x, ALPHA_DEFAULT[fn]) for x in POINTS]])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_function_derivative(fn):
    """f'(x), written as a formula, matches central differences of the reference f at a row of points."""
    xs = np.array([points_for(fn)])
    got = evaluate_at(call_node(fn, prime=True), xs)
    ref = REFERENCE[fn]
    want = np.array([[(ref(x + EPS, ALPHA) - ref(x - EPS, ALPHA)) / (2 * EPS) for x in xs[0]]])
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_function_derivative_at_scalar(fn):
    """f'(x) at a single scalar point matches central differences."""
    x = points_for(fn)[-2]
    got = evaluate_at(call_node(fn, prime=True), x)
    ref = REFERENCE[fn]
    assert got.shape == ()
    assert math.isclose(float(got), (ref(x + EPS, ALPHA) - ref(x - EPS, ALPHA)) / (2 * EPS), rel_tol=RTOL, abs_tol=ATOL)


@pytest.mark.parametrize("fn", sorted(f for f in TWO_ARGS))
def test_alpha_partial(fn):
    """∂f/∂α of the table matches central differences in α."""
    f, _, dalpha = FUNCTIONS[fn]
    xs = np.array([POINTS])
    got = dalpha(xs, np.asarray(ALPHA))
    want = (f(xs, np.asarray(ALPHA + EPS)) - f(xs, np.asarray(ALPHA - EPS))) / (2 * EPS)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("text", ["gelu(x)", "gelu'(x)"])
def test_gelu_of_scalar(text):
    """gelu and gelu' work on a scalar."""
    got = evaluate_at(parse(text), 0.7)
    want = REFERENCE["gelu"](0.7, None) if "'" not in text else (
        REFERENCE["gelu"](0.7 + EPS, None) - REFERENCE["gelu"](0.7 - EPS, None)) / (2 * EPS)
    assert math.isclose(float(got), want, rel_tol=RTOL)


# -- the VJP / JVP harness ---------------------------------------------------------------------------------
class Case:
    """One operation node with Name children, their shapes and domains, and declared functions."""

    def __init__(self, node, shapes: dict, domains: dict | None = None, functions: dict | None = None):
        self.node, self.shapes = node, shapes
        self.domains = domains or {}
        self.functions = functions or {}


def concrete(shape, sizes):
    return tuple(d if isinstance(d, int) else sizes[d] for d in shape)


def draw(shape, domain, rng):
    if domain == "hardtanh":   # away from the kinks at 0 and ±1
        x = rng.choice([-1.0, 1.0], shape) * np.where(rng.random(shape) < 0.5, rng.uniform(0.15, 0.8, shape),
                                                      rng.uniform(1.2, 2.0, shape))
        return np.asarray(x, dtype=float)
    if domain == "clip":       # away from the bounds -0.5 and 1 of test_clip
        return np.asarray(rng.choice([-1.2, -0.2, 0.4, 1.5], shape) + rng.uniform(-0.1, 0.1, shape), dtype=float)
    if domain == "kinks":      # |x| > 0.1
        return np.asarray(rng.choice([-1.0, 1.0], shape) * rng.uniform(0.15, 2.0, shape), dtype=float)
    return draw_value(shape, domain, rng)


def check_rules(case: Case, sizes: dict, rng: np.random.Generator):
    """Check the node's VJP (⟨g, J·v⟩ against central differences) and JVP (against central differences of the
    forward), and that both have the right shapes. The JVP is checked for each Name child alone and for all of
    them together."""
    node, functions = case.node, case.functions
    smooth = {name: smooth_function(rng) for name, kind in functions.items() if kind == "elementwise"}
    values = {n: draw(concrete(s, sizes), case.domains.get(n, "real"), rng) for n, s in case.shapes.items()}
    scope = Scope(shapes=dict(case.shapes), dims=frozenset(sizes), functions=functions)
    kids = children(node)
    sh = tuple(infer(k, scope) for k in kids)
    so = infer(node, scope)
    op = OPS[op_key(node, functions)]

    def env(extra=None, **override):
        return NumEnv(values={**values, **override, **(extra or {})}, sizes=sizes, functions=functions, smooth=smooth)

    ans = evaluate(node, env())
    assert ans.shape == concrete(so, sizes)
    g = draw(concrete(so, sizes), "real", rng)
    scope2 = Scope(shapes={**case.shapes, "g": so, "ans": so}, dims=frozenset(sizes), functions=functions)

    # VJP: the gradient of ⟨g, f(x)⟩ with respect to every Name child
    if op.vjp is not None:
        grads = op.vjp(Name("g"), node, Name("ans"), sh, so)
        for kid, kid_shape, grad in zip(kids, sh, grads):
            if not isinstance(kid, Name) or grad is None:
                continue
            assert infer(grad, scope2) == kid_shape, f"VJP for {kid.name} has the wrong shape"
            got = evaluate(grad, env({"g": g, "ans": ans}))

            def inner(xv, name=kid.name):
                return float(np.sum(g * evaluate(node, env(**{name: xv}))))

            want = central_difference(inner, values[kid.name], EPS)
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"VJP for {kid.name}")
            v = draw(values[kid.name].shape, "real", rng)   # check_vjp: ⟨vjp(g), v⟩ = ⟨g, J·v⟩
            jv = (evaluate(node, env(**{kid.name: values[kid.name] + EPS * v}))
                  - evaluate(node, env(**{kid.name: values[kid.name] - EPS * v}))) / (2 * EPS)
            assert math.isclose(float(np.sum(got * v)), float(np.sum(g * jv)), rel_tol=RTOL, abs_tol=ATOL)

    # JVP: each Name child alone, then all together, against the directional difference of the forward
    if op.jvp is not None:
        names = [k.name for k in kids if isinstance(k, Name)]
        subsets = [[n] for n in names] + ([names] if len(names) > 1 else [])
        for subset in subsets:
            tangents = {"t_" + n: draw(concrete(case.shapes[n], sizes), "real", rng) for n in subset}
            ts = tuple(Name("t_" + k.name) if isinstance(k, Name) and k.name in subset else None for k in kids)
            formula = op.jvp(ts, node, Name("ans"), sh, so)
            scope3 = Scope(shapes={**case.shapes, "ans": so, **{t: case.shapes[t[2:]] for t in tangents}},
                           dims=frozenset(sizes), functions=functions)
            assert infer(formula, scope3) == so, f"JVP for {subset} has the wrong shape"
            got = evaluate(formula, env({"ans": ans, **tangents}))
            hi = evaluate(node, env(**{n: values[n] + EPS * tangents["t_" + n] for n in subset}))
            lo = evaluate(node, env(**{n: values[n] - EPS * tangents["t_" + n] for n in subset}))
            np.testing.assert_allclose(got, (hi - lo) / (2 * EPS), rtol=RTOL, atol=ATOL, err_msg=f"JVP for {subset}")


sizes_st = st.fixed_dictionaries({"n": st.integers(2, 5), "m": st.integers(2, 5), "k": st.integers(2, 5)})
seeds = st.integers(0, 2**32 - 1)
p, q = Name("p"), Name("q")
S, ROW, COL, MAT = (), (1, "n"), ("n", 1), ("k", "n")
SHAPES = {"scalar": S, "row": ROW, "column": COL, "matrix": MAT}


def run(case, sizes, seed):
    check_rules(case, sizes, np.random.default_rng(seed))


# -- unary operations --------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("make", [Neg, T], ids=["Neg", "T"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_neg_and_transpose(make, shape, sizes, seed):
    """-x and xᵀ: VJP and JVP agree with finite differences."""
    run(Case(make(p), {"p": shape}), sizes, seed)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("exp", [2.0, 3.0, -1.0, -2.0, 0.5, 1.5])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_pow(exp, shape, sizes, seed):
    """x^e with a literal exponent (positive x for fractional and negative e)."""
    run(Case(Pow(p, exp), {"p": shape}, {"p": "positive"}), sizes, seed)


# -- binary operations ---------------------------------------------------------------------------------------
BROADCAST_PAIRS = {
    "equal": (MAT, MAT),
    "row-right": (MAT, ROW),
    "row-left": (ROW, MAT),
    "column-right": (MAT, ("k", 1)),
    "column-left": (("k", 1), MAT),
    "scalar-right": (MAT, S),
    "scalar-left": (S, MAT),
    "scalars": (S, S),
    "rows": (ROW, ROW),
    "scalar-row": (S, ROW),
}


BINARY_CASES = [pytest.param(op, left, right, id=f"{op}-{pair_id}")
                for op in (ADD, SUB, HADAMARD, DIV) for pair_id, (left, right) in BROADCAST_PAIRS.items()]


@pytest.mark.parametrize("op, left, right", BINARY_CASES)
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_elementwise_binary(op, left, right, sizes, seed):
    """+ - ⊙ / with numpy broadcasting: the VJP sums over the broadcast axis, the JVP has the output's shape."""
    domains = {"q": "nonzero"} if op == DIV else {}
    case = Case(Bin(op, p, q), {"p": left, "q": right}, domains)
    run(case, sizes, seed)


MUL_PAIRS = {
    "scalars": (S, S),
    "scalar-matrix": (S, MAT),
    "matrix-scalar": (MAT, S),
    "scalar-row": (S, ROW),
    "matrix-matrix": (("k", "n"), ("n", "m")),
    "row-matrix": ((1, "k"), ("k", "n")),
    "matrix-column": (("k", "n"), ("n", 1)),
    "row-column": ((1, "n"), ("n", 1)),
    "column-row": (("k", 1), (1, "n")),
}


@pytest.mark.parametrize("left, right", MUL_PAIRS.values(), ids=MUL_PAIRS.keys())
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_product(left, right, sizes, seed):
    """* as scaling and as matrix product (row·matrix, matrix·column, row·column is a scalar, column·row)."""
    run(Case(Bin(MUL, p, q), {"p": left, "q": right}), sizes, seed)


# -- reductions and softmax ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("axis", [None, 0, 1], ids=["all", "axis0", "axis1"])
@pytest.mark.parametrize("fn", ["sum", "mean"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_reduction(fn, axis, shape, sizes, seed):
    """sum and mean, over everything, over rows (axis 0) and over columns (axis 1)."""
    args = (p,) if axis is None else (p, Num(float(axis)))
    run(Case(Call(fn, args), {"p": shape}), sizes, seed)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_softmax(shape, sizes, seed):
    """softmax of a row, a column, each row of a matrix, and a scalar."""
    run(Case(Call("softmax", (p,)), {"p": shape}), sizes, seed)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "logsumexp"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_softmax_family_with_axis(fn, axis, shape, sizes, seed):
    """softmax, log_softmax and logsumexp over columns (axis 0) and rows (axis 1)."""
    run(Case(Call(fn, (p, Num(float(axis)))), {"p": shape}), sizes, seed)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("fn", ["log_softmax", "logsumexp", "norm", "max", "min", "amax", "amin"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_whole_array_functions(fn, shape, sizes, seed):
    """log_softmax (of a vector, each row of a matrix), logsumexp, norm, and max/min of everything."""
    run(Case(Call(fn, (p,)), {"p": shape}, {"p": "kinks"}), sizes, seed)


@pytest.mark.parametrize("shape", [MAT, ROW, COL], ids=["matrix", "row", "column"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("fn", ["amax", "amin"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_extreme_over_an_axis(fn, axis, shape, sizes, seed):
    """amax and amin over rows and columns: the gradient goes to the picked entry."""
    run(Case(Call(fn, (p, Num(float(axis)))), {"p": shape}, {"p": "kinks"}), sizes, seed)


@pytest.mark.parametrize("op, left, right", [pytest.param(fn, l_, r_, id=f"{fn}-{pid}")
                                            for fn in ("max", "min") for pid, (l_, r_) in BROADCAST_PAIRS.items()])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_elementwise_max_min(op, left, right, sizes, seed):
    """max(a, b) and min(a, b) with numpy broadcasting (random operands never tie)."""
    run(Case(Call(op, (p, q)), {"p": left, "q": right}, {"p": "kinks", "q": "kinks"}), sizes, seed)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_clip(shape, sizes, seed):
    """clip(x, -0.5, 1) is x between the bounds and constant outside them."""
    run(Case(Call("clip", (p, Num(-0.5), Num(1.0))), {"p": shape}, {"p": "clip"}), sizes, seed)


@pytest.mark.parametrize("shape", [S, ROW, COL], ids=["scalar", "row", "column"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_diag(shape, sizes, seed):
    """diag of a row, a column and a scalar: the gradient is the diagonal of g."""
    run(Case(Call("diag", (p,)), {"p": shape}), sizes, seed)


@pytest.mark.parametrize("shape", [S, ("n", "n")], ids=["scalar", "square"])
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_trace(shape, sizes, seed):
    """trace of a square matrix (and of a scalar, itself)."""
    run(Case(Call("trace", (p,)), {"p": shape}), sizes, seed)


# -- elementwise functions -------------------------------------------------------------------------------------
def domain_of(fn):
    if fn in POSITIVE_ONLY:
        return "positive"
    if fn == "hardtanh":
        return "hardtanh"
    return "kinks"


FUNCTION_CASES = [pytest.param(fn, shape, id=f"{fn}-{shape_id}")
                  for fn in sorted(FUNCTIONS) for shape_id, shape in SHAPES.items()]


@pytest.mark.parametrize("fn, shape", FUNCTION_CASES)
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_function(fn, shape, sizes, seed):
    """Every elementwise function (α as a literal for leaky_relu, prelu and elu)."""
    args = (p, Num(ALPHA)) if fn in TWO_ARGS else (p,)
    run(Case(Call(fn, args), {"p": shape}, {"p": domain_of(fn)}), sizes, seed)


ALPHA_SHAPES = {
    "scalar-alpha": (MAT, S),
    "same-shape-alpha": (MAT, MAT),
    "row-alpha": (MAT, ROW),
    "row-input-scalar-alpha": (ROW, S),
}


@pytest.mark.parametrize("x_shape, alpha_shape", ALPHA_SHAPES.values(), ids=ALPHA_SHAPES.keys())
@pytest.mark.parametrize("fn", sorted(TWO_ARGS))
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_function_with_alpha_argument(fn, x_shape, alpha_shape, sizes, seed):
    """leaky_relu, prelu and elu with α as an input: the gradient for α (summed over broadcast axes) is right."""
    run(Case(Call(fn, (p, q)), {"p": x_shape, "q": alpha_shape}, {"p": "kinks", "q": "positive"}), sizes, seed)


@pytest.mark.parametrize("fn", sorted(ALPHA_DEFAULT))
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_function_default_alpha_rules(fn, sizes, seed):
    """leaky_relu(x) and elu(x) with the default α."""
    run(Case(Call(fn, (p,)), {"p": MAT}, {"p": "kinks"}), sizes, seed)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@SETTINGS
@given(sizes=sizes_st, seed=seeds)
def test_declared_elementwise(shape, sizes, seed):
    """A declared elementwise function f, instantiated as a random smooth function with its derivative."""
    run(Case(Call("f", (p,)), {"p": shape}, functions={"f": "elementwise"}), sizes, seed)


@pytest.mark.parametrize("text", ["ones(n, m)", "zeros(n, 1)", "eye(n)"])
def test_constants_have_no_gradient(text):
    """ones, zeros and eye depend on no input: their VJP gives no gradient."""
    e = parse(text)
    scope = Scope(shapes={}, dims=frozenset({"n", "m"}))
    so = infer(e, scope)
    assert OPS[op_key(e, {})].vjp(Name("g"), e, Name("ans"), (), so) == ()


COVERED = {"Neg", "T", "Pow", ADD, SUB, MUL, HADAMARD, DIV, "sum", "mean", "softmax", "elementwise",
           "ones", "zeros", "eye", "log_softmax", "logsumexp", "norm", "trace", "diag", "max", "min", "amax", "amin",
           "clip"} | set(FUNCTIONS)


def test_every_rule_is_tested():
    """Every entry of OPS with a VJP or a JVP is exercised by a test above."""
    with_rules = {key for key, op in OPS.items() if op.vjp is not None or op.jvp is not None}
    assert with_rules <= COVERED, with_rules - COVERED
    assert OUTER not in with_rules or OUTER in COVERED
