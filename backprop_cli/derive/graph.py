"""Lets you turn an exercise's forward equations into a checked DAG of operation-level nodes.

Nodes come out in topological order (inputs, then each equation's operations children-first), so no
sort is needed and the order is deterministic. A name used twice is one node with two consumers, so
fan-out is visible. Every error names the file, line and column of the equation and the fault in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from backprop_cli.errors import BackpropError, FormulaError, InputError
from backprop_cli.exercise.model import Equation as ExerciseEquation, Exercise
from backprop_cli.formula.ast import Call, Equation, Expr, Name, Num, Pow, walk
from backprop_cli.formula.parser import parse_equation
from backprop_cli.derive.infer import Scope, canonical, infer
from backprop_cli.derive.ops import OPS, op_key, operands
from backprop_cli.derive.shapes import SCALAR, Shape, fmt, is_column, jacobian_shape

AddNode = Callable[..., int]   # (kind, name, expr, args, shape, label, equation) -> the new node's id
_LABELS = {"Neg": "−", "T": "ᵀ", "Pow": "^", "*": "·", "Num": "const"}


@dataclass(frozen=True)
class Node:
    """One node of the computational graph."""

    id: int
    kind: str                    # input | const | op | opaque | alias
    name: str | None             # inputs and equation targets have names; inner operations don't
    expr: Expr                   # the AST of this operation (a Name for inputs)
    args: tuple[int, ...]        # ids of the argument nodes
    shape: Shape
    label: str                   # what the operation is, for drawings
    equation: int | None = None  # index of the defining equation


@dataclass(eq=False)
class Graph:
    """The computational graph of an exercise's forward equations."""

    exercise: Exercise
    nodes: list[Node]
    ids: dict[str, int]              # name -> node id
    shapes: dict[str, Shape]         # name -> shape
    dims: frozenset[str]
    functions: dict[str, str]        # declared name -> kind
    loss: str
    external: bool                   # no equation defines the loss
    outputs: tuple[str, ...]         # named nodes that nothing uses (their dJ/d· are given for an external loss)
    opaque: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)   # output -> (function, arguments)
    partial_pairs: frozenset[tuple[str, str]] = frozenset()   # (X, Y) where ∂X/∂Y (local) and dX/dY (total) differ

    @property
    def inputs(self) -> list[str]:
        """The names of the input nodes, in order."""
        return [n.name for n in self.nodes if n.kind == "input" and n.name is not None]

    @property
    def named(self) -> list[str]:
        """The names of the inputs and equation targets, in topological order."""
        return [n.name for n in self.nodes if n.name is not None]

    @property
    def reserved(self) -> frozenset[str]:
        """Every name a formula of the exercise may read as something: nodes, the loss, dimension names and
        declared functions (so a printed intermediate takes none of them)."""
        return frozenset(self.shapes) | {self.loss} | self.dims | frozenset(self.functions)

    def node(self, name: str) -> Node:
        return self.nodes[self.ids[name]]

    def depends(self, x: str, y: str) -> bool:
        """Whether node x depends on node y (x reachable from y)."""
        target = self.ids[y]
        seen, stack = set(), [self.ids[x]]
        while stack:
            i = stack.pop()
            if i == target:
                return True
            if i not in seen:
                seen.add(i)
                stack.extend(self.nodes[i].args)
        return False

    def between(self, y: str, x: str) -> list[str]:
        """Named nodes strictly between y and x: on some path from y to x."""
        return [n for n in self.named if n not in (x, y) and self.depends(n, y) and self.depends(x, n)]

    def scope(self, derivs: Any = None) -> Scope:
        """The shapes, dims and functions of the graph, for shape inference (``derivs``: shapes of symbols)."""
        return Scope(dict(self.shapes), self.dims, self.functions, derivs)

    def gradient_shape(self, name: str) -> Shape:
        """The shape of dJ/dX in the exercise's layout."""
        s = self.shapes[name]
        return (1, s[0]) if self.exercise.layout == "numerator" and is_column(s) else s

    def deriv_shape(self, num: str, den: str) -> Shape:
        """The shape of dnum/dden: a gradient of the loss, or a Jacobian."""
        if num == self.loss:
            return self.gradient_shape(den)
        return jacobian_shape(self.shapes[num], self.shapes[den])


def _error(eq: ExerciseEquation, err: BackpropError) -> BackpropError:
    """``err`` placed in the exercise file: at the fault if the equation's offsets are exact, else at it."""
    if isinstance(err, FormulaError):
        err = err.in_equation(eq.text, None if eq.exact else eq.mark)
    return err.placed(eq.mark)


def build_graph(ex: Exercise) -> Graph:
    """The checked DAG of exercise ``ex`` (a :class:`model.Exercise`)."""
    functions = {f.name: f.kind for f in ex.functions}
    declared_dims = [d for shape in ex.shapes.values() for d in shape]
    dims = frozenset(d for d in [d for i in ex.inputs for d in i.shape] + declared_dims if isinstance(d, str))
    nodes: list[Node] = []
    ids: dict[str, int] = {}
    shapes: dict[str, Shape] = {}
    declared = ex.shapes

    def add(kind: str, name: str | None, expr: Expr, args: Iterable[int], shape: Shape, label: str,
            eq: int | None = None) -> int:
        node = Node(len(nodes), kind, name, expr, tuple(args), shape, label, eq)
        nodes.append(node)
        if name is not None:
            ids[name] = node.id
            shapes[name] = shape
        return node.id

    for spec in ex.inputs:
        if spec.name in functions or spec.name in dims:
            raise InputError("graph.name_clash", spec.mark, name=spec.name)
        add("input", spec.name, Name(spec.name), (), tuple(spec.shape), "input")
    opaque: dict[str, tuple[str, tuple[str, ...]]] = {}
    used: set[int] = set()
    for k, eq in enumerate(ex.forward):
        try:
            parsed = parse_equation(eq.text, functions)
            _check_targets(parsed, ids, dims, functions, eq)
            e = parsed.expr
            for sub in walk(e):
                if isinstance(sub, Call) and sub.prime:
                    raise FormulaError("graph.prime_in_forward", eq.text, max(sub.pos, 0), fn=sub.fn)
            if isinstance(e, Call) and functions.get(e.fn) == "opaque":
                _add_opaque(parsed, eq, k, ids, shapes, declared, add, opaque, used)
                continue
            if len(parsed.targets) > 1:
                raise FormulaError("graph.several_targets", eq.text, parsed.target_pos[1])
            shape = infer(e, Scope(dict(shapes), dims, functions), eq.text)
            e = canonical(e, Scope(dict(shapes), dims, functions))
            _check_rules(e, functions, eq.text)
            root = _add_expr(e, Scope(dict(shapes), dims, functions), nodes, ids, add, k, used)
            target = parsed.targets[0]
            alias_of = nodes[root].name
            if alias_of is not None:              # c = a: an alias of another node
                root = add("alias", target, Name(alias_of), (root,), shape, "=", k)
            else:
                nodes[root] = Node(root, nodes[root].kind, target, nodes[root].expr, nodes[root].args, shape,
                                   nodes[root].label, k)
                ids[target], shapes[target] = root, shape
            if target in declared and declared[target] != shape:
                raise InputError("graph.declared_shape", eq.mark, name=target, declared=fmt(declared[target]),
                                 inferred=fmt(shape))
        except BackpropError as err:
            raise _error(eq, err) from None
    loss = ex.loss
    external = loss not in ids
    if not external and shapes[loss] != SCALAR:
        raise InputError("graph.loss_not_scalar", ex.loss_mark, loss=loss, shape=fmt(shapes[loss]))
    if external and loss in functions:
        raise InputError("graph.loss_clash", ex.loss_mark, loss=loss)
    named = [n for n in nodes if n.name is not None and n.kind != "input"]
    outputs = tuple(n.name for n in named if n.id not in used and n.name is not None)
    if not named:
        raise InputError("graph.no_equations", ex.loss_mark)
    graph = Graph(ex, nodes, ids, shapes, dims, functions, loss, external, outputs if external else (loss,), opaque)
    graph.partial_pairs = frozenset(
        (out, a) for out, (_, args) in opaque.items() for a in args
        if any(graph.depends(other, a) for other in args if other != a)
    )
    return graph


def _check_targets(parsed: Equation, ids: dict[str, int], dims: frozenset[str], functions: dict[str, str],
                   eq: ExerciseEquation) -> None:
    for name, pos in zip(parsed.targets, parsed.target_pos):
        if name in ids:
            raise FormulaError("graph.redefined", eq.text, pos, name=name)
        if name in dims or name in functions:
            raise FormulaError("graph.target_clash", eq.text, pos, name=name)
    if len(set(parsed.targets)) != len(parsed.targets):
        raise FormulaError("graph.redefined", eq.text, parsed.target_pos[-1], name=parsed.targets[-1])


def _check_rules(e: Expr, functions: dict[str, str], text: str) -> None:
    for sub in walk(e):
        if isinstance(sub, (Name, Num)):
            continue
        key = op_key(sub, functions)
        if OPS.get(key) is None or OPS[key].vjp is None:
            raise FormulaError("graph.not_differentiable", text, max(sub.pos, 0), op=key)


def _add_opaque(parsed: Equation, eq: ExerciseEquation, k: int, ids: dict[str, int], shapes: dict[str, Shape],
                declared: dict[str, Shape], add: AddNode, opaque: dict[str, tuple[str, tuple[str, ...]]],
                used: set[int]) -> None:
    call = parsed.expr
    assert isinstance(call, Call)   # the caller has checked that the equation calls an opaque function
    arg_names = []
    for a in call.args:
        if not isinstance(a, Name):
            raise FormulaError("graph.opaque_args", eq.text, max(a.pos, 0), fn=call.fn)
        if a.name not in ids:
            raise FormulaError("name.unknown", eq.text, max(a.pos, 0), name=a.name, suggestion="",
                               known=", ".join(ids))
        if len(shapes[a.name]) > 2 or (len(shapes[a.name]) == 2 and 1 not in shapes[a.name]):
            raise FormulaError("graph.opaque_matrix", eq.text, max(a.pos, 0), fn=call.fn, name=a.name)
        arg_names.append(a.name)
    arg_ids = [ids[a] for a in arg_names]
    used.update(arg_ids)
    for target, pos in zip(parsed.targets, parsed.target_pos):
        shape = declared[target] if target in declared else shapes[arg_names[0]]
        if len(shape) == 2 and 1 not in shape:
            raise FormulaError("graph.opaque_matrix", eq.text, pos, fn=call.fn, name=target)
        add("opaque", target, call, arg_ids, shape, call.fn, k)
        opaque[target] = (call.fn, tuple(arg_names))


def _add_expr(e: Expr, scope: Scope, nodes: list[Node], ids: dict[str, int], add: AddNode, k: int,
              used: set[int]) -> int:
    """Add the operations of ``e`` children-first; ``e`` has been checked by :func:`infer` already, so each
    node's shape follows from its children's by the operation's own rule."""
    if isinstance(e, Name):
        if e.name in ids:
            used.add(ids[e.name])
            return ids[e.name]
        return add("const", None, e, (), SCALAR, e.name, k)
    if isinstance(e, Num):
        return add("const", None, e, (), SCALAR, f"{e.value:g}", k)
    args = tuple(_add_expr(c, scope, nodes, ids, add, k, used) for c in operands(e, scope.functions))
    key = op_key(e, scope.functions)
    shape = OPS[key].shape(e, tuple(nodes[a].shape for a in args), scope)
    label = _LABELS.get(key, key)
    if isinstance(e, Pow):
        label = f"^{e.exp:g}"
    kind = "const" if not args else "op"
    return add(kind, None, e, args, shape, label, k)


