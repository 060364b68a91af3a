"""Lets you draw an exercise's computational graph: as a text tree, as Graphviz DOT, as a Mermaid
flowchart, or (through Graphviz's ``dot``) as SVG or PNG.

Every drawing shows each node's name (or its operation), the operation and the shape. Given a trial,
nodes also show their forward value and gradient, as micrograd's ``draw_dot`` does. Output is
deterministic: nodes and edges come in the graph's topological order.
"""
from __future__ import annotations

import html
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import numpy as np

from backprop_cli.errors import BackpropError, UsageError
from backprop_cli.formula.ast import Call
from backprop_cli.derive.shapes import Shape, fmt
from backprop_cli.messages import message

if TYPE_CHECKING:      # drawing needs no grading: the reference and its trials are loaded by the caller
    from backprop_cli.derive.graph import Graph, Node
    from backprop_cli.derive.numeric import NumEnv
    from backprop_cli.grade.reference import Reference, Trial

Numbers = dict[int, tuple[Any, Any]]      # node id -> (value, grad), either may be None

DOT_TIMEOUT = 20


# -- numbers ---------------------------------------------------------------------------------------
def short(value: Any, digits: int = 4, items: int | None = 3) -> str:
    """A value in a few characters: ``-4``, ``0.5121``, ``[[1, 2, …]]``; ``items=None`` keeps every item."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return f"{float(a) + 0.0:.{digits}g}"         # + 0.0 turns -0 into 0
    parts = [short(x, digits, items) for x in a[:items]]
    if items is not None and len(a) > items:
        parts[-1] = "…"
    return "[" + ", ".join(parts) + "]"


# -- what each node shows ----------------------------------------------------------------------------
def operation(node: Node, graph: Graph, lang: str = "en") -> str:
    """The operation of a node for drawings, in ``lang`` where it is a word (input, constant); a declared
    function shows by its own name (``f``), an operation by its sign or function name."""
    if node.kind == "op" and isinstance(node.expr, Call) and node.expr.fn in graph.functions:
        return node.expr.fn + ("'" if node.expr.prime else "")
    if node.kind == "const":
        return message("graph.word.const", lang)
    if node.kind == "input":
        return message("graph.word.input", lang)
    return node.label


def _title(node: Node, graph: Graph, lang: str = "en") -> str:
    if node.name is not None:
        return node.name
    return node.label if node.kind == "const" else operation(node, graph, lang)


def shape_text(shape: Shape, lang: str = "en") -> str:
    """A shape as drawings and sheets print it: ``1×n``, or the word for scalar in ``lang``."""
    return fmt(shape) if shape else message("solve.scalar", lang)


def node_numbers(graph: Graph, trial: Trial | None, ref: Reference | None = None) -> Numbers:
    """node id -> (value, grad), either may be None. Unnamed nodes get values only through ``ref``."""
    if trial is None:
        return {}
    env = None
    if ref is not None:
        try:
            env = ref.env(trial)
        except BackpropError:
            env = None
    out: Numbers = {}
    for node in graph.nodes:
        value = trial.values.get(node.name) if node.name is not None else None
        if value is None and env is not None:
            value = _evaluate(node, env)
        grad = None
        if node.name is not None:
            grad = trial.grads.get(node.name)
            if grad is None and node.name == graph.loss:
                grad = np.ones(())
            if grad is None and graph.external:
                grad = trial.given.get(f"d{graph.loss}/d{node.name}")
        out[node.id] = (value, grad)
    return out


def _evaluate(node: Node, env: NumEnv) -> np.ndarray | None:
    from backprop_cli.derive.numeric import evaluate

    try:
        return evaluate(node.expr, env)
    except (BackpropError, ArithmeticError, ValueError, KeyError):
        return None


def _numbers_text(numbers: Numbers, node_id: int, sep: str, lang: str = "en") -> list[str]:
    """A node's value and gradient: ``value=… grad=…`` in the tree (``value`` in ``lang``); ``data …`` and
    ``grad …`` in drawings, micrograd's names of the two fields (code, as in its ``draw_dot``)."""
    value, grad = numbers.get(node_id, (None, None))
    out = []
    if value is not None:
        out.append(f"{message('graph.word.value', lang)}={short(value)}" if sep == "=" else f"data {short(value)}")
    if grad is not None:
        out.append(f"grad={short(grad)}" if sep == "=" else f"grad {short(grad)}")
    return out


# -- text tree -----------------------------------------------------------------------------------------
def graph_tree(graph: Graph, ref: Reference | None = None, trial: Trial | None = None, lang: str = "en") -> str:
    """The graph as a text tree from the loss (or the outputs) back to the inputs, its words in ``lang``.

    A named node reached a second time is shown once more, marked ``(see above)``, without its subtree.
    """
    numbers = node_numbers(graph, trial, ref)
    lines: list[str] = []
    shown: set[int] = set()

    def line(node: Node) -> str:
        head = (f"{_title(node, graph, lang)} ({operation(node, graph, lang)})" if node.name
                else f"({_title(node, graph, lang)})")
        return "  ".join([f"{head} : {shape_text(node.shape, lang)}"] + _numbers_text(numbers, node.id, "=", lang))

    def visit(node_id: int, prefix: str, last: bool, top: bool) -> None:
        node = graph.nodes[node_id]
        branch = "" if top else ("└── " if last else "├── ")
        again = node.id in shown and node.args
        lines.append(prefix + branch + line(node) + (f"  ({message('graph.word.see_above', lang)})" if again else ""))
        if again:
            return
        shown.add(node.id)
        inner = prefix + ("" if top else ("    " if last else "│   "))
        for k, arg in enumerate(node.args):
            visit(arg, inner, k == len(node.args) - 1, False)

    if graph.external:
        given = ", ".join(f"d{graph.loss}/d{o}" for o in graph.outputs)
        lines.append(f"{graph.loss} ({message('graph.word.loss_given', lang, given=given)}) : {shape_text((), lang)}")
        for k, out in enumerate(graph.outputs):
            visit(graph.ids[out], "", k == len(graph.outputs) - 1, False)
    else:
        visit(graph.ids[graph.loss], "", True, True)
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ------------------------------------------------------------------------------------------
_DOT_SHAPES = {"input": "box", "const": "plaintext", "op": "ellipse", "opaque": "ellipse", "alias": "ellipse"}


def _label_lines(node: Node, graph: Graph, numbers: Numbers, lang: str = "en") -> list[str]:
    named = f"{node.name} : {shape_text(node.shape, lang)}" if node.name else None
    if node.kind == "input":
        assert named is not None, node.id      # inputs are named
        lines = [named]
    elif node.kind == "const":
        lines = [_title(node, graph, lang)]
    else:
        lines = [operation(node, graph, lang), named or shape_text(node.shape, lang)]
    return lines + _numbers_text(numbers, node.id, " ")


def _dot_label(node: Node, graph: Graph, numbers: Numbers, lang: str = "en") -> str:
    lines = [html.escape(s, quote=False) for s in _label_lines(node, graph, numbers, lang)]
    if node.kind in ("op", "opaque", "alias"):
        lines[0] = f"<b>{lines[0]}</b>"     # the operation, set apart from the name and the numbers
    return "<br/>".join(lines)


def graph_dot(graph: Graph, trial: Trial | None = None, lang: str = "en") -> str:
    """The graph in Graphviz DOT: inputs as boxes, operations as ellipses, edges from arguments to
    operations; words in ``lang``. With a trial, each node's label adds its data and grad."""
    numbers = node_numbers(graph, trial)
    name = graph.exercise.id.replace("\\", "\\\\").replace('"', '\\"')
    out = [f'digraph "{name}" {{', "  rankdir=LR;",
           '  node [fontname="Helvetica", fontsize=11];', "  edge [arrowsize=0.7];"]
    for node in graph.nodes:
        label = _dot_label(node, graph, numbers, lang)
        extra = ", peripheries=2" if node.name == graph.loss else ""
        out.append(f"  n{node.id} [shape={_DOT_SHAPES.get(node.kind, 'ellipse')}, label=<{label}>{extra}];")
    if graph.external:
        loss = html.escape(f"{graph.loss} : {shape_text((), lang)}", quote=False)
        word = html.escape(message("graph.word.loss", lang), quote=False)
        out.append(f"  loss [shape=box, style=dashed, label=<{loss}<br/>{word}>];")
    for node in graph.nodes:
        out.extend(f"  n{arg} -> n{node.id};" for arg in node.args)
    if graph.external:
        out.extend(f"  n{graph.ids[o]} -> loss [style=dashed];" for o in graph.outputs)
    out.append("}")
    return "\n".join(out) + "\n"


# -- Mermaid -------------------------------------------------------------------------------------------------
_MERMAID_SHAPES = {"input": ('["', '"]'), "const": ('("', '")'), "op": ('(["', '"])'),
                   "opaque": ('(["', '"])'), "alias": ('(["', '"])')}


def _mermaid_text(s: str) -> str:
    return s.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def graph_mermaid(graph: Graph, trial: Trial | None = None, lang: str = "en") -> str:
    """The graph as a Mermaid ``flowchart LR`` with the same nodes, labels and edges as :func:`graph_dot`."""
    numbers = node_numbers(graph, trial)
    out = ["flowchart LR"]
    for node in graph.nodes:
        left, right = _MERMAID_SHAPES.get(node.kind, ('(["', '"])'))
        label = "<br/>".join(_mermaid_text(s) for s in _label_lines(node, graph, numbers, lang))
        out.append(f"  n{node.id}{left}{label}{right}")
    if graph.external:
        word = _mermaid_text(message("graph.word.loss", lang))
        out.append(f'  loss{{{{"{_mermaid_text(graph.loss)} : {_mermaid_text(shape_text((), lang))}<br/>{word}"}}}}')
    for node in graph.nodes:
        out.extend(f"  n{arg} --> n{node.id}" for arg in node.args)
    if graph.external:
        out.extend(f"  n{graph.ids[o]} -.-> loss" for o in graph.outputs)
    return "\n".join(out) + "\n"


# -- rendering through Graphviz ------------------------------------------------------------------------------
def render_graphviz(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` rendered by Graphviz's ``dot`` as ``fmt`` (``svg`` or ``png``)."""
    exe = shutil.which("dot")
    if exe is None:
        raise UsageError("cli.no_dot", format=fmt)
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError("cli.dot_failed", reason=f"no result within {DOT_TIMEOUT} s") from None
    except OSError as err:
        raise UsageError("cli.dot_failed", reason=str(err)) from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise UsageError("cli.dot_failed", reason=reason)
    return done.stdout


__all__ = ["graph_tree", "graph_dot", "graph_mermaid", "render_graphviz", "short", "operation", "node_numbers"]
