"""Fuzz the whole ``check`` path: random answers files, built from the formula grammar's tokens and
mutations of the bank's sample answers, are graded against bank exercises. Only designed errors may come
out (the grader turns them into verdicts), and the work of grading each answers file, counted as the budgets
charge it (``derive.program.metered``), stays within the bound that keeps ``check`` under its 2 s: the work
of one answer (``grading.WORK_PER_ANSWER``, as tests/test_hostile.py bounds it) per answer in the file.
Counted, never timed: the same input gives the same count on a loaded machine.

    python fuzz/fuzz_check.py [--examples 2000] [--seed 0]

The same harness runs in CI with a small fixed budget (tests/test_fuzz_check.py).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_cli.derive.program import metered  # noqa: E402
from backprop_cli.exercise.answers import match_answers, parse_answers  # noqa: E402
from backprop_cli.errors import BackpropError  # noqa: E402
from backprop_cli.grade.checking import Deadline, time_limit  # noqa: E402
from backprop_cli.grade.grading import WORK_PER_ANSWER, grade  # noqa: E402
from backprop_cli.exercise.model import load_exercise  # noqa: E402
from backprop_cli.grade.reference import prepared  # noqa: E402
from backprop_cli.exercise.yamlio import load_yaml_text  # noqa: E402

sys.path.insert(0, str(ROOT / "fuzz"))
from quotients import FAMILIES, family  # noqa: E402

EXERCISES = ["affine", "dense", "two-outputs", "jacobian-affine", "staged-backprop", "reused-node", "mlp3-l2",
             # the answer policy (SPEC 7.2): other questions' symbols, answers leaning on each other, forbid lists,
             # finite-difference constants
             "function1", "jacobian-l2", "activation-derivatives", "two-layer-sigmoid-l2"]
TOKENS = ["a", "b", "c", "W", "x", "z", "J", "L", "dJ/dc", "∂J/∂c", "dJ/dz", "dc/da", "db/da", "n", "m",
          "@", "*", "·", "⊙", "∘", ".*", "/", "./", "⊗", "+", "-", "^", "**", "^T", ".T", "ᵀ", "'", "(", ")", ",",
          "σ", "sigmoid", "tanh", "relu", "exp", "log", "sum", "mean", "diag", "ones", "eye", "I", "outer",
          "softmax", "f", "f'", "0", "1", "2", "0.5", "1e-3", "2/3", "64", "65", "1e308", " ", "  ",
          "dd/da", "dJ/dd", "dL/dy", "dL/dyhat", "yhat", "y", "softplus'", "σ'", "gelu'", "tanh'", "1e-5", "2e-5",
          "1e5", "0.001", "I(n)", "dLoss/dz1", "dz1/dh1", "W1", "b1", "h1", "z1"]
# Hostile work (issue 15, items 6 and 8): answers within the text limits whose evaluation would be huge,
# and a residual chain whose derived formulas share sub-terms (a tree evaluation would be exponential).
HEAVY = ["ones(1000, 1000)", "ones(999, 1000)", "eye(1000)", "ones(1000, 1)", "ones(1, 1000)"]
TOKENS += HEAVY + ["dL/dx", "dL/dw", "w", "h0", "h29"]
CHAIN = Path(tempfile.mkdtemp(prefix="fuzz-chain-")) / "chain30.yaml"
CHAIN.write_text(yaml.safe_dump({
    "id": "chain30", "title": "A residual chain", "inputs": {"x": [3, 1], "w": [3, 3]}, "answers_may_use": "given",
    "forward": ["h0 = x + σ(w * x)"] + [f"h{i} = h{i - 1} + σ(w * h{i - 1})" for i in range(1, 30)] + ["L = sum(h29 ⊙ h29)"],
    "loss": "L", "questions": ["dL/dx", "dL/dw"]}, allow_unicode=True, sort_keys=False), encoding="utf-8")
EXERCISES.append(str(CHAIN))
SAMPLES = ["w * x", "x * x^T"]
for name in EXERCISES[:-1]:
    data = yaml.safe_load((ROOT / "solutions" / f"{name}.yaml").read_text(encoding="utf-8")) or {}
    SAMPLES += [str(v) for v in (data.get("answers") or {}).values() if v is not None]


def mutate(text: str, ops) -> str:
    for kind, pos, ch in ops:
        if not text:
            text = ch
            continue
        i = pos % len(text)
        if kind == 0:
            text = text[:i] + text[i + 1:]
        elif kind == 1:
            text = text[:i] + ch + text[i:]
        else:
            text = text[:i] + text[i:] + text[i:]
    return text


formulas = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
    st.builds(lambda parts, ops: "sum(" + "".join(p + o for p, o in zip(parts, ops))[:-1] + ")",
              st.lists(st.sampled_from(HEAVY), min_size=2, max_size=40), st.lists(st.sampled_from(["⊙", "@", "+"]), min_size=40, max_size=40)),
    st.builds(mutate, st.sampled_from(SAMPLES),
              st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.sampled_from(TOKENS)), max_size=6)),
    st.text(max_size=60),
)
answers_files = st.builds(
    lambda ex, keys: (ex, yaml.safe_dump({"answers": dict(keys)}, allow_unicode=True)),
    st.sampled_from(EXERCISES),
    st.lists(st.tuples(st.sampled_from(["dJ/da", "dJ/dW", "dJ/dx", "dJ/db", "dc/da", "da/dW", "dJ/dz", "dJ/dα",
                                        "dd/da", "dL/dy", "dL/dyhat", "dz_softplus/dx", "dLoss/dx", "dLoss/dh1",
                                        "dJ/dtheta", "dL/dW₁", "dL/dx", "dL/dw"]),
                       formulas), max_size=4),
)


#: CPU seconds after which one answers file counts as hung: only a safety net that turns a hang in uncounted
#: work into a failure instead of a stuck run, far above the 2 s of check, and CPU time, which load does not eat.
HUNG = 60.0


def check_one(ex_name: str, text: str) -> int:
    """Grade ``text`` against the exercise; return the work units it cost (the exercise's preparation,
    shared by every answers file, is not counted)."""
    ex = load_exercise(ex_name if ex_name.endswith(".yaml") else str(ROOT / "exercises" / f"{ex_name}.yaml"))
    ref = prepared(ex, 0)
    answered = 1
    try:
        with time_limit(HUNG, "cpu"), metered() as work:
            try:
                answers = match_answers(ex, parse_answers(load_yaml_text(text, "fuzz.yaml"), "fuzz.yaml"))
                answered = max(1, sum(e.text is not None or e.array is not None
                                      for section in (answers.answers, answers.shapes, answers.values)
                                      for e in section.values()))
                report = grade(ref, answers)
                assert all(r.status in ("correct", "incorrect", "invalid", "missing") for r in report.results)
            except BackpropError:
                pass
    except Deadline:
        raise AssertionError(f"over {HUNG:g} CPU seconds (hung) for {text!r}") from None
    assert work.units <= answered * WORK_PER_ANSWER, f"{work.units} work units for {text!r}"
    return work.units


# Difference quotients (issue 15, item 1): any stencil of orders 2-8 at any step in 1e-6..1e-1, the step
# written plainly or hidden in factors, is never graded correct.
quotients = st.builds(lambda name, kind, order, exponent, hidden: family(name, order, kind, float(f"{10 ** exponent:.3g}"), hidden),
                      st.sampled_from(sorted(FAMILIES)), st.sampled_from(["central", "forward"]),
                      st.sampled_from([2, 4, 6, 8]), st.floats(-6, -1), st.booleans())


def check_quotient(exercise: str, question: str, answer: str) -> None:
    ex = load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml"))
    text = yaml.safe_dump({"answers": {question: answer}}, allow_unicode=True)
    report = grade(prepared(ex, 0), match_answers(ex, parse_answers(load_yaml_text(text, "fuzz.yaml"), "fuzz.yaml")))
    r = next(r for r in report.results if r.question == question)
    assert r.status != "correct", answer


def run(examples: int, seed: int | None = None) -> int:
    """Fuzz ``examples`` answers files (and a tenth as many quotients); return the most work units one
    answers file cost."""
    most = [0]

    @settings(max_examples=examples, deadline=None, derandomize=seed is not None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(answers_files)
    def fuzz(case):
        most[0] = max(most[0], check_one(*case))

    fuzz()

    @settings(max_examples=max(examples // 10, 20), deadline=None, derandomize=seed is not None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(quotients)
    def fuzz_quotients(case):
        check_quotient(*case)

    fuzz_quotients()
    return most[0]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    t = time.perf_counter()
    most = run(a.examples, a.seed)
    print(f"{a.examples} answers files graded without an undesigned error in {time.perf_counter() - t:.1f} s; "
          f"the most work of one: {most:,} units ({most / WORK_PER_ANSWER:.2f} of one answer's bound)")
