"""Tests for backprop_cli.report.graph: the computational graph as a text tree, DOT, Mermaid, SVG and PNG."""
from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from backprop_cli.errors import UsageError
from backprop_cli.formula.ast import Name
from backprop_cli.derive.graph import Node
from backprop_cli.exercise.model import load_exercise
from backprop_cli.grade.reference import prepare
from backprop_cli.report import graph as report_graph
from backprop_cli.report.graph import graph_dot, graph_mermaid, graph_tree, render_graphviz, short

ROOT = Path(__file__).resolve().parents[1]


def prepared(name: str):
    return prepare(load_exercise(str(ROOT / "exercises" / f"{name}.yaml")))


@pytest.fixture(scope="module")
def affine():
    return prepared("affine")


@pytest.fixture(scope="module")
def simple():
    return prepared("cs231n-simple")


def test_tree_affine(affine):
    """The tree starts at the external loss and reaches every input, with operations and shapes."""
    assert graph_tree(affine.graph).splitlines() == [
        "J (loss; given dJ/dc) : scalar",
        "└── c (+) : 1×m",
        "    ├── (·) : 1×m",
        "    │   ├── a (input) : 1×n",
        "    │   └── W (input) : n×m",
        "    └── b (input) : 1×m",
    ]


def test_tree_values(simple):
    """With a trial every node shows its value and gradient; the loss has gradient 1."""
    assert graph_tree(simple.graph, simple, simple.value_trial).splitlines() == [
        "f (·) : scalar  value=-12  grad=1",
        "├── q (+) : scalar  value=3  grad=-4",
        "│   ├── x (input) : scalar  value=-2  grad=-4",
        "│   └── y (input) : scalar  value=5  grad=-4",
        "└── z (input) : scalar  value=-4  grad=3",
    ]


def test_tree_inner_values_need_ref():
    """Unnamed operations get values only when the reference is given to evaluate them."""
    ref = prepared("linear-regression")
    trial = ref.trials[0]
    with_ref = graph_tree(ref.graph, ref, trial).splitlines()
    without = graph_tree(ref.graph, None, trial).splitlines()
    assert with_ref[1].startswith("├── (/) : scalar  value=")
    assert without[1] == "├── (/) : scalar"


def test_tree_shared_node_once():
    """A named node reached twice is expanded once and marked the second time."""
    assert graph_tree(prepared("path-sum").graph).splitlines() == [
        "L (S) : scalar",
        "├── g (R) : scalar",
        "│   └── f (Q) : scalar",
        "│       ├── x (P) : scalar",
        "│       │   └── s (input) : scalar",
        "│       ├── y (P) : scalar",
        "│       │   └── s (input) : scalar",
        "│       └── z (P) : scalar",
        "│           └── s (input) : scalar",
        "└── h (R) : scalar",
        "    └── f (Q) : scalar  (see above)",
    ]


def test_dot_affine(affine):
    """DOT: inputs as boxes, operations as ellipses, named nodes as 'name : shape', the external loss dashed."""
    assert graph_dot(affine.graph).splitlines() == [
        'digraph "affine" {',
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        "  edge [arrowsize=0.7];",
        "  n0 [shape=box, label=<a : 1×n>];",
        "  n1 [shape=box, label=<W : n×m>];",
        "  n2 [shape=box, label=<b : 1×m>];",
        "  n3 [shape=ellipse, label=<<b>·</b><br/>1×m>];",
        "  n4 [shape=ellipse, label=<<b>+</b><br/>c : 1×m>];",
        "  loss [shape=box, style=dashed, label=<J : scalar<br/>loss>];",
        "  n0 -> n3;",
        "  n1 -> n3;",
        "  n3 -> n4;",
        "  n2 -> n4;",
        "  n4 -> loss [style=dashed];",
        "}",
    ]


def test_dot_values(simple):
    """With a trial the labels add data and grad, micrograd style; the loss node is doubled."""
    lines = graph_dot(simple.graph, simple.value_trial).splitlines()
    assert "  n0 [shape=box, label=<x : scalar<br/>data -2<br/>grad -4>];" in lines
    assert "  n4 [shape=ellipse, label=<<b>·</b><br/>f : scalar<br/>data -12<br/>grad 1>, peripheries=2];" in lines


def test_dot_deterministic(affine):
    """The same graph gives the same text every time."""
    assert graph_dot(affine.graph, affine.trials[0]) == graph_dot(affine.graph, affine.trials[0])


def test_mermaid_affine(affine):
    """Mermaid: a flowchart LR with the same nodes and edges."""
    assert graph_mermaid(affine.graph).splitlines() == [
        "flowchart LR",
        '  n0["a : 1×n"]',
        '  n1["W : n×m"]',
        '  n2["b : 1×m"]',
        '  n3(["·<br/>1×m"])',
        '  n4(["+<br/>c : 1×m"])',
        '  loss{{"J : scalar<br/>loss"}}',
        "  n0 --> n3",
        "  n1 --> n3",
        "  n3 --> n4",
        "  n2 --> n4",
        "  n4 -.-> loss",
    ]


def test_mermaid_values(simple):
    """With a trial the Mermaid labels add data and grad."""
    lines = graph_mermaid(simple.graph, simple.value_trial).splitlines()
    assert '  n3(["+<br/>q : scalar<br/>data 3<br/>grad -4"])' in lines


def odd_graph():
    """A hand-made graph whose names need escaping."""
    nodes = [Node(0, "input", 'a<"&>', Name("a"), (), (), "input"),
             Node(1, "op", 'b"#', Name("b"), (0,), (1, "n"), "<op>")]
    exercise = SimpleNamespace(id='odd"id')
    return SimpleNamespace(nodes=nodes, exercise=exercise, functions={}, loss='b"#', external=False,
                           outputs=('b"#',), ids={'a<"&>': 0, 'b"#': 1})


def test_dot_escapes():
    """Names and labels are escaped for HTML-like labels and the graph name for a quoted ID."""
    lines = graph_dot(odd_graph()).splitlines()
    assert lines[0] == 'digraph "odd\\"id" {'
    assert '  n0 [shape=box, label=<a&lt;"&amp;&gt; : scalar>];' in lines
    assert '  n1 [shape=ellipse, label=<<b>&lt;op&gt;</b><br/>b"# : 1×n>, peripheries=2];' in lines


def test_mermaid_escapes():
    """Quotes and angle brackets become Mermaid entity codes."""
    lines = graph_mermaid(odd_graph()).splitlines()
    assert '  n0["a#lt;#quot;&#gt; : scalar"]' in lines
    assert '  n1(["#lt;op#gt;<br/>b#quot;#35; : 1×n"])' in lines


@pytest.mark.parametrize("value, text", [
    pytest.param(-0.0, "0", id="negative-zero"),
    pytest.param(2.0595698, "2.06", id="scalar"),
    pytest.param([[1, 2, 3, 4]], "[[1, 2, …]]", id="long-row"),
    pytest.param([[1.5], [2.25]], "[[1.5], [2.25]]", id="column"),
])
def test_short(value, text):
    """Values are short: four significant digits, long axes cut with an ellipsis."""
    assert short(np.asarray(value)) == text


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_render_svg(simple):
    """With Graphviz installed, the DOT renders to an SVG document."""
    svg = render_graphviz(graph_dot(simple.graph, simple.value_trial), "svg")
    assert svg.lstrip().startswith((b"<?xml", b"<svg"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_render_png(affine):
    """PNG output is a PNG file."""
    assert render_graphviz(graph_dot(affine.graph), "png").startswith(b"\x89PNG")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_render_bad_dot():
    """Text that dot cannot read is a usage error that carries dot's message."""
    with pytest.raises(UsageError) as err:
        render_graphviz("digraph {", "svg")
    assert err.value.key == "cli.dot_failed"
    assert err.value.args_["reason"]


def test_render_without_dot(monkeypatch, affine):
    """Without dot on the PATH, rendering is a usage error naming the format."""
    monkeypatch.setattr(report_graph.shutil, "which", lambda name: None)
    with pytest.raises(UsageError) as err:
        render_graphviz(graph_dot(affine.graph), "svg")
    assert err.value.key == "cli.no_dot"
    assert err.value.args_ == {"format": "svg"}
    assert err.value.exit_code == 2
