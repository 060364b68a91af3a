"""Measure the worst case of one ``check`` over every hostile input of the test suite (issue 15): wall time,
CPU time and peak memory of each ``python -m backprop_cli check`` as a child process (``os.wait4`` gives the
child's own ``ru_maxrss`` and CPU times).

    python benchmarks/hostile_check.py [--repeat 1] [--top 15]

The inputs: every hostile formula (tests/test_hostile.py) as an answer to affine's dJ/da, every hostile
exercise file (the same module) checked with an empty answers file, every hostile file of the soak class
(tests/test_soak.py, a FIFO included), the hostile work of tests/test_hostile_work.py (chains of 250
equations, residual chains of 20 and 300 blocks, an answer of 30 products of ones(1000, 1000), 5,000
consumers of one input, concrete sizes of 300) and the difference quotients of fuzz/quotients.py. The first
line is an ordinary check (affine with its sample solution) and the import floor, for scale.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "fuzz")]

import yaml  # noqa: E402

import test_hostile  # noqa: E402
import test_hostile_work  # noqa: E402
import test_soak  # noqa: E402
from quotients import family  # noqa: E402


def _yaml(path: Path, data) -> str:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def cases(tmp: Path) -> list[tuple[str, str, str]]:
    """(name, exercise, answers file) of every hostile check."""
    out = [("ordinary: affine solution", "affine", str(ROOT / "solutions" / "affine.yaml"))]
    for i, p in enumerate(test_hostile.HOSTILE_FORMULAS):
        out.append((f"formula {p.id}", "affine", _yaml(tmp / f"f{i}.yaml", {"answers": {"dJ/da": p.values[0]}})))
    empty = _yaml(tmp / "empty.yaml", {"answers": {}})
    for i, p in enumerate(test_hostile.HOSTILE_EXERCISES):
        ex = tmp / f"bad{i}.yaml"
        ex.write_text(p.values[0], encoding="utf-8")
        out.append((f"exercise {p.id}", str(ex), empty))
    for name, files in test_soak.HOSTILE.items():
        folder = tmp / "soak" / name.lstrip("+=")
        test_soak._write(folder, files)
        for file in files:
            stem = file.split(".")[0]
            ex = stem if stem in test_soak.EXERCISES else "affine"
            out.append((f"soak {name}/{file}"[:60], ex, str(folder / file)))
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    out.append(("soak fifo", "affine", str(fifo)))
    work = tmp / "work"
    work.mkdir()
    chain250 = test_hostile_work.write(work, "chain250.yaml", test_hostile_work.chain(250))
    out.append(("work chain250 (wrong answers)", chain250,
                _yaml(work / "a250.yaml", {"answers": {"dL/dx": "w * x", "dL/dw": "x * x^T"}})))
    for n in (20, 300):
        ex = test_hostile_work.write(work, f"res{n}.yaml", test_hostile_work.chain(n, True) | {"answers_may_use": "given"})
        out.append((f"work residual {n} blocks (wrong)", ex,
                    _yaml(work / f"r{n}.yaml", {"answers": {"dL/dx": "w * x", "dL/dw": "x * x^T"}})))
    heavy = "sum(" + " ⊙ ".join(["ones(1000, 1000)"] * 30) + ") * dJ/dc"
    out.append(("work 30 x ones(1000, 1000)", "affine", _yaml(work / "heavy.yaml", {"answers": {"dJ/db": heavy}})))
    expensive = test_soak.EXPENSIVE
    out.append(("work expensive matmuls", "affine", _yaml(work / "exp.yaml", {"answers": {"dJ/da": expensive}})))
    fan = ["s0 = x"] + [f"s{i} = s{i - 1} + x" for i in range(1, 5000)] + ["L = s4999"]
    ex = test_hostile_work.write(work, "fan.yaml", {"id": "fan", "title": "Fan-out", "inputs": {"x": "scalar"},
                                                     "forward": fan, "loss": "L", "questions": ["dL/dx"]})
    out.append(("work 5000 consumers", ex, _yaml(work / "fan-a.yaml", {"answers": {"dL/dx": "5000"}})))
    big = {"id": "big", "title": "Big", "inputs": {"x": [300, 1], "W": [300, 300]},
           "forward": ["h = W * x", "L = sum(σ(h))"], "loss": "L", "questions": ["dL/dW", "dh/dx"]}
    out.append(("work sizes 300", test_hostile_work.write(work, "big.yaml", big),
                _yaml(work / "big-a.yaml", {"answers": {"dL/dW": "x * x^T"}})))
    for name in ("two-layer dLoss/dx", "softplus dz/dx", "gelu dz/dx"):
        for order, kind, step in ((8, "forward", 1e-6), (4, "central", 1e-3), (8, "central", 0.03)):
            exercise, q, answer = family(name, order, kind, step, hidden=True)
            out.append((f"quotient {name} {kind} {order} {step:g}", exercise,
                        _yaml(tmp / f"q-{len(out)}.yaml", {"answers": {q: answer}})))
    return out


def measure(exercise: str, answers: str, cwd: Path) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak resident MiB, exit code) of one check in a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "backprop_cli", "check", exercise, "--answers", answers,
                             "--format", "json"], cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def floor(cwd: Path) -> tuple[float, float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import numpy, yaml, click, rich"], cwd=cwd)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1, help="runs per case; the worst is kept")
    ap.add_argument("--top", type=int, default=15, help="rows of the table (the slowest)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = []
        for name, exercise, answers in cases(tmp):
            runs = [measure(exercise, answers, tmp) for _ in range(a.repeat)]
            rows.append((name, max(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs), runs[0][3]))
        fl = floor(tmp)
    print(f"load average {os.getloadavg()[0]:.1f}; import floor (numpy, yaml, click, rich): "
          f"{fl[0]:.2f} s wall, {fl[1]:.2f} s CPU, {fl[2]:.0f} MiB")
    print(f"{len(rows)} checks; the {a.top} slowest:")
    print(f"{'case':60} {'wall s':>7} {'CPU s':>7} {'MiB':>6} {'exit':>4}")
    for name, wall, cpu, mib, code in sorted(rows, key=lambda r: -r[1])[:a.top]:
        print(f"{name:60} {wall:7.2f} {cpu:7.2f} {mib:6.0f} {code:4}")
    for label, k in (("wall time", 1), ("CPU time", 2), ("peak memory", 3)):
        worst = max(rows, key=lambda r: r[k])
        unit = "MiB" if k == 3 else "s"
        print(f"worst {label}: {worst[k]:.2f} {unit}  ({worst[0]})")
    crashed = [r[0] for r in rows if r[4] not in (0, 1, 2)]
    print(f"exit codes other than 0/1/2: {crashed or 'none'}")


if __name__ == "__main__":
    main()
