"""Measure the Python API and where one answer's time goes (SPEC section 11), as rates and shares.

    python benchmarks/stages.py [--calls 400]

1. ``backprop_cli.check("affine", solutions/affine.yaml)`` calls per second, warm (target ≥ 1,000), and
   the growth of the resident set over ``--calls`` calls (target < 20 MiB);
2. ``backprop_cli.grade_answer`` answers per second, warm, for a correct and a wrong answer;
3. the per-stage profile of one correct and one wrong answer: read the file, match keys, parse, shapes,
   evaluate the trials, compare, diagnose, in microseconds per answer.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import backprop_cli  # noqa: E402


def rate(fn, seconds: float = 1.0) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (best of three rounds)."""
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            fn()
            n += 1
        best = max(best, n / (time.perf_counter() - start))
    return best


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_profile(ex_id: str, question: str, text: str, repeat: int = 300) -> dict:
    """Microseconds per answer spent in each stage of grading ``text`` for ``question``."""
    from backprop_cli.derive.infer import infer
    from backprop_cli.derive.numeric import evaluate_trials
    from backprop_cli.grade import compare
    from backprop_cli.exercise.answers import load_answers, match_answers
    from backprop_cli.formula.parser import parse
    from backprop_cli.grade.diagnosis import diagnose
    from backprop_cli.grade.reference import prepared

    ex = backprop_cli.load_exercise(ex_id)
    ref = prepared(ex)
    q = next(q for q in ref.questions if q.question.target == question)
    g = ref.graph
    answers = str(ROOT / "solutions" / f"{ex_id}.yaml")
    n_answers = len(ex.questions)
    out = {}

    def timed(name, fn, per=1):      # best of three rounds: other processes only ever slow a round down
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(repeat):
                result = fn()
            best = min(best, (time.perf_counter() - start) / repeat / per * 1e6)
        out[name] = best
        return result

    loaded = timed("read answers file (per answer)", lambda: load_answers(answers), n_answers)
    timed("match keys (per answer)", lambda: match_answers(ex, loaded), n_answers)
    e = timed("parse", lambda: parse(text, g.functions, set(g.shapes) | {g.loss}))
    shape = timed("shapes", lambda: infer(e, ref.scope_for(q)))
    values = timed("evaluate 5 trials", lambda: evaluate_trials(e, ref.trial_envs()))
    verdict = timed("compare", lambda: compare.verdict(values, compare.expected(ref, q)))
    if verdict != compare.EXACT:
        timed("diagnose", lambda: diagnose(ref, q, values, shape, e))
    out["total (grade_answer)"] = 1e6 / rate(lambda: backprop_cli.grade_answer(ex_id, question, text))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=400)
    args = ap.parse_args()
    answers = str(ROOT / "solutions" / "affine.yaml")
    backprop_cli.check("affine", answers)          # warm: imports, preparation
    for _ in range(50):
        backprop_cli.check("affine", answers)
    before = rss_mib()
    start = time.perf_counter()
    for _ in range(args.calls):
        backprop_cli.check("affine", answers)
    elapsed = time.perf_counter() - start
    grown = rss_mib() - before
    print(f"API check: {args.calls / elapsed:.0f} calls/s on affine (9 questions; target >= 1000), "
          f"memory growth over {args.calls} calls: {grown:.1f} MiB (target < 20)")
    right, wrong = "a^T @ dJ/dc", "dJ/dc^T @ a"
    print(f"API grade_answer: {rate(lambda: backprop_cli.grade_answer('affine', 'dJ/dW', right)):.0f} correct/s, "
          f"{rate(lambda: backprop_cli.grade_answer('affine', 'dJ/dW', wrong)):.0f} wrong/s")
    for label, text in (("correct", right), ("wrong (transposed)", wrong)):
        prof = stage_profile("affine", "dJ/dW", text)
        print(f"stages of one {label} answer to affine dJ/dW, µs: " +
              ", ".join(f"{k} {v:.0f}" for k, v in prof.items()))
    print(f"numpy {np.__version__}")


if __name__ == "__main__":
    main()
