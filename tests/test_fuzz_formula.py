"""Fuzz tests for the formula pipeline parse → infer → evaluate: random unicode, token soup, generated formulas
and mutations of valid ones. Only designed errors (BackpropError subclasses) may come out, and each call's
work (counted, never timed) stays within the bound grading sets for one evaluation.

Together the tests below feed more than 10,000 strings through the pipeline.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backprop_cli.errors import BackpropError, UnknownNameError
from backprop_cli.formula.parser import parse
from backprop_cli.derive.infer import MAX_WORK, Scope, infer
from backprop_cli.derive.numeric import NumEnv, evaluate, smooth_function
from backprop_cli.derive.program import STEP_COST, metered
from backprop_cli.formula.ast import postorder

pytestmark = pytest.mark.slow   # fuzzing: run in CI and by the README command, skip with -m "not slow"

SIZES = {"n": 3, "m": 4, "B": 2}
SHAPES = {"a": (1, "n"), "b": (1, "m"), "x": ("n", 1), "W": ("n", "m"), "X": ("B", "m"), "s": (), "t": ()}
FUNCTIONS = {"f": "elementwise", "F": "opaque"}
GIVEN = {"dJ/dc": (1, "m"), "dJ/dX": ("B", "m")}


def _given_shape(e):
    if e.key in GIVEN:
        return GIVEN[e.key]
    raise UnknownNameError("name.unknown", "", max(e.pos, 0), name=e.key, suggestion="", known=", ".join(GIVEN))


_rng = np.random.default_rng(2024)
SCOPE = Scope(shapes=SHAPES, dims=frozenset(SIZES), functions=FUNCTIONS, derivs=_given_shape, bounds=SIZES)
ENV = NumEnv(
    values={k: _rng.normal(size=tuple(SIZES.get(d, d) for d in s)) for k, s in SHAPES.items()},
    sizes=SIZES,
    functions=FUNCTIONS,
    smooth={"f": smooth_function(_rng)},
    derivs={k: _rng.normal(size=tuple(SIZES.get(d, d) for d in s)) for k, s in GIVEN.items()},
)

#: Crashes that are known bugs, each pinned by an xfail test elsewhere: tolerated here so the fuzz keeps
#: looking for new ones. Remove an entry when its bug is fixed.
KNOWN_BUGS: list = []


def pipeline(text: str) -> None:
    """Parse, infer (within grading's work bound) and evaluate ``text``; designed errors are fine, anything
    else fails, and so does an evaluation whose counted work exceeds that bound plus the cost of its steps."""
    work, bound = None, 0
    try:
        e = parse(text, FUNCTIONS)
        infer(e, SCOPE, text, max_work=MAX_WORK)
        bound = MAX_WORK + 2 * STEP_COST * len(postorder(e))
        with metered() as work:
            evaluate(e, ENV)
        event("value")
    except BackpropError as err:
        str(err)   # rendering the message must not fail either
        event(err.key)
    except Exception as err:  # noqa: BLE001 - the point of the test
        if not any(isinstance(err, kind) and part in str(err) for kind, part in KNOWN_BUGS):
            raise AssertionError(f"{type(err).__name__}: {err} for {text!r}") from None
        event(f"known bug: {type(err).__name__}")
    assert work is None or work.units <= bound, f"{work.units} work units (bound {bound}) for {text!r}"


def fuzz(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# -- the language's own pieces ----------------------------------------------------------------------------
NAMES = ["a", "b", "x", "W", "X", "s", "t", "n", "m", "B", "ab", "q", "alpha", "θ", "σ", "I", "e", "d"]
NUMBERS = ["0", "1", "2", "3", "0.5", ".5", "1e-3", "2/3", "64", "65", "1e308", "1e-320", "9" * 31, "0.0"]
DERIVS = ["dJ/dc", "∂J/∂c", "dJ/dX", "dJ/da", "dc/da", "dq/dq"]
OPERATORS = ["+", "-", "−", "*", "@", "·", "⋅", "×", "⊙", "∘", ".*", "/", "./", "⊘", "⊗", "^", "**", "=",
             ","]
POSTFIX = ["^T", ".T", "ᵀ", "'", "′", "^{T}", "⊤", "²", "⁻¹", "^2", "^-1", "^(1/2)", "^64", "^65"]
FUNCS = ["exp", "log", "ln", "sqrt", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "sigma", "σ", "relu",
         "leaky_relu", "prelu", "elu", "softplus", "gelu", "hardtanh", "step", "heaviside", "sum", "mean", "diag",
         "softmax", "ones", "zeros", "eye", "I", "outer", "transpose", "f", "F"]
TOKENS = NAMES + NUMBERS + DERIVS + OPERATORS + POSTFIX + FUNCS + ["(", ")", "'(", "(", ")", " ", "\x00", "\u202e"]

VALID = [
    "a @ W + b", "dJ/dc @ W^T", "a^T @ dJ/dc", "σ'(a @ W + b) ⊙ dJ/dc", "sum(X, 0) + b", "mean(X, 1)",
    "2(a + a)", "3a^2", "-s^2 + s", "outer(a, dJ/dc)", "I(m) ⊗ x", "leaky_relu(a, 0.1)", "prelu(X, b)",
    "elu(a, s)", "softmax(X) - X", "diag(a) @ W", "exp(s) * W", "x' @ W", "W.T @ x", "Wᵀ x", "f'(a) ⊙ a",
    "ones(n, m) / n", "a ./ (1 + exp(-a))", "sqrt(s²)", "X ⊘ X", "(dJ/dX ⊙ relu'(X)) @ W^T", "tanh'(a) ∘ a",
    "1/(2B) * sum((X - X)^2)", "hardtanh(a) + softplus(a) - sign(a)", "zeros(1, n) + a", "x ⊗ b", "s t a",
    "dJ/dc^T", "log(abs(a) + 1)", "cos(W) .* sin(W)", "step(a) + heaviside(a)", "eye(n) @ x", "mean(a)",
]


def _formulas():
    """Formula text generated from the grammar: mostly well formed, of every kind of node."""
    leaf = st.sampled_from(NAMES[:10] + NUMBERS[:8] + DERIVS[:3])

    def extend(child):
        return st.one_of(
            st.tuples(child, st.sampled_from([" + ", " - ", " * ", " @ ", " ⊙ ", " / ", " ⊗ ", " ", "·"]), child)
            .map("".join),
            st.tuples(child, st.sampled_from(POSTFIX)).map(lambda p: f"({p[0]}){p[1]}"),
            st.tuples(st.sampled_from(FUNCS), st.sampled_from(["", "'"]), child).map(lambda p: f"{p[0]}{p[1]}({p[2]})"),
            st.tuples(st.sampled_from(["sum", "mean", "leaky_relu", "prelu", "elu", "ones", "zeros", "outer"]),
                      child, st.sampled_from(["0", "1", "2", "n", "m", "0.1", "s", "a", "1/0", "10^7"]))
            .map(lambda p: f"{p[0]}({p[1]}, {p[2]})"),
            child.map(lambda c: "-" + c),
            st.tuples(st.sampled_from(NUMBERS[:6]), child).map(lambda p: f"{p[0]}({p[1]})"),
        )

    return st.recursive(leaf, extend, max_leaves=12)


def _mutate(text: str, edits) -> str:
    for kind, where, length, piece in edits:
        i = where % (len(text) + 1)
        if kind == "delete":
            text = text[:i] + text[i + length:]
        elif kind == "insert":
            text = text[:i] + piece + text[i:]
        else:   # duplicate
            text = text[:i] + text[i:i + length] * 2 + text[i + length:]
    return text


EDITS = st.lists(st.tuples(st.sampled_from(["delete", "insert", "duplicate"]), st.integers(0, 200), st.integers(1, 6),
                           st.one_of(st.sampled_from(TOKENS), st.characters())), min_size=1, max_size=5)


LANGUAGE_CHARS = sorted(set("".join(TOKENS)))


@fuzz(1500)
@given(st.text(max_size=60))
def test_random_unicode(text):
    """Random unicode text gives a designed error or a value."""
    pipeline(text)


@fuzz(1500)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(LANGUAGE_CHARS)), max_size=40))
def test_random_unicode_and_language_characters(text):
    """Random text half made of the language's own characters gives a designed error or a value."""
    pipeline(text)


@fuzz(3000)
@given(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(["", "", " "])), max_size=16))
def test_token_soup(pieces):
    """Random sequences of the language's own tokens give a designed error or a value."""
    pipeline("".join(tok + sep for tok, sep in pieces))


@fuzz(2500)
@given(_formulas())
def test_generated_formulas(text):
    """Formulas built from the grammar, of every node kind, give a designed error or a value."""
    pipeline(text)


@fuzz(3000)
@given(st.sampled_from(VALID), EDITS)
def test_mutated_formulas(text, edits):
    """Valid formulas with characters deleted, inserted or duplicated give a designed error or a value."""
    pipeline(_mutate(text, edits))


def test_valid_corpus_evaluates():
    """Every unmutated formula of the corpus is valid: the mutations start from working input."""
    for text in VALID:
        e = parse(text, FUNCTIONS)
        infer(e, SCOPE, text)
        assert np.all(np.isfinite(evaluate(e, ENV))), text
