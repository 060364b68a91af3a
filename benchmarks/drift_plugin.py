"""A pytest plugin for benchmarks/quotients.py: while the test suite runs, every answer that reaches the
precision re-check is accepted, and its float32 drift, the reference's and its float64 distance from the reference are written, one JSON line per
answer, to the file named by ``BACKPROP_DRIFT_LOG``. So the thresholds of grade/precision.py are measured
over every correct answer of every corpus the tests grade.

    BACKPROP_DRIFT_LOG=/tmp/drift.jsonl python3 -m pytest -q -p benchmarks.drift_plugin
"""
from __future__ import annotations

import json
import os

import numpy as np

from backprop_cli.formula.printers import plain
from backprop_cli.grade import precision


def _record(ref, q, e, values) -> bool:
    rows = []
    for v, t in zip(values, ref.trials):
        r = np.asarray(ref.value(t, q), dtype=float)
        scale = float(np.max(np.abs(r), initial=0.0))
        if scale == 0.0:
            continue
        env = ref.env(t)
        rows.append((precision.drift(e, env, v, scale), precision.reference_drift(q, env, r, scale),
                     float(np.max(np.abs(np.asarray(v, dtype=float) - r), initial=0.0)) / scale))
    with open(os.environ["BACKPROP_DRIFT_LOG"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"exercise": ref.exercise.id, "question": q.key, "answer": plain(e)[:300],
                              "drifts": rows}) + "\n")
    return True


def pytest_configure(config):
    if os.environ.get("BACKPROP_DRIFT_LOG"):
        precision.stable = _record
