"""One operation, one place: a made-up function added through one entry of the operation table alone
parses, shape-checks, evaluates, differentiates (against finite differences) and prints; and the table
covers every function the reader knows."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.formula import build as B
from backprop_cli.formula.ast import Call, Name, Num
from backprop_cli.formula.parser import parse
from backprop_cli.formula.printers import latex, plain, unicode
from backprop_cli.formula.vocabulary import SYNTAX, Syntax, elementwise_names, function_name
from backprop_cli.exercise.model import load_exercise
from backprop_cli.derive import ops
from backprop_cli.derive.infer import Scope, infer
from backprop_cli.derive.numeric import NumEnv, central_difference, evaluate
from backprop_cli.grade.reference import prepare
from backprop_cli.grade.validate import check_references

#: cube(x) = x³ + x, spelled also "kubik", printed \kappa in LaTeX and κ in unicode.
CUBE = ops.function(lambda x: x ** 3 + x, lambda x: 3 * x ** 2 + 1,
                    lambda x: B.add(B.mul(Num(3.0), B.power(x, 2)), B.ONE),
                    syntax=Syntax(("kubik",), prime=True, latex=r"\kappa", unicode="κ"))


@pytest.fixture
def cube():
    ops.define("cube", CUBE)
    yield
    ops.undefine("cube")


def test_made_up_function_parses_in_every_spelling(cube):
    """The entry's spellings are read, with f' as well."""
    assert parse("kubik(x)") == Call("cube", (Name("x"),))
    assert parse("cube'(x)") == Call("cube", (Name("x"),), True)


def test_made_up_function_shape_and_value(cube):
    """The entry's shape rule and numpy forward: elementwise on a 2×3 matrix."""
    e = parse("cube(X)")
    assert infer(e, Scope(shapes={"X": (2, 3)})) == (2, 3)
    x = np.arange(6.0).reshape(2, 3) / 7
    np.testing.assert_allclose(evaluate(e, NumEnv(values={"X": x}, sizes={})), x ** 3 + x)


def test_made_up_function_prints(cube):
    """The entry's printed names: plain re-parses, unicode and LaTeX use the entry's names."""
    e = parse("cube(x) + cube'(x)")
    assert parse(plain(e)) == e
    assert unicode(e) == "κ(x) + κ'(x)"
    assert latex(e) == r"\kappa\left(x\right) + \kappa'\left(x\right)"


def test_made_up_function_differentiates(cube, tmp_path):
    """A reference through the new function agrees with central differences and uses its derivative."""
    path = tmp_path / "cube.yaml"
    path.write_text("id: cube\ntitle: cube\ninputs:\n  x: [1, n]\n  W: [n, m]\nforward:\n  - a = cube(x)\n"
                    "  - J = sum(cube(a @ W))\nloss: J\nquestions:\n  - dJ/dx\n  - da/dx\n", encoding="utf-8")
    ref = prepare(load_exercise(str(path)), 3)
    assert check_references(ref) == []
    grad = next(q for q in ref.questions if q.key == "dJ/dx")
    assert "x²" in unicode(grad.formula)
    trial = ref.trials[0]
    x = trial.values["x"]

    def loss(xv):
        a = xv ** 3 + xv
        z = a @ trial.values["W"]
        return float(np.sum(z ** 3 + z))

    np.testing.assert_allclose(np.asarray(ref.value(trial, grad)).reshape(x.shape), central_difference(loss, x),
                               rtol=1e-5, atol=1e-6)


def test_undefine_forgets_the_spelling(cube):
    """After undefine the reader no longer knows the name (so tests do not leak into each other)."""
    ops.undefine("cube")
    assert function_name("kubik") is None and "cube" not in ops.OPS
    ops.define("cube", CUBE)


def test_table_covers_every_function_the_reader_knows():
    """Every function with a syntax has an operation entry (outer and transpose are read as operators)."""
    missing = {name for name in SYNTAX if name not in ops.OPS} - {"outer", "transpose"}
    assert missing == set()
    assert elementwise_names() == set(ops.FUNCTIONS)
    assert all(name + "'" in ops.OPS for name in elementwise_names())


def test_ones_zeros_eye_take_sizes():
    """The constants are marked as taking sizes, so no interpreter evaluates their arguments."""
    assert {name for name, op in ops.OPS.items() if op.sizes} == {"ones", "zeros", "eye"}
    assert ops.operands(parse("ones(n, m)"), {}) == ()


def test_entry_needs_syntax():
    """define refuses an entry that does not say how the function is written."""
    with pytest.raises(ValueError, match="syntax"):
        ops.define("nameless", ops.function(np.sin, np.cos))
