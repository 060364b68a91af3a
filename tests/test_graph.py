"""The computational graph (derive/graph.py): nodes from the forward equations, dependencies, and errors
placed in the exercise file."""
from __future__ import annotations

import pytest

from backprop_cli.derive.graph import build_graph
from backprop_cli.errors import FormulaError, InputError, Mark
from backprop_cli.exercise.model import load_exercise, parse_exercise
from backprop_cli.exercise.yamlio import load_yaml_text
from conftest import ROOT


def bank(name: str):
    """The graph of bank exercise ``name``."""
    return build_graph(load_exercise(str(ROOT / "exercises" / f"{name}.yaml")))


def graph_of(text: str):
    """The graph of an exercise written inline (file name x.yaml)."""
    return build_graph(parse_exercise(load_yaml_text("id: x\ntitle: t\n" + text, "x.yaml"), "x.yaml"))


def test_affine_graph_has_inputs_nodes_and_shapes():
    """c = aW + b: three inputs, c named with shape 1×m, and J outside the graph (its dJ/dc is given)."""
    g = bank("affine")
    assert g.inputs == ["a", "W", "b"]
    assert "c" in g.named and g.shapes["c"] == (1, "m")
    assert g.external and g.outputs == ("c",)


def test_depends_and_between_follow_the_edges():
    """d = 3(ab + c): d depends on a through the unnamed inner nodes; a does not depend on d."""
    g = bank("function1")
    assert g.depends("d", "a") and not g.depends("a", "d")
    assert g.between("d", "a") == []


def test_a_node_used_twice_has_two_consumers():
    """y = x ⊙ x + 3x: three operations take x as an argument."""
    g = bank("reused-node")
    x = g.ids["x"]
    assert sum(args.count(x) for args in (n.args for n in g.nodes)) == 3


def test_unknown_name_in_an_equation_is_placed_at_the_fault():
    """An unknown name is a FormulaError that names the equation and sits at the name's column in the file."""
    with pytest.raises(FormulaError) as info:
        graph_of("inputs:\n  a: [1, n]\n  W: [n, m]\nforward:\n  - c = a @ V\nloss: J\nquestions:\n  - dJ/da\n")
    err = info.value
    assert err.key == "name.unknown" and err.args_["equation"] == "c = a @ V"
    assert err.mark == Mark("x.yaml", 7, 13)


def test_a_loss_that_is_not_a_scalar_is_refused():
    """An equation for the loss must give a scalar."""
    with pytest.raises(InputError) as info:
        graph_of("inputs:\n  a: [1, n]\nforward:\n  - J = 2a\nloss: J\nquestions:\n  - dJ/da\n")
    assert info.value.key == "graph.loss_not_scalar"
