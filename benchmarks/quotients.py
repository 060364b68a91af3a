"""Measure how far difference quotients and exact answers drift under float32 rounding, the numbers behind
the thresholds of grade/precision.py (issue 15, item 1).

    python benchmarks/quotients.py              # the quotient families (fuzz/quotients.py)
    python benchmarks/quotients.py --corpus     # and every correct answer the test suite grades (~2 min)

For each quotient (family, forward/central, order 2..8, step 1e-1..1e-6, step written plainly or hidden in
factors): its verdict with the float64 agreement rules alone (``exact``) and with the precision re-check
(``final``), the median drift over the trials (``drift``: how far the answer moves when every intermediate
is rounded to float32, relative to the reference's largest entry) and its ``level``: a trial's suspicion is
min(drift / FLOOR, drift / (RATIO × the reference's drift)), and the level is the SUSPECT-th largest over the
trials, so an answer is refused exactly when its level is over 1. ``--corpus`` runs the tests with
benchmarks/drift_plugin.py and prints the largest level of any correct answer: it must stay below 1.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fuzz"))

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from backprop_cli.exercise.answers import match_answers, parse_answers  # noqa: E402
from backprop_cli.exercise.model import load_exercise  # noqa: E402
from backprop_cli.exercise.yamlio import load_yaml_text  # noqa: E402
from backprop_cli.formula.parser import parse  # noqa: E402
from backprop_cli.derive.infer import canonical, infer  # noqa: E402
from backprop_cli.derive.numeric import evaluate  # noqa: E402
from backprop_cli.grade import precision  # noqa: E402
from backprop_cli.grade.grading import grade  # noqa: E402
from backprop_cli.grade.reference import prepared  # noqa: E402
from quotients import FAMILIES, family  # noqa: E402

STEPS = (1e-1, 3e-2, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)


def verdict(ref, question: str, answer: str, recheck: bool = True) -> str:
    ex = ref.exercise
    answers = match_answers(ex, parse_answers(load_yaml_text(yaml.safe_dump({"answers": {question: answer}},
                                                                            allow_unicode=True), "q.yaml"), "q.yaml"))
    stable = precision.stable
    if not recheck:
        precision.stable = lambda *a: True
    try:
        r = next(r for r in grade(ref, answers).results if r.question == question)
    finally:
        precision.stable = stable
    return r.status if r.status != "incorrect" else r.message.split(".")[-1]


def level(trials) -> float:
    """The SUSPECT-th largest suspicion of the trials' (answer drift, reference drift): over 1 is refused."""
    s = sorted((min(d / precision.FLOOR, d / max(precision.RATIO * r, 1e-300)) for d, r, *_ in trials), reverse=True)
    return s[precision.SUSPECT - 1] if len(s) >= precision.SUSPECT else 0.0


def drifts(ref, question: str, answer: str) -> list[tuple[float, float]]:
    """(answer drift, reference drift) per trial."""
    q = next(q for q in ref.questions if q.key == question)
    g = ref.graph
    scope = ref.scope_for(q)
    e = parse(answer, g.functions, set(g.shapes) | {g.loss})
    infer(e, scope, answer)
    e = canonical(e, scope)
    rows = []
    for t in ref.trials:
        env, r = ref.env(t), np.asarray(ref.value(t, q), dtype=float)
        scale = float(np.max(np.abs(r)))
        rows.append((precision.drift(e, env, evaluate(e, env), scale), precision.reference_drift(q, env, r, scale)))
    return rows


def quotient_table(orders=(2, 4, 6, 8), steps=STEPS, kinds=("central", "forward")) -> None:
    print(f"FLOOR {precision.FLOOR:g}, RATIO {precision.RATIO:g}, SUSPECT {precision.SUSPECT}")
    print(f"{'family':20} {'kind':8} {'ord':>3} {'step':>6} {'hidden':6} {'chars':>5} {'exact':>11} {'final':>11} "
          f"{'drift':>8} {'level':>9}")
    refs = {}
    for name in FAMILIES:
        for kind in kinds:
            for order in orders:
                if kind == "central" and order % 2:
                    continue
                for step in steps:
                    for hidden in ((False, True) if step < 1e-3 else (False,)):
                        exercise, question, answer = family(name, order, kind, step, hidden)
                        if exercise not in refs:
                            refs[exercise] = prepared(load_exercise(str(ROOT / "exercises" / f"{exercise}.yaml")), 0)
                        ref = refs[exercise]
                        before, after = verdict(ref, question, answer, False), verdict(ref, question, answer)
                        try:
                            rows = drifts(ref, question, answer)
                            d, lv = float(np.median([r[0] for r in rows])), level(rows)
                        except Exception:           # refused before evaluation (a step constant, a limit)
                            d = lv = float("nan")
                        print(f"{name:20} {kind:8} {order:3} {step:6.0e} {str(hidden):6} {len(answer):5} {before:>11} "
                              f"{after:>11} {d:8.1e} {lv:9.2f}")


def corpus() -> None:
    log = Path(tempfile.mkdtemp()) / "drift.jsonl"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "benchmarks.drift_plugin", "tests"], cwd=ROOT,
                   env={**os.environ, "BACKPROP_DRIFT_LOG": str(log), "PYTHONPATH": str(ROOT)},
                   stdout=subprocess.DEVNULL, check=False)
    rows, quotients = {}, 0
    for line in log.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if re.search(r"\bx [+-] (0|0\.\d+) \* (\(|I\(n\)|eye\(|ones\()", r["answer"]):     # the tests' own quotients (x + 0.001 * I(n))
            quotients += 1
            continue
        if r["drifts"]:
            rows[(r["exercise"], r["question"], r["answer"])] = r["drifts"]
    worst = max(rows.items(), key=lambda kv: level(kv[1]))
    print(f"\ncorrect answers of the test suite that reached the re-check: {len(rows)} distinct")
    print(f"largest level: {level(worst[1]):.2f}  {worst[0]}")
    print(f"refused by the thresholds: {[k for k, v in rows.items() if level(v) > 1]}")
    print(f"(left out: {quotients} gradings of the tests' own difference quotients)")

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", action="store_true", help="also measure every correct answer of the test suite")
    ap.add_argument("--beyond", action="store_true", help="orders 10-16 at steps 0.05-0.5 (the limits)")
    a = ap.parse_args()
    quotient_table()
    if a.beyond:
        quotient_table(orders=(10, 12, 16), steps=(0.5, 0.3, 0.2, 0.1, 0.05), kinds=("central",))
    if a.corpus:
        corpus()
