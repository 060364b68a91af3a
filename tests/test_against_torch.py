"""The derivation engine against an independent autodiff: random graphs over every operation, in both
layouts, with batches of size 1, gradients and Jacobians up to order 4, compared with PyTorch autograd
(fixed seed). Every reference value must agree."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_cli.formula.ast import ADD, DIV, HADAMARD, MUL, SUB, Bin, Call, Name, Neg, Num, Pow, T
from backprop_cli.exercise.model import load_exercise
from backprop_cli.derive.ops import OPS
from backprop_cli.grade.reference import prepare

torch = pytest.importorskip("torch")
torch.set_default_dtype(torch.float64)

GRAPHS = 120
#: Node kinds: S scalar, R 1×m row, C m×1 column, M B×m batch, W m×m square, K B×1 batch column.
SHAPES = {"S": "scalar", "R": "[1, m]", "C": "[m, 1]", "M": "[B, m]", "W": "[m, m]", "K": "[B, 1]"}
UNARY = ["tanh({a})", "sigmoid({a})", "relu({a})", "softplus({a})", "sin({a})", "cos({a})", "exp({a} / 4)",
         "log(1 + {a}^2)", "sqrt(1 + {a}^2)", "abs({a})", "elu({a})", "leaky_relu({a})", "gelu({a})",
         "cosh({a} / 3)", "sinh({a})", "sech({a})", "clip({a}, -0.5, 0.5)", "-{a}", "2 {a}", "{a}^2", "hardtanh({a})",
         "prelu({a}, 0.3)", "elu({a}, 0.5)", "sign({a}) ⊙ {a}"]
BINARY = ["{a} + {b}", "{a} - {b}", "{a} ⊙ {b}", "max({a}, {b})", "min({a}, {b})", "{a} / (1 + {b}^2)"]
#: (template, argument kinds, result kind)
SHAPED = [
    ("softmax({a})", "R", "R"), ("softmax({a})", "C", "C"), ("softmax({a})", "M", "M"), ("softmax({a}, 0)", "M", "M"),
    ("log_softmax({a})", "R", "R"), ("log_softmax({a})", "M", "M"), ("log_softmax({a}, 0)", "M", "M"),
    ("log(softmax({a}))", "M", "M"),
    ("sum({a}, 0)", "M", "R"), ("mean({a}, 0)", "M", "R"), ("amax({a}, 0)", "M", "R"), ("amin({a}, 1)", "M", "K"),
    ("logsumexp({a}, 0)", "M", "R"), ("logsumexp({a}, 1)", "M", "K"), ("sum({a}, 1)", "M", "K"),
    ("{a} + {b}", "MR", "M"), ("{a} ⊙ {b}", "MK", "M"), ("{a} - {b}", "MS", "M"), ("{a} ⊙ {b}", "RS", "R"),
    ("{a} @ {b}", "MW", "M"), ("{a} @ {b}", "RW", "R"), ("{a} @ {b}", "WC", "C"), ("{a} @ {b}", "RC", "S"),
    ("{a} @ {b}", "CR", "W"), ("{a}ᵀ @ {a}", "M", "W"), ("{a}ᵀ", "R", "C"), ("{a}ᵀ", "C", "R"), ("{a}ᵀ", "W", "W"),
    ("diag({a})", "R", "W"), ("trace({a})", "W", "S"), ("norm({a})", "M", "S"), ("max({a})", "M", "S"),
    ("logsumexp({a})", "R", "S"), ("mean({a})", "W", "S"), ("{a} {b}", "SM", "M"),
]


def _pick(rng, nodes, kind, avoid=None):
    pool = [n for n, k in nodes.items() if k == kind and n != avoid]
    return None if not pool else pool[int(rng.integers(len(pool)))]


def random_exercise(rng, index: int) -> tuple[str, list]:
    """An exercise text with 3 to 6 random equations over inputs of every kind, and its Jacobian pairs."""
    nodes = {"x": "R", "c": "C", "X": "M", "A": "W", "s": "S", "k": "K"}
    inputs = dict(nodes)
    consumed, eqs = set(), []
    for i in range(int(rng.integers(3, 7))):
        for _ in range(50):
            choice = rng.random()
            if choice < 0.35:
                kind = list(SHAPES)[int(rng.integers(len(SHAPES)))]
                template, kinds, out = UNARY[int(rng.integers(len(UNARY)))], kind, kind
            elif choice < 0.55:
                kind = list(SHAPES)[int(rng.integers(len(SHAPES)))]
                template, kinds, out = BINARY[int(rng.integers(len(BINARY)))], kind * 2, kind
            else:
                template, kinds, out = SHAPED[int(rng.integers(len(SHAPED)))]
            args = []
            for k in kinds:
                a = _pick(rng, nodes, k, avoid=args[0] if args and "{b}" in template else None)
                args.append(a)
            if None not in args and ("{b}" not in template or len(args) == 2):
                break
        name = f"n{i}"
        text = template.format(a=args[0], b=args[1] if len(args) > 1 else args[0]).replace("{b}", "")
        eqs.append(f"{name} = {text}")
        consumed.update(args)
        nodes[name] = out
    finals = [n for n in nodes if n not in consumed and n not in inputs]
    eqs.append("J = " + " + ".join(f"sum({n})" for n in finals))
    layout = "numerator" if index % 2 else "gradient"
    values = {"x": [[0.3, -0.7, 1.1]], "c": [[0.5], [-1.2], [0.8]], "X": [[0.9, -0.4, 0.2]],
              "A": [[0.4, -0.3, 0.6], [0.1, 0.7, -0.55], [-0.8, 0.2, 0.3]], "s": 0.7, "k": [[-0.6]]}
    body = (f"id: g{index}\ntitle: random graph {index}\nlayout: {layout}\ninputs:\n"
            + "".join(f"  {n}: {SHAPES[k]}\n" for n, k in inputs.items())
            + "forward:\n" + "".join(f"  - {e}\n" for e in eqs) + "loss: J\n"
            + "values:\n" + "".join(f"  {n}: {v}\n" for n, v in values.items())
            + "questions:\n" + "".join(f"  - dJ/d{n}\n" for n in inputs if n in consumed))
    last = [e.split(" = ")[0] for e in eqs[:-1]]
    pairs = [(last[-1], n) for n in inputs] + [(last[0], n) for n in inputs]
    return body, list(dict.fromkeys(pairs))


# -- an independent evaluator in torch ----------------------------------------------------------------
def _axis(e, default=None):
    return int(e.args[1].value) if len(e.args) > 1 else default


def _rowwise(x):
    return None if x.dim() == 0 or 1 in x.shape else 1


def to_torch(e, env):
    if isinstance(e, Name):
        return env[e.name]
    if isinstance(e, Num):
        return torch.tensor(e.value)
    if isinstance(e, Neg):
        return -to_torch(e.x, env)
    if isinstance(e, T):
        x = to_torch(e.x, env)
        return x.T if x.dim() == 2 else x
    if isinstance(e, Pow):
        return to_torch(e.base, env) ** e.exp
    if isinstance(e, Bin):
        a, b = to_torch(e.left, env), to_torch(e.right, env)
        if e.op == MUL:
            return a * b if a.dim() == 0 or b.dim() == 0 else a @ b
        return {ADD: torch.add, SUB: torch.sub, HADAMARD: torch.mul, DIV: torch.div}[e.op](a, b)
    assert isinstance(e, Call), e
    x = to_torch(e.args[0], env)
    fn = e.fn
    simple = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "sin": torch.sin, "cos": torch.cos,
              "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs, "sign": torch.sign,
              "cosh": torch.cosh, "sinh": torch.sinh, "softplus": torch.nn.functional.softplus,
              "gelu": torch.nn.functional.gelu, "hardtanh": torch.nn.functional.hardtanh,
              "sech": lambda v: 1 / torch.cosh(v), "diag": lambda v: torch.diag(v.reshape(-1)),
              "trace": torch.trace, "norm": lambda v: torch.sqrt(torch.sum(v * v))}
    if fn in simple:
        return simple[fn](x)
    if fn in ("leaky_relu", "prelu", "elu"):
        alpha = e.args[1].value if len(e.args) > 1 else {"leaky_relu": 0.01, "elu": 1.0}[fn]
        return torch.where(x > 0, x, alpha * x) if fn != "elu" else torch.where(x > 0, x, alpha * torch.expm1(x))
    if fn == "clip":
        return torch.clamp(x, e.args[1].value, e.args[2].value)
    if fn in ("sum", "mean", "logsumexp", "amax", "amin"):
        axis = _axis(e)
        if fn == "logsumexp":
            return torch.logsumexp(x, dim=axis, keepdim=True) if axis is not None else torch.logsumexp(x.reshape(-1), 0)
        op = {"sum": torch.sum, "mean": torch.mean, "amax": torch.amax, "amin": torch.amin}[fn]
        return op(x, dim=axis, keepdim=True) if axis is not None else op(x)
    if fn in ("max", "min") and len(e.args) == 2:
        y = to_torch(e.args[1], env)
        return torch.maximum(x, y) if fn == "max" else torch.minimum(x, y)
    if fn in ("max", "min"):
        return torch.amax(x) if fn == "max" else torch.amin(x)
    if fn in ("softmax", "log_softmax"):
        axis = _axis(e, _rowwise(x))
        op = torch.softmax if fn == "softmax" else torch.log_softmax
        return op(x.reshape(-1), 0).reshape(x.shape) if axis is None else op(x, dim=axis)
    raise AssertionError(f"no torch rule for {fn}")


def torch_values(graph, inputs: dict) -> dict:
    """Every named node's value, recomputed in torch from the inputs (graph nodes in order)."""
    env = dict(inputs)
    for node in graph.nodes:
        if node.name is not None and node.kind not in ("input",):
            env[node.name] = to_torch(node.expr, env)
    return env


def _compare(ours, theirs) -> bool:
    ours = np.asarray(ours, dtype=float).reshape(-1)
    theirs = theirs.detach().numpy().reshape(-1)
    return ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=1e-7, atol=1e-9)


def _check_graph(index, tmp_path):
    rng = np.random.default_rng(20261130 + index)
    body, pairs = random_exercise(rng, index)
    path = tmp_path / f"g{index}.yaml"
    path.write_text(body, encoding="utf-8")
    ex = load_exercise(str(path))
    ref = prepare(ex, index)
    g = ref.graph
    compared, bad = 0, []
    for trial in ref.trials[:2] + [ref.value_trial]:
        # trial sizes: B = 1 in the value trial (a batch of one), 2..7 in the random ones
        raw = {n: torch.tensor(np.asarray(trial.values[n], dtype=float).reshape(
            [trial.sizes.get(d, d) if isinstance(d, str) else d for d in g.shapes[n]]), requires_grad=True)
            for n in g.inputs}
        env = torch_values(g, raw)
        grads = torch.autograd.grad(env[g.loss], [raw[n] for n in g.inputs], allow_unused=True)
        for q in ref.questions:
            want = grads[g.inputs.index(q.den)]
            want = torch.zeros_like(raw[q.den]) if want is None else want
            compared += 1
            if not _compare(ref.value(trial, q), want):
                bad.append((q.key, body))
        for y, x in pairs:
            if not g.depends(y, x):
                continue

            def f(v, x=x, y=y):
                return torch_values(g, {**raw, x: v})[y]

            jac = torch.autograd.functional.jacobian(f, raw[x].detach())
            compared += 1
            if not _compare(ref.jacobian_value(trial, y, x), jac):
                bad.append((f"d{y}/d{x}", body))
    return compared, bad


def test_every_operation_is_generated():
    """The generator's templates use every differentiable operation of the table."""
    import re

    text = " ".join(UNARY + BINARY + [t for t, _, _ in SHAPED])
    used = set(re.findall(r"([a-z_]+)\(", text)) | {"Neg", "T", "Pow", ADD, SUB, MUL, HADAMARD, DIV}
    differentiable = {k for k, op in OPS.items() if op.vjp is not None and not k.endswith("'")}
    missing = differentiable - used - {"elementwise", "step", "ones", "zeros", "eye", "Num"}
    assert missing == set()


@pytest.mark.slow
def test_random_graphs_agree_with_torch(tmp_path):
    """Gradients and Jacobians (orders 1 to 4) of 120 random graphs agree with torch autograd everywhere."""
    total, failures = 0, []
    for index in range(GRAPHS):
        compared, bad = _check_graph(index, tmp_path)
        total += compared
        failures += bad
    print(f"\nagreement with torch: {total - len(failures)} of {total} values")
    assert not failures, f"{len(failures)} of {total} disagree: {[k for k, _ in failures]}; first: {failures[0][1]}"
