"""Reference derivatives: every bank exercise against central finite differences, and a few references
against sympy, which expands small symbol matrices and differentiates them entry by entry."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.errors import InputError
from backprop_cli.formula.ast import Call, Deriv, Name, Neg, Num, Pow, T
from backprop_cli.formula.printers import unicode
from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare
from backprop_cli.grade.validate import check_references
from conftest import EXERCISES, ROOT


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [0, 7])
def test_every_reference_matches_finite_differences(path, seed):
    """Each derivative question's reference equals central finite differences in every trial."""
    ref = prepare(load_exercise(str(path)), seed)
    assert check_references(ref) == []


def test_trials_draw_distinct_sizes():
    """Each trial gives every dimension name a different size from 2..7."""
    ref = prepare(load_exercise(str(ROOT / "exercises" / "affine.yaml")), 3)
    for t in ref.trials:
        assert t.sizes["n"] != t.sizes["m"]
        assert all(2 <= s <= 7 for s in t.sizes.values())


def test_same_seed_same_trials():
    """--seed makes the trials reproducible."""
    ex = load_exercise(str(ROOT / "exercises" / "dense.yaml"))
    a, b = prepare(ex, 11), prepare(ex, 11)
    assert all(np.array_equal(x.values["W"], y.values["W"]) for x, y in zip(a.trials, b.trials))


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


def test_external_loss_needs_no_equation_for_j():
    """Without an equation for J, the outputs' upstream gradients are given symbols."""
    ref = prepare(load_exercise(str(ROOT / "exercises" / "affine.yaml")))
    assert ref.graph.external and ref.given_keys() == {"dJ/dc"}


def test_question_on_unknown_node_names_it(tmp_path):
    """A question about an unknown node is an error at the question's line with a suggestion."""
    p = tmp_path / "x.yaml"
    p.write_text("id: x\ntitle: t\ninputs:\n  a: [1, n]\nforward:\n  - c = 2a\nloss: J\nquestions:\n  - dJ/dq\n")
    with pytest.raises(InputError) as err:
        prepare(load_exercise(str(p)))
    assert err.value.key == "question.unknown" and err.value.mark.line == 9


# -- sympy cross-check ---------------------------------------------------------------------------
sympy = pytest.importorskip("sympy")


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
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{name}_{i}{j}"))


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


REVIEW_EXERCISES = [
    pytest.param("inputs:\n  s: scalar\n  x: [n, 1]\nforward:\n  - c = s * x\n  - J = sum(c)\nloss: J\n"
                 "questions:\n  - dc/ds\n", 0, "", id="scalar-times-column"),
    pytest.param("inputs:\n  a: [1, n]\nfunctions: {F: opaque}\nshapes:\n  B: [m, k]\nforward:\n  - B = F(a)\n"
                 "loss: J\nquestions:\n  - dJ/da\n", 1, "scalars and vectors", id="opaque-matrix-output"),
    pytest.param("inputs:\n  a: [1, n]\nfunctions: {F: opaque}\nshapes:\n  b: [1, m]\nforward:\n  - b = F(a)\n"
                 "  - J = sum(b)\nloss: J\nvalues:\n  a: [1, 2]\nquestions:\n  - dJ/da\n", 0, "", id="values-and-declared-dims"),
    pytest.param("inputs:\n  x: [1, n]\nforward:\n  - c = 3\n  - J = sum(c * x)\nloss: J\nquestions:\n  - dJ/dc\n",
                 1, "constant", id="constant-node"),
    pytest.param("inputs:\n  x: [1, n]\n  z: [1, n]\nforward:\n  - c = 2x\nloss: J\nquestions:\n  - dJ/dz\n",
                 1, "does not depend", id="unused-input"),
    pytest.param("inputs:\n  x: [1, n]\nforward:\n  - c = 2x\nloss: J\nquestions:\n  - dJ/dc\n", 1, "given symbol",
                 id="asks-a-given-symbol"),
    pytest.param("inputs:\n  X: [n, m]\nforward:\n  - J = sum(sum(X, 2-1))\nloss: J\nquestions:\n  - dJ/dX\n", 0, "",
                 id="axis-as-expression"),
    pytest.param("inputs:\n  X: [n, n]\nforward:\n  - y = ones(n, n) @ X\n  - J = sum(y ⊙ y)\nloss: J\n"
                 "questions:\n  - dJ/dX\n", 0, "", id="ones-times-square"),
]


@pytest.mark.parametrize("body, code, words", REVIEW_EXERCISES)
def test_unusual_exercises_validate_or_fail_cleanly(run, tmp_path, body, code, words):
    """Exercise shapes found in review: they validate, or fail with a clear message; never a crash."""
    path = tmp_path / "x.yaml"
    path.write_text("id: x\ntitle: t\n" + body, encoding="utf-8")
    res = run("validate", str(path))
    text = res.output + res.stderr
    assert res.exit_code == code, text
    assert "internal error" not in text and "Traceback" not in text
    assert words in text
