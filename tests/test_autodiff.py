"""Derivatives (derive/autodiff.py): reference formulas read as a person writes them, and agree with sympy,
which expands small symbol matrices and differentiates them entry by entry."""
from __future__ import annotations

import pytest

from backprop_cli.exercise.model import load_exercise
from backprop_cli.formula.ast import Call, Deriv, Name, Neg, Num, Pow, T
from backprop_cli.formula.printers import unicode
from backprop_cli.grade.reference import prepare
from conftest import ROOT


@pytest.mark.parametrize("exercise, question, formula", [
    pytest.param("affine", "dJ/da", "∂J/∂c · Wᵀ", id="affine-a"),
    pytest.param("affine", "dJ/dW", "aᵀ · ∂J/∂c", id="affine-W"),
    pytest.param("affine", "dc/da", "Wᵀ", id="affine-jacobian"),
    pytest.param("hadamard", "dJ/da", "∂J/∂c ⊙ b", id="hadamard"),
    pytest.param("jacobian-affine", "da/dW", "I(m) ⊗ x", id="third-order"),
    pytest.param("jacobian-softmax", "ds/dx", "diag(s) - s · sᵀ", id="softmax"),
    pytest.param("function1", "dJ/da", "3 ∂J/∂d · b", id="function1"),
    pytest.param("two-in-two-out", "dJ/da", "∂J/∂d · ∂d/∂a + ∂J/∂c · ∂c/∂a", id="two-paths"),
])
def test_references_read_as_a_person_writes_them(exercise, question, formula):
    """Reference formulas are tidied: transposes at the leaves, no 1·, upstream gradient first."""
    ref = prepare(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")))
    q = next(q for q in ref.questions if q.key == question and q.kind == "derivative")
    assert unicode(q.formula) == formula


# -- sympy cross-check ---------------------------------------------------------------------------
try:
    import sympy
except ImportError:   # the readable-formula tests above still run
    sympy = None
needs_sympy = pytest.mark.skipif(sympy is None, reason="sympy is not installed")


def to_sympy(e, env):
    """A formula as a sympy matrix expression (test-only evaluator)."""
    if isinstance(e, Num):
        return sympy.Rational(str(e.value)) if e.value == int(e.value) else sympy.Float(e.value)
    if isinstance(e, (Name, Deriv)):
        return env[e.name if isinstance(e, Name) else e.key]
    if isinstance(e, Neg):
        return -to_sympy(e.x, env)
    if isinstance(e, T):
        return to_sympy(e.x, env).T
    if isinstance(e, Pow):
        return to_sympy(e.base, env).applyfunc(lambda v: v ** int(e.exp))
    if isinstance(e, Call):
        x = to_sympy(e.args[0], env)
        fns = {"tanh": sympy.tanh, "exp": sympy.exp}
        if e.prime and e.fn == "tanh":
            return x.applyfunc(lambda v: 1 - sympy.tanh(v) ** 2)
        if e.fn == "eye":
            return sympy.eye(env["_size"][e.args[0].name])
        if e.fn == "diag":
            return sympy.diag(*list(x))
        return x.applyfunc(fns[e.fn])
    a, b = to_sympy(e.left, env), to_sympy(e.right, env)
    if e.op == "+":
        return a + b
    if e.op == "-":
        return a - b
    if e.op == "⊙":
        return a.multiply_elementwise(b)
    if e.op == "*":
        return a * b if a.shape != (1, 1) and b.shape != (1, 1) else (a[0] * b if a.shape == (1, 1) else b[0] * a)
    raise NotImplementedError(e.op)


def symbols(name, rows, cols):
    """A rows×cols matrix of sympy symbols name_ij."""
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{name}_{i}{j}"))


@needs_sympy
def test_dense_gradients_match_sympy():
    """dense: c = tanh(aW + b), J = sum(g ⊙ c); sympy differentiates J by every entry of a, W and b."""
    n, m = 2, 3
    a, W, b, g = symbols("a", 1, n), symbols("W", n, m), symbols("b", 1, m), symbols("g", 1, m)
    c = (a * W + b).applyfunc(sympy.tanh)
    J = sum(g.multiply_elementwise(c))
    text = ("id: d\ntitle: t\ninputs:\n  a: [1, n]\n  W: [n, m]\n  b: [1, m]\nforward:\n  - c = tanh(a @ W + b)\n"
            "loss: J\nquestions:\n  - dJ/da\n  - dJ/dW\n  - dJ/db\n")
    from backprop_cli.exercise.model import parse_exercise
    from backprop_cli.exercise.yamlio import load_yaml_text

    ref = prepare(parse_exercise(load_yaml_text(text, "d.yaml"), "d.yaml"))
    env = {"a": a, "W": W, "b": b, "dJ/dc": g, "_size": {"n": n, "m": m}}
    for q, var in zip(ref.questions, (a, W, b)):
        ours = to_sympy(q.formula, env)
        want = var.applyfunc(lambda v: sympy.diff(J, v))
        assert sympy.simplify(ours - want) == sympy.zeros(*var.shape), q.key


@needs_sympy
def test_column_layer_jacobians_match_sympy():
    """a = Wx + b with columns: da/dx = W, and dz/da = diag(tanh'(a)) for z = tanh(a), by sympy's jacobian."""
    n, m = 3, 2
    W, x, b = symbols("W", m, n), symbols("x", n, 1), symbols("b", m, 1)
    a = W * x + b
    text = ("id: l\ntitle: t\ninputs:\n  x: [n, 1]\n  W: [m, n]\n  b: [m, 1]\nforward:\n  - a = W @ x + b\n"
            "  - z = tanh(a)\n  - L = sum(z)\nloss: L\nquestions:\n  - da/dx\n  - dz/da\n")
    from backprop_cli.exercise.model import parse_exercise
    from backprop_cli.exercise.yamlio import load_yaml_text

    ref = prepare(parse_exercise(load_yaml_text(text, "l.yaml"), "l.yaml"))
    qx, qa = ref.questions
    assert unicode(qx.formula) == "W"
    env = {"W": W, "x": x, "b": b, "a": a, "_size": {"n": n, "m": m}}
    assert to_sympy(qx.formula, env) == a.jacobian(x)
    asym = symbols("A", m, 1)
    z = asym.applyfunc(sympy.tanh)
    env["a"] = asym
    assert sympy.simplify(to_sympy(qa.formula, env) - z.jacobian(asym)) == sympy.zeros(m, m)
